"""Indicator computations for the dashboards (docs/indicators.md).

Every function here reads aggregates and service records with a fixed number of queries,
whatever the number of teams or months: contacts are read only through the rollups
(``peerway.contacts.rollups.totals``: monthly rows for whole months, daily rows for the
partial months at the edges of a period), never from the raw contact table. These are the
functions the benchmark calls:

- ``place_dashboard(organization, teams=, period=, k=None)``: everything on an
  organization, site or team dashboard (``k`` set: aggregate-only with small cells
  suppressed, as evaluators see it);
- ``worker_dashboard(organization, worker_user, period=)``;
- ``supervision_dashboard(organization, supervisor, period=)``;
- and the single indicators they are built from: ``drift``, ``out_of_scope_tasks``,
  ``referrals_by_source``, ``acceptance``, ``time_to_first_contact``,
  ``contacts_per_person``, ``structure``, ``safety``, ``workforce``, ``readiness_trend``,
  ``plan_progress``.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import formats, timezone

from peerway.contacts import rollups
from peerway.contacts.drift import DriftRow, drift_rows, scopes_for
from peerway.contacts.models import ALL_ACTIVITIES
from peerway.core.models import Membership, Organization, Team, User
from peerway.core.roles import Role

DEFAULT_K = 5


def k_for_evaluators() -> int:
    return getattr(settings, "PEERWAY_INDICATORS_K", DEFAULT_K)


# --- Periods -------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def months(self) -> list[dt.date]:
        out, m = [], month_start(self.start)
        while m <= self.end:
            out.append(m)
            m = add_months(m, 1)
        return out

    @property
    def partial_month(self) -> dt.date | None:
        """The last month when the period stops before that month's last day (the month to
        date, whose counts are still growing), else None."""
        last = month_start(self.end)
        if add_months(last, 1) - dt.timedelta(days=1) > self.end:
            return last
        return None

    @classmethod
    def last_months(cls, months: int, today: dt.date | None = None) -> Period:
        """``months`` whole calendar months ending with the current one (up to today)."""
        today = today or timezone.localdate()
        return cls(add_months(month_start(today), -(months - 1)), today)


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _day_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


# --- Suppression ---------------------------------------------------------------------------


def small(n: int | None, k: int | None) -> bool:
    """A cell is small (suppressed for aggregate-only readers) when 0 < n < k."""
    return k is not None and n is not None and 0 < n < k


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int
    per: int = 100  # 100: a percentage

    @property
    def value(self) -> float | None:
        if not self.denominator:
            return None
        return round(self.per * self.numerator / self.denominator, 1)


# --- Drift ---------------------------------------------------------------------------------


def _totals(organization: Organization, teams, period: Period, **options):
    return rollups.totals(
        organization,
        start=period.start,
        end=period.end,
        team__in=[t.pk for t in teams],
        **options,
    )


def drift(
    organization: Organization,
    teams,
    period: Period,
    *,
    by: str = "team",
    worker=None,
    workers=None,
) -> list[DriftRow]:
    """Drift per month and team (``by="team"``) or per month, team and worker, as
    ``peerway.contacts.drift.drift`` defines it (``worker``: one worker's rows;
    ``workers``: only these workers' minutes)."""
    if by not in ("worker", "team"):
        raise ValueError(by)
    teams = list(teams)
    filters = {}
    if worker is not None:
        filters["worker"] = worker
    if workers is not None:
        filters["worker__in"] = list(workers)
    return drift_rows(
        organization,
        scopes_for(organization, teams),
        by=by,
        start=period.start,
        end=period.end,
        **filters,
    )


def team_rows(worker_rows: list[DriftRow]) -> list[DriftRow]:
    """Drift per month and team summed from per-worker rows (the same figures as
    ``drift(by="team")``: a team's minutes are its workers' minutes), without reading the
    rollups again."""
    sums: dict[tuple[dt.date, int], list] = {}
    for r in worker_rows:
        total = sums.setdefault((r.month, r.team_id), [0, 0, r])
        total[0] += r.minutes
        total[1] += r.out_of_scope_minutes
    result = [
        DriftRow(
            month=month,
            team_id=team_id,
            worker_id=None,
            minutes=minutes,
            out_of_scope_minutes=out,
            threshold_percent=first.threshold_percent,
            approved=first.approved,
        )
        for (month, team_id), (minutes, out, first) in sums.items()
    ]
    result.sort(key=lambda r: (r.month, r.team_id))
    return result


def out_of_scope_tasks(
    organization: Organization, team: Team, period: Period, *, worker=None
) -> list[tuple[str, int]]:
    """The out-of-scope task codes logged on a team in the period, with their minutes,
    largest first (what drove the drift)."""
    scope = scopes_for(organization, [team])[team.pk]
    filters = {"worker": worker} if worker is not None else {}
    totals = _totals(
        organization,
        [team],
        period,
        keys=["activity"],
        monthly=False,
        activity__in=sorted(scope.out_of_scope),
        **filters,
    )
    return sorted(
        ((activity, row["minutes"]) for (activity,), row in totals.items() if row["minutes"]),
        key=lambda x: (-x[1], x[0]),
    )


# --- Utilization ---------------------------------------------------------------------------


def referrals_by_source(organization: Organization, teams, period: Period) -> dict:
    """{(month, team_id, source): count} for referrals created in the period."""
    from peerway.support.models import Referral

    start, end = _day_bounds(period)
    rows = (
        Referral.objects.filter(
            person__organization=organization,
            team__in=[t.pk for t in teams],
            created_at__gte=start,
            created_at__lt=end,
        )
        .annotate(month=TruncMonth("created_at"))
        .values("month", "team_id", "source")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(_as_date(r["month"]), r["team_id"], r["source"]): r["n"] for r in rows}


def acceptance(organization: Organization, teams, period: Period) -> Rate:
    """Referrals accepted ÷ referrals with an answer (accepted or declined) in the period (a
    referral belongs to one team: the teams' counts add up)."""
    parts = acceptance_by_team(organization, teams, period).values()
    return Rate(sum(r.numerator for r in parts), sum(r.denominator for r in parts))


def acceptance_by_team(organization: Organization, teams, period: Period) -> dict[int, Rate]:
    """{team_id: ``acceptance`` of that team alone} (one query): the parts of a place's
    rate, whose counts a team's report prints."""
    from peerway.support.models import ReferralEvent, ReferralState

    start, end = _day_bounds(period)
    rows = (
        ReferralEvent.objects.filter(
            referral__person__organization=organization,
            referral__team__in=[t.pk for t in teams],
            state__in=[ReferralState.ACCEPTED, ReferralState.DECLINED],
            at__gte=start,
            at__lt=end,
        )
        .values_list("referral__team_id", "referral_id", "state")
        .distinct()
    )
    answered: dict[int, set[int]] = defaultdict(set)
    accepted: dict[int, set[int]] = defaultdict(set)
    for team_id, referral_id, state in rows:
        answered[team_id].add(referral_id)
        if state == ReferralState.ACCEPTED:
            accepted[team_id].add(referral_id)
    return {t: Rate(len(accepted[t]), len(answered[t])) for t in answered}


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Wait:
    n: int
    median_days: float | None
    p90_days: float | None


def time_to_first_contact(organization: Organization, teams, period: Period) -> Wait:
    """Days from each referral's creation to its first-contact step, for first contacts
    recorded in the period."""
    from peerway.support.models import ReferralEvent, ReferralState

    start, end = _day_bounds(period)
    rows = (
        ReferralEvent.objects.filter(
            referral__person__organization=organization,
            referral__team__in=[t.pk for t in teams],
            state=ReferralState.FIRST_CONTACT,
            at__gte=start,
            at__lt=end,
        )
        .values_list("referral_id", "referral__created_at", "at")
        .order_by("referral_id", "at")
    )
    first: dict[int, float] = {}
    for referral_id, created, at in rows:
        if referral_id not in first:
            first[referral_id] = max((at - created).total_seconds(), 0) / 86400
    days = list(first.values())
    median = statistics.median(days) if days else None
    p90 = percentile(days, 0.9)
    return Wait(
        len(days),
        round(median, 1) if median is not None else None,
        round(p90, 1) if p90 is not None else None,
    )


def first_contacts_by_team(organization: Organization, teams, period: Period) -> dict[int, int]:
    """{team_id: referrals whose first contact was recorded in the period}, the count behind
    ``time_to_first_contact`` for each team (one grouped query)."""
    from peerway.support.models import ReferralEvent, ReferralState

    start, end = _day_bounds(period)
    rows = (
        ReferralEvent.objects.filter(
            referral__person__organization=organization,
            referral__team__in=[t.pk for t in teams],
            state=ReferralState.FIRST_CONTACT,
            at__gte=start,
            at__lt=end,
        )
        .values("referral__team_id")
        .annotate(n=Count("referral_id", distinct=True))
        .order_by()
    )
    return {r["referral__team_id"]: r["n"] for r in rows}


def _open_relationships(organization: Organization, teams, period: Period) -> list[tuple]:
    from peerway.support.models import PeerRelationship

    return list(
        PeerRelationship.objects.filter(
            person__organization=organization,
            person__team__in=[t.pk for t in teams],
            started_on__lte=period.end,
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=period.start))
        .values_list("person__team_id", "person_id", "started_on", "ended_on")
    )


