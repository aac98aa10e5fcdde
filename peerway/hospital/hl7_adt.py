"""Reading HL7 v2 ADT messages into hospital events, and writing their ACKs
(docs/hospital-events.md, "HL7 v2 feed"). No database here: ``hl7_feed`` finds the
person, applies the events and keeps the outcome.

Problems are named by the HL7 field at fault ("PID-3: ..."), the way interface analysts
read them in their engine's log. ACK texts are English, like the rest of the protocol.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import hl7

SUPPORTED_EVENTS = ("A01", "A02", "A03", "A04", "A08", "A11", "A13")
FACILITY_MAX = 120
EARLIEST_DATE = date(1900, 1, 1)
# Identifiers in PID-3 with this assigning authority (CX-4) are Peerway person codes.
PEERWAY_AUTHORITY = "PEERWAY"
EMERGENCY_CLASS = "E"

# HL7 table 0357 (message error condition codes) used in ERR-3.
REQUIRED_FIELD_MISSING = ("101", "Required field missing")
DATA_TYPE_ERROR = ("102", "Data type error")
TABLE_VALUE_NOT_FOUND = ("103", "Table value not found")
SEGMENT_SEQUENCE_ERROR = ("100", "Segment sequence error")
UNSUPPORTED_MESSAGE_TYPE = ("200", "Unsupported message type")
UNSUPPORTED_EVENT_CODE = ("201", "Unsupported event code")
UNSUPPORTED_PROCESSING_ID = ("202", "Unsupported processing id")
UNKNOWN_KEY_IDENTIFIER = ("204", "Unknown key identifier")
DUPLICATE_KEY_IDENTIFIER = ("205", "Duplicate key identifier")
APPLICATION_ERROR = ("207", "Application internal error")

_DTM = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2,6}(\.\d{1,4})?)?([+-]\d{4})?$")


@dataclass(frozen=True)
class Problem:
    """Why a message is refused: AR (rejected: not a message this feed takes) or AE
    (error in its content)."""

    code: str  # "AE" or "AR"
    location: str  # "PID-3", "MSH-9", "PV1-44.1"; "" when the message as a whole
    condition: tuple[str, str]  # HL7 table 0357
    text: str

    @property
    def message(self) -> str:
        return f"{self.location}: {self.text}" if self.location else self.text


class Refused(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class Header:
    """What an ACK needs from MSH, even of a message that cannot be read further."""

    sending_application: str = ""
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    control_id: str = ""
    trigger: str = ""
    version: str = "2.5"
    charset: str = ""


@dataclass(frozen=True)
class Identifier:
    value: str
    authority: str  # CX-4.1 (assigning authority)

    @property
    def is_person_code(self) -> bool:
        return self.authority.upper() == PEERWAY_AUTHORITY


@dataclass
class AdtMessage:
    header: Header
    trigger: str  # A01 ...
    identifiers: list[Identifier]
    patient_class: str  # PV1-2
    facility: str  # PV1-3.4, else MSH-4
    prior_facility: str  # PV1-6.4 (A02)
    visit_number: str  # PV1-19.1
    admitted: date | None  # PV1-44
    discharged: date | None  # PV1-45
    occurred: date | None  # EVN-6 (event occurred), else EVN-2 (recorded)

    @property
    def message_type(self) -> str:
        return f"ADT^{self.trigger}"

    @property
    def emergency(self) -> bool:
        return self.patient_class.upper() == EMERGENCY_CLASS


def decode(raw: bytes) -> tuple[str, Header]:
    """The message as text with segments separated by carriage returns, and its header.

    MSH-18 names the character set; UTF-8 (also ASCII) unless it says 8859/1.
    """
    latin = raw.decode("latin-1").replace("\r\n", "\r").replace("\n", "\r").strip("\r \t\x00")
    header = _header(latin)
    if header.charset.upper().startswith("8859"):
        return latin, header
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(
            Problem(
                "AR",
                "MSH-18",
                DATA_TYPE_ERROR,
                "the message is not UTF-8; name its character set in MSH-18 "
                "(8859/1 or UNICODE UTF-8)",
            )
        ) from exc
    text = text.replace("\r\n", "\r").replace("\n", "\r").strip("\r \t\x00")
    return text, _header(text)


def _header(text: str) -> Header:
    """MSH fields read by hand, so that even a message the parser refuses can be ACKed."""
    if not text.startswith("MSH") or len(text) < 8:
        return Header()
    sep = text[3]
    encoding = text[4:8].split(sep, 1)[0]
    components = encoding[0] if len(encoding) > 0 else "^"
    subcomponents = encoding[3] if len(encoding) > 3 else "&"
    fields = text.split("\r", 1)[0].split(sep)
    # MSH-1 is the separator itself: fields[n] is MSH-(n+1).

    def get(n: int, component: int = 1) -> str:
        if n - 1 >= len(fields):
            return ""
        parts = fields[n - 1].split(components)
        part = parts[component - 1] if component - 1 < len(parts) else ""
        return part.split(subcomponents)[0].strip()

    return Header(
        sending_application=get(3),
        sending_facility=get(4),
        receiving_application=get(5),
        receiving_facility=get(6),
        control_id=get(10),
        trigger=get(9, 2),
        version=get(12) or "2.5",
        charset=get(18),
    )


def read(raw: bytes, today: date) -> AdtMessage:
    """Check one ADT message on its own. Raises ``Refused`` naming the field at fault."""
    text, header = decode(raw)
    if not text.startswith("MSH") or len(text) < 8:
        raise Refused(
            Problem("AR", "MSH", SEGMENT_SEQUENCE_ERROR, "the message does not start with MSH")
        )
    if "\x00" in text:
        raise Refused(Problem("AR", "", DATA_TYPE_ERROR, "the message holds a NUL character"))
    try:
        msg = hl7.parse(text)
    except Exception as exc:  # the parser raises several kinds on broken input
        raise Refused(
            Problem("AR", "MSH", DATA_TYPE_ERROR, "the message cannot be read as HL7 v2")
        ) from exc
    if not header.control_id:
        raise Refused(Problem("AR", "MSH-10", REQUIRED_FIELD_MISSING, "no message control id"))
    if len(header.control_id) > 199:
        raise Refused(Problem("AR", "MSH-10", DATA_TYPE_ERROR, "longer than 199 characters"))
    if not header.sending_facility:
        raise Refused(Problem("AR", "MSH-4", REQUIRED_FIELD_MISSING, "no sending facility"))
    if len(header.sending_facility) > 180:
        raise Refused(Problem("AR", "MSH-4", DATA_TYPE_ERROR, "longer than 180 characters"))
    kind = _get(msg, "MSH", 9, 1).upper()
    if kind != "ADT":
        raise Refused(
            Problem(
                "AR",
                "MSH-9",
                UNSUPPORTED_MESSAGE_TYPE,
                f"message type {kind[:10] or '(none)'} is not handled; this feed takes ADT",
            )
        )
    trigger = (_get(msg, "MSH", 9, 2) or _get(msg, "EVN", 1)).upper()
    if trigger not in SUPPORTED_EVENTS:
        raise Refused(
            Problem(
                "AR",
                "MSH-9",
                UNSUPPORTED_EVENT_CODE,
                f"ADT^{trigger[:10] or '(none)'} is not handled; this feed takes ADT "
                + ", ".join(SUPPORTED_EVENTS),
            )
        )
    processing = _get(msg, "MSH", 11, 1).upper()
    if processing and processing != "P":
        raise Refused(
            Problem(
                "AR",
                "MSH-11",
                UNSUPPORTED_PROCESSING_ID,
                f"processing id {processing[:5]}: only production (P) messages are stored",
            )
        )
    for segment in ("PID", "PV1"):
        if not _has(msg, segment):
            raise Refused(Problem("AE", segment, SEGMENT_SEQUENCE_ERROR, f"no {segment} segment"))
    identifiers = _identifiers(msg)
    if not identifiers:
        raise Refused(Problem("AE", "PID-3", REQUIRED_FIELD_MISSING, "no patient identifier"))
    facility = _facility(_get(msg, "PV1", 3, 4) or header.sending_facility, "PV1-3.4")
    prior = _facility(_get(msg, "PV1", 6, 4), "PV1-6.4") if trigger == "A02" else ""
    occurred = _date(msg, "EVN", 6, today) or _date(msg, "EVN", 2, today)
    adt = AdtMessage(
        header=header,
        trigger=trigger,
        identifiers=identifiers,
        patient_class=_get(msg, "PV1", 2, 1),
        facility=facility,
        prior_facility=prior,
        visit_number=_get(msg, "PV1", 19, 1)[:64],
        admitted=_date(msg, "PV1", 44, today),
        discharged=_date(msg, "PV1", 45, today),
        occurred=occurred,
    )
    if adt.admitted is not None and adt.discharged is not None and adt.discharged < adt.admitted:
        raise Refused(
            Problem(
                "AE",
                "PV1-45",
                DATA_TYPE_ERROR,
                "the discharge date is before the admission date (PV1-44)",
            )
        )
    return adt


def _has(msg, segment: str) -> bool:
    try:
        msg.segment(segment)
    except KeyError:
        return False
    return True


def _get(msg, segment: str, number: int, component: int = 1) -> str:
    """A field's component, unescaped, first repetition; "" when absent."""
    if not _has(msg, segment):
        return ""
    try:
        return str(msg[f"{segment}.F{number}.R1.C{component}"]).strip()
    except (IndexError, KeyError):
        return ""


