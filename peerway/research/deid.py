"""De-identification for evaluation exports. Pure Python: no Django, so it is fast to test
and easy to review (docs/deidentified-export.md).

- Study IDs: HMAC-SHA256 of the record's internal id under a random key made for one
  export and then forgotten, so IDs cannot be linked across exports or back to a person.
- No dates: each person's events are described relative to their own history, in bands
  (``profile``), at one of several levels of detail (``DETAILS``).
- Ages: bands from the year of birth (5 years wide, widened only to reach k-anonymity),
  top-coded at 90.
- k-anonymity on everything a person's rows say, taken together (``anonymize_linked``):
  age band, place, language, status and the coarsened rows of every file. The least
  general plan (``PLANS``) is chosen at which few enough people need rare files withheld
  or must be suppressed; when none qualifies the export is refused.

``random_offset`` and ``shift`` (per-person date shifting) are no longer used by the
export: shifted dates keep exact intervals, which single people out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

K_DEFAULT = 5
MAX_SUPPRESSION_DEFAULT = 0.10
MAX_SHIFT_DAYS_DEFAULT = 182
TOP_CODE_AGE = 90
UNKNOWN = "unknown"
ALL_PLACES = "all"
MAIN_LANGUAGES = ("en", "fr")
QUASI_IDENTIFIERS = ("age_band", "place", "language")


def new_key() -> bytes:
    """A fresh 256-bit key for one export. Never stored, never written out."""
    return secrets.token_bytes(32)


def study_id(key: bytes, internal_id: int | str) -> str:
    """A pseudonymous ID: 16 hex digits of HMAC-SHA256(key, id), prefixed with S."""
    digest = hmac.new(key, str(internal_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return "S" + digest[:16]


def random_offset(max_days: int = MAX_SHIFT_DAYS_DEFAULT) -> int:
    """A uniform offset in [-max_days, +max_days], never 0 (a zero shift would leak)."""
    while True:
        offset = secrets.randbelow(2 * max_days + 1) - max_days
        if offset != 0:
            return offset


# Stored dates outside these (year 1, year 9999: typed before forms bounded dates, or written
# by another system) are exported as unknown: they are errors, and shifting them could
# overflow and stop the export.
PLAUSIBLE_DATES = (date(1900, 1, 1), date(2199, 12, 31))


def shift(value: date | None, offset_days: int) -> date | None:
    """The date moved by the offset; None for no date or an implausible one."""
    if value is None or not PLAUSIBLE_DATES[0] <= value <= PLAUSIBLE_DATES[1]:
        return None
    try:
        return value + timedelta(days=offset_days)
    except OverflowError:
        return None


def age_band(year_of_birth: int | None, reference_year: int, width: int = 5) -> str:
    """Age in the reference year, as a band of ``width`` years ("25-29"), "90+" or unknown."""
    if year_of_birth is None:
        return UNKNOWN
    age = reference_year - year_of_birth
    if age < 0:
        return UNKNOWN
    if age >= TOP_CODE_AGE:
        return f"{TOP_CODE_AGE}+"
    low = (age // width) * width
    high = min(low + width - 1, TOP_CODE_AGE - 1)
    return f"{low}-{high}"


def language_group(code: str) -> str:
    return code if code in MAIN_LANGUAGES else "other"


@dataclass(frozen=True)
class Subject:
    """What the k-anonymity step needs to know about one person."""

    ref: int
    year_of_birth: int | None
    team: str
    site: str
    language: str


@dataclass(frozen=True)
class Level:
    """One step of the generalization hierarchy."""

    number: int
    age_width: int
    place: str  # "team", "site" or "all"
    language: str  # "as_recorded" or "grouped"

    def quasi(self, s: Subject, reference_year: int) -> tuple[str, str, str]:
        place = {"team": s.team, "site": s.site}.get(self.place, ALL_PLACES)
        language = s.language if self.language == "as_recorded" else language_group(s.language)
        return (age_band(s.year_of_birth, reference_year, self.age_width), place, language)


# From least to most general. Level 0 is the promised 5-year band, team and language.
LEVELS: tuple[Level, ...] = (
    Level(0, 5, "team", "as_recorded"),
    Level(1, 10, "team", "as_recorded"),
    Level(2, 10, "site", "as_recorded"),
    Level(3, 20, "site", "grouped"),
    Level(4, 20, "all", "grouped"),
)


@dataclass
class Anonymized:
    level: Level
    k: int
    quasi: dict[int, tuple[str, str, str]]  # kept people only
    suppressed: list[int] = field(default_factory=list)
    total: int = 0

    @property
    def kept(self) -> list[int]:
        return list(self.quasi)

    @property
    def suppressed_share(self) -> float:
        return len(self.suppressed) / self.total if self.total else 0.0


class ExportRefused(Exception):
    """The export would break a rule: ``code`` says which ("no_people",
    "too_much_suppression"); ``facts`` hold the numbers for the message."""

    def __init__(self, code: str, **facts):
        super().__init__(code)
        self.code, self.facts = code, facts


def smallest_class(rows: Iterable[Sequence[str]]) -> int:
    """The size of the smallest equivalence class (0 for no rows): the table's k."""
    counts = Counter(tuple(r) for r in rows)
    return min(counts.values()) if counts else 0


