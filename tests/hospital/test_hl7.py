"""The HL7 v2 ADT feed: a real MLLP round trip on loopback, ACKs and NAKs naming the field,
resent messages, every trigger event, cancels and updates, audit, the eligibility trigger,
and the documented sample file imported as the docs show it."""

from __future__ import annotations

import socket
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from peerway.cli import main as peerway
from peerway.core.models import AuditEvent, Organization
from peerway.hospital import hl7_adt, hl7_feed, selectors
from peerway.hospital.mllp import MLLPServer, frame, frames, send
from peerway.hospital.models import EventKind, HL7Message, HospitalEvent
from peerway.support.models import Person

from .conftest import TODAY, csv_bytes

DOCS = Path(__file__).parents[2] / "docs"
SAMPLE = DOCS / "samples" / "hl7-adt.hl7"


def documented_block(after: str) -> list[str]:
    """Lines of the first fenced block after ``after`` in docs/hospital-events.md."""
    text = (DOCS / "hospital-events.md").read_text()
    rest = text[text.index(after) :]
    start = rest.index("```text\n") + len("```text\n")
    return rest[start : rest.index("```", start)].splitlines()


def adt(
    trigger: str,
    control_id: str,
    *,
    ids: str = "MRN-001^^^HGH^MR~1234567890^^^ON^JHN",
    patient_class: str = "I",
    location: str = "PSY^301^1^HGH",
    prior: str = "",
    visit: str = "V-1",
    admitted: str = "",
    discharged: str = "",
    occurred: str = "20260601120000",
    facility: str = "HGH",
    message_type: str | None = None,
    processing: str = "P",
    segments: tuple[str, ...] = ("PID", "PV1"),
) -> bytes:
    pv1 = [""] * 46
    pv1[1], pv1[2], pv1[3], pv1[6] = "1", patient_class, location, prior
    pv1[19], pv1[44], pv1[45] = visit, admitted, discharged
    kind = message_type or f"ADT^{trigger}^ADT_A01"
    lines = [
        f"MSH|^~\\&|ADT|{facility}|PEERWAY|NORTHWIND|20260601120000||{kind}|{control_id}"
        f"|{processing}|2.5",
        f"EVN|{trigger}|{occurred}",
    ]
    if "PID" in segments:
        lines.append(f"PID|1||{ids}||Doe^Jane")
    if "PV1" in segments:
        lines.append("PV1|" + "|".join(pv1[1:]).rstrip("|"))
    return ("\r".join(lines) + "\r").encode()


def receive(world, raw: bytes, **kw) -> hl7_feed.Outcome:
    return hl7_feed.answer(raw, organization=world.org, today=kw.pop("today", TODAY), **kw)


def events(person) -> list[tuple[str, date, str]]:
    return [
        (e.kind, e.date, e.facility)
        for e in HospitalEvent.objects.filter(person=person).order_by("date", "kind")
    ]


def segment(ack: str, name: str) -> list[str]:
    for line in ack.split("\r"):
        if line.startswith(name + "|"):
            return line.split("|")
    raise AssertionError(f"no {name} in {ack!r}")


# --- MLLP on loopback -------------------------------------------------------------------


@pytest.fixture
def listener(world, people):
    """A listener on a free loopback port, in a thread, answering with the test's own
    database connection (as Django's live server does), stopped at the end."""
    conn = connections["default"]
    conn.inc_thread_sharing()

    def respond(raw: bytes) -> bytes:
        connections["default"] = conn
        return receive(world, raw).ack_bytes()

    server = MLLPServer(("127.0.0.1", 0), respond)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        conn.dec_thread_sharing()
    assert not thread.is_alive()