def _identifiers(msg) -> list[Identifier]:
    segment = msg.segment("PID")
    if len(segment) <= 3:
        return []
    rep_sep, comp_sep = msg.separators[2], msg.separators[3]
    found = []
    for repetition in str(segment[3]).split(rep_sep):
        parts = [msg.unescape(p).strip() for p in repetition.split(comp_sep)]
        value = parts[0] if parts else ""
        authority = parts[3] if len(parts) > 3 else ""
        sub = msg.separators[4] if len(msg.separators) > 4 else "&"
        authority = authority.split(sub)[0].strip()
        if value:
            found.append(Identifier(value[:64], authority))
    return found


def _facility(value: str, location: str) -> str:
    value = " ".join(value.split())
    if len(value) > FACILITY_MAX:
        raise Refused(
            Problem("AE", location, DATA_TYPE_ERROR, f"longer than {FACILITY_MAX} characters")
        )
    return value


def _date(msg, segment: str, number: int, today: date) -> date | None:
    text = _get(msg, segment, number, 1)
    if not text:
        return None
    location = f"{segment}-{number}"
    match = _DTM.match(text)
    parsed = None
    if match:
        try:
            parsed = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            parsed = None
    if parsed is None:
        raise Refused(
            Problem(
                "AE",
                location,
                DATA_TYPE_ERROR,
                f"“{text[:26]}” is not an HL7 date and time (YYYYMMDD[HHMM[SS]])",
            )
        )
    if parsed > today:
        raise Refused(Problem("AE", location, DATA_TYPE_ERROR, "the date is in the future"))
    if parsed < EARLIEST_DATE:
        raise Refused(Problem("AE", location, DATA_TYPE_ERROR, "the date is before 1900-01-01"))
    return parsed


