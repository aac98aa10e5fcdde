"""De-identification for evaluation exports. Pure Python: no Django, so it is fast to test
and easy to review (docs/deidentified-export.md).

- Study IDs: HMAC-SHA256 of the record's internal id under a random key made for one
  export and then forgotten, so IDs cannot be linked across exports or back to a person.
- Dates: shifted by a random offset per person per export; every date of one person moves
  by the same number of days, so intervals are kept.
- Ages: bands from the year of birth (5 years wide, widened only to reach k-anonymity),
  top-coded at 90.
- k-anonymity on the quasi-identifiers (age band, place, language): the least general
  level of a fixed hierarchy whose small classes hold at most ``max_suppression`` of the
  people is chosen and those small classes are suppressed; when no level qualifies the
  export is refused.
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
