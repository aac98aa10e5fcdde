"""The readiness gate: per team, ready or prepare first, with the unmet criteria.

Criteria (each can be switched off or tuned per plan; defaults and rationale in
docs/implementation-plan.md):

- commitment, efficacy: the ORIC change commitment / change efficacy mean of the latest
  closed wave that used ORIC reaches the plan's threshold. The team's own figure is used
  when it is shown; when the team's figure is hidden to protect anonymity (or the team was
  not surveyed), the site's, then the organization's shown figure stands in, and the page
  says so. No shown figure at any level: the criterion is unmet.
- leadership: a leadership commitment is recorded on the plan.
- role_definition: an approved peer role definition covers the team's type.
- supervision: an active user holds the peer supervisor role over the team.
- peers: at least N peer workers planned for the team: the larger of the peer workers now
  placed on the team and the head count planned in the plan's adopted capacity scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from peerway.core.models import Membership, Team
from peerway.core.roles import Role

from ..models import CapacityTeamInput, ImplementationPlan
from ..roles.selectors import approved_version_for_team

ORIC = "oric"
SCALES = {"commitment": "change_commitment", "efficacy": "change_efficacy"}


@dataclass(frozen=True)
class Criterion:
    code: str
    met: bool
    # Figures behind the verdict, for the explanation (no free text).
    value: float | int | None = None
    threshold: float | int | None = None
    level: str | None = None  # team | site | organization, for survey figures
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TeamGate:
    team: Team
    criteria: tuple[Criterion, ...]

    @property
    def ready(self) -> bool:
        return all(c.met for c in self.criteria)

    @property
    def unmet(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.met]


@dataclass(frozen=True)
class GateResult:
    wave: object | None  # the wave the ORIC figures come from
    teams: tuple[TeamGate, ...]

    @property
    def ready_count(self) -> int:
        return sum(1 for t in self.teams if t.ready)


def latest_oric_wave(organization):
    from peerway.assessments.models import Wave

    closed = [
        w
        for w in Wave.objects.filter(organization=organization).order_by("-closes_on", "-pk")
        if w.status() == "closed" and ORIC in w.instrument_codes
    ]
    return closed[0] if closed else None


def _oric_figure(results, scale: str, team: Team, surveyed: set[int]):
    """(mean, level) of the most local shown figure, or (None, None)."""
    candidates = []
    if team.pk in surveyed:
        candidates.append(("team", team.pk))
    candidates += [("site", team.site_id), ("organization", None)]
    for level, place in candidates:
        try:
            cell = results.cell(ORIC, scale, level, place)
        except KeyError:
            continue
        if cell.shown and cell.mean is not None:
            return cell.mean, level
    return None, None


def _supervised_team_ids(organization, teams) -> set[int]:
    supervisors = Membership.objects.filter(
        organization=organization, role=Role.SUPERVISOR, user__is_active=True
    )
    if supervisors.filter(site__isnull=True, team__isnull=True).exists():
        return {t.pk for t in teams}
    site_ids = set(supervisors.filter(team__isnull=True).values_list("site_id", flat=True))
    team_ids = set(supervisors.values_list("team_id", flat=True))
    return {t.pk for t in teams if t.pk in team_ids or t.site_id in site_ids}


def _peers_now(organization) -> dict[int, int]:
    counts: dict[int, set[int]] = {}
    for team_id, user_id in Membership.objects.filter(
        organization=organization,
        role=Role.PEER_WORKER,
        team__isnull=False,
        user__is_active=True,
    ).values_list("team_id", "user_id"):
        counts.setdefault(team_id, set()).add(user_id)
    return {k: len(v) for k, v in counts.items()}


def evaluate(plan: ImplementationPlan, teams=None) -> GateResult:
    from peerway.assessments import reports

    organization = plan.organization
    if teams is None:
        teams = Team.objects.filter(site__organization=organization)
    teams = list(teams.select_related("site").order_by("site__name", "name"))
    wave = None
    results = None
    surveyed: set[int] = set()
    if plan.gate_min_commitment is not None or plan.gate_min_efficacy is not None:
        wave = latest_oric_wave(organization)
        if wave is not None:
            results = reports.wave_results(wave)
            surveyed = set(wave.teams.values_list("pk", flat=True))
    supervised = (
        _supervised_team_ids(organization, teams) if plan.gate_require_supervision else set()
    )
    peers_now = _peers_now(organization) if plan.gate_min_peers else {}
    planned: dict[int, int] = {}
    if plan.gate_min_peers and plan.capacity_scenario_id:
        planned = {
            i.team_id: i.planned_headcount or 0
            for i in CapacityTeamInput.objects.filter(scenario_id=plan.capacity_scenario_id)
        }
    gates = []
    for team in teams:
        criteria = []
        for code, threshold in (
            ("commitment", plan.gate_min_commitment),
            ("efficacy", plan.gate_min_efficacy),
        ):
            if threshold is None:
                continue
            mean, level = (None, None)
            if results is not None:
                mean, level = _oric_figure(results, SCALES[code], team, surveyed)
            criteria.append(
                Criterion(
                    code,
                    met=mean is not None and Decimal(str(round(mean, 2))) >= threshold,
                    value=None if mean is None else round(mean, 2),
                    threshold=float(threshold),
                    level=level,
                )
            )
        if plan.gate_require_leadership:
            criteria.append(Criterion("leadership", met=plan.leadership_commitment_on is not None))
        if plan.gate_require_role_definition:
            version = approved_version_for_team(team)
            criteria.append(
                Criterion(
                    "role_definition",
                    met=version is not None,
                    extra={"version": version.pk if version else None},
                )
            )
        if plan.gate_require_supervision:
            criteria.append(Criterion("supervision", met=team.pk in supervised))
        if plan.gate_min_peers:
            now = peers_now.get(team.pk, 0)
            later = planned.get(team.pk, 0)
            count = max(now, later)
            criteria.append(
                Criterion(
                    "peers",
                    met=count >= plan.gate_min_peers,
                    value=count,
                    threshold=plan.gate_min_peers,
                    extra={"now": now, "planned": later},
                )
            )
        gates.append(TeamGate(team, tuple(criteria)))
    return GateResult(wave, tuple(gates))