def test_mllp_round_trip_acks_each_message_and_stores_the_events(listener, people):
    admit = adt("A01", "C-1", admitted="20260601083000")
    discharge = adt("A03", "C-2", admitted="20260601083000", discharged="20260610")
    acks = send("127.0.0.1", listener.port, [admit, discharge])

    assert [hl7_adt.ack_fields(a.decode())[:2] for a in acks] == [("AA", "C-1"), ("AA", "C-2")]
    msh = segment(acks[0].decode(), "MSH")
    assert msh[8] == "ACK^A01^ACK" and msh[4] == "ADT" and msh[5] == "HGH"
    assert events(people["ada"]) == [
        (EventKind.ADMISSION, date(2026, 6, 1), "HGH"),
        (EventKind.DISCHARGE, date(2026, 6, 10), "HGH"),
    ]
    assert HospitalEvent.objects.get(kind=EventKind.DISCHARGE).admitted_on == date(2026, 6, 1)


def test_mllp_nak_names_the_field_and_writes_nothing(listener, people):
    unknown = adt("A01", "C-9", ids="NOBODY-1^^^HGH^MR", admitted="20260601")
    (ack,) = send("127.0.0.1", listener.port, [unknown])

    code, control, text = hl7_adt.ack_fields(ack.decode())
    assert (code, control) == ("AE", "C-9")
    assert text.startswith("PID-3: no identifier this organization maps")
    err = segment(ack.decode(), "ERR")
    assert err[2] == "PID^1^3" and err[3].startswith("204^") and err[4] == "E"
    assert not HospitalEvent.objects.exists() and not HL7Message.objects.exists()


def test_mllp_frames_split_across_reads_and_noise_before_a_frame(listener, people):
    raw = frame(adt("A01", "C-3", admitted="20260601"))
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        sock.sendall(b"noise" + raw[:20])
        time.sleep(0.1)
        sock.sendall(raw[20:])
        buffer = bytearray()
        while not (found := frames(buffer)):
            buffer += sock.recv(4096)
    assert hl7_adt.ack_fields(found[0].decode())[:2] == ("AA", "C-3")


def test_the_listener_stops_cleanly_with_a_client_still_connected(world, people):
    server = MLLPServer(("127.0.0.1", 0), lambda raw: b"", idle_timeout=60)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    time.sleep(0.1)
    started = time.monotonic()
    server.shutdown()
    server.server_close()  # joins the connection's thread
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 3
    assert client.recv(10) == b""  # the listener closed its end
    client.close()


# --- resent messages --------------------------------------------------------------------


def test_a_resent_message_gets_the_same_ack_and_creates_nothing_twice(world, people):
    raw = adt("A01", "C-1", admitted="20260601")
    first = receive(world, raw)
    again = receive(world, raw)

    assert again.ack == first.ack and again.resent and not first.resent
    assert HospitalEvent.objects.count() == 1 and HL7Message.objects.count() == 1
    received = AuditEvent.objects.filter(action="hospital.hl7_message_received")
    assert received.count() == 1


def test_the_same_control_id_from_another_facility_is_another_message(world, people):
    receive(world, adt("A01", "C-1", admitted="20260601"))
    other = receive(world, adt("A01", "C-1", admitted="20260602", facility="LRH"))
    assert other.code == "AA" and not other.resent
    assert HL7Message.objects.count() == 2 and HospitalEvent.objects.count() == 2


def test_a_refused_message_is_taken_when_sent_again_after_the_fix(world, people):
    ben = people["ben"]
    raw = adt("A01", "C-1", ids="MRN-777^^^HGH^MR", admitted="20260601")
    assert receive(world, raw).code == "AE"
    Person.objects.filter(pk=ben.pk).update(hospital_id_index=Person.hospital_id_lookup("MRN-777"))
    assert receive(world, raw).code == "AA"
    assert events(ben) == [(EventKind.ADMISSION, date(2026, 6, 1), "HGH")]


def test_an_event_already_imported_from_a_file_is_not_stored_twice(world, people):
    from peerway.hospital.services import import_hospital_events

    import_hospital_events(
        actor=None,
        organization=world.org,
        stream=csv_bytes(",MRN-001,admission,2026-06-01,,HGH"),
        today=TODAY,
    )
    outcome = receive(world, adt("A01", "C-1", admitted="20260601"))
    assert outcome.code == "AA" and (outcome.created, outcome.already_present) == (0, 1)
    assert "0 new, 1 already stored" in outcome.text
    assert HospitalEvent.objects.count() == 1


