"""Build and record de-identified exports (docs/deidentified-export.md).

``create_export`` reads the people who consent to evaluation use, de-identifies them with
``deid`` and returns the files; the export record and its audit event are written in one
transaction. A refused export is recorded and audited too, then reported as a
ValidationError naming the reason.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.crypto import fernet
from peerway.hospital.models import HospitalEvent
from peerway.outcomes.models import Administration
from peerway.support.models import (
    ConsentPurpose,
    Contact,
    PeerRelationship,
    Person,
    Referral,
    ReferralEvent,
    ReferralState,
)
from peerway.support.selectors import consenting_people_q

from . import deid
from .dictionary import DICTIONARY_FILE, FILES, SUMMARY_FILE
from .models import DeidentifiedExport, ExportSource, ExportStatus

PURPOSE_MIN_CHARS = 10
PURPOSE_MAX_CHARS = 1000
ARCHIVE_DAYS = 7


@dataclass
class ExportResult:
    export: DeidentifiedExport
    files: dict[str, bytes]


def clean_purpose(purpose: str | None) -> str:
    text = (purpose or "").strip()
    if not text:
        raise ValidationError(
            {"purpose": _("State the purpose of the export: why the data are needed.")}
        )
    if len(text) < PURPOSE_MIN_CHARS:
        raise ValidationError(
            {
                "purpose": _("Describe the purpose in at least %(n)d characters.")
                % {"n": PURPOSE_MIN_CHARS}
            }
        )
    if len(text) > PURPOSE_MAX_CHARS:
        raise ValidationError(
            {"purpose": _("Keep the purpose under %(n)d characters.") % {"n": PURPOSE_MAX_CHARS}}
        )
    return text


def refusal_message(exc: deid.ExportRefused) -> str:
    if exc.code == "no_people":
        return _(
            "Nothing was exported: nobody in the organization has given consent to the use "
            "of de-identified data for evaluation."
        )
    return _(
        "The export was refused: even at the most general level, %(share)d%% of the people "
        "would have to be suppressed to reach k = %(k)d, and the limit is %(limit)d%%."
    ) % {
        "share": round(exc.facts["share"] * 100),
        "k": exc.facts["k"],
        "limit": round(exc.facts["limit"] * 100),
    }


def _csv(rows: list[list], columns: list[tuple[str, str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c[0] for c in columns])
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8")


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _iso(value) -> str:
    return value.isoformat() if value else ""


def build_files(organization, *, k: int, max_suppression: float, max_shift_days: int):
    """De-identify the organization's consenting people. Returns (files, anonymized)."""
    today = timezone.localdate()
    consenting = Person.objects.filter(
        consenting_people_q(ConsentPurpose.EVALUATION), organization=organization
    )
    people = list(consenting.select_related("team__site"))
    # Related rows are read by subquery (no long id lists) and filtered to ``kept`` here.
    among = consenting.values("pk")
    subjects = [
        deid.Subject(
            ref=p.pk,
            year_of_birth=p.year_of_birth,
            team=f"{p.team.site.name} / {p.team.name}",
            site=p.team.site.name,
            language=p.language,
        )
        for p in people
    ]
    result = deid.anonymize(
        subjects, reference_year=today.year, k=k, max_suppression=max_suppression
    )
    key = deid.new_key()
    kept = {p.pk: p for p in people if p.pk in result.quasi}
    sid = {pk: deid.study_id(key, pk) for pk in kept}
    if len(set(sid.values())) != len(sid):  # 64-bit IDs: practically never; never silently
        raise RuntimeError("Study ID collision; run the export again.")
    offset = {pk: deid.random_offset(max_shift_days) for pk in kept}
    del key  # the key ends with this function: IDs cannot be recomputed later

    def sh(pk, value):
        return _iso(deid.shift(value, offset[pk]))

    tables: dict[str, list[list]] = {name: [] for name in FILES}
    for pk, p in kept.items():
        age, place, language = result.quasi[pk]
        tables["people.csv"].append(
            [sid[pk], age, place, language, p.status, sh(pk, timezone.localdate(p.created_at))]
        )

    first_at: dict[int, dict[str, object]] = defaultdict(dict)
    events = ReferralEvent.objects.filter(referral__person__in=among).order_by("at", "pk")
    for ev in events.only("referral_id", "state", "at").iterator(chunk_size=2000):
        first_at[ev.referral_id].setdefault(ev.state, timezone.localdate(ev.at))
    numbers: dict[int, int] = defaultdict(int)
    for r in Referral.objects.filter(person__in=among).order_by("created_at", "pk"):
        if r.person_id not in kept:
            continue
        numbers[r.person_id] += 1
        states = first_at[r.pk]
        referred = timezone.localdate(r.created_at)
        first_contact = states.get(ReferralState.FIRST_CONTACT)
        tables["referrals.csv"].append(
            [
                sid[r.person_id],
                numbers[r.person_id],
                r.source,
                r.urgency,
                r.state,
                sh(r.person_id, referred),
                sh(r.person_id, states.get(ReferralState.ACCEPTED)),
                sh(r.person_id, first_contact),
                sh(r.person_id, states.get(ReferralState.CLOSED)),
                (first_contact - referred).days if first_contact else None,
            ]
        )

    numbers.clear()
    for rel in PeerRelationship.objects.filter(person__in=among).order_by("started_on", "pk"):
        if rel.person_id not in kept:
            continue
        numbers[rel.person_id] += 1
        tables["relationships.csv"].append(
            [
                sid[rel.person_id],
                numbers[rel.person_id],
                sh(rel.person_id, rel.started_on),
                sh(rel.person_id, rel.ended_on),
                (rel.ended_on - rel.started_on).days if rel.ended_on else None,
            ]
        )

    through = Contact.people.through
    attendance = defaultdict(list)
    sizes: dict[int, int] = defaultdict(int)
    contact_ids = through.objects.filter(person__in=among).values_list("contact_id", flat=True)
    for contact_id, person_id in through.objects.filter(contact_id__in=contact_ids).values_list(
        "contact_id", "person_id"
    ):
        sizes[contact_id] += 1
        if person_id in kept:
            attendance[contact_id].append(person_id)
    contacts = Contact.objects.filter(pk__in=contact_ids).values_list(
        "pk",
        "date",
        "duration_minutes",
        "modality",
        "setting",
        "contact_type",
        "activities",
        "chime",
    )
    for pk, day, minutes, modality, setting, kind, activities, chime in contacts.order_by(
        "date", "pk"
    ).iterator(chunk_size=2000):
        for person_id in attendance.get(pk, ()):
            tables["contacts.csv"].append(
                [
                    sid[person_id],
                    sh(person_id, day),
                    minutes,
                    modality,
                    setting,
                    kind,
                    _yes(sizes[pk] > 1),
                    ";".join(str(a) for a in activities or []),
                    ";".join(str(a) for a in chime or []),
                ]
            )

    administrations = Administration.objects.filter(person__in=among).defer(
        "answers_data", "result_data"
    )
    for a in administrations.order_by("administered_on", "pk").iterator(chunk_size=2000):
        if a.person_id not in kept:
            continue
        tables["outcomes.csv"].append(
            [
                sid[a.person_id],
                a.instrument,
                a.version,
                a.time_point,
                sh(a.person_id, a.administered_on),
                a.mode,
                a.total_score,
                a.band,
                _yes(a.valid),
                _yes(a.flagged),
            ]
        )

    for h in HospitalEvent.objects.filter(person__in=among).order_by("date", "pk"):
        if h.person_id not in kept:
            continue
        tables["hospital_events.csv"].append(
            [sid[h.person_id], h.kind, sh(h.person_id, h.date), sh(h.person_id, h.admitted_on)]
        )

    files: dict[str, bytes] = {}
    for name, rows in tables.items():
        # Row order by study ID (random per export), never by internal id or entry order.
        rows.sort(key=lambda row: (row[0], *(str(v) for v in row[1:])))
        files[name] = _csv(rows, FILES[name])
    files[DICTIONARY_FILE] = _csv(
        [[name, *col] for name, columns in FILES.items() for col in columns],
        [("file", "", ""), ("column", "", ""), ("type", "", ""), ("description", "", "")],
    )
    level = result.level
    summary = [
        ["export_date", today.isoformat()],
        ["k", k],
        ["smallest_class", deid.smallest_class(result.quasi.values())],
        ["quasi_identifiers", "age_band;place;language"],
        ["generalization_level", level.number],
        ["age_band_years", level.age_width],
        ["place", level.place],
        ["language", level.language],
        ["people_consenting", result.total],
        ["people_exported", len(kept)],
        ["people_suppressed", len(result.suppressed)],
        ["max_suppressed_share", max_suppression],
        ["dates", "shifted per person by one random offset, never 0"],
        ["max_shift_days", max_shift_days],
        *[[f"rows_{name}", len(rows)] for name, rows in tables.items()],
    ]
    files[SUMMARY_FILE] = _csv(summary, [("item", "", ""), ("value", "", "")])
    return files, result, {name: len(rows) for name, rows in tables.items()}


