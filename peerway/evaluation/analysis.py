"""Outcome evaluation wired to the service's data: the pure statistics of
``peerway.insights.stats`` applied to outcome measures and hospital stays of the people in a
scope whose latest evaluation consent is given. See docs/evaluation-and-reports.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from django.db.models import Min, Q
from django.utils.translation import gettext as _

from peerway.core.models import Organization, Site, Team
from peerway.hospital.selectors import hospital_episodes_of
from peerway.insights.stats import (
    LABEL,
    PairedResult,
    ReadmissionResult,
    paired_change,
    readmission_outcomes,
)
from peerway.insights.stats.paired import METHOD as PAIRED_METHOD
from peerway.instruments.engine.model import text_in
from peerway.instruments.library import current_library
from peerway.outcomes.models import Administration
from peerway.support.models import ConsentPurpose, PeerRelationship, Person
from peerway.support.selectors import consenting_people_q

from .periods import Period

__all__ = ["PAIRED_METHOD", "Scope", "outcome_changes", "readmission"]

# No figure below this many people (complete pairs, people in a group). Ten keeps
# intervals from being meaninglessly wide and small groups from being recognisable
# (docs/statistics.md).
MIN_N = 10
HORIZONS = (30, 90)

# Distress scales: a fall is an improvement. Every other outcome instrument Peerway ships
# (recovery, hope, wellbeing, recovery capital) is scored so that higher is better.
LOWER_IS_BETTER = frozenset({"phq9", "gad7", "k10"})

# Published reliability (Cronbach's alpha) used for the reliable change index, each with
# its source in docs/evaluation-and-reports.md. Questionnaires without a value here get no
# index rather than one computed from an invented value.
PUBLISHED_RELIABILITY: dict[str, float] = {
    "phq9": 0.89,  # Kroenke, Spitzer & Williams 2001 (primary care sample)
    "gad7": 0.92,  # Spitzer, Kroenke, Williams & Löwe 2006
}
PUBLISHED_RELIABILITY_SOURCE: dict[str, str] = {
    "phq9": "Kroenke, Spitzer & Williams 2001",
    "gad7": "Spitzer, Kroenke, Williams & Löwe 2006",
}
INTERNAL_CONSISTENCY = "internal_consistency"
TEST_RETEST = "test_retest"


@dataclass(frozen=True)
class ReliabilityUsed:
    """The reliability behind a reliable change index, what kind it is and where it is from."""

    value: float
    kind: str  # INTERNAL_CONSISTENCY (published Cronbach's alpha) or TEST_RETEST (supplied)
    source: str

    @property
    def is_internal_consistency(self) -> bool:
        return self.kind == INTERNAL_CONSISTENCY


def reliabilities_for(organization: Organization) -> dict[str, ReliabilityUsed]:
    """Published internal consistency, replaced by the organization's own test–retest value
    where it supplied one (evaluation.InstrumentReliability)."""
    from .models import InstrumentReliability

    found = {
        code: ReliabilityUsed(value, INTERNAL_CONSISTENCY, PUBLISHED_RELIABILITY_SOURCE[code])
        for code, value in PUBLISHED_RELIABILITY.items()
    }
    for row in InstrumentReliability.objects.filter(organization=organization):
        found[row.instrument] = ReliabilityUsed(float(row.test_retest), TEST_RETEST, row.source)
    return found


PEER_SUPPORTED = "peer_supported"
COMPARISON = "comparison"


@dataclass(frozen=True)
class Scope:
    organization: Organization
    site: Site | None = None
    team: Team | None = None
    # Further restriction to the teams the reader may see (None: every team in scope).
    allowed_teams: tuple[int, ...] | None = None

    @property
    def level(self) -> str:
        return "team" if self.team else "site" if self.site else "organization"

    @property
    def name(self) -> str:
        if self.team:
            return f"{self.team.name} ({self.team.site.name})"
        if self.site:
            return self.site.name
        return self.organization.name

    def team_ids(self) -> list[int]:
        teams = Team.objects.filter(site__organization=self.organization)
        if self.team:
            teams = teams.filter(pk=self.team.pk)
        elif self.site:
            teams = teams.filter(site=self.site)
        if self.allowed_teams is not None:
            teams = teams.filter(pk__in=self.allowed_teams)
        return list(teams.values_list("pk", flat=True))


def evaluation_people(scope: Scope):
    """People of the scope's teams whose latest evaluation consent is given."""
    return Person.objects.filter(
        consenting_people_q(ConsentPurpose.EVALUATION),
        organization=scope.organization,
        team_id__in=scope.team_ids(),
    )