def contacts_per_person(
    organization: Organization, teams, period: Period, *, relationships=None
) -> dict[tuple[dt.date, int], Rate]:
    """{(month, team_id): attendances ÷ people with a relationship open in the month}."""
    counts = {
        key: row["attendances"]
        for key, row in _totals(
            organization,
            teams,
            period,
            keys=["team_id"],
            sums=["attendances"],
            activity=ALL_ACTIVITIES,
        ).items()
    }
    if relationships is None:
        relationships = _open_relationships(organization, teams, period)
    people: dict[tuple[dt.date, int], set[int]] = defaultdict(set)
    for month in period.months:
        month_end = add_months(month, 1) - dt.timedelta(days=1)
        for team_id, person_id, started, ended in relationships:
            if started <= month_end and (ended is None or ended >= month):
                people[(month, team_id)].add(person_id)
    result = {}
    for key in set(counts) | set(people):
        denominator = len(people.get(key, ()))
        if denominator:
            result[key] = Rate(counts.get(key, 0), denominator, per=1)
    return result


# --- Structure and workforce ---------------------------------------------------------------


@dataclass
class WorkerInfo:
    user: User
    team_ids: set[int]
    fte: Decimal | None
    start_date: dt.date | None
    end_date: dt.date | None
    status: str
    every_days: int
    last_session: dt.date | None = None
    compliant: bool = False
    checked_in: bool = False
    supervisor_ids: set[int] = field(default_factory=set)

    @property
    def active(self) -> bool:
        from peerway.workforce.models import EmploymentStatus

        return self.status != EmploymentStatus.ENDED

    def cadence_met(self, on: dt.date) -> bool:
        return self.last_session is not None and (on - self.last_session).days <= self.every_days