# --- malformed and refused messages ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        (b"hello", "AR", "MSH"),
        (adt("A01", "", admitted="20260601"), "AR", "MSH-10"),
        (adt("A01", "C-1", facility="", admitted="20260601"), "AR", "MSH-4"),
        (adt("A01", "C-1", message_type="ORU^R01", admitted="20260601"), "AR", "MSH-9"),
        (adt("A05", "C-1", admitted="20260601"), "AR", "MSH-9"),
        (adt("A01", "C-1", processing="T", admitted="20260601"), "AR", "MSH-11"),
        (adt("A01", "C-1", segments=("PV1",), admitted="20260601"), "AE", "PID"),
        (adt("A01", "C-1", segments=("PID",)), "AE", "PV1"),
        (adt("A01", "C-1", ids="", admitted="20260601"), "AE", "PID-3"),
        (adt("A01", "C-1", ids="NOBODY^^^HGH^MR", admitted="20260601"), "AE", "PID-3"),
        (adt("A01", "C-1", admitted="2026-06-01"), "AE", "PV1-44"),
        (adt("A01", "C-1", admitted="20260231"), "AE", "PV1-44"),
        (adt("A01", "C-1", admitted="20270101"), "AE", "PV1-44"),
        (adt("A01", "C-1", admitted="18991231"), "AE", "PV1-44"),
        (adt("A01", "C-1", occurred=""), "AE", "PV1-44"),
        (adt("A03", "C-1", admitted="20260605", discharged="20260601"), "AE", "PV1-45"),
        (adt("A01", "C-1", location="W^1^1^" + "H" * 121, admitted="20260601"), "AE", "PV1-3.4"),
        (adt("A01", "C-1", admitted="20260601").replace(b"Doe", b"D\x00e"), "AR", ""),
        (adt("A01", "C-1", admitted="20260601").replace(b"Doe", b"D\xe9e"), "AR", "MSH-18"),
    ],
)
def test_bad_messages_get_a_nak_naming_the_field_and_write_nothing(world, people, raw, code, field):
    outcome = receive(world, raw)

    assert outcome.code == code
    ack = outcome.ack
    msa = segment(ack, "MSA")
    assert msa[1] == code and msa[3].startswith(f"{field}: " if field else "the message")
    err = segment(ack, "ERR")
    assert err[8] == msa[3]
    assert not HospitalEvent.objects.exists() and not HL7Message.objects.exists()
    refused = AuditEvent.objects.get(action="hospital.hl7_message_refused")
    assert refused.details["ack"] == code and refused.details["field"] == field
    assert refused.organization_id == world.org.pk


def test_latin_1_is_read_when_msh_18_says_so(world, people):
    raw = adt("A01", "C-1", admitted="20260601").replace(b"Doe", b"D\xe9e")
    raw = raw.replace(b"|P|2.5\r", b"|P|2.5||||||8859/1\r")
    assert receive(world, raw).code == "AA"


def test_people_of_another_organization_are_unknown(world, people):
    Person.objects.filter(pk=people["cy"].pk).update(
        hospital_id_index=Person.hospital_id_lookup("MRN-CY")
    )
    outcome = receive(world, adt("A01", "C-1", ids="MRN-CY^^^HGH^MR", admitted="20260601"))
    assert outcome.code == "AE" and outcome.text.startswith("PID-3: no identifier")
    assert not HospitalEvent.objects.exists()


def test_a_peerway_code_in_pid_3_names_the_person(world, people):
    outcome = receive(
        world, adt("A01", "C-1", ids="X^^^HGH^MR~p-ben2345^^^PEERWAY^PI", admitted="20260601")
    )
    assert outcome.code == "AA"
    assert events(people["ben"]) == [(EventKind.ADMISSION, date(2026, 6, 1), "HGH")]


