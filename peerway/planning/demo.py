"""Demo data for the fictional region: a co-produced peer role definition (version 1 in
force, version 2 in draft) and two capacity scenarios. Every name here is invented.

Called by ``peerway.core.demo.seed()``; running it again changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from peerway.core import audit

from . import taxonomy
from .models import (
    CapacityScenario,
    CapacityTeamInput,
    RoleDefinition,
    RoleDefinitionVersion,
    VersionStatus,
)

ROLE_TITLE = "Peer support worker"

PURPOSE_V1 = (
    "Peer support workers use their own lived experience of mental illness and recovery to "
    "build trusting, equal relationships with the people we serve. They offer hope, help "
    "people set and pursue their own recovery goals, and connect them with their community. "
    "They are members of the care team, and they are not clinicians."
)
PURPOSE_V2 = PURPOSE_V1 + (
    " During a crisis they offer relational support alongside, never instead of, the team's "
    "crisis response."
)
INFO_SHARING_V1 = (
    "Peer workers share with the care team only what the person has agreed to share, except "
    "when someone's safety is at immediate risk; they tell the person when that happens. "
    "What peer workers share about their own history is always their choice."
)
INFO_SHARING_V2 = INFO_SHARING_V1 + (
    " At the first meeting the peer worker and the person agree, in writing, what may be "
    "passed on to the team."
)
DOCUMENTATION = (
    "Peer workers log each contact (time, activity, CHIME domains) in Peerway and write short "
    "notes in plain, person-first language. They do not write clinical notes or assessments "
    "for other staff."
)

# Demo team key -> (people starting per month, months of engagement, contacts per person per
# month, minutes per contact, caseload per full-time worker, FTE per worker, planned peers).
CURRENT = {
    "unit3b": ("12", "1", "6", 45, "12", "1.0", 2),
    "transition": ("10", "3", "4", 60, "15", "0.8", 2),
    "cmh_east": ("4", "6", "2", 60, "20", "1.0", 1),
    "navigation": ("8", "4", "3", 60, "18", "0.6", 2),
    "family": ("3", "6", "2", 60, "15", "0.5", 1),
}
EXPANDED = {
    **CURRENT,
    # Every discharge from Unit 3B and the crisis team offered transition support.
    "transition": ("20", "3", "4", 60, "15", "0.8", 5),
    "cmh_east": ("4", "6", "2", 60, "20", "1.0", 2),
    "family": ("3", "6", "2", 60, "15", "0.5", 2),
}
SCENARIOS = [
    (
        "Current staffing",
        "Today's referrals and today's peer workers. Community Mental Health East and Family "
        "Peer Support each have one peer worker.",
        CURRENT,
    ),
    (
        "Expanded transition support",
        "Offer transition support to every person discharged from Unit 3B or seen by the "
        "crisis team, and end the two lone-peer placements.",
        EXPANDED,
    ),
]


def _aware(year, month, day):
    return timezone.make_aware(datetime(year, month, day, 10, 0))


@transaction.atomic
def seed(region) -> None:
    _seed_role_definition(region)
    _seed_capacity(region)
    _seed_plan(region)


def _seed_role_definition(region) -> None:
    org = region.organization
    if RoleDefinition.objects.filter(organization=org, team_type="").exists():
        return
    users = region.users
    manager = users["manager"]
    definition = RoleDefinition.objects.create(
        organization=org,
        team_type="",
        title=ROLE_TITLE,
        created_by=manager,
        created_at=_aware(2026, 1, 12),
    )
    in_scope, out_of_scope = taxonomy.default_scope()
    # Version 1 kept crisis support out of scope until the crisis team had trained peers.
    v1_in = [c for c in in_scope if c != "peer_crisis_support"]
    v1_out = [*out_of_scope, "peer_crisis_support"]
    order = {c.code: i for i, c in enumerate(taxonomy.entries())}
    v1 = RoleDefinitionVersion.objects.create(
        definition=definition,
        number=1,
        status=VersionStatus.APPROVED,
        purpose=PURPOSE_V1,
        in_scope=sorted(v1_in, key=order.__getitem__),
        out_of_scope=sorted(v1_out, key=order.__getitem__),
        drift_threshold_percent=20,
        information_sharing=INFO_SHARING_V1,
        documentation=DOCUMENTATION,
        created_by=manager,
        created_at=_aware(2026, 1, 12),
        updated_at=_aware(2026, 2, 9),
        approved_by=manager,
        approved_at=_aware(2026, 2, 16),
    )
    v1.co_producers.set([users["peer1"], users["peer3"], users["supervisor1"], manager])
    v2 = RoleDefinitionVersion.objects.create(
        definition=definition,
        number=2,
        status=VersionStatus.DRAFT,
        purpose=PURPOSE_V2,
        in_scope=sorted(in_scope, key=order.__getitem__),
        out_of_scope=sorted(out_of_scope, key=order.__getitem__),
        drift_threshold_percent=15,
        information_sharing=INFO_SHARING_V2,
        documentation=DOCUMENTATION,
        based_on=v1,
        created_by=manager,
        created_at=_aware(2026, 9, 14),
        updated_at=_aware(2026, 9, 21),
    )
    v2.co_producers.set(
        [users["peer1"], users["peer3"], users["peer6"], users["supervisor1"], manager]
    )
    audit.record(
        actor=None,
        action="demo.role_definition_seeded",
        obj=definition,
        details={"versions": [1, 2]},
    )


def _seed_capacity(region) -> None:
    org = region.organization
    for name, notes, rows in SCENARIOS:
        if CapacityScenario.objects.filter(organization=org, name=name).exists():
            continue
        scenario = CapacityScenario.objects.create(
            organization=org, name=name, notes=notes, created_by=region.users["manager"]
        )
        CapacityTeamInput.objects.bulk_create(
            CapacityTeamInput(
                scenario=scenario,
                team=region.teams[key],
                people_per_month=Decimal(people),
                engagement_months=Decimal(months),
                contacts_per_month=Decimal(contacts),
                contact_minutes=minutes,
                caseload_per_fte=Decimal(caseload),
                fte_per_worker=Decimal(fte),
                planned_headcount=planned,
            )
            for key, (people, months, contacts, minutes, caseload, fte, planned) in rows.items()
        )
        audit.record(
            actor=None,
            action="demo.capacity_scenario_seeded",
            obj=scenario,
            details={"teams": len(rows)},
        )


# The plan in progress. Actions done between the two survey waves carry fixed 2026 dates;
# open actions are dated from the day the demo is built, so some are always overdue and
# some at risk. (strategy, factors targeted, team key or "", status, completed on / due in
# days, owner key, evidence of completion)
PLAN_ACTIONS = [
    (
        "leadership_commitment_statement",
        ["leadership_commitment", "recovery_oriented_culture"],
        "",
        "done",
        date(2026, 4, 14),
        "manager",
        "Board motion 2026-14 adopted; the statement is on the intranet.",
    ),
    (
        "coproduce_role_description",
        ["role_clarity", "role_drift"],
        "",
        "done",
        date(2026, 2, 16),
        "manager",
        "Peer role definition version 1 approved with two peer co-producers.",
    ),
    (
        "educate_supervisors_on_peer_role",
        ["supervision_support", "role_clarity"],
        "unit3b",
        "done",
        date(2026, 6, 30),
        "supervisor1",
        "All five Unit 3B charge nurses attended the two-session workshop.",
    ),
    (
        "peer_led_supervision",
        ["supervision_support"],
        "unit3b",
        "in_progress",
        40,
        "supervisor1",
        "",
    ),
    (
        "recurring_workforce_training",
        ["recovery_oriented_culture", "staff_attitudes_toward_peers"],
        "crisis",
        "in_progress",
        -12,
        "supervisor2",
        "",
    ),
    (
        "agency_wide_recovery_orientation",
        ["recovery_oriented_culture", "medical_model_dominance"],
        "crisis",
        "not_started",
        -30,
        "manager",
        "",
    ),
    (
        "peer_community_of_practice",
        ["peer_isolation_network"],
        "cmh_east",
        "blocked",
        20,
        "supervisor2",
        "",
    ),
    ("hire_in_cohorts", ["peer_isolation_network"], "cmh_east", "not_started", 9, "manager", ""),
    ("monitor_role_drift", ["role_drift"], "transition", "not_started", 75, "supervisor1", ""),
]
MILESTONES = [
    (
        "prepare",
        "Leadership commitment and role definition in place",
        date(2026, 4, 30),
        date(2026, 4, 14),
    ),
    ("recruit_train", "Every team with peers has a trained supervisor", -5, None),
    ("sustain", "Peer network meets monthly across the region", 60, None),
]


def _seed_plan(region) -> None:
    from peerway.assessments.models import Wave

    from .knowledge import load_knowledge_base
    from .models import (
        ActionStatus,
        DefaultPhase,
        ImplementationPlan,
        Milestone,
        PlanAction,
        PlanChange,
        PlanPhase,
    )

    org = region.organization
    if ImplementationPlan.objects.filter(organization=org).exists():
        return
    users = region.users
    manager = users["manager"]
    today = timezone.localdate()
    baseline = Wave.objects.filter(organization=org, name="Baseline readiness survey").first()
    current = CapacityScenario.objects.filter(organization=org, name="Current staffing").first()
    plan = ImplementationPlan.objects.create(
        organization=org,
        title="Peer support implementation plan 2026–2027",
        capacity_scenario=current,
        leadership_commitment_on=date(2026, 4, 14),
        leadership_commitment_note="Board motion 2026-14: peer support workers in every program.",
        leadership_commitment_by=manager,
        created_by=manager,
        created_at=_aware(2026, 4, 1),
    )
    phases = {
        code: PlanPhase.objects.create(plan=plan, code=code, order=i)
        for i, code in enumerate(DefaultPhase.values)
    }
    kb = load_knowledge_base()
    for code, factors, team_key, status, when, owner_key, evidence in PLAN_ACTIONS:
        strategy = kb.strategy(code)
        team = region.teams[team_key] if team_key else None
        if status == ActionStatus.DONE:
            due_on, completed_on = when, when
        else:
            due_on, completed_on = today + timedelta(days=when), None
        action = PlanAction.objects.create(
            plan=plan,
            phase=phases[strategy.phase],
            title=strategy.name.get("en"),
            strategy=code,
            description=strategy.description.get("en"),
            factors=factors,
            owner=users[owner_key],
            team=team,
            due_on=due_on,
            status=status,
            completion_evidence=evidence,
            completed_on=completed_on,
            source_wave=baseline,
            created_by=manager,
            created_at=_aware(2026, 4, 7),
        )
        PlanChange.objects.create(
            plan=plan,
            action=action,
            kind="created",
            changes={"title": [None, action.title], "status": [None, "not_started"]},
            actor=manager,
            at=_aware(2026, 4, 7),
        )
        if status != ActionStatus.NOT_STARTED:
            PlanChange.objects.create(
                plan=plan,
                action=action,
                kind="updated",
                changes={"status": ["not_started", status]},
                actor=users[owner_key],
                at=_aware(2026, 5, 4),
            )
    for phase_code, title, due, achieved in MILESTONES:
        Milestone.objects.create(
            plan=plan,
            phase=phases[phase_code],
            title=title,
            due_on=due if isinstance(due, date) else today + timedelta(days=due),
            achieved_on=achieved,
        )
    audit.record(
        actor=None,
        action="demo.plan_seeded",
        obj=plan,
        details={"actions": len(PLAN_ACTIONS), "milestones": len(MILESTONES)},
    )