def workers(
    organization: Organization, teams, period: Period, *, include_leavers: bool = False
) -> dict[int, WorkerInfo]:
    """Peer workers placed on the teams, with employment, supervision, training and
    check-in facts as of the end of the period (six queries in all). ``include_leavers``
    (organization-wide figures): also workers whose profile shows an end of employment,
    even without a placement any more (for turnover)."""
    from peerway.workforce.models import (
        RecordKind,
        SupervisionSession,
        TrainingRecord,
        WellbeingCheckIn,
        WorkerProfile,
    )
    from peerway.workforce.selectors import _latest_by_title

    teams = list(teams)
    memberships = list(
        Membership.objects.filter(
            organization=organization, role=Role.PEER_WORKER, user__is_active=True
        ).select_related("user", "team__site")
    )
    # Which teams each membership covers (``Membership.covers_team``), by lookup rather
    # than membership × team: a region has a thousand workers and over a hundred teams.
    team_ids = {t.pk for t in teams if t.site.organization_id == organization.pk}
    by_site: dict[int, set[int]] = defaultdict(set)
    for team in teams:
        if team.pk in team_ids:
            by_site[team.site_id].add(team.pk)
    placed: dict[int, tuple[User, set[int]]] = {}
    for m in memberships:
        if m.team_id:
            covered = {m.team_id} & team_ids
        elif m.site_id:
            covered = by_site.get(m.site_id, set())
        else:
            covered = team_ids
        if covered:
            placed.setdefault(m.user_id, (m.user, set()))[1].update(covered)
    profile_q = Q(user__in=list(placed))
    if include_leavers:
        profile_q |= Q(end_date__isnull=False)
    profiles = {
        p.user_id: p
        for p in WorkerProfile.objects.filter(profile_q, organization=organization)
        .select_related("user")
        .prefetch_related("supervisors")
        .order_by()
    }
    for pk, p in profiles.items():
        placed.setdefault(pk, (p.user, set()))
    ids = list(placed)
    default_every = settings.PEERWAY_SUPERVISION_EVERY_DAYS
    info: dict[int, WorkerInfo] = {}
    for pk, (user, team_ids) in placed.items():
        p = profiles.get(pk)
        info[pk] = WorkerInfo(
            user=user,
            team_ids=team_ids,
            fte=p.fte if p else None,
            start_date=p.start_date if p else None,
            end_date=p.end_date if p else None,
            status=p.status if p else "active",
            every_days=(p.supervision_every_days if p and p.supervision_every_days else None)
            or default_every,
            supervisor_ids={s.pk for s in p.supervisors.all()} if p else set(),
        )
    for row in (
        SupervisionSession.objects.filter(
            organization=organization, worker__in=ids, date__lte=period.end
        )
        .values("worker_id")
        .annotate(last=Max("date"))
        .order_by()
    ):
        info[row["worker_id"]].last_session = row["last"]
    records: dict[int, list] = defaultdict(list)
    for r in TrainingRecord.objects.filter(organization=organization, user__in=ids).order_by():
        records[r.user_id].append(r)
    for pk, w in info.items():
        latest = [r for r in _latest_by_title(records.get(pk, [])) if r.completed_on <= period.end]
        lapsed = any(r.expires_on and r.expires_on < period.end for r in latest)
        certified = any(
            r.kind == RecordKind.CERTIFICATION and not (r.expires_on and r.expires_on < period.end)
            for r in latest
        )
        w.compliant = certified and not lapsed
    for pk in (
        WellbeingCheckIn.objects.filter(
            organization=organization,
            worker__in=ids,
            completed_on__gte=period.start,
            completed_on__lte=period.end,
        )
        .values_list("worker_id", flat=True)
        .distinct()
    ):
        info[pk].checked_in = True
    return info


