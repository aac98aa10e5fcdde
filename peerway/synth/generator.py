"""The plan of a synthetic organization, as plain data (no Django).

``plan(shape)`` draws the structure (sites, teams, peer workers, people supported and
their peer relationships); ``contacts(shape, structure)`` then yields the contacts one at
a time, **in date order**, so a writer can insert them in fixed-size batches and close
each day's rollups as soon as the day is over: memory stays bounded by one batch and one
day, never by the number of contacts.

Everything is drawn from ``random.Random`` seeded with ``shape.seed`` (one stream for the
structure, one for the contacts), so the same shape gives the same organization, byte for
byte. Dates are offsets from ``shape.end`` (the last day), which the caller fixes.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from peerway.planning import taxonomy, workload

TEAM_TYPES = (
    "inpatient",
    "crisis",
    "community",
    "transition",
    "telephone",
    "navigation",
    "family_support",
)
MODALITIES = ("in_person", "phone", "video", "text")
MODALITY_WEIGHTS = (6, 3, 1, 1)
SETTINGS_IN_PERSON = ("hospital", "clinic", "home", "community")
DURATIONS = workload.DURATIONS
FTES = ("0.50", "0.60", "0.80", "1.00", "1.00")  # drawn for each peer worker
MEAN_FTE = sum(float(f) for f in FTES) / len(FTES)
DAYS_PER_MONTH = 365.25 / 12
CHIME = ("connectedness", "hope", "identity", "meaning", "empowerment")
LANGUAGES = ("en", "en", "en", "fr", "fr", "es", "ar", "zh", "pa", "cr")
SOURCES = ("clinician", "clinician", "clinician", "self", "family", "trigger")
WEEKEND_WEIGHT = 0.15  # weekend days carry this share of a weekday's contacts
GROUP_SHARE = 0.03  # share of contacts that are group sessions
DRIFTING_EVERY = 10  # one team in ten drifts into tasks outside the peer role
PEOPLE_PER_WORKER = 20
WORKERS_PER_TEAM = 8
TEAMS_PER_SITE = 5


def workers_for(contacts: int, days: int) -> int:
    """Peer workers needed to log ``contacts`` over ``days`` days at the demo's workload
    (``peerway.planning.workload``, docs/demo.md): about 90 contacts per FTE a month."""
    per_worker = workload.contacts_per_month(MEAN_FTE, days / DAYS_PER_MONTH)
    return math.ceil(contacts / per_worker) if per_worker else 0


@dataclass(frozen=True)
class Shape:
    people: int
    contacts: int
    seed: int
    end: dt.date
    days: int = 730
    workers: int = 0  # 0: one per PEOPLE_PER_WORKER people, or more for the contacts
    teams: int = 0  # 0: one per WORKERS_PER_TEAM workers
    sites: int = 0  # 0: one per TEAMS_PER_SITE teams

    def __post_init__(self) -> None:
        if self.people < 1:
            raise ValueError("--people must be at least 1.")
        if self.contacts < 0:
            raise ValueError("--contacts must not be negative.")
        if self.days < 1:
            raise ValueError("--days must be at least 1.")
        workers = self.workers or max(
            2, math.ceil(self.people / PEOPLE_PER_WORKER), workers_for(self.contacts, self.days)
        )
        teams = self.teams or max(1, math.ceil(workers / WORKERS_PER_TEAM))
        sites = self.sites or max(1, math.ceil(teams / TEAMS_PER_SITE))
        if not (workers >= teams >= sites >= 1):
            raise ValueError("Need at least one worker per team and one team per site.")
        object.__setattr__(self, "workers", workers)
        object.__setattr__(self, "teams", teams)
        object.__setattr__(self, "sites", sites)

    @property
    def start(self) -> dt.date:
        return self.end - dt.timedelta(days=self.days - 1)


@dataclass(frozen=True)
class TeamPlan:
    site: int
    team_type: str
    drifting: bool
    favourites: tuple[str, ...]  # usual in-scope activities
    tasks: tuple[str, ...]  # out-of-scope tasks the team gets pulled into


@dataclass(frozen=True)
class WorkerPlan:
    team: int
    fte: str  # Decimal text, e.g. "0.80"
    started: dt.date


@dataclass(frozen=True)
class PersonPlan:
    worker: int
    team: int
    year_of_birth: int
    language: str
    source: str
    referred: dt.date
    started: dt.date
    ended: dt.date | None


@dataclass(frozen=True)
class Structure:
    teams: tuple[TeamPlan, ...]
    workers: tuple[WorkerPlan, ...]
    people: tuple[PersonPlan, ...]


@dataclass(frozen=True)
class ContactRow:
    day: dt.date
    team: int
    worker: int
    people: tuple[int, ...]  # person indexes
    duration: int
    modality: str
    setting: str
    contact_type: str
    activities: tuple[str, ...]
    chime: tuple[str, ...]


def plan(shape: Shape) -> Structure:
    rng = random.Random(f"{shape.seed}:structure")
    in_codes, out_codes = taxonomy.default_scope()
    tasks = [c for c in out_codes if taxonomy.get(c).kind == "task"]
    usual = [c for c in in_codes if c != "group_facilitation"]
    teams = tuple(
        TeamPlan(
            site=j % shape.sites,
            team_type=TEAM_TYPES[j % len(TEAM_TYPES)],
            drifting=j % DRIFTING_EVERY == DRIFTING_EVERY // 2,
            favourites=tuple(sorted(rng.sample(usual, k=4))),
            tasks=tuple(sorted(rng.sample(tasks, k=3))),
        )
        for j in range(shape.teams)
    )
    workers = tuple(
        WorkerPlan(
            team=w % shape.teams,
            fte=rng.choice(FTES),
            started=shape.start - dt.timedelta(days=rng.randrange(0, 1500)),
        )
        for w in range(shape.workers)
    )
    people = []
    for p in range(shape.people):
        worker = rng.randrange(shape.workers)
        # A third were already supported when the period began; the rest start within it.
        # The first person is supported throughout, so no day is without an open
        # relationship and the contact count is always exact.
        if p == 0 or rng.random() < 1 / 3:
            started = shape.start - dt.timedelta(days=rng.randrange(0, 180))
        else:
            started = shape.start + dt.timedelta(days=rng.randrange(0, max(1, shape.days - 14)))
        ended = started + dt.timedelta(days=rng.randrange(90, 540))
        people.append(
            PersonPlan(
                worker=worker,
                team=workers[worker].team,
                year_of_birth=rng.randrange(1945, 2008),
                language=rng.choice(LANGUAGES),
                source=rng.choice(SOURCES),
                referred=started - dt.timedelta(days=rng.randrange(1, 28)),
                started=started,
                ended=ended if ended < shape.end and p else None,
            )
        )
    return Structure(teams=teams, workers=workers, people=tuple(people))


class _ActiveSet:
    """Indexes with O(1) add, remove and uniform choice (swap with the last)."""

    def __init__(self) -> None:
        self.items: list[int] = []
        self.where: dict[int, int] = {}

    def add(self, item: int) -> None:
        self.where[item] = len(self.items)
        self.items.append(item)

    def remove(self, item: int) -> None:
        at = self.where.pop(item)
        last = self.items.pop()
        if last != item:
            self.items[at] = last
            self.where[last] = at

    def __len__(self) -> int:
        return len(self.items)


def day_quotas(shape: Shape) -> Iterator[tuple[dt.date, int]]:
    """Contacts per day, weekends lighter, adding up to exactly ``shape.contacts``."""
    weights = [
        WEEKEND_WEIGHT if (shape.start + dt.timedelta(days=d)).weekday() >= 5 else 1.0
        for d in range(shape.days)
    ]
    total = sum(weights)
    cumulative, given = 0.0, 0
    for d, weight in enumerate(weights):
        cumulative += weight
        upto = round(shape.contacts * cumulative / total)
        yield shape.start + dt.timedelta(days=d), upto - given
        given = upto


def contacts(shape: Shape, structure: Structure) -> Iterator[ContactRow]:
    """Exactly ``shape.contacts`` contacts in date order, each with people whose peer
    relationship is open that day (a day with none carries its quota to the next)."""
    rng = random.Random(f"{shape.seed}:contacts")
    starts: dict[dt.date, list[int]] = {}
    ends: dict[dt.date, list[int]] = {}
    active = _ActiveSet()
    by_worker = [_ActiveSet() for _w in range(shape.workers)]
    for p, person in enumerate(structure.people):
        if person.started <= shape.start:
            if person.ended is None or person.ended >= shape.start:
                active.add(p)
                by_worker[person.worker].add(p)
                if person.ended is not None:
                    ends.setdefault(person.ended + dt.timedelta(days=1), []).append(p)
        else:
            starts.setdefault(person.started, []).append(p)
            if person.ended is not None:
                ends.setdefault(person.ended + dt.timedelta(days=1), []).append(p)
    carried = 0
    for day, quota in day_quotas(shape):
        for p in ends.pop(day, ()):
            active.remove(p)
            by_worker[structure.people[p].worker].remove(p)
        for p in starts.pop(day, ()):
            active.add(p)
            by_worker[structure.people[p].worker].add(p)
        quota += carried
        if not active.items:
            carried = quota
            continue
        carried = 0
        progress = (day - shape.start).days / shape.days
        for _n in range(quota):
            p = rng.choice(active.items)
            person = structure.people[p]
            team = structure.teams[person.team]
            caseload = by_worker[person.worker].items
            if rng.random() < GROUP_SHARE and len(caseload) >= 3:
                people = tuple(
                    sorted(rng.sample(caseload, k=min(len(caseload), rng.randint(3, 6))))
                )
                yield ContactRow(
                    day=day,
                    team=person.team,
                    worker=person.worker,
                    people=people,
                    duration=90,
                    modality="in_person",
                    setting="community",
                    contact_type="group",
                    activities=("group_facilitation",),
                    chime=("connectedness", "hope"),
                )
                continue
            modality = rng.choices(MODALITIES, weights=MODALITY_WEIGHTS)[0]
            # A drifting team slides from 5 % to 40 % of contacts on out-of-scope tasks.
            out_share = 0.05 + 0.35 * progress if team.drifting else 0.03
            if rng.random() < out_share:
                activities = {rng.choice(team.tasks)}
                if rng.random() < 0.3:
                    activities.add(rng.choice(team.favourites))
            else:
                activities = set(rng.sample(team.favourites, k=rng.choice((1, 1, 2, 2, 3))))
            yield ContactRow(
                day=day,
                team=person.team,
                worker=person.worker,
                people=(p,),
                duration=rng.choice(DURATIONS),
                modality=modality,
                setting=rng.choice(SETTINGS_IN_PERSON) if modality == "in_person" else "remote",
                contact_type="phone_follow_up"
                if modality == "phone"
                else rng.choice(("one_to_one", "one_to_one", "one_to_one", "navigation")),
                activities=tuple(sorted(activities)),
                chime=tuple(sorted(rng.sample(CHIME, k=rng.choice((0, 1, 1, 2))))),
            )