def test_identifiers_naming_two_people_are_refused(world, people):
    outcome = receive(
        world,
        adt("A01", "C-1", ids="MRN-001^^^HGH^MR~P-BEN2345^^^PEERWAY^PI", admitted="20260601"),
    )
    assert outcome.code == "AE" and outcome.text.startswith("PID-3: the identifiers name")
    assert not HospitalEvent.objects.exists()


def test_a_listener_can_take_only_named_sending_facilities(world, people):
    raw = adt("A01", "C-1", facility="LRH", admitted="20260601")
    outcome = receive(world, raw, accept_facilities=["HGH"])
    assert outcome.code == "AR" and outcome.text.startswith("MSH-4: sending facility LRH")
    assert receive(world, raw, accept_facilities=["hgh", "lrh"]).code == "AA"


def test_an_unexpected_failure_is_an_ae_and_nothing_is_kept(world, people, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(hl7_feed, "_add", broken)
    outcome = receive(world, adt("A01", "C-1", admitted="20260601"))
    assert outcome.code == "AE" and "send it again" in outcome.text
    assert segment(outcome.ack, "ERR")[3].startswith("207^")
    assert not HL7Message.objects.exists()


# --- every trigger event ------------------------------------------------------------------


def test_a01_admits_and_with_patient_class_e_is_an_emergency_visit(world, people):
    receive(world, adt("A01", "C-1", admitted="20260601"))
    receive(world, adt("A01", "C-2", patient_class="E", visit="V-2", admitted="20260603"))
    assert events(people["ada"]) == [
        (EventKind.ADMISSION, date(2026, 6, 1), "HGH"),
        (EventKind.EMERGENCY_VISIT, date(2026, 6, 3), "HGH"),
    ]


def test_a01_without_pv1_44_takes_the_event_date_of_evn(world, people):
    receive(world, adt("A01", "C-1", occurred="20260520"))
    assert events(people["ada"]) == [(EventKind.ADMISSION, date(2026, 5, 20), "HGH")]


def test_the_facility_is_pv1_3_point_of_care_facility_else_msh_4(world, people):
    receive(world, adt("A01", "C-1", location="PSY^1^1^LRH", admitted="20260601"))
    receive(world, adt("A01", "C-2", location="PSY^1^1", visit="V-2", admitted="20260602"))
    assert [f for _k, _d, f in events(people["ada"])] == ["LRH", "HGH"]


def test_a04_registers_an_emergency_visit_only_for_patient_class_e(world, people):
    emergency = receive(world, adt("A04", "C-1", patient_class="E", admitted="20260601"))
    clinic = receive(world, adt("A04", "C-2", patient_class="O", admitted="20260602"))
    assert emergency.created == 1
    assert clinic.code == "AA" and "not an emergency registration" in clinic.text
    assert events(people["ada"]) == [(EventKind.EMERGENCY_VISIT, date(2026, 6, 1), "HGH")]


def test_a03_discharges_with_the_admission_date_and_not_the_end_of_an_ed_visit(world, people):
    receive(world, adt("A03", "C-1", admitted="20260601", discharged="20260605"))
    ed = receive(world, adt("A03", "C-2", patient_class="E", discharged="20260606"))
    assert "emergency visit" in ed.text and ed.created == 0
    event = HospitalEvent.objects.get()
    assert (event.kind, event.date, event.admitted_on) == (
        EventKind.DISCHARGE,
        date(2026, 6, 5),
        date(2026, 6, 1),
    )


def test_a02_between_facilities_is_a_discharge_and_an_admission_the_same_day(world, people):
    receive(world, adt("A01", "C-1", admitted="20260601"))
    transfer = adt(
        "A02",
        "C-2",
        location="MH^2^1^LRH",
        prior="PSY^301^1^HGH",
        admitted="20260601",
        occurred="20260604093000",
    )
    assert receive(world, transfer).created == 2
    assert events(people["ada"]) == [
        (EventKind.ADMISSION, date(2026, 6, 1), "HGH"),
        (EventKind.ADMISSION, date(2026, 6, 4), "LRH"),
        (EventKind.DISCHARGE, date(2026, 6, 4), "HGH"),
    ]
    # One hospitalization for the eligibility trigger: a transfer is one episode.
    rule_counts = selectors.suggestion_for(people["ada"], today=TODAY)
    assert rule_counts is None  # one episode: below the default two admissions


def test_a02_within_one_facility_stores_nothing(world, people):
    outcome = receive(
        world, adt("A02", "C-1", location="PSY^2^1^HGH", prior="PSY^1^1^HGH", admitted="20260601")
    )
    assert outcome.code == "AA" and "within one facility" in outcome.text
    assert not HospitalEvent.objects.exists()


def test_a08_corrects_the_dates_of_the_visit(world, people):
    receive(world, adt("A01", "C-1", admitted="20260602"))
    receive(world, adt("A03", "C-2", admitted="20260602", discharged="20260609"))
    update = receive(world, adt("A08", "C-3", admitted="20260601", discharged="20260608"))

    assert update.updated == 2
    assert events(people["ada"]) == [
        (EventKind.ADMISSION, date(2026, 6, 1), "HGH"),
        (EventKind.DISCHARGE, date(2026, 6, 8), "HGH"),
    ]
    assert HospitalEvent.objects.get(kind=EventKind.DISCHARGE).admitted_on == date(2026, 6, 1)


def test_a08_of_another_visit_or_without_a_visit_number_changes_nothing(world, people):
    receive(world, adt("A01", "C-1", admitted="20260602"))
    other = receive(world, adt("A08", "C-2", visit="V-9", admitted="20260601"))
    none = receive(world, adt("A08", "C-3", visit="", admitted="20260601"))
    assert "nothing to update" in other.text and "PV1-19" in none.text
    assert events(people["ada"]) == [(EventKind.ADMISSION, date(2026, 6, 2), "HGH")]


def test_a11_cancels_the_admission_of_the_visit(world, people):
    receive(world, adt("A01", "C-1", admitted="20260601"))
    receive(world, adt("A01", "C-2", visit="V-2", admitted="20260610"))
    cancel = receive(world, adt("A11", "C-3", admitted="20260601"))
    assert cancel.removed == 1
    assert events(people["ada"]) == [(EventKind.ADMISSION, date(2026, 6, 10), "HGH")]
    again = receive(world, adt("A11", "C-4", admitted="20260601"))
    assert again.code == "AA" and "Nothing stored to cancel" in again.text


def test_a11_of_an_emergency_registration_cancels_the_visit(world, people):
    receive(world, adt("A04", "C-1", patient_class="E", admitted="20260601"))
    assert receive(world, adt("A11", "C-2", patient_class="E")).removed == 1
    assert not HospitalEvent.objects.exists()


def test_a11_without_the_visit_cancels_the_same_admission_from_a_file(world, people):
    from peerway.hospital.services import import_hospital_events

    import_hospital_events(
        actor=None,
        organization=world.org,
        stream=csv_bytes(",MRN-001,admission,2026-06-01,,HGH"),
        today=TODAY,
    )
    assert receive(world, adt("A11", "C-1", visit="", admitted="20260601")).removed == 1
    assert not HospitalEvent.objects.exists()


def test_a13_cancels_the_discharge_and_keeps_the_admission(world, people):
    receive(world, adt("A01", "C-1", admitted="20260601"))
    receive(world, adt("A03", "C-2", admitted="20260601", discharged="20260605"))
    assert receive(world, adt("A13", "C-3", admitted="20260601")).removed == 1
    assert events(people["ada"]) == [(EventKind.ADMISSION, date(2026, 6, 1), "HGH")]


# --- audit and the eligibility trigger -----------------------------------------------------


def test_accepted_messages_are_audited_without_identifiers(world, people):
    receive(world, adt("A01", "C-1", admitted="20260601"))
    event = AuditEvent.objects.get(action="hospital.hl7_message_received")
    assert event.actor_label == "system" and event.organization_id == world.org.pk
    assert event.team_id == world.team_a.pk
    assert event.details == {
        "type": "ADT^A01",
        "person_id": people["ada"].pk,
        "new": 1,
        "already_present": 0,
        "updated": 0,
        "removed": 0,
    }
    text = str(event.details) + event.object_id
    assert "MRN-001" not in text and "HGH" not in text and "V-1" not in text
    stored = HL7Message.objects.get()
    assert stored.visit_index and "V-1" not in stored.visit_index


def test_the_eligibility_trigger_counts_events_from_the_feed(world, people):
    def suggested():
        return {p.code for p in selectors.suggestions_for(world.manager, world.org, TODAY)}

    receive(world, adt("A01", "C-1", visit="V-1", admitted="20260101"))
    receive(world, adt("A03", "C-2", visit="V-1", admitted="20260101", discharged="20260110"))
    assert "P-ADA2345" not in suggested()
    receive(world, adt("A01", "C-3", visit="V-2", admitted="20260301"))
    assert "P-ADA2345" in suggested()
    # Cancelling the second admission takes the person off the list again.
    receive(world, adt("A11", "C-4", visit="V-2", admitted="20260301"))
    assert "P-ADA2345" not in suggested()


def test_four_emergency_registrations_trigger_a_suggestion(world, people):
    for n, day in enumerate(["20260105", "20260210", "20260315", "20260420"]):
        receive(world, adt("A04", f"C-{n}", patient_class="E", visit=f"V-{n}", admitted=day))
    counts = selectors.suggestion_for(people["ada"], today=TODAY)
    assert counts is not None and counts.emergency_visits == 4


# --- the command and the documented sample ----------------------------------------------


@pytest.fixture
def demo_identifiers(world):
    """The demo's first three people carry the fictional identifiers of the sample, in the
    demo organization's slug."""
    Organization.objects.filter(pk=world.org.pk).update(slug="lakeshore")
    world.org.refresh_from_db()
    made = {}
    for n in (1, 2, 3):
        person = Person.objects.create(
            organization=world.org, team=world.team_a, code=f"P-DEM{n}2345"
        )
        Person.objects.filter(pk=person.pk).update(
            hospital_id_index=Person.hospital_id_lookup(f"LH-10000{n}")
        )
        made[n] = person
    return made


def test_the_documented_sample_imports_as_the_docs_show(world, demo_identifiers, capsys):
    assert peerway(["hl7", "import", str(SAMPLE), "--organization", "lakeshore"]) == 0
    out = capsys.readouterr().out.splitlines()
    command, *documented = documented_block("Imported (a test runs this exact file")
    assert command == "$ peerway hl7 import docs/samples/hl7-adt.hl7 --organization lakeshore"
    assert out == documented
    first_message = documented_block("The first message:")
    assert SAMPLE.read_text().startswith("\n".join(first_message) + "\n\n")
    first, second, third = (demo_identifiers[n] for n in (1, 2, 3))
    assert events(first) == [
        (EventKind.ADMISSION, date(2026, 2, 3), "HGH"),
        (EventKind.ADMISSION, date(2026, 2, 7), "LRH"),
        (EventKind.DISCHARGE, date(2026, 2, 7), "HGH"),
        (EventKind.DISCHARGE, date(2026, 2, 11), "LRH"),
    ]
    assert events(second) == [(EventKind.EMERGENCY_VISIT, date(2026, 1, 15), "HGH")]
    assert events(third) == [(EventKind.ADMISSION, date(2026, 3, 1), "HGH")]
    # Imported again: every message is a resend, answered with its first ACK.
    assert peerway(["hl7", "import", str(SAMPLE), "--organization", "lakeshore"]) == 0
    assert all("(resent: same ACK)" in line for line in capsys.readouterr().out.splitlines())
    assert HospitalEvent.objects.count() == 6


def test_the_documented_refusal_is_what_the_feed_answers(world, demo_identifiers):
    msh, msa, err = documented_block("A refused message, as answered:")
    raw = SAMPLE.read_bytes().split(b"\n\n")[0].replace(b"LH-100001", b"LH-999999")
    raw = raw.replace(b"HGH-000101", b"HGH-000201")
    ack = receive(world, raw, today=date(2026, 12, 1)).ack.split("\r")
    assert ack[1:] == [msa, err, ""]
    # The time and the ACK's own control id (MSH-7, MSH-10) differ from one ACK to the next.
    same = [i for i in range(len(msh.split("|"))) if i not in (6, 9)]
    assert [ack[0].split("|")[i] for i in same] == [msh.split("|")[i] for i in same]


def test_the_import_command_reports_refused_messages_and_exits_1(world, people, tmp_path):
    path = tmp_path / "feed.hl7"
    path.write_bytes(
        adt("A01", "C-1", admitted="20260601").replace(b"\r", b"\n")
        + adt("A01", "C-2", ids="NOBODY^^^HGH^MR", admitted="20260601")
    )
    with pytest.raises(CommandError, match="1 of 2 message"):
        call_command("hl7", "import", str(path), "--organization", "northwind")
    assert HospitalEvent.objects.count() == 1


def test_the_import_command_refuses_a_file_without_messages(world, tmp_path):
    path = tmp_path / "empty.hl7"
    path.write_text("not hl7\n")
    assert peerway(["hl7", "import", str(path), "--organization", "northwind"]) == 1
    assert peerway(["hl7", "import", str(tmp_path / "missing.hl7"), "--organization", "x"]) == 1


def test_split_messages_reads_crs_newlines_and_batch_envelopes():
    data = b"FHS|^~\\&\rBHS|^~\\&\rMSH|a\rPID|1\n\nMSH|b\r\nPV1|1\rBTS|2\rFTS|1\r"
    assert hl7_adt.split_messages(data) == [b"MSH|a\rPID|1\r", b"MSH|b\rPV1|1\r"]


def test_ack_text_is_escaped():
    header = hl7_adt.Header(control_id="A|B", sending_facility="H^1")
    ack = hl7_adt.build_ack(header, "AA", "x|y^z~w&v\\u")
    msa = segment(ack, "MSA")
    assert msa[2] == "A\\F\\B" and msa[3] == "x\\F\\y\\S\\z\\R\\w\\T\\v\\E\\u"


def test_a_facility_sent_with_its_universal_id_is_named_by_its_code(world, people):
    raw = adt("A01", "C-1", location="PSY^1^1", admitted="20260601")
    raw = raw.replace(b"|ADT|HGH|", b"|ADT|HGH&2.16.840.1.113883.3.1&ISO|")
    outcome = receive(world, raw, accept_facilities=["HGH"])
    assert outcome.code == "AA"
    assert events(people["ada"]) == [(EventKind.ADMISSION, date(2026, 6, 1), "HGH")]
    assert HL7Message.objects.get().sending_facility == "HGH"


def test_escaped_delimiters_in_an_identifier_are_read(world, people):
    ben = people["ben"]
    Person.objects.filter(pk=ben.pk).update(hospital_id_index=Person.hospital_id_lookup("MRN&7"))
    outcome = receive(world, adt("A01", "C-1", ids="MRN\\T\\7^^^HGH^MR", admitted="20260601"))
    assert outcome.code == "AA"
    assert events(ben) == [(EventKind.ADMISSION, date(2026, 6, 1), "HGH")]


def test_the_import_screen_shows_the_feed_in_english_and_french(world, people, login):
    receive(world, adt("A01", "C-1", admitted="20260601"))
    receive(world, adt("A01", "C-2", ids="NOBODY^^^HGH^MR", admitted="20260601"))
    client = login(world.manager)
    page = client.get(f"/o/{world.org.slug}/hospital/import/").content.decode()
    assert "HL7 feed" in page and "ADT^A01" in page and "C-1" in page
    assert "1 message refused in the last 7 days" in page and "C-2" not in page
    assert "MRN-001" not in page
    client.post("/i18n/setlang/", {"language": "fr-ca"})
    page = client.get(f"/o/{world.org.slug}/hospital/import/").content.decode()
    assert "Flux HL7" in page and "1 message refusé au cours des 7 derniers jours" in page