@dataclass
class TeamStructure:
    team: Team
    workers: list[WorkerInfo]

    @property
    def active(self) -> list[WorkerInfo]:
        return [w for w in self.workers if w.active]

    @property
    def headcount(self) -> int:
        return len(self.active)

    @property
    def fte(self) -> Decimal:
        return sum((w.fte or Decimal(0) for w in self.active), start=Decimal(0))

    @property
    def lone_peer(self) -> bool:
        return self.headcount == 1

    def training(self) -> Rate:
        return Rate(sum(1 for w in self.active if w.compliant), self.headcount)

    def supervision(self, on: dt.date) -> Rate:
        return Rate(sum(1 for w in self.active if w.cadence_met(on)), self.headcount)


def structure(teams, info: dict[int, WorkerInfo]) -> list[TeamStructure]:
    return [
        TeamStructure(
            team,
            sorted(
                (w for w in info.values() if team.pk in w.team_ids),
                key=lambda w: w.user.display_name,
            ),
        )
        for team in teams
    ]


@dataclass(frozen=True)
class WorkforceFigures:
    checkins: Rate
    employed_at_start: int
    leavers: int
    retained: int

    @property
    def turnover(self) -> Rate:
        return Rate(self.leavers, self.employed_at_start)

    @property
    def retention(self) -> Rate:
        return Rate(self.retained, self.employed_at_start)


def workforce(info: dict[int, WorkerInfo], period: Period) -> WorkforceFigures:
    def employed_on(w: WorkerInfo, day: dt.date) -> bool:
        started = w.start_date is None or w.start_date <= day
        ended = w.end_date is not None and w.end_date < day
        return started and not ended and (w.active or w.end_date is not None)

    active = [w for w in info.values() if w.active]
    at_start = [w for w in info.values() if employed_on(w, period.start)]
    leavers = [w for w in info.values() if w.end_date and period.start <= w.end_date <= period.end]
    return WorkforceFigures(
        checkins=Rate(sum(1 for w in active if w.checked_in), len(active)),
        employed_at_start=len(at_start),
        leavers=len(leavers),
        retained=sum(1 for w in at_start if employed_on(w, period.end)),
    )


def place_parts(structure, whole: WorkforceFigures, period: Period) -> list[WorkforceFigures]:
    """The workforce figures of each team of a place (its workers as on the team's own
    dashboard) and, where the place's figures also count workers placed on none of its
    teams (the organization's leavers no longer placed), those as one more part. A place's
    count, or a rate that gives a count with its denominator, is hidden when any part's is
    small (decision 36)."""
    parts = [workforce({w.user.pk: w for w in ts.workers}, period) for ts in structure]
    placed = workforce({w.user.pk: w for ts in structure for w in ts.workers}, period)
    rest = WorkforceFigures(
        checkins=Rate(
            whole.checkins.numerator - placed.checkins.numerator,
            whole.checkins.denominator - placed.checkins.denominator,
        ),
        employed_at_start=whole.employed_at_start - placed.employed_at_start,
        leavers=whole.leavers - placed.leavers,
        retained=whole.retained - placed.retained,
    )
    if (rest.checkins.denominator, rest.employed_at_start, rest.leavers) != (0, 0, 0):
        parts.append(rest)
    return parts


# --- Safety --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamSafety:
    team_id: int
    boundary: Rate  # per 100 relationships
    risk_by_path: dict[str, int]


