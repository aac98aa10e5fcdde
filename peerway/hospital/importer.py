"""Reading and checking a hospital events CSV file, row by row (docs/hospital-events.md).

``parse_row`` checks one row on its own; ``services.import_hospital_events`` adds what
needs the database (who the person is, what is already stored) and writes in batches.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from .models import EventKind

PERSON_CODE = "person_code"
HOSPITAL_ID = "hospital_id"
EVENT = "event"
DATE = "date"
ADMISSION_DATE = "admission_date"
FACILITY = "facility"
COLUMNS = (PERSON_CODE, HOSPITAL_ID, EVENT, DATE, ADMISSION_DATE, FACILITY)
REQUIRED_COLUMNS = (EVENT, DATE, FACILITY)
FACILITY_MAX = 120
MAX_REPORTED_ERRORS = 500
# Hospital histories may go back decades, never to year 1 (docs/security.md, input bounds).
EARLIEST_DATE = date(1900, 1, 1)

# Accepted spellings of each event (case-insensitive).
KIND_ALIASES = {
    "admission": EventKind.ADMISSION,
    "discharge": EventKind.DISCHARGE,
    "emergency_visit": EventKind.EMERGENCY_VISIT,
    "emergency": EventKind.EMERGENCY_VISIT,
    "ed_visit": EventKind.EMERGENCY_VISIT,
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str  # "" when the whole row is at fault
    message: str


@dataclass
class ParsedRow:
    row: int
    person_code: str
    hospital_id: str
    kind: str
    date: date
    admitted_on: date | None
    facility: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    already_present: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    bytes_read: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_not_shown(self) -> int:
        return self.error_count - len(self.errors)

    def add(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, message))


class FileError(Exception):
    """The file as a whole cannot be read (encoding, header)."""


def decoded_lines(stream: Iterable[bytes], report: ImportReport) -> Iterator[str]:
    """UTF-8 lines (a leading byte-order mark is dropped), counting the bytes read."""
    for number, raw in enumerate(stream, start=1):
        report.bytes_read += len(raw)
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileError(
                _("Line %(line)d is not UTF-8 text. Save the file as “CSV UTF-8” and try again.")
                % {"line": number}
            ) from exc


def read_header(fields: list[str] | None) -> dict[str, int]:
    """Column name → position. Names are case-insensitive; unknown columns are an error."""
    if not fields or not any(f.strip() for f in fields):
        raise FileError(_("The file is empty: the first row must name the columns."))
    names = [f.strip().lower() for f in fields]
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise FileError(
            _("Unknown column(s): %(names)s. The columns are: %(expected)s.")
            % {"names": ", ".join(unknown), "expected": ", ".join(COLUMNS)}
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise FileError(_("Column(s) named twice: %(names)s.") % {"names": ", ".join(repeated)})
    missing = [n for n in REQUIRED_COLUMNS if n not in names]
    if missing:
        raise FileError(_("Missing column(s): %(names)s.") % {"names": ", ".join(missing)})
    if PERSON_CODE not in names and HOSPITAL_ID not in names:
        raise FileError(
            _("The file needs a “person_code” or a “hospital_id” column to name each person.")
        )
    return {name: i for i, name in enumerate(names)}


def _parse_date(value: str) -> date | None:
    if not _DATE_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_row(
    row: int, fields: list[str], header: dict[str, int], today: date, report: ImportReport
) -> ParsedRow | None:
    """Check one row on its own; record each problem in the report. None if any."""
    if len(fields) != len(header):
        report.add(
            row,
            "",
            _("This row has %(found)d fields; the header has %(expected)d.")
            % {"found": len(fields), "expected": len(header)},
        )
        return None

    def value(name: str) -> str:
        return fields[header[name]].strip() if name in header else ""

    # A NUL character is never part of real data, and PostgreSQL refuses to store one.
    columns = [name for name, i in header.items() if "\x00" in fields[i]]
    if columns:
        for name in columns:
            report.add(row, name, _("This cell holds a NUL character (byte 0): remove it."))
        return None

    before = report.error_count
    person_code, hospital_id = value(PERSON_CODE).upper(), value(HOSPITAL_ID)
    if not person_code and not hospital_id:
        report.add(
            row,
            PERSON_CODE if PERSON_CODE in header else HOSPITAL_ID,
            _("Give a person code or a hospital identifier."),
        )
    raw_kind = value(EVENT)
    kind = KIND_ALIASES.get(raw_kind.lower().replace(" ", "_").replace("-", "_"))
    if kind is None:
        if raw_kind:
            message = _("Unknown event “%(value)s”: use admission, discharge or emergency_visit.")
            report.add(row, EVENT, message % {"value": raw_kind[:40]})
        else:
            report.add(row, EVENT, _("Give the event: admission, discharge or emergency_visit."))
    event_date = _check_date(row, DATE, value(DATE), today, report, required=True)
    admitted_on = _check_date(
        row, ADMISSION_DATE, value(ADMISSION_DATE), today, report, required=False
    )
    if admitted_on is not None and kind is not None and kind != EventKind.DISCHARGE:
        report.add(row, ADMISSION_DATE, _("Only a discharge row has an admission date."))
    discharge = kind == EventKind.DISCHARGE
    if (
        discharge
        and admitted_on is not None
        and event_date is not None
        and event_date < admitted_on
    ):
        report.add(row, DATE, _("The discharge date is before the admission date."))
    facility = " ".join(value(FACILITY).split())
    if not facility:
        report.add(row, FACILITY, _("Give the facility."))
    elif len(facility) > FACILITY_MAX:
        report.add(row, FACILITY, _("At most %(max)d characters, please.") % {"max": FACILITY_MAX})
    if report.error_count > before:
        return None
    assert kind is not None and event_date is not None
    return ParsedRow(row, person_code, hospital_id, kind, event_date, admitted_on, facility)


def _check_date(
    row: int, column: str, text: str, today: date, report: ImportReport, *, required: bool
) -> date | None:
    if not text:
        if required:
            report.add(row, column, _("Give the date (YYYY-MM-DD)."))
        return None
    parsed = _parse_date(text)
    if parsed is None:
        report.add(
            row,
            column,
            _("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-14.")
            % {"value": text[:20]},
        )
        return None
    if parsed > today:
        report.add(row, column, _("The date is in the future."))
        return None
    if parsed < EARLIEST_DATE:
        report.add(
            row,
            column,
            _("The date is before %(earliest)s.") % {"earliest": EARLIEST_DATE.isoformat()},
        )
        return None
    return parsed