def anonymize(
    subjects: Sequence[Subject],
    *,
    reference_year: int,
    k: int = K_DEFAULT,
    max_suppression: float = MAX_SUPPRESSION_DEFAULT,
    levels: Sequence[Level] = LEVELS,
) -> Anonymized:
    """Generalize (least first) and suppress small classes, or raise ExportRefused."""
    total = len(subjects)
    if total == 0:
        raise ExportRefused("no_people", people=0, share=0.0, k=k, limit=max_suppression)
    best_share = 1.0
    for level in levels:
        quasi = {s.ref: level.quasi(s, reference_year) for s in subjects}
        sizes = Counter(quasi.values())
        small = [ref for ref, q in quasi.items() if sizes[q] < k]
        share = len(small) / total
        best_share = min(best_share, share)
        if share <= max_suppression:
            kept = {ref: q for ref, q in quasi.items() if sizes[q] >= k}
            return Anonymized(level=level, k=k, quasi=kept, suppressed=sorted(small), total=total)
    raise ExportRefused(
        "too_much_suppression", people=total, share=best_share, k=k, limit=max_suppression
    )


# --- Disclosure control across the linked tables --------------------------------------
#
# Per-person date shifting keeps exact intervals, and exact intervals, durations and
# modalities make a pattern that points back at one person. So the event tables carry no
# dates at all: each event is described relative to the person's own history (follow-up
# period since their first contact, days from referral to first contact, …) in bands, and
# k-anonymity is checked on everything a person's rows say, taken together.

# Lower edges of bands; the last band is open ("21+").
CONTACTS_FINE = (1, 2, 3, 6, 11, 21)
CONTACTS_COARSE = (1, 3, 6, 11, 21)
CONTACTS_MINIMAL = (1, 6, 21)
MINUTES_FINE = (0, 60, 180, 360, 720)
MINUTES_COARSE = (0, 180, 720)
WAIT_FINE = (0, 8, 15, 31, 91)
WAIT_COARSE = (0, 15, 91)
SUPPORT_FINE = (0, 31, 91, 181, 366)
SUPPORT_COARSE = (0, 91, 366)
STAY_FINE = (0, 3, 8, 31)
SINCE_DISCHARGE = (0, 31, 91)
WITHHELD = ""
ONGOING = "ongoing"


def band(value: int | None, edges: Sequence[int]) -> str:
    """The band of ``value`` among lower ``edges``: "3-5", "1" or "21+"; empty when the
    value is missing or below the first edge (a data error such as a negative interval)."""
    if value is None or value < edges[0]:
        return WITHHELD
    for low, next_low in zip(edges, edges[1:], strict=False):
        if value < next_low:
            high = next_low - 1
            return str(low) if low == high else f"{low}-{high}"
    return f"{edges[-1]}+"


@dataclass(frozen=True)
class ContactFact:
    day: date
    minutes: int
    modality: str


@dataclass(frozen=True)
class ReferralFact:
    source: str
    urgency: str
    state: str
    referred_on: date
    first_contact_on: date | None


