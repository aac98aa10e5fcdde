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
from collections import Counter, defaultdict
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
# The files made from each person's coarsened rows (deid.profile), in column order.
PROFILE_TABLES = {
    "contacts.csv": "contacts",
    "referrals.csv": "referrals",
    "relationships.csv": "relationships",
    "outcomes.csv": "outcomes",
    "hospital_events.csv": "hospital",
}
FILE_OF = {table: file_name for file_name, table in PROFILE_TABLES.items()}


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
    if exc.code == "too_much_withholding":
        return _(
            "The export was refused: to make every person's rows shared by at least k = "
            "%(k)d people, %(share)d%% of the people would have files withheld, and the "
            "limit is %(limit)d%%."
        ) % {
            "share": round(exc.facts["share"] * 100),
            "k": exc.facts["k"],
            "limit": round(exc.facts["limit"] * 100),
        }
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


def build_files(organization, *, k: int, max_suppression: float):
    """De-identify the organization's consenting people. Returns (files, anonymized, counts).

    Every consenting person's events are read first, because whether a person can be
    exported depends on how many others share the coarsened pattern of all their rows."""
    today = timezone.localdate()
    consenting = Person.objects.filter(
        consenting_people_q(ConsentPurpose.EVALUATION), organization=organization
    )
    people = list(consenting.select_related("team__site"))
    # Related rows are read by subquery (no long id lists).
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
    histories = {p.pk: deid.History(status=p.status) for p in people}

    first_contact_at: dict[int, object] = {}
    events = ReferralEvent.objects.filter(
        referral__person__in=among, state=ReferralState.FIRST_CONTACT
    ).order_by("at", "pk")
    for ev in events.only("referral_id", "at").iterator(chunk_size=2000):
        first_contact_at.setdefault(ev.referral_id, timezone.localdate(ev.at))
    for r in Referral.objects.filter(person__in=among).only(
        "pk", "person_id", "source", "urgency", "state", "created_at"
    ):
        histories[r.person_id].referrals.append(
            deid.ReferralFact(
                source=r.source,
                urgency=r.urgency,
                state=r.state,
                referred_on=timezone.localdate(r.created_at),
                first_contact_on=first_contact_at.get(r.pk),
            )
        )
    for person_id, started, ended in PeerRelationship.objects.filter(person__in=among).values_list(
        "person_id", "started_on", "ended_on"
    ):
        histories[person_id].relationships.append(deid.RelationshipFact(started, ended))

    through = Contact.people.through
    attendance = defaultdict(list)
    sizes: dict[int, int] = defaultdict(int)
    contact_ids = through.objects.filter(person__in=among).values_list("contact_id", flat=True)
    for contact_id, person_id in through.objects.filter(contact_id__in=contact_ids).values_list(
        "contact_id", "person_id"
    ):
        sizes[contact_id] += 1
        if person_id in histories:
            attendance[contact_id].append(person_id)
    # What the contacts were about is counted over the whole export (contact_mix.csv),
    # never per person: kept here per contact until the kept people are known.
    mix_facts: list[tuple[list[int], list[tuple[str, str]]]] = []
    contacts = Contact.objects.filter(pk__in=contact_ids).values_list(
        "pk", "date", "duration_minutes", "modality", "setting", "contact_type", "activities",
        "chime",
    )  # fmt: skip
    for pk, day, minutes, modality, setting, kind, activities, chime in contacts.iterator(
        chunk_size=2000
    ):
        present = attendance.get(pk, [])
        for person_id in present:
            histories[person_id].contacts.append(deid.ContactFact(day, minutes or 0, modality))
        values = [("modality", modality), ("setting", setting), ("contact_type", kind)]
        values.append(("group", _yes(sizes[pk] > 1)))
        values += [("activity", str(a)) for a in activities or []]
        values += [("chime_domain", str(a)) for a in chime or []]
        mix_facts.append((present, values))

    administrations = Administration.objects.filter(person__in=among).only(
        "person_id",
        "instrument",
        "version",
        "time_point",
        "mode",
        "total_score",
        "band",
        "valid",
        "flagged",
    )
    for a in administrations.iterator(chunk_size=2000):
        histories[a.person_id].outcomes.append(
            deid.OutcomeFact(
                instrument=a.instrument,
                version=a.version,
                time_point=a.time_point,
                mode=a.mode,
                total_score=a.total_score,
                band=a.band,
                valid=a.valid,
                flagged=a.flagged,
            )
        )
    for person_id, kind, day, admitted_on in HospitalEvent.objects.filter(
        person__in=among
    ).values_list("person_id", "kind", "date", "admitted_on"):
        histories[person_id].hospital.append(deid.HospitalFact(kind, day, admitted_on))

    result = deid.anonymize_linked(
        subjects, histories, reference_year=today.year, k=k, max_suppression=max_suppression
    )
    key = deid.new_key()
    kept = {p.pk: p for p in people if p.pk in result.quasi}
    sid = {pk: deid.study_id(key, pk) for pk in kept}
    if len(set(sid.values())) != len(sid):  # 64-bit IDs: practically never; never silently
        raise RuntimeError("Study ID collision; run the export again.")
    del key  # the key ends with this function: IDs cannot be recomputed later

    tables: dict[str, list[list]] = {name: [] for name in FILES}
    for pk, p in kept.items():
        age, place, language = result.quasi[pk]
        withheld = ";".join(FILE_OF[t] for t in result.withheld[pk])
        tables["people.csv"].append([sid[pk], age, place, language, p.status, withheld])
        rows = result.rows[pk]
        for file_name, table in PROFILE_TABLES.items():
            tables[file_name] += [[sid[pk], *row] for row in rows[table]]

    mix: Counter = Counter()
    for present, values in mix_facts:
        if any(person_id in kept for person_id in present):
            mix.update(set(values))
    tables["contact_mix.csv"] = [
        [dimension, code, count if count >= k else f"<{k}"]
        for (dimension, code), count in sorted(mix.items())
    ]

    files: dict[str, bytes] = {}
    for name, rows in tables.items():
        # Row order by study ID (random per export), never by internal id or entry order.
        rows.sort(key=lambda row: tuple(str(v) for v in row))
        files[name] = _csv(rows, FILES[name])
    files[DICTIONARY_FILE] = _csv(
        [[name, *col] for name, columns in FILES.items() for col in columns],
        [("file", "", ""), ("column", "", ""), ("type", "", ""), ("description", "", "")],
    )
    level, detail = result.level, result.detail
    summary = [
        ["export_date", today.isoformat()],
        ["k", k],
        ["smallest_class", result.smallest],
        ["quasi_identifiers", "age_band;place;language;all rows of every file but outcome values"],
        ["generalization_level", result.plan],
        ["age_band_years", level.age_width],
        ["place", level.place],
        ["language", level.language],
        ["detail", detail.name],
        ["people_consenting", result.total],
        ["people_exported", len(kept)],
        ["people_suppressed", len(result.suppressed)],
        ["max_suppressed_share", max_suppression],
        ["people_with_withheld_files", result.withheld_people],
        ["max_withheld_share", round(deid.MAX_WITHHELD_DEFAULT, 3)],
        ["dates", "none: events are described relative to the person's own history, in bands"],
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
    deliver: Callable[[dict[str, bytes]], None] | None = None,
) -> ExportResult:
    """Make one export. Raises ValidationError for a missing purpose (nothing written) or a
    refused export (the refusal is recorded and audited first).

    ``deliver(files)`` runs inside the transaction that records the export (the command
    line writes the files there), so a failed delivery leaves no record of an export."""
    purpose = clean_purpose(purpose)
    try:
        files, result, counts = build_files(organization, k=k, max_suppression=max_suppression)
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
            level=result.plan,
            row_counts=counts,
        )
        # Kept for download (screen and API); the command line writes its files itself.
        if source in (ExportSource.SCREEN, ExportSource.API):
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
