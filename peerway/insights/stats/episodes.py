"""Hospital stays and hospital episodes (pure: no Django).

A person moved between facilities, or discharged and admitted again the same or the next day,
never went home: those stays form one **hospital episode**. Readmission statistics count from
the episode's last discharge (the day follow-up in the community starts) and a readmission is
the admission of a later episode. The rule, in full (docs/hospital-events.md):

1. **Stays from events.** Emergency visits are not stays and are ignored (an emergency visit
   during a stay is not a readmission; an emergency visit on its own is not an admission).
   Per person, in date order (on one day admissions before discharges), a discharge ends the
   open admission at the same facility; if that facility has none open, the earliest open
   admission (facility names can be spelled differently); with none open, the admission date
   the file gave with the discharge, else the discharge is left out. An admission at a
   facility that already has one open closes the earlier one as "end unknown". Admissions
   never discharged end "unknown" (None): the person is still in hospital, or a discharge is
   missing.
2. **Episodes from stays.** Per person, by admission date: a stay that starts on or before
   the day after the episode's latest discharge (same day, next day or overlapping, at any
   facility) joins the episode; the episode's discharge is the latest discharge of its stays.
   A stay with no discharge ends the episode as "end unknown": nothing can be said to touch
   it, so the next admission starts a new episode. Two or more days between a discharge and
   the next admission: separate episodes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

ADMISSION = "admission"
DISCHARGE = "discharge"
EMERGENCY_VISIT = "emergency_visit"

# Discharged one day and admitted again the next: still one episode (a transfer).
TOUCH_DAYS = 1


@dataclass(frozen=True)
class Stay:
    """One hospital stay (or one hospital episode). ``discharge`` None: end unknown."""

    person_id: str
    admission: date
    discharge: date | None = None


@dataclass(frozen=True)
class HospitalRecord:
    """One row of hospital data: an admission, a discharge or an emergency visit."""

    person_id: str
    kind: str
    date: date
    facility: str = ""
    admitted_on: date | None = None  # a discharge may name the admission it ends


_KIND_ORDER = {ADMISSION: 0, DISCHARGE: 1, EMERGENCY_VISIT: 2}


def stays_from_events(records: Iterable[HospitalRecord]) -> list[Stay]:
    """Pair admissions and discharges into stays (rule 1 above), person by person."""
    by_person: dict[str, list[HospitalRecord]] = defaultdict(list)
    for record in records:
        if record.kind in (ADMISSION, DISCHARGE):
            by_person[str(record.person_id)].append(record)
    stays: list[Stay] = []
    for person_id in sorted(by_person):
        rows = sorted(by_person[person_id], key=lambda r: (r.date, _KIND_ORDER[r.kind]))
        open_by_facility: dict[str, date] = {}  # insertion order = admission order
        for row in rows:
            place = _facility_key(row.facility)
            if row.kind == ADMISSION:
                if place in open_by_facility:
                    stays.append(Stay(person_id, open_by_facility.pop(place), None))
                open_by_facility[place] = row.date
                continue
            if place in open_by_facility:
                stays.append(Stay(person_id, open_by_facility.pop(place), row.date))
            elif open_by_facility:
                earliest = min(open_by_facility, key=lambda k: open_by_facility[k])
                stays.append(Stay(person_id, open_by_facility.pop(earliest), row.date))
            elif row.admitted_on is not None and row.admitted_on <= row.date:
                stays.append(Stay(person_id, row.admitted_on, row.date))
        stays.extend(Stay(person_id, admitted, None) for admitted in open_by_facility.values())
    stays.sort(key=lambda s: (s.person_id, s.admission, s.discharge or date.max))
    return stays


def _facility_key(name: str) -> str:
    return " ".join((name or "").casefold().split())


def hospital_episodes(stays: Iterable[Stay], *, touch_days: int = TOUCH_DAYS) -> list[Stay]:
    """Merge stays that touch or overlap into episodes (rule 2 above).

    Accepts any objects with ``person_id``, ``admission`` and ``discharge`` and returns them
    as :class:`Stay`, sorted by person and admission.
    """
    by_person: dict[str, list[Stay]] = defaultdict(list)
    for stay in stays:
        if stay.discharge is not None and stay.discharge < stay.admission:
            raise ValueError(
                f"person {stay.person_id}: discharge {stay.discharge} before the admission "
                f"{stay.admission}"
            )
        by_person[str(stay.person_id)].append(
            Stay(str(stay.person_id), stay.admission, stay.discharge)
        )
    gap = timedelta(days=touch_days)
    episodes: list[Stay] = []
    for person_id in sorted(by_person):
        ordered = sorted(by_person[person_id], key=lambda s: (s.admission, s.discharge or date.max))
        start: date | None = None
        end: date | None = None
        closed = True  # the current episode's end is known
        for stay in ordered:
            joins = start is not None and closed and end is not None and stay.admission <= end + gap
            if not joins:
                if start is not None:
                    episodes.append(Stay(person_id, start, end if closed else None))
                start, end, closed = stay.admission, stay.discharge, stay.discharge is not None
                continue
            if stay.discharge is None:
                closed = False
            elif end is None or stay.discharge > end:
                end = stay.discharge
        if start is not None:
            episodes.append(Stay(person_id, start, end if closed else None))
    return episodes


def community_index(episodes: Iterable[Stay], index: date) -> date | None:
    """The day follow-up in the community starts for a chosen index date: the date itself
    when the person is not in hospital then, else the discharge ending that episode (None
    while the episode has no discharge)."""
    for episode in episodes:
        if episode.admission <= index and (episode.discharge is None or index < episode.discharge):
            return episode.discharge
    return index


def episodes_admitted_between(records: Iterable[HospitalRecord], start: date, end: date) -> int:
    """How many hospital episodes of one person had an admission between ``start`` and
    ``end`` (inclusive): a transfer inside the window is not a second hospitalization."""
    records = list(records)
    admitted = sorted(r.date for r in records if r.kind == ADMISSION and start <= r.date <= end)
    if not admitted:
        return 0
    starts = [e.admission for e in hospital_episodes(stays_from_events(records))]
    seen: set[date] = set()
    for day in admitted:
        # The episode holding this admission: the last one starting on or before it.
        seen.add(max(s for s in starts if s <= day))
    return len(seen)