@dataclass(frozen=True)
class RelationshipFact:
    started_on: date
    ended_on: date | None


@dataclass(frozen=True)
class OutcomeFact:
    instrument: str
    version: str
    time_point: int
    mode: str
    total_score: float | None
    band: str
    valid: bool
    flagged: bool


@dataclass(frozen=True)
class HospitalFact:
    kind: str  # admission, discharge, emergency_visit
    day: date
    admitted_on: date | None


@dataclass
class History:
    """One person's raw events, as read from the database (never exported as such)."""

    status: str = ""
    contacts: list[ContactFact] = field(default_factory=list)
    referrals: list[ReferralFact] = field(default_factory=list)
    relationships: list[RelationshipFact] = field(default_factory=list)
    outcomes: list[OutcomeFact] = field(default_factory=list)
    hospital: list[HospitalFact] = field(default_factory=list)


@dataclass(frozen=True)
class Detail:
    """How much of the event history the tables show (least general first)."""

    number: int
    name: str
    period_days: int | None  # contacts grouped by follow-up period; None = whole follow-up
    contacts: Sequence[int]
    minutes: Sequence[int] | None  # None: minutes withheld
    modality: bool
    wait: Sequence[int] | None
    referral_route: bool  # source and urgency
    support: Sequence[int] | None  # None: only "ended" or "ongoing"
    stay: Sequence[int] | None
    since_discharge: Sequence[int] | None
    outcome_version_mode: bool


DETAILS: tuple[Detail, ...] = (
    Detail(
        0,
        "month",
        30,
        CONTACTS_FINE,
        MINUTES_FINE,
        True,
        WAIT_FINE,
        True,
        SUPPORT_FINE,
        STAY_FINE,
        SINCE_DISCHARGE,
        True,
    ),  # fmt: skip
    Detail(
        1,
        "quarter",
        90,
        CONTACTS_COARSE,
        MINUTES_COARSE,
        False,
        WAIT_FINE,
        True,
        SUPPORT_FINE,
        STAY_FINE,
        SINCE_DISCHARGE,
        True,
    ),  # fmt: skip
    Detail(
        2,
        "whole",
        None,
        CONTACTS_COARSE,
        MINUTES_COARSE,
        False,
        WAIT_COARSE,
        False,
        SUPPORT_COARSE,
        None,
        SINCE_DISCHARGE,
        False,
    ),  # fmt: skip
    Detail(
        3, "minimal", None, CONTACTS_MINIMAL, None, False, None, False, None, None, None, False
    ),  # fmt: skip
)

# The combined hierarchy: (people level, event detail), least general first. People and
# events are generalized in turn so neither loses everything before the other gives way.
PLANS: tuple[tuple[Level, Detail], ...] = (
    (LEVELS[0], DETAILS[0]),
    (LEVELS[1], DETAILS[0]),
    (LEVELS[1], DETAILS[1]),
    (LEVELS[2], DETAILS[1]),
    (LEVELS[2], DETAILS[2]),
    (LEVELS[3], DETAILS[2]),
    (LEVELS[3], DETAILS[3]),
    (LEVELS[4], DETAILS[3]),
)

# How many leading columns of an outcome row describe the administration (what someone
# who knows the person could know); the rest are the measured values under study.
OUTCOME_DESCRIPTION_COLUMNS = 4


def _modality_mix(modalities: Iterable[str]) -> str:
    kinds = {"in_person" if m == "in_person" else "remote" for m in modalities}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _support_span(h: History) -> tuple[date | None, date | None, bool]:
    """(start, end, ongoing) of peer support: the relationships, else the contacts."""
    starts = [r.started_on for r in h.relationships] + [c.day for c in h.contacts]
    if not starts:
        return None, None, False
    start = min(starts)
    if h.relationships:
        if any(r.ended_on is None for r in h.relationships):
            return start, None, True
        end = max(r.ended_on for r in h.relationships if r.ended_on is not None)
        if h.contacts:
            end = max(end, max(c.day for c in h.contacts))
        return start, end, False
    return start, max(c.day for c in h.contacts), False