# --- ACK --------------------------------------------------------------------------------


def escape(text: str) -> str:
    """HL7 escape sequences for the standard delimiters (|^~\\&)."""
    out = text.replace("\\", "\\E\\")
    for char, seq in (("|", "\\F\\"), ("^", "\\S\\"), ("~", "\\R\\"), ("&", "\\T\\")):
        out = out.replace(char, seq)
    return out.replace("\r", " ").replace("\n", " ")


def build_ack(
    header: Header,
    code: str,
    text: str = "",
    *,
    problem: Problem | None = None,
    application: str = "PEERWAY",
    facility: str = "",
    now: datetime | None = None,
) -> str:
    """An ACK (MSA-1 ``code``) to the message with ``header``; with an ERR segment naming
    the field at fault when refused. Segments are separated by carriage returns."""
    now = now or datetime.now()
    trigger = header.trigger if header.trigger in SUPPORTED_EVENTS else ""
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            escape(application),
            escape(facility),
            escape(header.sending_application),
            escape(header.sending_facility),
            now.strftime("%Y%m%d%H%M%S"),
            "",
            f"ACK^{trigger}^ACK" if trigger else "ACK",
            "PW" + secrets.token_hex(9),
            "P",
            escape(header.version[:10]),
        ]
    )
    if header.charset:
        msh += "|" * 6 + escape(header.charset[:20])
    segments = [msh, "|".join(["MSA", code, escape(header.control_id), escape(text[:500])])]
    if problem is not None:
        segments.append(
            "|".join(
                [
                    "ERR",
                    "",
                    _error_location(problem.location),
                    f"{problem.condition[0]}^{problem.condition[1]}^HL70357",
                    "E",
                    "",
                    "",
                    "",
                    escape(problem.message[:500]),
                ]
            )
        )
    return "\r".join(segments) + "\r"


def _error_location(location: str) -> str:
    """ERR-2 (ERL): segment^sequence^field^repetition^component, e.g. PID^1^3."""
    if not location:
        return ""
    segment, _dash, rest = location.partition("-")
    if not rest:
        return f"{segment}^1"
    number, _dot, component = rest.partition(".")
    return f"{segment}^1^{number}^1^{component}" if component else f"{segment}^1^{number}"


def split_messages(data: bytes) -> list[bytes]:
    """Messages of a file: segments separated by carriage returns or line ends, each
    message starting at an MSH segment. Lines before the first MSH are dropped, as are
    batch and file envelopes (FHS, BHS, BTS, FTS) and MLLP framing bytes."""
    messages: list[list[bytes]] = []
    for line in data.replace(b"\r\n", b"\r").replace(b"\n", b"\r").split(b"\r"):
        line = line.strip(b"\x0b\x1c \t")
        if not line or line[:3] in {b"FHS", b"BHS", b"BTS", b"FTS"}:
            continue
        if line.startswith(b"MSH"):
            messages.append([line])
        elif messages:
            messages[-1].append(line)
    return [b"\r".join(m) + b"\r" for m in messages]


def header_of(raw: bytes) -> Header:
    """The header of any message, however broken (read as Latin-1, which never fails)."""
    return _header(raw.decode("latin-1").replace("\r\n", "\r").replace("\n", "\r").strip())


def ack_fields(ack: str) -> tuple[str, str, str]:
    """(MSA-1, MSA-2, MSA-3) of an ACK, for logs and tests."""
    for line in ack.split("\r"):
        if line.startswith("MSA|"):
            parts = line.split("|") + ["", "", ""]
            return parts[1], parts[2], parts[3]
    return "", "", ""
