"""The role definition screens, as managers, peer workers and others use them."""

import pytest
from django.urls import reverse

from peerway.core.models import AuditEvent
from peerway.planning import taxonomy
from peerway.planning.models import RoleDefinition, RoleDefinitionVersion, VersionStatus
from peerway.planning.roles import services
from peerway.planning.roles.forms import SCOPE_PREFIX
from peerway.planning.roles.services import RoleContent


def url(name, *args):
    return reverse(f"planning:{name}", args=["northwind", *args])


def scope_post(in_scope=None, out_of_scope=None) -> dict:
    default_in, default_out = taxonomy.default_scope()
    in_scope = default_in if in_scope is None else in_scope
    out_of_scope = default_out if out_of_scope is None else out_of_scope
    data = {SCOPE_PREFIX + c: "in" for c in in_scope}
    data.update({SCOPE_PREFIX + c: "out" for c in out_of_scope})
    return data


def version_post(*co_producers, **overrides) -> dict:
    data = {
        "purpose": "Peer workers offer hope and support recovery through shared experience.",
        "drift_threshold_percent": "20",
        "information_sharing": "Only what the person agrees to share.",
        "documentation": "Contacts are logged in Peerway.",
        "co_producers": [str(u.pk) for u in co_producers],
        **scope_post(),
    }
    data.update(overrides)
    return data


def make_draft(world, *co_producers, **overrides) -> RoleDefinitionVersion:
    in_scope, out_of_scope = taxonomy.default_scope()
    values = {
        "purpose": "Peer workers offer hope and support recovery.",
        "in_scope": in_scope,
        "out_of_scope": out_of_scope,
        "drift_threshold_percent": 20,
        "co_producers": list(co_producers),
    }
    values.update(overrides)
    return services.create_definition(
        actor=world.manager,
        organization=world.org,
        title="Peer support worker",
        team_type="",
        content=RoleContent(**values),
    )


@pytest.fixture
def approved_and_draft(world):
    """Version 1 approved (co-produced with Quinn), version 2 in draft co-produced with Pat."""
    v1 = services.approve_version(actor=world.manager, version=make_draft(world, world.peer_b))
    v2 = services.start_draft(actor=world.manager, definition=v1.definition)
    in_scope, out_of_scope = taxonomy.default_scope()
    services.update_draft(
        actor=world.manager,
        version=v2,
        content=RoleContent(
            purpose="Peer workers offer hope, support recovery and stand by people in crisis.",
            in_scope=[c for c in in_scope if c != "group_facilitation"] + ["family_peer_support"],
            out_of_scope=[c for c in out_of_scope if c != "family_peer_support"]
            + ["group_facilitation"],
            drift_threshold_percent=15,
            co_producers=[world.peer_a, world.peer_b],
        ),
    )
    return v1, v2


def test_manager_creates_edits_and_approves_a_role_definition(world, login):
    client = login(world.manager)
    assert client.get(url("role_create")).status_code == 200
    response = client.post(
        url("role_create"), {"title": "Peer support worker", "team_type": "", **version_post()}
    )
    version = RoleDefinitionVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("role_version", version.pk)
    # No peer co-producer yet: the approve page explains why it cannot be approved.
    page = client.get(url("role_version_approve", version.pk))
    assert "At least one co-producer must be a peer support worker" in page.content.decode()
    response = client.post(url("role_version_edit", version.pk), version_post(world.peer_a))
    assert response.status_code == 302
    response = client.post(url("role_version_approve", version.pk))
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert list(
        AuditEvent.objects.filter(action__startswith="role_")
        .order_by("sequence")
        .values_list("action", flat=True)
    ) == [
        "role_definition.created",
        "role_version.draft_created",
        "role_version.updated",
        "role_version.approved",
    ]