def _phase(day: date, span: tuple[date | None, date | None, bool]) -> str:
    start, end, ongoing = span
    if start is None:
        return "no_support"
    if day < start:
        return "before_support"
    if ongoing or (end is not None and day <= end):
        return "during_support"
    return "after_support"


def profile(h: History, detail: Detail) -> dict[str, list[tuple]]:
    """The person's coarsened rows per table (without the study ID), sorted."""
    rows: dict[str, list[tuple]] = {
        "contacts": [],
        "referrals": [],
        "relationships": [],
        "outcomes": [],
        "hospital": [],
    }
    if h.contacts:
        first = min(c.day for c in h.contacts)
        periods: dict[int | None, list[ContactFact]] = {}
        for c in h.contacts:
            number = (c.day - first).days // detail.period_days if detail.period_days else None
            periods.setdefault(number, []).append(c)
        for number, facts in periods.items():
            minutes = sum(max(f.minutes, 0) for f in facts)
            rows["contacts"].append(
                (
                    detail.name if detail.period_days else "whole",
                    WITHHELD if number is None else str(number),
                    band(len(facts), detail.contacts),
                    band(minutes, detail.minutes) if detail.minutes else WITHHELD,
                    _modality_mix(f.modality for f in facts) if detail.modality else WITHHELD,
                )
            )
    ordered = sorted(h.referrals, key=lambda r: r.referred_on)
    for number, r in enumerate(ordered, start=1):
        wait = (r.first_contact_on - r.referred_on).days if r.first_contact_on else None
        rows["referrals"].append(
            (
                str(number),
                r.source if detail.referral_route else WITHHELD,
                r.urgency if detail.referral_route else WITHHELD,
                r.state,
                band(wait, detail.wait) if detail.wait else WITHHELD,
            )
        )
    ordered_rel = sorted(h.relationships, key=lambda r: r.started_on)
    for number, rel in enumerate(ordered_rel, start=1):
        if rel.ended_on is None:
            length = ONGOING
        elif detail.support is None:
            length = "ended"
        else:
            length = band((rel.ended_on - rel.started_on).days, detail.support)
        rows["relationships"].append((str(number), length))
    for o in h.outcomes:
        rows["outcomes"].append(
            (
                o.instrument,
                o.version if detail.outcome_version_mode else WITHHELD,
                str(o.time_point),
                o.mode if detail.outcome_version_mode else WITHHELD,
                "" if o.total_score is None else f"{o.total_score:g}",
                o.band,
                "yes" if o.valid else "no",
                "yes" if o.flagged else "no",
            )
        )
    span = _support_span(h)
    last_discharge: date | None = None
    for e in sorted(h.hospital, key=lambda e: (e.day, e.kind != "discharge")):
        stay = since = WITHHELD
        if e.kind == "discharge":
            if detail.stay and e.admitted_on is not None:
                stay = band((e.day - e.admitted_on).days, detail.stay)
        elif detail.since_discharge and last_discharge is not None:
            since = band((e.day - last_discharge).days, detail.since_discharge)
        rows["hospital"].append((e.kind, _phase(e.day, span), stay, since))
        if e.kind == "discharge":
            last_discharge = e.day
    for table in rows.values():
        table.sort()
    return rows


def signature(status: str, rows: dict[str, list[tuple]]) -> tuple:
    """Everything the person's exported rows say about them except the measured outcome
    values: the key of the cross-table equivalence classes."""
    return (
        status,
        tuple(rows["contacts"]),
        tuple(rows["referrals"]),
        tuple(rows["relationships"]),
        tuple(sorted(r[:OUTCOME_DESCRIPTION_COLUMNS] for r in rows["outcomes"])),
        tuple(rows["hospital"]),
    )


# Local suppression: a person whose rows are shared by fewer than k people has whole
# tables withheld, in this order (the outcome measures last), before being suppressed.
WITHHOLD_ORDER = ("hospital", "relationships", "referrals", "contacts", "outcomes")
TABLES = ("contacts", "referrals", "relationships", "outcomes", "hospital")
MAX_WITHHELD_DEFAULT = 1 / 3