# --- paired change in outcome measures ---------------------------------------------------


@dataclass(frozen=True)
class InstrumentChange:
    code: str
    name: str
    higher_is_better: bool
    reliability: float | None
    result: PairedResult
    reliability_used: ReliabilityUsed | None = None
    # Hidden, though the scope has enough pairs, because a team under it has 1 to
    # min_n - 1: the scope's figures less the other teams' would give that team's back.
    hidden_by_parts: bool = False


def paired_scores(
    scope: Scope, period: Period, *, by_team: dict | None = None
) -> dict[str, tuple[list[float], list[float]]]:
    """Per instrument: intake totals and latest follow-up totals of the same people.

    Pre: the person's intake (time point 0; the earliest if given twice). Post: their latest
    follow-up (time point above 0) given within the period. Only valid, scored
    administrations count. ``by_team``, when given, is filled with the number of pairs per
    instrument and team ({code: {team_id: n}}).
    """
    rows = (
        Administration.objects.filter(
            person__in=evaluation_people(scope), valid=True, total_score__isnull=False
        )
        .filter(
            Q(time_point=0) | Q(administered_on__gte=period.start, administered_on__lte=period.end)
        )
        .order_by("person_id", "instrument", "administered_on", "pk")
        .values_list("person_id", "instrument", "time_point", "total_score", "person__team_id")
    )
    intake: dict[tuple[int, str], float] = {}
    latest: dict[tuple[int, str], float] = {}
    team_of: dict[int, int] = {}
    for person_id, code, time_point, score, team_id in rows:
        team_of[person_id] = team_id
        key = (person_id, code)
        if time_point == 0:
            intake.setdefault(key, score)
        else:
            latest[key] = score  # rows are in date order: the last one wins
    pairs: dict[str, tuple[list[float], list[float]]] = {}
    for key in sorted(intake.keys() & latest.keys()):
        pre, post = pairs.setdefault(key[1], ([], []))
        pre.append(intake[key])
        post.append(latest[key])
        if by_team is not None:
            counts = by_team.setdefault(key[1], {})
            counts[team_of[key[0]]] = counts.get(team_of[key[0]], 0) + 1
    return pairs


def outcome_changes(
    scope: Scope,
    period: Period,
    *,
    lang: str = "en",
    min_n: int = MIN_N,
    reliabilities: Mapping[str, float] | None = None,
) -> list[InstrumentChange]:
    """Paired change per questionnaire. Reliabilities: the given mapping (tests), otherwise
    ``reliabilities_for`` the scope's organization (published internal consistency unless the
    organization supplied a test–retest value)."""
    used: dict[str, ReliabilityUsed] = (
        reliabilities_for(scope.organization)
        if reliabilities is None
        else {
            code: ReliabilityUsed(value, INTERNAL_CONSISTENCY, "")
            for code, value in reliabilities.items()
        }
    )
    library = current_library()
    found = []
    by_team: dict[str, dict[int, int]] = {}
    pairs = paired_scores(scope, period, by_team=by_team)
    for code, (pre, post) in sorted(pairs.items()):
        higher = code not in LOWER_IS_BETTER
        chosen = used.get(code)
        reliability = chosen.value if chosen else None
        name = text_in(library[code].name, lang) if code in library else code
        result = paired_change(
            pre, post, reliability=reliability, higher_is_better=higher, min_n=min_n
        )
        # The same change is published for each team under the scope (decision 36): with a
        # team of 1 to min_n - 1 pairs, the scope's n and means less the other teams' would
        # give that team's count, mean change and means back.
        parts = not result.suppressed and any(0 < n < min_n for n in by_team.get(code, {}).values())
        if parts:
            result = PairedResult(
                suppressed=True,
                reason=f"suppressed: a team counted here has fewer than {min_n} complete pairs",
                method=result.method,
                label=result.label,
                higher_is_better=higher,
            )
        found.append(
            InstrumentChange(
                code=code,
                name=name or code,
                higher_is_better=higher,
                reliability=reliability,
                result=result,
                reliability_used=chosen,
                hidden_by_parts=parts,
            )
        )
    return found


