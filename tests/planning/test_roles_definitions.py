"""Role definition services and permissions: versions, approval, co-production, audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peerway.core.models import AuditEvent, Membership
from peerway.core.roles import Role, TeamType
from peerway.planning import taxonomy
from peerway.planning.models import (
    ImmutableVersionError,
    RoleDefinitionVersion,
    VersionStatus,
)
from peerway.planning.roles import selectors, services
from peerway.planning.roles.services import RoleContent


def content(*co_producers, **overrides) -> RoleContent:
    in_scope, out_of_scope = taxonomy.default_scope()
    values = {
        "purpose": "Peer workers use lived experience to offer hope and support recovery.",
        "in_scope": in_scope,
        "out_of_scope": out_of_scope,
        "drift_threshold_percent": 20,
        "information_sharing": "Only what the person agrees to share.",
        "documentation": "Contacts are logged in Peerway.",
        "co_producers": list(co_producers),
    }
    values.update(overrides)
    return RoleContent(**values)


def draft(world, *co_producers, **overrides) -> RoleDefinitionVersion:
    return services.create_definition(
        actor=world.manager,
        organization=world.org,
        title="Peer support worker",
        team_type="",
        content=content(*co_producers, **overrides),
    )


def actions(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(obj.pk), object_type=obj._meta.label_lower)
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def test_manager_creates_a_definition_as_draft_version_one(world):
    version = draft(world, world.peer_a)
    assert version.number == 1
    assert version.status == VersionStatus.DRAFT
    assert list(version.co_producers.all()) == [world.peer_a]
    assert actions(version.definition) == ["role_definition.created"]
    assert actions(version) == ["role_version.draft_created"]
    event = AuditEvent.objects.get(action="role_version.draft_created")
    assert event.organization_id == world.org.pk
    assert event.actor_id == world.manager.pk


def test_approval_without_a_peer_co_producer_is_refused_with_a_clear_message(world):
    version = draft(world, world.supervisor, world.clinician)
    with pytest.raises(ValidationError) as caught:
        services.approve_version(actor=world.manager, version=version)
    message = " ".join(caught.value.messages)
    assert "At least one co-producer must be a peer support worker" in message
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    assert "role_version.approved" not in actions(version)


def test_approval_with_a_peer_co_producer_puts_the_version_in_force(world):
    version = draft(world, world.peer_a, world.supervisor)
    approved = services.approve_version(actor=world.manager, version=version)
    assert approved.status == VersionStatus.APPROVED
    assert approved.approved_by == world.manager
    assert approved.approved_at is not None
    event = AuditEvent.objects.get(action="role_version.approved")
    assert event.details["peer_co_producer_ids"] == [world.peer_a.pk]
    assert event.details["superseded_number"] is None


def test_a_peer_who_no_longer_holds_the_role_does_not_count_as_peer_co_producer(world):
    version = draft(world, world.peer_a)
    Membership.objects.filter(user=world.peer_a).delete()
    with pytest.raises(ValidationError):
        services.approve_version(actor=world.manager, version=version)


def test_a_deactivated_peer_does_not_count_as_peer_co_producer(world):
    version = draft(world, world.peer_a)
    world.peer_a.is_active = False
    world.peer_a.save()
    with pytest.raises(ValidationError):
        services.approve_version(actor=world.manager, version=version)


def test_approving_a_new_version_supersedes_the_previous_one(world):
    v1 = services.approve_version(actor=world.manager, version=draft(world, world.peer_a))
    v2 = services.start_draft(actor=world.manager, definition=v1.definition)
    services.approve_version(actor=world.manager, version=v2)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (VersionStatus.SUPERSEDED, VersionStatus.APPROVED)
    assert actions(v1) == [
        "role_version.draft_created",
        "role_version.approved",
        "role_version.superseded",
    ]
    assert (
        RoleDefinitionVersion.objects.filter(
            definition=v1.definition, status=VersionStatus.APPROVED
        ).count()
        == 1
    )


def test_a_new_draft_starts_as_a_copy_of_the_latest_version(world):
    v1 = draft(
        world,
        world.peer_a,
        world.peer_b,
        drift_threshold_percent=15,
        documentation="Short notes in plain language.",
    )
    services.approve_version(actor=world.manager, version=v1)
    v2 = services.start_draft(actor=world.manager, definition=v1.definition)
    assert v2.number == 2
    assert v2.status == VersionStatus.DRAFT
    assert v2.based_on == v1
    for name in ("purpose", "in_scope", "out_of_scope", "drift_threshold_percent"):
        assert getattr(v2, name) == getattr(v1, name)
    assert v2.documentation == "Short notes in plain language."
    assert set(v2.co_producers.all()) == {world.peer_a, world.peer_b}
    event = AuditEvent.objects.filter(action="role_version.draft_created").first()  # newest
    assert event.details == {"number": 2, "copied_from_number": 1}


def test_only_one_draft_at_a_time(world):
    v1 = draft(world, world.peer_a)
    with pytest.raises(ValidationError, match="already exists"):
        services.start_draft(actor=world.manager, definition=v1.definition)


def test_a_draft_can_be_edited_and_the_edit_is_audited(world):
    version = draft(world, world.peer_a)
    in_scope, out_of_scope = taxonomy.default_scope()
    services.update_draft(
        actor=world.manager,
        version=version,
        content=content(
            world.peer_a,
            world.supervisor,
            in_scope=[c for c in in_scope if c != "group_facilitation"],
            out_of_scope=[*out_of_scope, "group_facilitation"],
            drift_threshold_percent=25,
        ),
    )
    version.refresh_from_db()
    assert "group_facilitation" in version.out_of_scope
    assert version.drift_threshold_percent == 25
    event = AuditEvent.objects.get(action="role_version.updated")
    assert set(event.details["changed"]) == {
        "in_scope",
        "out_of_scope",
        "drift_threshold_percent",
        "co_producers",
    }


def test_an_approved_version_cannot_be_edited(world):
    version = services.approve_version(actor=world.manager, version=draft(world, world.peer_a))
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.update_draft(
            actor=world.manager, version=version, content=content(world.peer_a, purpose="New")
        )
    version.refresh_from_db()
    assert version.purpose != "New"
    assert "role_version.updated" not in actions(version)


def test_an_approved_version_cannot_be_changed_even_through_the_model(world):
    version = services.approve_version(actor=world.manager, version=draft(world, world.peer_a))
    version.purpose = "Quietly rewritten"
    with pytest.raises(ImmutableVersionError):
        version.save()
    version.refresh_from_db()
    version.status = VersionStatus.DRAFT
    with pytest.raises(ImmutableVersionError):
        version.save()


def test_an_approved_version_cannot_be_approved_again(world):
    version = services.approve_version(actor=world.manager, version=draft(world, world.peer_a))
    with pytest.raises(ValidationError, match="Only a draft can be approved"):
        services.approve_version(actor=world.manager, version=version)


def test_peer_worker_cannot_approve_even_a_draft_they_co_produced(world):
    version = draft(world, world.peer_a)
    with pytest.raises(PermissionDenied):
        services.approve_version(actor=world.peer_a, version=version)


@pytest.mark.parametrize("who", ["site_manager", "supervisor", "clinician", "evaluator", "admin"])
def test_only_organization_wide_managers_write_role_definitions(world, who):
    with pytest.raises(PermissionDenied):
        services.create_definition(
            actor=getattr(world, who),
            organization=world.org,
            title="Peer role",
            team_type="",
            content=content(world.peer_a),
        )


def test_bad_content_is_refused_naming_each_field(world):
    with pytest.raises(ValidationError) as caught:
        draft(
            world,
            world.outsider,
            purpose="  ",
            in_scope=["advocacy", "made_up_code"],
            out_of_scope=["advocacy"],
            drift_threshold_percent=0,
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "purpose",
        "in_scope",
        "out_of_scope",
        "drift_threshold_percent",
        "co_producers",
    }
    assert "made_up_code" in errors["in_scope"][0]
    assert "Advocacy cannot be both in and out of scope" in errors["out_of_scope"][0]
    assert "Olive Outsider" in errors["co_producers"][0]
    assert not AuditEvent.objects.filter(action__startswith="role_").exists()


def test_one_definition_per_team_type_and_one_for_all_teams(world):
    draft(world, world.peer_a)
    with pytest.raises(ValidationError) as caught:
        draft(world, world.peer_a)
    assert "team_type" in caught.value.message_dict
    crisis = services.create_definition(
        actor=world.manager,
        organization=world.org,
        title="Crisis peer support worker",
        team_type=TeamType.CRISIS,
        content=content(world.peer_b),
    )
    assert crisis.definition.team_type == TeamType.CRISIS


def test_a_team_follows_its_own_type_definition_else_the_organizations(world):
    general = services.approve_version(actor=world.manager, version=draft(world, world.peer_a))
    crisis = services.create_definition(
        actor=world.manager,
        organization=world.org,
        title="Crisis peer support worker",
        team_type=TeamType.CRISIS,
        content=content(world.peer_b),
    )
    # A draft is not in force: team B (crisis) still follows the general definition.
    assert selectors.approved_version_for_team(world.team_b) == general
    services.approve_version(actor=world.manager, version=crisis)
    assert selectors.approved_version_for_team(world.team_b) == crisis
    assert selectors.approved_version_for_team(world.team_a) == general


# --- who may read which version ------------------------------------------------------------

READ_MATRIX = [
    # (user, draft readable, approved readable)
    ("manager", True, True),
    ("site_manager", False, True),
    ("supervisor", False, True),
    ("peer_a", True, True),  # co-producer of the draft
    ("peer_b", False, True),
    ("clinician", False, True),
    ("evaluator", False, True),
    ("admin", False, False),
    ("outsider", False, False),
]


@pytest.mark.parametrize(("who", "reads_draft", "reads_approved"), READ_MATRIX)
def test_who_reads_drafts_and_approved_versions(world, who, reads_draft, reads_approved):
    approved = services.approve_version(actor=world.manager, version=draft(world, world.peer_b))
    proposal = services.start_draft(actor=world.manager, definition=approved.definition)
    services.update_draft(actor=world.manager, version=proposal, content=content(world.peer_a))
    user = getattr(world, who)
    assert user.has_perm("planning.view_role_version", proposal) is reads_draft
    assert user.has_perm("planning.view_role_version", approved) is reads_approved
    visible = set(selectors.visible_versions(user, approved.definition))
    if who != "outsider":
        assert (proposal in visible) is reads_draft
        assert (approved in visible) is reads_approved


PERMISSION_MATRIX = [
    *[
        (u, "planning.view_role_definitions", True)
        for u in ("manager", "site_manager", "supervisor", "peer_a", "clinician", "evaluator")
    ],
    ("admin", "planning.view_role_definitions", False),
    ("outsider", "planning.view_role_definitions", False),
    ("manager", "planning.manage_role_definitions", True),
    ("manager", "planning.approve_role_definitions", True),
    *[
        (u, perm, False)
        for u in ("site_manager", "supervisor", "peer_a", "clinician", "evaluator", "admin")
        for perm in ("planning.manage_role_definitions", "planning.approve_role_definitions")
    ],
]


@pytest.mark.parametrize(("who", "perm", "allowed"), PERMISSION_MATRIX)
def test_role_definition_permission_matrix(world, who, perm, allowed):
    assert getattr(world, who).has_perm(perm, world.org) is allowed


def test_a_peer_worker_membership_anywhere_in_the_organization_counts(world):
    # Quinn is a peer worker on team B only; the rule asks for a peer worker role
    # in the organization, at any place.
    assert Membership.objects.get(user=world.peer_b).role == Role.PEER_WORKER
    version = draft(world, world.peer_b)
    assert services.approval_problems(version) == []
