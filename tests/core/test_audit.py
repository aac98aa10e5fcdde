import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from peerway.core import audit, services
from peerway.core.models import AuditEvent
from peerway.core.roles import Role


def test_events_form_an_intact_chain(world):
    for i in range(3):
        audit.record(actor=world.manager, action="test.event", details={"i": i})
    result = audit.verify()
    assert result.ok
    assert result.checked == 3
    events = list(AuditEvent.objects.order_by("sequence"))
    assert events[0].previous_hash == audit.GENESIS_HASH
    assert events[1].previous_hash == events[0].hash


def test_verify_detects_an_event_edited_with_raw_sql(world):
    for i in range(4):
        audit.record(actor=world.manager, action="test.event", details={"i": i})
    target = AuditEvent.objects.get(sequence=3)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s",
            ["test.innocent", target.pk],
        )
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_sequence == 3
    assert "#3" in result.message()


def test_verify_detects_a_deleted_event(world):
    for i in range(3):
        audit.record(actor=world.manager, action="test.event", details={"i": i})
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE sequence = 2")
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_sequence == 2


def test_verify_detects_removal_of_the_newest_event(world):
    for i in range(3):
        audit.record(actor=world.manager, action="test.event", details={"i": i})
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE sequence = 3")
    assert not audit.verify().ok


def test_audit_events_cannot_be_changed_or_deleted_through_the_application(world):
    event = audit.record(actor=world.manager, action="test.event")
    event.action = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_write_and_its_audit_event_share_one_transaction(world, monkeypatch):
    def broken_record(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record", broken_record)
    with pytest.raises(RuntimeError):
        services.grant_membership(
            actor=world.manager, user=world.peer_a, organization=world.org, role=Role.CLINICIAN
        )
    assert not world.peer_a.memberships.filter(role=Role.CLINICIAN).exists()


def test_events_carry_actor_place_request_and_address(world, login):
    client = login(world.manager)
    response = client.post(
        f"/o/{world.org.slug}/people/{world.peer_a.pk}/",
        {"role": Role.CLINICIAN, "place": f"team:{world.team_a.pk}"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="membership.granted")
    assert event.actor_id == world.manager.pk
    assert event.team_id == world.team_a.pk
    assert event.site_id == world.north.pk
    assert event.organization_id == world.org.pk
    assert event.ip_address == "203.0.113.9"
    assert event.request_id == response["X-Request-ID"]


def test_ip_address_is_not_kept_when_configured_off(world, settings):
    settings.PEERWAY_AUDIT_RECORD_IP = False
    from peerway.core import context

    token = context.bind(context.RequestContext("req", "198.51.100.7"))
    try:
        event = audit.record(actor=world.manager, action="test.event")
    finally:
        context.reset(token)
    assert event.ip_address is None


def test_audit_verify_command_reports_intact_and_names_the_broken_link(world):
    audit.record(actor=world.manager, action="test.event")
    audit.record(actor=world.manager, action="test.event")
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET details = %s WHERE sequence = 1",
            ['{"forged": 1}'],
        )
    with pytest.raises(CommandError, match="#1"):
        call_command("audit", "verify")


def test_audit_export_writes_csv_since_a_date(world, tmp_path):
    audit.record(actor=world.manager, action="test.event", details={"k": "v"})
    target = tmp_path / "audit.csv"
    call_command("audit", "export", "--since", "2000-01-01", "--out", str(target))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows[0]["action"] == "test.event"
    assert rows[0]["actor_label"] == world.manager.email
    assert set(rows[0]) >= {"sequence", "created_at", "hash", "previous_hash", "details"}
    # The export itself is an audit event.
    assert AuditEvent.objects.filter(action="audit.exported").exists()


def test_audit_export_rejects_a_bad_date():
    with pytest.raises(CommandError, match="--since"):
        call_command("audit", "export", "--since", "25/11/2026")


def test_audit_screen_filters_and_is_for_admins_only(world, login):
    audit.record(actor=world.manager, action="membership.granted", obj=world.team_a)
    audit.record(actor=world.manager, action="invitation.created", obj=world.team_a)
    client = login(world.admin)
    page = client.get(f"/o/{world.org.slug}/audit/", {"action": "invitation"})
    assert page.status_code == 200
    assert b"invitation.created" in page.content
    assert b"membership.granted" not in page.content
    export = client.get(f"/o/{world.org.slug}/audit/export.csv", {"action": "invitation"})
    body = b"".join(export.streaming_content).decode()
    assert "invitation.created" in body and "membership.granted" not in body
    for who in ("manager", "supervisor", "peer_a", "evaluator"):
        client = login(getattr(world, who))
        assert client.get(f"/o/{world.org.slug}/audit/").status_code == 403


def test_audit_screen_shows_no_other_organizations_events(world, login):
    audit.record(actor=world.outsider, action="elsewhere.secret", obj=world.other_org)
    page = login(world.admin).get(f"/o/{world.org.slug}/audit/")
    assert b"elsewhere.secret" not in page.content