@dataclass
class LinkedAnonymized(Anonymized):
    detail: Detail = DETAILS[0]
    plan: int = 0
    rows: dict[int, dict[str, list[tuple]]] = field(default_factory=dict)
    withheld: dict[int, tuple[str, ...]] = field(default_factory=dict)  # kept people only
    smallest: int = 0

    @property
    def withheld_people(self) -> int:
        return sum(1 for tables in self.withheld.values() if tables)


def _class_key(quasi: tuple, status: str, rows: dict[str, list[tuple]], withheld: set[str]):
    """What a person's published rows say, with a withheld table showing only as such."""
    sig = signature(status, rows)
    parts = dict(zip(TABLES, sig[1:], strict=True))
    return (quasi, status, *(("withheld",) if t in withheld else parts[t] for t in TABLES))


def _classes(quasi, hist, rows, withheld) -> tuple[dict[int, tuple], Counter]:
    key = {ref: _class_key(quasi[ref], hist[ref].status, rows[ref], withheld[ref]) for ref in hist}
    return key, Counter(key.values())


def anonymize_linked(
    subjects: Sequence[Subject],
    histories: dict[int, History],
    *,
    reference_year: int,
    k: int = K_DEFAULT,
    max_suppression: float = MAX_SUPPRESSION_DEFAULT,
    max_withheld: float = MAX_WITHHELD_DEFAULT,
    plans: Sequence[tuple[Level, Detail]] = PLANS,
) -> LinkedAnonymized:
    """k-anonymity on each person's quasi-identifiers and coarsened rows of every table
    taken together.

    At each plan (least general first), people in classes smaller than k have their
    tables withheld one by one (WITHHOLD_ORDER) and the classes are formed again; those
    still in a small class with every table withheld are suppressed. The first plan at
    which at most ``max_suppression`` of the people are suppressed and at most
    ``max_withheld`` have any table withheld is used; else ExportRefused.

    Within a kept class every person's published rows are identical apart from the
    outcome values, so whatever an observer knows of someone's contacts, referrals,
    support and hospital use, at least k exported people fit it."""
    total = len(subjects)
    if total == 0:
        raise ExportRefused("no_people", people=0, share=0.0, k=k, limit=max_suppression)
    best_suppressed, best_withheld = 1.0, 1.0
    for number, (level, detail) in enumerate(plans):
        quasi = {s.ref: level.quasi(s, reference_year) for s in subjects}
        hist = {s.ref: histories.get(s.ref) or History() for s in subjects}
        rows = {ref: profile(h, detail) for ref, h in hist.items()}
        withheld: dict[int, set[str]] = {ref: set() for ref in hist}

        for table in WITHHOLD_ORDER:
            key, sizes = _classes(quasi, hist, rows, withheld)
            small = [ref for ref in hist if sizes[key[ref]] < k]
            if not small:
                break
            for ref in small:
                withheld[ref].add(table)
        key, sizes = _classes(quasi, hist, rows, withheld)
        suppressed = sorted(ref for ref in hist if sizes[key[ref]] < k)
        kept = [ref for ref in hist if sizes[key[ref]] >= k]
        with_withheld = sum(1 for ref in kept if withheld[ref])
        suppressed_share, withheld_share = len(suppressed) / total, with_withheld / total
        best_suppressed = min(best_suppressed, suppressed_share)
        best_withheld = min(best_withheld, withheld_share)
        if suppressed_share <= max_suppression and withheld_share <= max_withheld:
            return LinkedAnonymized(
                level=level,
                k=k,
                quasi={ref: quasi[ref] for ref in kept},
                suppressed=suppressed,
                total=total,
                detail=detail,
                plan=number,
                rows={
                    ref: {t: [] if t in withheld[ref] else rows[ref][t] for t in TABLES}
                    for ref in kept
                },
                withheld={ref: tuple(t for t in TABLES if t in withheld[ref]) for ref in kept},
                smallest=min((sizes[key[ref]] for ref in kept), default=0),
            )
    if best_suppressed <= max_suppression:
        raise ExportRefused(
            "too_much_withholding", people=total, share=best_withheld, k=k, limit=max_withheld
        )
    raise ExportRefused(
        "too_much_suppression", people=total, share=best_suppressed, k=k, limit=max_suppression
    )