def safety(
    organization: Organization, teams, period: Period, *, relationships=None
) -> dict[int, TeamSafety]:
    from peerway.recovery.models import EventKind, ResponsePath, SafetyEvent

    teams = list(teams)
    if relationships is None:
        relationships = _open_relationships(organization, teams, period)
    active: dict[int, int] = defaultdict(int)
    for team_id, _person, _s, _e in relationships:
        active[team_id] += 1
    boundary: dict[int, int] = defaultdict(int)
    risk: dict[int, dict[str, int]] = {t.pk: dict.fromkeys(ResponsePath.values, 0) for t in teams}
    for row in (
        SafetyEvent.objects.filter(
            organization=organization,
            team__in=[t.pk for t in teams],
            occurred_on__gte=period.start,
            occurred_on__lte=period.end,
        )
        .values("team_id", "kind", "response_path")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row["kind"] == EventKind.BOUNDARY:
            boundary[row["team_id"]] += row["n"]
        elif row["kind"] == EventKind.RISK and row["response_path"]:
            risk[row["team_id"]][row["response_path"]] += row["n"]
    return {
        t.pk: TeamSafety(t.pk, Rate(boundary[t.pk], active[t.pk], per=100), risk[t.pk])
        for t in teams
    }


@dataclass(frozen=True)
class SafetyTaskFigures:
    """Safety tasks raised on a team in the period (risk concerns and questionnaire
    triggers): how fast they were acknowledged and closed, how many escalated, how many are
    still unacknowledged past their deadline."""

    tasks: int
    ack_minutes: tuple[float, ...]
    close_hours: tuple[float, ...]
    escalated: int
    open_overdue: int

    @property
    def median_ack_minutes(self) -> float | None:
        return round(statistics.median(self.ack_minutes), 1) if self.ack_minutes else None

    @property
    def median_close_hours(self) -> float | None:
        return round(statistics.median(self.close_hours), 1) if self.close_hours else None

    @classmethod
    def merged(cls, figures) -> SafetyTaskFigures:
        figures = list(figures)
        return cls(
            sum(f.tasks for f in figures),
            tuple(m for f in figures for m in f.ack_minutes),
            tuple(h for f in figures for h in f.close_hours),
            sum(f.escalated for f in figures),
            sum(f.open_overdue for f in figures),
        )


def safety_tasks(
    organization: Organization, teams, period: Period, *, now: dt.datetime | None = None
) -> dict[int, SafetyTaskFigures]:
    """Per team: safety tasks created in the period (one query)."""
    from peerway.outcomes.models import SafetyStatus, SafetyTask

    now = now or timezone.now()
    teams = list(teams)
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min))
    rows: dict[int, dict] = {
        t.pk: {"tasks": 0, "ack": [], "close": [], "escalated": 0, "overdue": 0} for t in teams
    }
    for task in SafetyTask.objects.filter(
        organization=organization,
        team__in=[t.pk for t in teams],
        created_at__gte=start,
        created_at__lt=end,
    ).values(
        "team_id", "status", "created_at", "acknowledged_at", "closed_at", "due_at", "escalated_at"
    ):
        row = rows[task["team_id"]]
        row["tasks"] += 1
        if task["acknowledged_at"]:
            row["ack"].append((task["acknowledged_at"] - task["created_at"]).total_seconds() / 60)
        if task["closed_at"]:
            row["close"].append((task["closed_at"] - task["created_at"]).total_seconds() / 3600)
        if task["escalated_at"]:
            row["escalated"] += 1
        if task["status"] == SafetyStatus.OPEN and task["due_at"] and task["due_at"] <= now:
            row["overdue"] += 1
    return {
        team_id: SafetyTaskFigures(
            r["tasks"], tuple(r["ack"]), tuple(r["close"]), r["escalated"], r["overdue"]
        )
        for team_id, r in rows.items()
    }


# --- Readiness and plan --------------------------------------------------------------------


@dataclass(frozen=True)
class ReadinessPoint:
    wave: str
    closes_on: dt.date
    scale: str
    mean: float


def wave_trend_stamp(wave, release=None) -> str:
    """What a closed wave's readiness means depend on: its responses and settings (the
    release stamp), the disclosure decision stored with it (rewritten by hand, it is
    followed) and the questionnaire library."""
    import hashlib
    import json

    from peerway.assessments.reports import release_stamp
    from peerway.instruments.library import _fingerprint, organization_dir

    decision = json.dumps(release.decision, sort_keys=True) if release is not None else "-"
    library = repr(_fingerprint(organization_dir()))
    digest = hashlib.sha256(f"{decision}|{library}".encode()).hexdigest()[:24]
    return f"{release_stamp(wave)}|{digest}"