def test_approval_without_a_peer_co_producer_is_refused_with_a_clear_message(world, login):
    version = make_draft(world, world.supervisor)
    response = login(world.manager).post(url("role_version_approve", version.pk))
    assert response.status_code == 400
    text = response.content.decode()
    assert "This version cannot be approved yet" in text
    assert "At least one co-producer must be a peer support worker" in text
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_peer_worker_cannot_approve(world, login):
    version = make_draft(world, world.peer_a)
    client = login(world.peer_a)
    assert client.get(url("role_version_approve", version.pk)).status_code == 403
    assert client.post(url("role_version_approve", version.pk)).status_code == 403
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_clinician_cannot_edit_or_create(world, login, approved_and_draft):
    _v1, v2 = approved_and_draft
    client = login(world.clinician)
    assert client.get(url("role_version_edit", v2.pk)).status_code == 403
    assert client.post(url("role_version_edit", v2.pk), version_post()).status_code == 403
    assert client.get(url("role_create")).status_code == 403
    assert client.post(url("role_new_draft", v2.definition_id)).status_code == 403


def test_outsider_gets_404_for_everything(world, login, approved_and_draft):
    v1, v2 = approved_and_draft
    client = login(world.outsider)
    for address in (
        url("role_list"),
        url("role_create"),
        url("role_definition", v1.definition_id),
        url("role_version", v1.pk),
        url("role_version", v2.pk),
        url("role_version_edit", v2.pk),
        url("role_version_approve", v2.pk),
        url("role_version_print", v1.pk),
        url("role_compare", v1.definition_id) + f"?a={v1.pk}&b={v2.pk}",
    ):
        assert client.get(address).status_code == 404, address


def test_a_version_of_another_organization_is_not_found(world, login, approved_and_draft):
    v1, _v2 = approved_and_draft
    other = reverse("planning:role_version", args=["elsewhere", v1.pk])
    assert login(world.outsider).get(other).status_code == 404


def test_an_approved_version_cannot_be_edited(world, login, approved_and_draft):
    v1, _v2 = approved_and_draft
    client = login(world.manager)
    response = client.post(url("role_version_edit", v1.pk), version_post(world.peer_a))
    assert response.status_code == 302
    assert response["Location"] == url("role_version", v1.pk)
    page = client.get(response["Location"])
    assert "can no longer be changed" in page.content.decode()
    v1.refresh_from_db()
    assert v1.purpose == "Peer workers offer hope and support recovery."


def test_new_draft_button_copies_the_latest_version(world, login):
    v1 = services.approve_version(actor=world.manager, version=make_draft(world, world.peer_a))
    client = login(world.manager)
    response = client.post(url("role_new_draft", v1.definition_id))
    v2 = RoleDefinitionVersion.objects.get(number=2)
    assert response["Location"] == url("role_version_edit", v2.pk)
    assert v2.purpose == v1.purpose
    # A second click leads to the existing draft rather than a third version.
    response = client.post(url("role_new_draft", v1.definition_id))
    assert response["Location"] == url("role_version_edit", v2.pk)
    assert RoleDefinitionVersion.objects.count() == 2


