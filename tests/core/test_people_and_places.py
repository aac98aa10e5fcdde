"""People and access screens, and the denials that keep places apart."""

from peerway.core.models import AuditEvent, Membership, User
from peerway.core.roles import Role


def test_peer_worker_gets_404_for_another_teams_page(world, login):
    client = login(world.peer_a)
    assert client.get(f"/teams/{world.team_a.pk}/").status_code == 200
    assert client.get(f"/teams/{world.team_b.pk}/").status_code == 404
    response = client.get(f"/teams/{world.team_c.pk}/")
    assert response.status_code == 404
    assert b"Page not found" in response.content  # Peerway's own page, with navigation
    assert b'href="#main"' in response.content


def test_outsider_gets_404_for_the_organization(world, login):
    client = login(world.outsider)
    assert client.get(f"/o/{world.org.slug}/").status_code == 404
    assert client.get(f"/o/{world.org.slug}/people/").status_code == 404
    assert client.get(f"/teams/{world.team_a.pk}/").status_code == 404


def test_clinician_cannot_reach_user_administration(world, login):
    client = login(world.clinician)
    slug = world.org.slug
    assert client.get(f"/o/{slug}/people/").status_code == 403
    assert client.get(f"/o/{slug}/people/invite/").status_code == 403
    assert client.get(f"/o/{slug}/people/{world.peer_a.pk}/").status_code == 403
    assert client.post(f"/o/{slug}/people/{world.peer_a.pk}/active/").status_code == 403
    assert client.get("/system-admin/", follow=True).status_code == 403


def test_evaluator_reaches_no_identifiable_record(world, login):
    client = login(world.evaluator)
    slug = world.org.slug
    for url in (
        f"/teams/{world.team_a.pk}/",
        f"/o/{slug}/people/",
        f"/o/{slug}/people/{world.peer_a.pk}/",
        f"/o/{slug}/audit/",
        f"/o/{slug}/audit/export.csv",
    ):
        assert client.get(url).status_code in (403, 404), url
    # The structure page (sites and teams) names no person and links to no member list.
    page = client.get(f"/o/{slug}/")
    assert page.status_code == 200
    for person in (world.peer_a, world.clinician, world.manager):
        assert person.display_name.encode() not in page.content
    assert f"/teams/{world.team_a.pk}/".encode() not in page.content


def test_team_page_lists_the_people_covering_the_team(world, login):
    page = login(world.peer_a).get(f"/teams/{world.team_a.pk}/")
    assert b"Pat Peer" in page.content
    assert b"Casey Clinician" in page.content
    assert b"Quinn Peer" not in page.content  # team B


def test_site_manager_sees_only_people_of_their_site(world, login):
    from tests.conftest import grant

    grant(world.peer_b, Role.PEER_WORKER, world.org, team=world.team_c)
    page = login(world.site_manager).get(f"/o/{world.org.slug}/people/")
    assert b"Quinn Peer" in page.content  # on team C at South
    assert b"Pat Peer" not in page.content  # North only
    assert (
        login(world.site_manager).get(f"/o/{world.org.slug}/people/{world.peer_a.pk}/").status_code
        == 404
    )


def test_manager_grants_and_revokes_a_role(world, login):
    client = login(world.manager)
    url = f"/o/{world.org.slug}/people/{world.peer_a.pk}/"
    client.post(url, {"role": Role.SUPERVISOR, "place": f"site:{world.south.pk}"})
    membership = Membership.objects.get(user=world.peer_a, role=Role.SUPERVISOR)
    assert membership.site == world.south
    client.post(f"/o/{world.org.slug}/memberships/{membership.pk}/revoke/")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"membership.granted", "membership.revoked"} <= actions


def test_granting_the_same_role_twice_says_so(world, login):
    client = login(world.manager)
    url = f"/o/{world.org.slug}/people/{world.peer_a.pk}/"
    response = client.post(url, {"role": Role.PEER_WORKER, "place": f"team:{world.team_a.pk}"})
    assert response.status_code == 200
    assert "already holds" in str(response.context["form"].non_field_errors())


def test_grant_form_rejects_a_place_the_manager_does_not_manage(world, login):
    client = login(world.site_manager)
    from tests.conftest import grant

    grant(world.peer_b, Role.PEER_WORKER, world.org, team=world.team_c)
    url = f"/o/{world.org.slug}/people/{world.peer_b.pk}/"
    response = client.post(url, {"role": Role.CLINICIAN, "place": f"team:{world.team_a.pk}"})
    assert "place" in response.context["form"].errors
    assert not Membership.objects.filter(user=world.peer_b, role=Role.CLINICIAN).exists()


def test_manager_cannot_remove_their_own_management_role(world, login):
    membership = Membership.objects.get(user=world.manager, role=Role.MANAGER)
    login(world.manager).post(f"/o/{world.org.slug}/memberships/{membership.pk}/revoke/")
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_manager_deactivates_and_reactivates_an_account(world, login):
    client = login(world.manager)
    url = f"/o/{world.org.slug}/people/{world.peer_a.pk}/active/"
    client.post(url, {"active": "0"})
    assert not User.objects.get(pk=world.peer_a.pk).is_active
    client.post(url, {"active": "1"})
    assert User.objects.get(pk=world.peer_a.pk).is_active
    assert AuditEvent.objects.filter(action="user.deactivated").count() == 1


def test_site_manager_cannot_deactivate_someone_from_another_site(world, login):
    client = login(world.site_manager)
    client.post(f"/o/{world.org.slug}/people/{world.peer_a.pk}/active/", {"active": "0"})
    assert User.objects.get(pk=world.peer_a.pk).is_active


def test_security_settings_change_which_roles_need_mfa(world, login):
    client = login(world.manager)
    client.post(f"/o/{world.org.slug}/settings/security/", {"roles": ["manager", "clinician"]})
    world.org.refresh_from_db()
    assert world.org.mfa_required_roles == ["clinician", "manager"]
    assert AuditEvent.objects.filter(action="organization.mfa_roles_changed").exists()
    assert login(world.supervisor).get(f"/o/{world.org.slug}/settings/security/").status_code == 403


def test_navigation_shows_only_what_the_role_can_use(world, login):
    peer_home = login(world.peer_a).get("/").content
    assert b"People and access" not in peer_home
    assert b"Audit trail" not in peer_home
    admin_home = login(world.admin).get("/").content
    assert b"Audit trail" in admin_home
    manager_home = login(world.manager).get("/").content
    assert b"People and access" in manager_home


def test_health_endpoint_reveals_nothing_but_status(client, db):
    response = client.get("/health")
    assert response.json() == {"status": "ok"}


def test_manager_home_lists_survey_waves(world, login):
    from datetime import timedelta

    from django.utils import timezone

    from peerway.assessments import services as survey_services

    today = timezone.localdate()
    survey_services.create_wave(
        actor=world.manager,
        organization=world.org,
        name="Spring wave",
        instrument_codes=["oric"],
        teams=[world.team_a],
        audiences=["staff"],
        opens_on=today,
        closes_on=today + timedelta(days=7),
        k=5,
    )
    assert b"Spring wave" in login(world.manager).get("/").content
    assert b"Spring wave" not in login(world.peer_a).get("/").content