def zip_files(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def create_export(
    *,
    actor,
    organization,
    purpose: str | None,
    source: str = ExportSource.SCREEN,
    k: int = deid.K_DEFAULT,
    max_suppression: float = deid.MAX_SUPPRESSION_DEFAULT,
    max_shift_days: int = deid.MAX_SHIFT_DAYS_DEFAULT,
    deliver: Callable[[dict[str, bytes]], None] | None = None,
) -> ExportResult:
    """Make one export. Raises ValidationError for a missing purpose (nothing written) or a
    refused export (the refusal is recorded and audited first).

    ``deliver(files)`` runs inside the transaction that records the export (the command
    line writes the files there), so a failed delivery leaves no record of an export."""
    purpose = clean_purpose(purpose)
    try:
        files, result, counts = build_files(
            organization, k=k, max_suppression=max_suppression, max_shift_days=max_shift_days
        )
    except deid.ExportRefused as exc:
        with transaction.atomic():
            export = DeidentifiedExport.objects.create(
                organization=organization,
                requested_by=actor,
                source=source,
                purpose=purpose,
                status=ExportStatus.REFUSED,
                refusal=exc.code,
                people_considered=exc.facts.get("people", 0),
                k=k,
            )
            audit.record(
                actor=actor,
                action="research.export_refused",
                obj=export,
                organization_id=organization.pk,
                details={
                    "reason": exc.code,
                    "people": export.people_considered,
                    "source": source,
                },
            )
        raise ValidationError(refusal_message(exc), code=exc.code) from exc

    now = timezone.now()
    with transaction.atomic():
        # Archives of earlier screen exports leave the database once their days are up.
        DeidentifiedExport.objects.filter(
            organization=organization, archive_expires_at__lte=now
        ).update(archive=b"", archive_expires_at=None)
        export = DeidentifiedExport.objects.create(
            organization=organization,
            requested_by=actor,
            source=source,
            purpose=purpose,
            status=ExportStatus.COMPLETED,
            created_at=now,
            people_considered=result.total,
            people_exported=len(result.quasi),
            people_suppressed=len(result.suppressed),
            k=k,
            level=result.level.number,
            row_counts=counts,
        )
        if source == ExportSource.SCREEN:
            export.archive = fernet().encrypt(zip_files(files))
            export.archive_expires_at = now + timedelta(days=ARCHIVE_DAYS)
            export.save(update_fields=["archive", "archive_expires_at"])
        audit.record(
            actor=actor,
            action="research.export_created",
            obj=export,
            organization_id=organization.pk,
            details={
                "source": source,
                "people": export.people_exported,
                "suppressed": export.people_suppressed,
                "level": export.level,
                "k": k,
                "rows": counts,
            },
        )
        if deliver is not None:
            deliver(files)
    return ExportResult(export=export, files=files)


def archive_bytes(export: DeidentifiedExport) -> bytes:
    return fernet().decrypt(bytes(export.archive))


def record_download(*, actor, export: DeidentifiedExport) -> None:
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="research.export_downloaded",
            obj=export,
            organization_id=export.organization_id,
            details={"export": export.pk},
        )