def test_edit_form_names_the_field_at_fault(world, login):
    version = make_draft(world, world.peer_a)
    data = version_post(world.peer_a, purpose="", drift_threshold_percent="150")
    data.pop(SCOPE_PREFIX + "advocacy")
    response = login(world.manager).post(url("role_version_edit", version.pk), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="id_purpose_error"' in text
    assert 'id="id_drift_threshold_percent_error"' in text
    assert "Advocacy: choose in scope or out of scope." in text
    assert not AuditEvent.objects.filter(action="role_version.updated").exists()


def test_create_refuses_a_second_definition_for_all_teams(world, login):
    make_draft(world, world.peer_a)
    response = login(world.manager).post(
        url("role_create"), {"title": "Another", "team_type": "", **version_post()}
    )
    assert response.status_code == 200
    assert "already has a role definition for all teams" in response.content.decode()
    assert RoleDefinition.objects.count() == 1


def test_clinician_reads_the_approved_version_but_not_the_draft(world, login, approved_and_draft):
    v1, v2 = approved_and_draft
    client = login(world.clinician)
    assert client.get(url("role_version", v1.pk)).status_code == 200
    assert client.get(url("role_version_print", v1.pk)).status_code == 200
    assert client.get(url("role_version", v2.pk)).status_code == 403
    listing = client.get(url("role_list")).content.decode()
    assert url("role_version", v1.pk) in listing
    assert url("role_version", v2.pk) not in listing


def test_peer_co_producer_reads_the_draft_and_other_peers_do_not(world, login, approved_and_draft):
    _v1, v2 = approved_and_draft
    assert login(world.peer_a).get(url("role_version", v2.pk)).status_code == 200
    # Quinn co-produces version 2 as well; an unrelated supervisor does not.
    assert login(world.supervisor).get(url("role_version", v2.pk)).status_code == 403


def test_evaluator_reads_approved_versions(world, login, approved_and_draft):
    v1, v2 = approved_and_draft
    client = login(world.evaluator)
    assert client.get(url("role_list")).status_code == 200
    assert client.get(url("role_version", v1.pk)).status_code == 200
    assert client.get(url("role_version", v2.pk)).status_code == 403


def test_version_page_shows_scope_and_co_producers(world, login, approved_and_draft):
    v1, _v2 = approved_and_draft
    text = login(world.peer_b).get(url("role_version", v1.pk)).content.decode()
    assert "Sharing recovery story" in text
    assert "Medication administration" in text
    assert "Quinn Peer (peer support worker)" in text
    assert "more than 20%" in text
    assert "Edit the draft" not in text
    assert "Review and approve" not in text


def test_printable_version_cites_the_taxonomy_sources(world, login, approved_and_draft):
    v1, _v2 = approved_and_draft
    text = login(world.manager).get(url("role_version_print", v1.pk)).content.decode()
    assert "Chinman" in text
    assert "Sunderland" in text
    assert "to be confirmed against the text" in text


def test_compare_shows_what_changed_in_words_not_colour_alone(world, login, approved_and_draft):
    v1, v2 = approved_and_draft
    client = login(world.manager)
    response = client.get(url("role_compare", v1.definition_id) + f"?a={v2.pk}&b={v1.pk}")
    assert response.status_code == 200
    text = response.content.decode()
    # Older on the left even when asked the other way round.
    assert text.index("Version 1") < text.index("Version 2")
    assert "Moved out of scope" in text  # group facilitation
    assert "Moved into scope" in text  # family peer support
    assert "<ins>" in text and "<del>" in text
    assert "added</span>" in text and "removed</span>" in text
    assert "[added:]" in text  # the purpose gained words
    assert "20%" in text and "15%" in text
    assert "Pat Peer" in text  # a co-producer was added


def test_compare_of_a_draft_is_refused_to_those_who_cannot_read_it(
    world, login, approved_and_draft
):
    v1, v2 = approved_and_draft
    address = url("role_compare", v1.definition_id) + f"?a={v1.pk}&b={v2.pk}"
    assert login(world.clinician).get(address).status_code == 404
    assert login(world.peer_a).get(address).status_code == 200


def test_definition_page_offers_a_comparison_of_in_force_and_draft(
    world, login, approved_and_draft
):
    v1, v2 = approved_and_draft
    text = login(world.manager).get(url("role_definition", v1.definition_id)).content.decode()
    assert f'<option value="{v1.pk}" selected>' in text
    assert f'<option value="{v2.pk}" selected>' in text
    assert "Edit draft version 2" in text


def test_list_is_empty_but_helpful_for_a_new_organization(world, login):
    text = login(world.manager).get(url("role_list")).content.decode()
    assert "No role definition yet." in text
    assert url("role_create") in text
    peer_text = login(world.peer_a).get(url("role_list")).content.decode()
    assert url("role_create") not in peer_text


def test_the_compare_address_on_its_own_compares_the_default_pair(world, login, approved_and_draft):
    """The compare form's action, opened as a link, shows in force against draft."""
    v1, v2 = approved_and_draft
    response = login(world.manager).get(url("role_compare", v1.definition_id))
    assert response.status_code == 200
    assert (response.context["a"], response.context["b"]) == (v1, v2)
    # A reader who sees one version only is sent back to the definition page.
    response = login(world.clinician).get(url("role_compare", v1.definition_id))
    assert response.status_code == 302
    assert response["Location"] == url("role_definition", v1.definition_id)
