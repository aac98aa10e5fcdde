"""Demo data for the fictional region: a co-produced peer role definition (version 1 in
force, version 2 in draft) and two capacity scenarios. Every name here is invented.

Called by ``peerway.core.demo.seed()``; running it again changes nothing.
"""

from __future__ import annotations

from datetime import datetime
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
