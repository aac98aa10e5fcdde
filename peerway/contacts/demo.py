"""Demo contacts: about six months of fictional contacts for the demo's peer
relationships, logged at a believable workload for each worker's FTE
(``peerway.planning.workload``, docs/demo.md), with one team (the discharge transition
team) drifting into tasks outside the peer role, and the rollups built in bulk.

Runs after ``peerway.support.demo`` (INSTALLED_APPS order) and only when that has created
peer relationships; it does nothing when contacts already exist. Deterministic (fixed
seed) and fast: contacts, attendees and rollups are written with ``bulk_create``.
"""

from __future__ import annotations

import functools
import random
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from peerway.core import audit
from peerway.planning import taxonomy, workload
from peerway.planning.roles.selectors import approved_version_for_team, scope_codes
from peerway.support.models import (
    ChimeDomain,
    Contact,
    ContactType,
    Modality,
    PeerRelationship,
    Setting,
)
from peerway.workforce.models import WorkerProfile

from . import rollups

SEED = 20260601
DRIFTING_TEAM = "transition"
# The most one-to-one contacts (phone and text check-ins included) a person has in a week,
# by team key; once a week otherwise. A worker's time (peerway.planning.workload) usually
# runs out first; these only keep a short caseload from being seen every day.
WEEKLY = {"unit3b": 3.0, "transition": 2.5, "cmh_east": 1.5, "navigation": 1.5, "family": 1.0}
# Usual activities per team (kept only if in scope for the team).
FAVOURITES = {
    "unit3b": ["hope_role_modelling", "sharing_recovery_story", "coping_skills", "team_liaison"],
    "transition": ["recovery_planning", "navigation_accompaniment", "community_linking"],
    "cmh_east": ["recovery_planning", "coping_skills", "community_linking", "advocacy"],
    "navigation": ["navigation_accompaniment", "advocacy", "community_linking"],
    # The family support team's core work (in scope on that team type, docs/contacts.md).
    "family": ["family_peer_support", "hope_role_modelling", "coping_skills"],
}
SETTINGS = {
    "unit3b": [Setting.HOSPITAL],
    "transition": [Setting.HOME, Setting.COMMUNITY, Setting.REMOTE],
    "cmh_east": [Setting.CLINIC, Setting.COMMUNITY, Setting.HOME],
    "navigation": [Setting.COMMUNITY, Setting.CLINIC],
    "family": [Setting.COMMUNITY, Setting.REMOTE],
}
NOTES = [
    "Talked about the week; planning a walk to the library together next time.",
    "Shared how I found a routine after discharge. Agreed on one small goal.",
    "Went with them to the housing office; next step is the form due Friday.",
    "Short check-in by phone. Feeling more settled, sleeping better.",
    "Worked on the recovery plan: connecting with the community garden.",
]


