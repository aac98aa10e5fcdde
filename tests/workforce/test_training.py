"""Training and certifications: records, compliance per team, expiry reminders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.workforce import selectors, services
from peerway.workforce.models import Notification, TrainingRecord

TODAY = timezone.localdate


def staff(world, user):
    return selectors.load_staff(user, world.org)


def add(world, user, *, title="Peer Support Canada certification", actor=None, **overrides):
    values = {
        "kind": "certification",
        "title": title,
        "credential": "psc_peer",
        "completed_on": TODAY() - timedelta(days=400),
        "expires_on": TODAY() + timedelta(days=300),
        "competency_areas": ("recovery", "boundaries"),
        "hours": Decimal("40"),
    }
    values.update(overrides)
    return services.add_training(
        actor=actor or world.manager,
        member=staff(world, user),
        record=services.TrainingInput(**values),
    )


def url(world, name, *args):
    return reverse(f"workforce:{name}", args=[world.org.slug, *args])


def test_manager_adds_a_record_through_the_form_and_bad_input_names_the_field(world, login):
    client = login(world.manager)
    add_url = url(world, "training_add", world.peer_a.pk)
    assert client.get(add_url).status_code == 200
    bad = client.post(
        add_url,
        {
            "kind": "course",
            "title": "Trauma-informed practice",
            "credential": "psc_peer",
            "completed_on": TODAY().isoformat(),
            "expires_on": (TODAY() - timedelta(days=1)).isoformat(),
        },
    )
    html = bad.content.decode()
    assert "Only a certification names a certifying body." in html
    assert 'id="id_credential_error"' in html
    assert not TrainingRecord.objects.exists()
    good = client.post(
        add_url,
        {
            "kind": "course",
            "title": "Trauma-informed practice",
            "competency_areas": ["trauma"],
            "hours": "7.5",
            "completed_on": TODAY().isoformat(),
        },
    )
    assert good.status_code == 302
    record = TrainingRecord.objects.get()
    assert (record.user, record.competency_areas, record.hours) == (
        world.peer_a,
        ["trauma"],
        Decimal("7.5"),
    )
    assert AuditEvent.objects.filter(action="workforce.training_recorded").exists()
    page = client.get(url(world, "training", world.peer_a.pk)).content.decode()
    assert "Trauma-informed practice" in page and "7.5" in page


def test_who_sees_and_records_training(world, login):
    add(world, world.peer_a)
    view = url(world, "training", world.peer_a.pk)
    for who in ("manager", "supervisor", "peer_a"):
        assert login(getattr(world, who)).get(view).status_code == 200, who
    for who in ("clinician", "admin", "evaluator"):
        assert login(getattr(world, who)).get(view).status_code == 403, who
    for who in ("peer_b", "site_manager", "outsider"):
        assert login(getattr(world, who)).get(view).status_code == 404, who
    add_url = url(world, "training_add", world.peer_a.pk)
    for who in ("supervisor", "peer_a", "clinician", "admin"):
        assert login(getattr(world, who)).get(add_url).status_code == 403, who
    # Training on the peer role is tracked for supervisors and clinicians too.
    assert login(world.manager).get(url(world, "training", world.supervisor.pk)).status_code == 200


def test_hr_records_training(world, hr, login):
    assert login(hr).get(url(world, "training_add", world.peer_a.pk)).status_code == 200


def test_deleting_a_record_is_a_post_by_who_may_record(world, login):
    record = add(world, world.peer_a)
    delete = url(world, "training_delete", world.peer_a.pk, record.pk)
    assert login(world.supervisor).post(delete).status_code == 403
    assert login(world.manager).get(delete).status_code == 405
    assert login(world.manager).post(delete).status_code == 302
    assert not TrainingRecord.objects.exists()


def test_a_renewal_replaces_the_lapsed_record(world):
    add(world, world.peer_a, expires_on=TODAY() - timedelta(days=10))
    status = selectors.training_status(world.peer_a, world.org, {"peer_worker"})
    assert len(status.expired) == 1 and not status.compliant
    add(world, world.peer_a, completed_on=TODAY() - timedelta(days=5))
    status = selectors.training_status(world.peer_a, world.org, {"peer_worker"})
    assert status.expired == [] and status.compliant


def test_compliance_per_team(world, login, settings):
    settings.PEERWAY_TRAINING_WARNING_DAYS = 60
    add(world, world.peer_a, expires_on=TODAY() + timedelta(days=20))
    add(
        world,
        world.supervisor,
        kind="course",
        title="Supervising peer workers",
        credential="",
        expires_on=None,
        competency_areas=("peer_role",),
    )
    result = selectors.team_compliance(world.team_a)
    assert {s.user for s in result.rows} == {world.peer_a, world.supervisor, world.clinician}
    assert (result.peers_certified, len(result.peers)) == (1, 1)
    assert (result.others_trained, len(result.others)) == (1, 2)  # the clinician is not
    assert result.expiring == 1 and result.expired == 0
    html = login(world.manager).get(url(world, "compliance", world.team_a.pk)).content.decode()
    assert "Peer workers with a certification in force: 1 of 1." in html
    assert "Supervisors and other staff trained on the peer role: 1 of 2." in html
    assert "Records expiring within 60 days: 1." in html


def test_compliance_is_for_managers_supervisors_and_hr_over_the_team(world, hr, login):
    page = url(world, "compliance", world.team_a.pk)
    for user in (world.manager, world.supervisor, hr):
        assert login(user).get(page).status_code == 200
    for who in ("peer_a", "clinician", "admin", "evaluator"):
        assert login(getattr(world, who)).get(page).status_code == 403, who
    for who in ("site_manager", "outsider", "peer_b"):
        assert login(getattr(world, who)).get(page).status_code == 404, who


def test_reminders_are_sent_once_per_stage_by_the_background_task(world, settings):
    settings.PEERWAY_TRAINING_WARNING_DAYS = 60
    soon = add(world, world.peer_a, expires_on=TODAY() + timedelta(days=25))
    lapsed = add(world, world.peer_b, title="First aid", expires_on=TODAY() - timedelta(days=1))
    add(world, world.peer_b, title="Naloxone", expires_on=TODAY() + timedelta(days=200))
    call_command("training_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    notes = Notification.objects.order_by("user__email")
    assert [(n.user, n.kind) for n in notes] == [
        (world.peer_a, "training_expiring"),
        (world.peer_b, "training_expired"),
    ]
    assert notes[0].key == f"training:{soon.pk}:30"
    assert notes[1].key == f"training:{lapsed.pk}:0"
    assert sorted(m.to[0] for m in mail.outbox) == [world.peer_a.email, world.peer_b.email]
    # Running again the same day sends nothing new.
    assert services.send_training_reminders() == 0
    # A week later the 7-day stage is reached.
    assert services.send_training_reminders(today=TODAY() + timedelta(days=19)) == 1


def test_notifications_are_shown_to_their_owner_only_and_can_be_marked_read(world, login):
    add(world, world.peer_a, expires_on=TODAY() + timedelta(days=5))
    services.send_training_reminders()
    page = url(world, "notifications")
    client = login(world.peer_a)
    html = client.get(page).content.decode()
    assert "Peer Support Canada certification" in html and "New" in html
    assert (
        "Peer Support Canada certification" not in login(world.manager).get(page).content.decode()
    )
    assert login(world.outsider).get(page).status_code == 404
    assert login(world.peer_a).post(page).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_training_input_is_checked(world):
    with pytest.raises(ValidationError) as exc:
        services.add_training(
            actor=world.manager,
            member=staff(world, world.peer_a),
            record=services.TrainingInput(
                kind="webinar",
                title=" ",
                completed_on=TODAY() + timedelta(days=1),
                competency_areas=("juggling",),
            ),
        )
    assert set(exc.value.message_dict) == {"kind", "title", "completed_on", "competency_areas"}
