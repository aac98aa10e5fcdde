"""Capacity planning: how many peer support workers a team needs.

Pure calculation (no Django), documented in docs/capacity.md. For one team:

    active caseload   L = people starting per month × engagement months
                          (Little's law: in a steady state the number of people being
                          supported equals the arrival rate times the average time each
                          person stays)
    contact hours     H = L × contacts per person per month × minutes per contact / 60
    FTE by caseload       L / caseload per full-time worker
    FTE by time           H / direct-contact hours per full-time worker per month
    FTE needed            the larger of the two
    headcount for work    ceil(FTE needed / FTE per worker)
    headcount needed      headcount for work, but never fewer than two when there is any
                          demand: a lone peer on a team is isolated (a barrier in its own right)

A planned headcount (what the organization has or intends) is optional; the result flags
a team planned with fewer than two peers, and one planned below need.

Bad input raises ``CapacityInputError`` listing every problem, each naming its field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "DEFAULT_DIRECT_HOURS_PER_FTE_MONTH",
    "HOURS_PER_WEEK",
    "STARTING_CASELOAD_PER_FTE",
    "STARTING_CONTACT_MINUTES",
    "STARTING_CONTACTS_PER_PERSON_MONTH",
    "FIELDS",
    "MINIMUM_PEERS_PER_TEAM",
    "CapacityInputError",
    "Problem",
    "ScenarioResult",
    "TeamInputs",
    "TeamResult",
    "plan_scenario",
    "plan_team",
    "validate",
]

MINIMUM_PEERS_PER_TEAM = 2
# 37.5 h a week is 162.5 h a month; about half of it goes to direct contact, the rest to
# travel, notes, supervision, team meetings, training and leave. Editable per scenario.
HOURS_PER_WEEK = 37.5
DEFAULT_DIRECT_HOURS_PER_FTE_MONTH = 80
# The starting points a new scenario's rows offer (defaults the planner replaces with local
# figures, docs/capacity.md). Together they make 15 x 4 x 60 = 3,600 minutes (60 hours) of
# contact per full-time worker a month, three quarters of the direct-contact ceiling; the
# demo region and synthetic data log at that rate (peerway.planning.workload).
STARTING_CASELOAD_PER_FTE = 15
STARTING_CONTACTS_PER_PERSON_MONTH = 4
STARTING_CONTACT_MINUTES = 60
# FTE arithmetic is done in floats; a tiny tolerance keeps 2.0000000001 from becoming 3.
_EPSILON = 1e-9


@dataclass(frozen=True)
class FieldRule:
    name: str
    label: str
    minimum: float
    maximum: float
    # True: the value must be above the minimum, not equal to it.
    exclusive_minimum: bool = False
    whole_number: bool = False


# The input fields of one team, their plain-English names and their allowed ranges.
FIELDS: dict[str, FieldRule] = {
    r.name: r
    for r in (
        FieldRule("people_per_month", "people starting per month", 0, 10_000),
        FieldRule("engagement_months", "months of engagement", 0, 120, exclusive_minimum=True),
        FieldRule("contacts_per_month", "contacts per person per month", 0, 100),
        FieldRule("contact_minutes", "minutes per contact", 0, 600),
        FieldRule(
            "caseload_per_fte", "caseload per full-time worker", 0, 1_000, exclusive_minimum=True
        ),
        FieldRule("fte_per_worker", "FTE per worker", 0, 1, exclusive_minimum=True),
        FieldRule(
            "direct_hours_per_fte_month",
            "direct-contact hours per full-time worker per month",
            0,
            200,
            exclusive_minimum=True,
        ),
        FieldRule("planned_headcount", "planned peer workers", 0, 1_000, whole_number=True),
    )
}


@dataclass(frozen=True)
class Problem:
    field: str
    code: str  # "missing", "not_a_number", "too_small", "not_positive", "too_large", "not_whole"
    message: str
    limit: float | None = None


class CapacityInputError(ValueError):
    def __init__(self, problems: list[Problem], team: str = ""):
        self.problems = problems
        self.team = team
        where = f"{team}: " if team else ""
        super().__init__(where + "; ".join(p.message for p in problems))


Number = float | int | Decimal


@dataclass(frozen=True)
class TeamInputs:
    people_per_month: Number
    engagement_months: Number
    contacts_per_month: Number
    contact_minutes: Number
    caseload_per_fte: Number
    fte_per_worker: Number
    direct_hours_per_fte_month: Number = DEFAULT_DIRECT_HOURS_PER_FTE_MONTH
    planned_headcount: int | None = None


@dataclass(frozen=True)
class TeamResult:
    inputs: TeamInputs
    active_caseload: float
    contact_hours_per_month: float
    fte_by_caseload: float
    fte_by_time: float
    fte_needed: float
    headcount_for_workload: int
    headcount_needed: int
    # The workload alone needs fewer than two workers: raised to two.
    minimum_two_applied: bool
    # Planned with exactly one peer (no colleague to turn to).
    lone_peer: bool
    # Planned with fewer workers than needed (including none at all).
    planned_below_need: bool

    @property
    def has_demand(self) -> bool:
        return self.active_caseload > 0

    @property
    def driver(self) -> str:
        """Which limit sets the FTE: "caseload", "time" or "" when there is no demand."""
        if not self.has_demand:
            return ""
        return "time" if self.fte_by_time > self.fte_by_caseload else "caseload"


@dataclass(frozen=True)
class ScenarioResult:
    teams: dict[str, TeamResult] = field(default_factory=dict)

    @property
    def active_caseload(self) -> float:
        return sum(t.active_caseload for t in self.teams.values())

    @property
    def fte_needed(self) -> float:
        return sum(t.fte_needed for t in self.teams.values())

    @property
    def headcount_needed(self) -> int:
        return sum(t.headcount_needed for t in self.teams.values())

    @property
    def planned_headcount(self) -> int | None:
        planned = [t.inputs.planned_headcount for t in self.teams.values()]
        if all(p is None for p in planned):
            return None
        return sum(p or 0 for p in planned)

    @property
    def lone_peer_teams(self) -> list[str]:
        return [key for key, t in self.teams.items() if t.lone_peer]

    @property
    def minimum_two_teams(self) -> list[str]:
        return [key for key, t in self.teams.items() if t.minimum_two_applied]


def _as_float(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fmt(limit: float) -> str:
    return f"{limit:g}"


def validate(inputs: TeamInputs) -> list[Problem]:
    """Every problem with the inputs, in field order (empty when all is well)."""
    problems: list[Problem] = []
    for name, rule in FIELDS.items():
        raw = getattr(inputs, name)
        if raw is None:
            if name == "planned_headcount":
                continue
            problems.append(Problem(name, "missing", f"{rule.label} is required"))
            continue
        value = _as_float(raw)
        if value is None:
            problems.append(Problem(name, "not_a_number", f"{rule.label} must be a number"))
            continue
        if rule.exclusive_minimum and value <= rule.minimum:
            problems.append(
                Problem(
                    name,
                    "not_positive",
                    f"{rule.label} must be more than {_fmt(rule.minimum)}",
                    rule.minimum,
                )
            )
        elif value < rule.minimum:
            problems.append(
                Problem(
                    name,
                    "too_small",
                    f"{rule.label} cannot be less than {_fmt(rule.minimum)}",
                    rule.minimum,
                )
            )
        elif value > rule.maximum:
            problems.append(
                Problem(
                    name,
                    "too_large",
                    f"{rule.label} cannot be more than {_fmt(rule.maximum)}",
                    rule.maximum,
                )
            )
        elif rule.whole_number and not value.is_integer():
            problems.append(Problem(name, "not_whole", f"{rule.label} must be a whole number"))
    return problems


def _ceil(x: float) -> int:
    return math.ceil(x - _EPSILON) if x > 0 else 0


def plan_team(inputs: TeamInputs, team: str = "") -> TeamResult:
    """Workers needed by one team. Raises CapacityInputError naming each bad field."""
    problems = validate(inputs)
    if problems:
        raise CapacityInputError(problems, team)
    people = float(inputs.people_per_month)
    caseload = people * float(inputs.engagement_months)
    hours = caseload * float(inputs.contacts_per_month) * float(inputs.contact_minutes) / 60
    fte_by_caseload = caseload / float(inputs.caseload_per_fte)
    fte_by_time = hours / float(inputs.direct_hours_per_fte_month)
    fte_needed = max(fte_by_caseload, fte_by_time)
    for_workload = _ceil(fte_needed / float(inputs.fte_per_worker))
    has_demand = caseload > 0
    needed = max(for_workload, MINIMUM_PEERS_PER_TEAM) if has_demand else 0
    planned = inputs.planned_headcount
    return TeamResult(
        inputs=inputs,
        active_caseload=caseload,
        contact_hours_per_month=hours,
        fte_by_caseload=fte_by_caseload,
        fte_by_time=fte_by_time,
        fte_needed=fte_needed,
        headcount_for_workload=for_workload,
        headcount_needed=needed,
        minimum_two_applied=has_demand and for_workload < MINIMUM_PEERS_PER_TEAM,
        lone_peer=planned is not None and 0 < int(planned) < MINIMUM_PEERS_PER_TEAM,
        planned_below_need=planned is not None and int(planned) < needed,
    )


def plan_scenario(teams: dict[str, TeamInputs]) -> ScenarioResult:
    """Plan every team; the first team with bad input raises (its key in ``team``)."""
    return ScenarioResult({key: plan_team(inputs, key) for key, inputs in teams.items()})