def _wave_points(wave) -> list[dict]:
    """A wave's organization-level means per scale of its first questionnaire, shown cells
    only, with the scale names in both languages (computes the wave's results)."""
    from peerway.assessments import reports
    from peerway.assessments.analysis import ALL

    results = reports.wave_results(wave)
    if not results.instruments:
        return []
    instrument = results.instruments[0]
    points = []
    for scale in results.scales.get(instrument, ()):
        cell = results.cell(instrument, scale, "organization", None, ALL)
        if cell.shown and cell.mean is not None:
            points.append(
                {
                    "scale": scale,
                    "en": results.scale_name(instrument, scale, "en"),
                    "fr": results.scale_name(instrument, scale, "fr"),
                    "mean": round(cell.mean, 2),
                }
            )
    return points


def store_wave_trend(wave):
    """Compute and store a closed wave's readiness means (``WaveTrend``): when its results
    are released, or by the first dashboard that finds them missing or stale. Stored only
    if nothing they depend on changed while they were computed."""
    from peerway.assessments.models import WaveRelease

    from .models import WaveTrend

    before = wave_trend_stamp(wave, WaveRelease.objects.filter(wave=wave).first())
    points = _wave_points(wave)
    after = wave_trend_stamp(wave, WaveRelease.objects.filter(wave=wave).first())
    trend = WaveTrend(wave=wave, stamp=after, points=points, computed_at=timezone.now())
    if before == after:
        WaveTrend.objects.update_or_create(
            wave=wave, defaults={"stamp": after, "points": points, "computed_at": timezone.now()}
        )
    return trend


def readiness_trend(organization: Organization, lang: str = "en") -> list[ReadinessPoint]:
    """Organization-level means of each closed wave's first questionnaire, per scale, for
    every audience together; a suppressed cell is left out (never shown). Read from each
    wave's stored means (``WaveTrend``), computed only when missing or stale."""
    from peerway.assessments.models import Wave, WaveRelease

    from .models import WaveTrend

    today = timezone.localdate()
    waves = list(
        Wave.objects.filter(organization=organization, closes_on__lt=today).order_by(
            "closes_on", "pk"
        )
    )
    stored = {t.wave_id: t for t in WaveTrend.objects.filter(wave__in=waves)}
    releases = {r.wave_id: r for r in WaveRelease.objects.filter(wave__in=waves)}
    key = "fr" if lang == "fr" else "en"
    points = []
    for wave in waves:
        trend = stored.get(wave.pk)
        if trend is None or trend.stamp != wave_trend_stamp(wave, releases.get(wave.pk)):
            trend = store_wave_trend(wave)
        for p in trend.points:
            points.append(ReadinessPoint(wave.name, wave.closes_on, p[key], p["mean"]))
    return points


@dataclass(frozen=True)
class PlanProgress:
    phase: str
    done: int
    total: int
    overdue: int

    @property
    def rate(self) -> Rate:
        return Rate(self.done, self.total)


def plan_progress(organization: Organization) -> list[PlanProgress]:
    from peerway.planning.plan import selectors as plan_selectors

    plan = plan_selectors.plan_for(organization)
    if plan is None:
        return []
    actions = list(plan_selectors.actions_for(plan))
    today = plan_selectors.today()
    return [
        PlanProgress(str(p.phase.name), p.done, p.total, p.overdue)
        for p in plan_selectors.progress_by_phase(plan, actions, today)
    ]


# --- Dashboards ----------------------------------------------------------------------------


@dataclass
class Flag:
    kind: str  # "drift" | "lone_peer"
    team: Team
    month: dt.date | None = None
    row: DriftRow | None = None
    tasks: list[tuple[str, int]] = field(default_factory=list)
    worker: User | None = None


@dataclass
class PlaceDashboard:
    period: Period
    teams: list[Team]
    k: int | None
    drift_by_team: list[DriftRow]
    drift_by_worker: list[DriftRow]
    drift_workers: dict[tuple[dt.date, int], int]  # (month, team) → workers who logged
    referrals: dict
    acceptance: Rate
    wait: Wait
    contacts_per_person: dict
    structure: list[TeamStructure]
    workforce: WorkforceFigures
    safety: dict[int, TeamSafety]
    safety_tasks: dict[int, SafetyTaskFigures]
    readiness: list[ReadinessPoint]
    plan: list[PlanProgress]
    flags: list[Flag]
    workers_by_id: dict[int, User]

    @property
    def aggregate_only(self) -> bool:
        return self.k is not None


def drift_flags(
    organization: Organization, teams, period: Period, drift_rows: list[DriftRow]
) -> list[Flag]:
    """Teams over their drift threshold in the latest month they logged, with the tasks
    that drove it (one more query per drifting team, bounded by the teams flagged)."""
    by_team = {t.pk: t for t in teams}
    latest: dict[int, DriftRow] = {}
    for row in drift_rows:
        if row.worker_id is None:
            latest[row.team_id] = row  # rows are sorted by month
    out = []
    for team_id, row in latest.items():
        if row.over_threshold:
            month_end = add_months(row.month, 1) - dt.timedelta(days=1)
            tasks = out_of_scope_tasks(
                organization, by_team[team_id], Period(row.month, min(month_end, period.end))
            )
            out.append(Flag("drift", by_team[team_id], row.month, row, tasks))
    return out


