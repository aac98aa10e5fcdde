"""The de-identified export cannot crash on a stored date, however absurd (year 1, year
9999: entered before forms bounded dates, or written by another system)."""

from __future__ import annotations

from datetime import date

from peerway.hospital.models import EventKind, HospitalEvent
from peerway.research import deid, services
from peerway.support.models import Contact

PURPOSE = "Evaluate the peer service for the funder's annual review"


def test_an_absurd_stored_date_does_not_stop_the_export(world, crowd, monkeypatch):
    t = crowd.tracer
    for day in (date(1, 1, 1), date(9999, 12, 31)):
        contact = Contact.objects.create(
            organization=world.org,
            team=t.team,
            worker=world.peer_a,
            date=day,
            duration_minutes=30,
            modality="in_person",
            setting="community",
            contact_type="one_to_one",
            activities=["emotional_support"],
        )
        contact.people.add(t)
        HospitalEvent.objects.create(
            organization=world.org, person=t, kind=EventKind.ADMISSION, date=day, facility="H"
        )
    monkeypatch.setattr(deid, "random_offset", lambda max_days: -100)
    export = services.create_export(actor=world.evaluator, organization=world.org, purpose=PURPOSE)
    assert export.files, "the export was written"
    # The absurd dates are exported as unknown, never shifted into other absurd dates.
    for name, content in export.files.items():
        text = content.decode() if isinstance(content, bytes) else str(content)
        assert "0001-" not in text and "9999-" not in text, name


def test_shift_returns_unknown_for_implausible_dates_instead_of_overflowing():
    assert deid.shift(date(1, 1, 1), -1) is None
    assert deid.shift(date(1000, 6, 1), 5) is None
    assert deid.shift(date(9999, 12, 31), 1) is None
    assert deid.shift(date(2026, 1, 1), -1) == date(2025, 12, 31)