@functools.cache
def _aware(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _activities(rng, favourites, out_codes, off_scope: bool) -> list[str]:
    if out_codes and off_scope:
        codes = [rng.choice(out_codes)]
        if rng.random() < 0.3:
            codes.append(rng.choice(favourites))
        return codes
    return rng.sample(favourites, k=min(len(favourites), rng.choice((1, 1, 2, 2, 3))))


@transaction.atomic
def seed(region) -> None:
    org = region.organization
    if Contact.objects.filter(organization=org).exists():
        return
    relationships = list(
        PeerRelationship.objects.filter(person__organization=org)
        .select_related("person__team")
        .order_by("pk")
    )
    if not relationships:
        return  # no people supported in the demo yet: nothing to log contacts about
    rng = random.Random(SEED)
    today = timezone.localdate()
    start = today - timedelta(days=182)
    team_keys = {team.pk: key for key, team in region.teams.items()}
    scopes = {}
    for team in {r.person.team for r in relationships}:
        version = approved_version_for_team(team)
        in_codes, out_codes = scope_codes(version, team.team_type)
        key = team_keys.get(team.pk, "")
        favourites = [c for c in FAVOURITES.get(key, []) if c in in_codes] or list(in_codes[:3])
        tasks = [c for c in out_codes if taxonomy.get(c).kind == "task"] if out_codes else []
        scopes[team.pk] = (key, favourites, tasks)

    fte = {p.user_id: float(p.fte) for p in WorkerProfile.objects.filter(organization=org) if p.fte}
    contacts: list[Contact] = []
    attendees: list[list[int]] = []
    chime_values = list(ChimeDomain.values)
    by_worker: dict[int, list[PeerRelationship]] = {}
    for rel in relationships:
        by_worker.setdefault(rel.worker_id, []).append(rel)
    for worker_id, rels in sorted(by_worker.items()):
        # A weekly group session per team, with the people supported that week; its time
        # comes out of the day's contact time.
        group_minutes: dict = {}
        used: dict = {}  # contact minutes per (year, month)
        by_team: dict[int, list[PeerRelationship]] = {}
        for rel in rels:
            by_team.setdefault(rel.person.team_id, []).append(rel)
        for team_id, team_rels in sorted(by_team.items()):
            team = team_rels[0].person.team
            key, favourites, tasks = scopes[team_id]
            day = start + timedelta(days=(2 - start.weekday()) % 7)  # Wednesdays
            while day <= today:
                present = [
                    r.person_id
                    for r in team_rels
                    if r.started_on <= day and (r.ended_on is None or r.ended_on >= day)
                ]
                if len(present) >= 3:
                    people = rng.sample(present, k=min(len(present), rng.randint(3, 6)))
                    contacts.append(
                        Contact(
                            organization=org,
                            team=team,
                            worker_id=worker_id,
                            date=day,
                            duration_minutes=workload.GROUP_MINUTES,
                            modality=Modality.IN_PERSON,
                            setting=Setting.COMMUNITY if key != "unit3b" else Setting.HOSPITAL,
                            contact_type=ContactType.GROUP,
                            activities=["group_facilitation"]
                            if "group_facilitation" not in tasks
                            else favourites[:1],
                            chime=[ChimeDomain.CONNECTEDNESS, ChimeDomain.HOPE],
                            note="",
                            created_at=_aware(day, 15),
                            updated_at=_aware(day, 15),
                        )
                    )
                    attendees.append(sorted(people))
                    group_minutes[day] = group_minutes.get(day, 0) + workload.GROUP_MINUTES
                    month = (day.year, day.month)
                    used[month] = used.get(month, 0) + workload.GROUP_MINUTES
                day += timedelta(days=7)
        # One-to-one contacts: each working day, the worker's contact time for their FTE
        # (docs/demo.md, "Workload"), shared among the people they support that day, each
        # seen at most WEEKLY[team] times a week (so a short caseload is not over-visited).
        daily_minutes = workload.minutes_per_working_day(fte.get(worker_id, 1.0))
        # Out-of-scope contacts are spread evenly (a running balance, not a coin toss), so
        # even a few days of a month show the team's drift.
        owed = 0.0
        # Never more than the planner's direct-contact ceiling for the worker's FTE in a
        # month, whatever the draws: a contact that would pass it is not made.
        ceiling = workload.CEILING_MINUTES_PER_FTE_MONTH * fte.get(worker_id, 1.0)
        last_seen: dict = {}
        day = start
        while day <= today:
            if day.weekday() >= 5:
                day += timedelta(days=1)
                continue
            present = [
                r for r in rels if r.started_on <= day and (r.ended_on is None or r.ended_on >= day)
            ]
            minutes = max(0.0, daily_minutes - group_minutes.get(day, 0))
            most = sum(WEEKLY.get(scopes[r.person.team_id][0], 1.0) / 5 for r in present)
            expected = min(minutes / workload.MEAN_MINUTES, most)
            count = int(expected) + (rng.random() < expected - int(expected))
            # Whoever has waited longest since their last contact (or their start) is seen
            # next, as a worker keeping in touch with a whole caseload would.
            waiting = sorted(
                present, key=lambda r: (last_seen.get(r.pk, r.started_on), rng.random())
            )
            month = (day.year, day.month)
            for n in range(count):
                duration = rng.choice(workload.DURATIONS)
                if used.get(month, 0) + duration > ceiling:
                    break
                used[month] = used.get(month, 0) + duration
                rel = waiting[n % len(waiting)]
                last_seen[rel.pk] = day
                team = rel.person.team
                key, favourites, tasks = scopes[team.pk]
                months_in = (day - start).days / 30.5
                # The drifting team: from 5 % to about 40 % of contacts on tasks.
                owed += 0.05 + 0.06 * months_in if key == DRIFTING_TEAM else 0.03
                off_scope = owed >= 1
                owed -= off_scope
                modality = rng.choices(
                    [Modality.IN_PERSON, Modality.PHONE, Modality.VIDEO, Modality.TEXT],
                    weights=[6, 3, 1, 1],
                )[0]
                contact_type = (
                    ContactType.PHONE_FOLLOW_UP
                    if modality == Modality.PHONE
                    else rng.choices(
                        [
                            ContactType.ONE_TO_ONE,
                            ContactType.NAVIGATION,
                            ContactType.POST_DISCHARGE,
                        ],
                        weights=[6, 2, 2 if key == "transition" else 0],
                    )[0]
                )
                contacts.append(
                    Contact(
                        organization=org,
                        team=team,
                        worker_id=worker_id,
                        date=day,
                        duration_minutes=duration,
                        modality=modality,
                        setting=Setting.REMOTE
                        if modality != Modality.IN_PERSON
                        else rng.choice(SETTINGS.get(key, [Setting.COMMUNITY])),
                        contact_type=contact_type,
                        activities=sorted(set(_activities(rng, favourites, tasks, off_scope))),
                        chime=sorted(rng.sample(chime_values, k=rng.choice((0, 1, 1, 2)))),
                        note=rng.choice(NOTES) if rng.random() < 0.2 else "",
                        created_at=_aware(day, 16),
                        updated_at=_aware(day, 16),
                    )
                )
                attendees.append([rel.person_id])
            day += timedelta(days=1)

    Contact.objects.bulk_create(contacts, batch_size=2000)
    # Attendees: plain executemany (tens of thousands of two-integer rows; the ORM's
    # per-object overhead would double the demo's seeding time).
    through = Contact.people.through._meta
    contact_col = through.get_field("contact").column
    person_col = through.get_field("person").column
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {connection.ops.quote_name(through.db_table)} "  # noqa: S608
            f"({contact_col}, {person_col}) VALUES (%s, %s)",
            [(c.pk, pid) for c, people in zip(contacts, attendees, strict=True) for pid in people],
        )
    rows = rollups.bulk_insert(
        rollups.rows_for_contacts(
            rollups.Snapshot(
                day=c.date,
                organization_id=org.pk,
                team_id=c.team_id,
                worker_id=c.worker_id,
                duration=c.duration_minutes,
                activities=tuple(c.activities),
                attendances=len(people),
            )
            for c, people in zip(contacts, attendees, strict=True)
        )
    )
    audit.record(
        actor=None,
        action="demo.contacts_seeded",
        obj=org,
        details={"contacts": len(contacts), "rollup_rows": rows},
    )