def lone_peer_flags(team_structure: list[TeamStructure]) -> list[Flag]:
    return [
        Flag("lone_peer", ts.team, worker=ts.active[0].user)
        for ts in team_structure
        if ts.lone_peer
    ]


def flags(
    organization: Organization,
    teams,
    period: Period,
    drift_rows: list[DriftRow],
    team_structure: list[TeamStructure],
) -> list[Flag]:
    """Teams over their drift threshold in the latest month they logged, and teams with a
    lone peer worker, with what explains each."""
    return drift_flags(organization, teams, period, drift_rows) + lone_peer_flags(team_structure)


# The parts of a place dashboard, each read from one family of records (the kinds of
# ``peerway.indicators.versions``), so that ``peerway.indicators.cache`` can keep each
# under the versions of what it reads. ``place_dashboard`` computes them all.


def drift_part(organization: Organization, teams, period: Period) -> dict:
    """From the contact rollups and the role definitions."""
    drift_by_worker = drift(organization, teams, period, by="worker")
    drift_by_team = team_rows(drift_by_worker)
    drift_workers: dict[tuple[dt.date, int], int] = defaultdict(int)
    for row in drift_by_worker:
        drift_workers[(row.month, row.team_id)] += 1
    return {
        "drift_by_worker": drift_by_worker,
        "drift_by_team": drift_by_team,
        "drift_workers": dict(drift_workers),
        "drift_flags": drift_flags(organization, teams, period, drift_by_team),
    }


def workforce_part(organization: Organization, teams, period: Period) -> dict:
    """From memberships, users and the workforce records."""
    whole = (
        not Team.objects.filter(site__organization=organization)
        .exclude(pk__in=[t.pk for t in teams])
        .exists()
    )
    info = workers(organization, teams, period, include_leavers=whole)
    team_structure = structure(teams, info)
    return {
        "structure": team_structure,
        "workforce": workforce(info, period),
        "workers_by_id": {pk: w.user for pk, w in info.items()},
        "lone_flags": lone_peer_flags(team_structure),
    }


def people_part(organization: Organization, teams, period: Period) -> dict:
    """From people, referrals and relationships."""
    return {
        "relationships": _open_relationships(organization, teams, period),
        "referrals": referrals_by_source(organization, teams, period),
        "acceptance": acceptance(organization, teams, period),
        "wait": time_to_first_contact(organization, teams, period),
    }


def assemble_place_dashboard(
    *,
    teams,
    period: Period,
    k: int | None,
    drift_part: dict,
    workforce_part: dict,
    people_part: dict,
    contacts_per_person: dict,
    safety: dict,
    safety_tasks: dict,
    readiness: list,
    plan: list,
) -> PlaceDashboard:
    return PlaceDashboard(
        period=period,
        teams=list(teams),
        k=k,
        drift_by_team=drift_part["drift_by_team"],
        drift_by_worker=[] if k is not None else drift_part["drift_by_worker"],
        drift_workers=drift_part["drift_workers"],
        referrals=people_part["referrals"],
        acceptance=people_part["acceptance"],
        wait=people_part["wait"],
        contacts_per_person=contacts_per_person,
        structure=workforce_part["structure"],
        workforce=workforce_part["workforce"],
        safety=safety,
        safety_tasks=safety_tasks,
        readiness=readiness,
        plan=plan,
        flags=drift_part["drift_flags"] + workforce_part["lone_flags"],
        workers_by_id=workforce_part["workers_by_id"],
    )


def place_dashboard(
    organization: Organization, *, teams, period: Period, k: int | None = None, lang="en"
) -> PlaceDashboard:
    """All the figures of an organization, site or team dashboard. With ``k`` (aggregate
    readers), per-worker rows are left out; the template suppresses small cells. Computed
    each time; ``peerway.indicators.cache.place_dashboard`` gives the same, cached."""
    teams = list(teams)
    people = people_part(organization, teams, period)
    relationships = people["relationships"]
    return assemble_place_dashboard(
        teams=teams,
        period=period,
        k=k,
        drift_part=drift_part(organization, teams, period),
        workforce_part=workforce_part(organization, teams, period),
        people_part=people,
        contacts_per_person=contacts_per_person(
            organization, teams, period, relationships=relationships
        ),
        safety=safety(organization, teams, period, relationships=relationships),
        safety_tasks=safety_tasks(organization, teams, period),
        readiness=readiness_trend(organization, lang),
        plan=plan_progress(organization),
    )