# --- readmission --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadmissionInput:
    episodes: list
    groups: dict[str, str]
    index_dates: dict[str, date]
    censor_dates: dict[str, date] = field(default_factory=dict)


def readmission_input(scope: Scope, period: Period) -> ReadmissionInput:
    """Who is compared, from which day.

    Index date: the last discharge of the person's first hospital episode ending within the
    period (stays that touch or overlap are one episode). Peer supported: people whose
    first peer relationship started on or before that discharge. Comparison: people known to
    the service (referred, consenting, in the scope) who had not started peer support by then;
    if they start later, their follow-up is censored the day before they start.
    """
    people = set(evaluation_people(scope).values_list("pk", flat=True))
    # Hospital episodes, not single stays: a transfer between facilities or a next-day
    # readmission is one episode, and the index is the episode's last discharge.
    episodes = [e for e in hospital_episodes_of(scope.organization) if int(e.person_id) in people]
    enrolment = dict(
        PeerRelationship.objects.filter(person_id__in=people)
        .values("person_id")
        .annotate(first=Min("started_on"))
        .values_list("person_id", "first")
    )
    groups: dict[str, str] = {}
    index_dates: dict[str, date] = {}
    censor_dates: dict[str, date] = {}
    first_discharge: dict[str, date] = {}
    for e in episodes:
        if e.discharge and period.start <= e.discharge <= period.end:
            current = first_discharge.get(e.person_id)
            if current is None or e.discharge < current:
                first_discharge[e.person_id] = e.discharge
    for person_id, index in first_discharge.items():
        started = enrolment.get(int(person_id))
        index_dates[person_id] = index
        if started is not None and started <= index:
            groups[person_id] = PEER_SUPPORTED
        else:
            groups[person_id] = COMPARISON
            if started is not None:
                censor_dates[person_id] = date.fromordinal(started.toordinal() - 1)
    return ReadmissionInput(episodes, groups, index_dates, censor_dates)


def readmission(
    scope: Scope, period: Period, *, today: date, min_n: int = MIN_N
) -> ReadmissionResult:
    """Readmission within 30 and 90 days and days in the community, peer supported against
    the comparison, followed until ``today``."""
    data = readmission_input(scope, period)
    # Each team's figures are published too (decision 36): where a team under the scope has
    # 1 to min_n - 1 people in a group, the scope's groups less the other teams' would give
    # that team's count, readmissions and days back, so every figure is withheld.
    parts = False
    if data.groups and not scope.team:
        team_of = dict(
            Person.objects.filter(pk__in=[int(p) for p in data.groups]).values_list("pk", "team_id")
        )
        counts: dict[tuple, int] = {}
        for person_id, group in data.groups.items():
            key = (team_of.get(int(person_id)), group)
            counts[key] = counts.get(key, 0) + 1
        parts = len({team for team, _group in counts}) > 1 and any(
            0 < n < min_n for n in counts.values()
        )
    result = readmission_outcomes(
        data.episodes,
        data.groups,
        study_end=today,
        index_dates=data.index_dates,
        censor_dates=data.censor_dates,
        horizons=HORIZONS,
        # Withheld: as if every group were below the threshold, and said why.
        min_n=max(min_n, len(data.groups) + 1) if parts else min_n,
    )
    return replace(result, hidden_by_parts=True) if parts else result


def group_label(group: str) -> str:
    return {PEER_SUPPORTED: _("Peer supported"), COMPARISON: _("Comparison")}.get(group, group)


def label_text() -> str:
    """The caveat every result carries, translated."""
    assert LABEL == "observational, not causal"
    return _("Observational, not causal")