@dataclass
class WorkerDashboard:
    period: Period
    user: User
    teams: list[Team]
    drift: list[DriftRow]
    tasks: list[tuple[str, int]]
    activity: dict[dt.date, tuple[int, int]]  # month → (contacts, minutes)
    info: WorkerInfo | None


def worker_dashboard(organization: Organization, worker, *, period: Period) -> WorkerDashboard:
    """A worker's own figures: drift per team and month, the out-of-scope tasks behind it,
    contacts and minutes per month, supervision and training (``worker``: a workforce
    ``Worker``)."""
    teams = list(worker.teams)
    rows = drift(organization, teams, period, by="worker", worker=worker.user)
    tasks: dict[str, int] = defaultdict(int)
    for team in teams:
        for code, minutes in out_of_scope_tasks(organization, team, period, worker=worker.user):
            tasks[code] += minutes
    activity = {
        month: (row["contacts"], row["minutes"])
        for (month,), row in _totals(
            organization,
            teams,
            period,
            sums=["contacts", "minutes"],
            activity=ALL_ACTIVITIES,
            worker=worker.user,
        ).items()
    }
    info = workers(organization, teams, period).get(worker.user.pk)
    return WorkerDashboard(
        period,
        worker.user,
        teams,
        rows,
        sorted(tasks.items(), key=lambda x: (-x[1], x[0])),
        activity,
        info,
    )


@dataclass
class SupervisionRow:
    worker: WorkerInfo
    latest_drift: DriftRow | None
    cadence_met: bool


def supervision_dashboard(
    organization: Organization, supervisor: User, *, period: Period
) -> list[SupervisionRow]:
    """The supervisor's workers (assigned on the profile, else peer workers on teams the
    supervisor covers), with their latest drift and whether supervision is on cadence."""
    from peerway.core.permissions import team_filter_for

    covered = list(
        Team.objects.filter(
            team_filter_for(supervisor, {Role.SUPERVISOR, Role.MANAGER}),
            site__organization=organization,
        ).select_related("site")
    )
    all_teams = list(Team.objects.filter(site__organization=organization).select_related("site"))
    info = workers(organization, all_teams, period)
    covered_ids = {t.pk for t in covered}
    mine = [
        w
        for w in info.values()
        if supervisor.pk in w.supervisor_ids or (not w.supervisor_ids and w.team_ids & covered_ids)
    ]
    mine_ids = {w.user.pk for w in mine}
    rows = drift(organization, all_teams, period, by="worker", workers=mine_ids)
    latest: dict[int, DriftRow] = {}
    for r in rows:
        if r.worker_id in mine_ids:
            current = latest.get(r.worker_id)
            if current is None or (r.month, r.percent) >= (current.month, current.percent):
                latest[r.worker_id] = r
    return [
        SupervisionRow(w, latest.get(w.user.pk), w.cadence_met(period.end))
        for w in sorted(mine, key=lambda w: w.user.display_name)
    ]


# --- Recommendations -----------------------------------------------------------------------


def operational_signals(organization: Organization, *, today: dt.date | None = None) -> dict:
    """Per team id, the knowledge-base factors raised by operational indicators (a team
    over its drift threshold in the latest month it logged, over this month and the last;
    a team with a lone peer worker), for ``peerway.planning.recommend`` (docs/indicators.md,
    docs/recommendations.md). Texts are given in English and French."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    from peerway.planning.recommend import signals

    today = today or timezone.localdate()
    period = Period.last_months(2, today)
    teams = list(Team.objects.filter(site__organization=organization).select_related("site"))
    team_structure = structure(teams, workers(organization, teams, period))
    found = flags(organization, teams, period, drift(organization, teams, period), team_structure)
    result: dict[int, dict] = {}
    for flag in found:
        detail = {}
        for lang, code in (("en", "en"), ("fr", "fr-ca")):
            with translation.override(code):
                if flag.kind == "drift":
                    detail[lang] = _(
                        "%(percent)s %% of logged minutes on out-of-scope tasks in %(month)s"
                        " (threshold %(threshold)s %%)"
                    ) % {
                        "percent": f"{flag.row.percent:.1f}".replace(
                            ".", "," if lang == "fr" else "."
                        ),
                        "month": formats.date_format(flag.month, "YEAR_MONTH_FORMAT"),
                        "threshold": flag.row.threshold_percent,
                    }
                else:
                    detail[lang] = _("a lone peer worker on the team")
        indicator = "drift_above_threshold" if flag.kind == "drift" else "lone_peer_on_team"
        result.setdefault(flag.team.pk, {}).update(signals(indicator, detail))
    return result
