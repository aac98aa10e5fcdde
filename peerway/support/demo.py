"""Demo data for the peer support service: about 300 fictional people supported, their
referrals (every state), consent, preferences and peer relationships over the six months
before the demo is built. Every name and code is invented.

Called by ``peerway.core.demo.seed()`` (the apps are seeded in INSTALLED_APPS order, so the
apps that add outcome measures, hospital events, recovery plans and contacts find these
people). Running it again changes nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from peerway.core import audit
from peerway.core.crypto import blind_index
from peerway.workforce.demo import EMPLOYMENT

from .models import (
    NAME_INDEX_PURPOSE,
    WAITING_STATES,
    ConsentPurpose,
    ConsentRecord,
    Language,
    Match,
    MatchStatus,
    PeerRelationship,
    Person,
    PersonPreference,
    PersonStatus,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralState,
    Urgency,
    new_person_code,
)

SEED = 20260301
PEOPLE = 300
DAYS = 182  # six months
# Team -> (share of people, peer worker keys, clinician key or None)
TEAMS = {
    "unit3b": (0.24, ("peer1", "peer2"), "clinician1"),
    "transition": (0.26, ("peer3", "peer4"), "clinician3"),
    "cmh_east": (0.12, ("peer5",), "clinician4"),
    "navigation": (0.24, ("peer6", "peer7"), None),
    "family": (0.14, ("peer8",), None),
}
FIRST = [
    "Alex",
    "Sam",
    "Charlie",
    "Morgan",
    "Jesse",
    "Kim",
    "Dana",
    "Rene",
    "Lou",
    "Eli",
    "Nadia",
    "Omar",
    "Mei",
    "Ravi",
    "Sofia",
    "Liam",
    "Chloe",
    "Noah",
    "Aisha",
    "Hugo",
]
LAST = [
    "Tremblay",
    "Gauthier",
    "Wong",
    "Singh",
    "Martin",
    "Roy",
    "Côté",
    "Leblanc",
    "Nguyen",
    "Bergeron",
    "Khan",
    "Morin",
    "Fraser",
    "Lapointe",
    "Chen",
    "Girard",
    "Paquette",
    "Ali",
]
REASONS = [
    "Two admissions this year; wants support settling back home.",
    "Asked to talk with someone who has been through it.",
    "Discharge planned next week; isolated, no family nearby.",
    "Family member asking for support for themselves.",
    "Lost housing after the last admission; wants help with navigation.",
]
END_REASONS = ["Goals reached", "Moved away", "Chose to stop", "Transferred to community team"]


def _aware(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@transaction.atomic
def seed(region) -> None:
    org = region.organization
    if Person.objects.filter(organization=org).exists():
        return
    rng = random.Random(SEED)
    today = timezone.localdate()
    start = today - timedelta(days=DAYS)
    users = region.users
    people, referrals, pending_events, relationships, consents, prefs = [], [], [], [], [], []
    plan = []  # (person, team, peers, clinician, created day, outcome)
    for key, (share, peers, clinician) in TEAMS.items():
        team = region.teams[key]
        for _i in range(round(PEOPLE * share)):
            created = start + timedelta(days=rng.randrange(DAYS - 3))
            name = ""
            if rng.random() < 0.4:
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            person = Person(
                organization=org,
                team=team,
                code=new_person_code(),
                name=name,
                name_index=blind_index(name, purpose=NAME_INDEX_PURPOSE) if name else "",
                year_of_birth=rng.randint(1950, 2006),
                language=Language.FRENCH if rng.random() < 0.2 else Language.ENGLISH,
                status=PersonStatus.REFERRED,
                created_by=users[clinician] if clinician else users[peers[0]],
                created_at=_aware(created, 9),
            )
            roll = rng.random()
            age = (today - created).days
            if age < 10 or roll < 0.06:
                outcome = rng.choice(["new", "triaged", "offered"]) if age < 21 else "triaged"
            elif roll < 0.11:
                outcome = "declined"
            elif roll < 0.45 and age > 60:
                outcome = "closed"
            else:
                outcome = "active"
            people.append(person)
            plan.append([person, team, peers, clinician, created, outcome, rng.choice(peers)])
    # Keep caseloads within capacity (15 people per full-time worker, a little room left):
    # the oldest relationships beyond it have ended.
    caps = {key: int(15 * Decimal(row[0])) - 2 for key, row in EMPLOYMENT.items()}
    active: dict[str, int] = {}
    for row in sorted(plan, key=lambda r: r[4], reverse=True):
        if row[5] != "active":
            continue
        active[row[6]] = active.get(row[6], 0) + 1
        if active[row[6]] > caps.get(row[6], 10):
            row[5] = "closed"
    Person.objects.bulk_create(people)
    matches = []
    # The two most recent referrals not yet offered are waiting for the person's consent
    # (the clinician could not ask yet); every other referral had the person's agreement.
    recent = sorted((r for r in plan if r[5] in ("new", "triaged")), key=lambda r: r[4])
    waiting = {id(row[0]) for row in recent[-2:]}
    # One urgent referral made three days ago is still waiting for a peer worker: overdue
    # against the 48-hour target, flagged on the supervisor's home page.
    late = min(
        (r for r in plan if r[5] in ("new", "triaged") and id(r[0]) not in waiting),
        key=lambda r: ((today - r[4]).days < 3, abs((today - r[4]).days - 3)),
        default=None,
    )
    closing = {}  # referral -> reason of the closure step added below

    for person, team, _peers, clinician, created, outcome, worker_key in plan:
        if clinician and rng.random() < 0.65:
            source, referred_by = ReferralSource.CLINICIAN, users[clinician]
        else:
            source = rng.choice(
                [ReferralSource.SELF, ReferralSource.FAMILY, ReferralSource.TRIGGER]
            )
            referred_by = None
        referral = Referral(
            person=person,
            team=team,
            source=source,
            referred_by=referred_by,
            reason=rng.choice(REASONS),
            urgency=rng.choices(list(Urgency.values), weights=[6, 3, 1])[0],
            created_at=_aware(created, 9),
            updated_at=_aware(created, 9),
        )
        steps = [(ReferralState.NEW, 0)]
        day = 0
        path = {
            "new": [],
            "triaged": [ReferralState.TRIAGED],
            "offered": [ReferralState.TRIAGED, ReferralState.OFFERED],
            "declined": [ReferralState.TRIAGED, ReferralState.OFFERED, ReferralState.DECLINED],
            "active": [
                ReferralState.TRIAGED,
                ReferralState.OFFERED,
                ReferralState.ACCEPTED,
                ReferralState.FIRST_CONTACT,
                ReferralState.ACTIVE,
            ],
        }
        path["closed"] = [*path["active"], ReferralState.CLOSED]
        age = (today - created).days
        for state in path[outcome]:
            day += rng.randint(1, 4) if state != ReferralState.CLOSED else rng.randint(30, 90)
            steps.append((state, min(day, age)))
        if id(person) in waiting:
            steps = [(ReferralState.AWAITING_CONSENT, 0)]
        # A service closes referrals that went nowhere: after three weeks, a triaged one the
        # team could not follow up and a declined offer are closed with the reason.
        if outcome in ("triaged", "declined") and age >= 21:
            steps.append((ReferralState.CLOSED, min(steps[-1][1] + 14, age)))
            closing[id(referral)] = (
                "Could not reach the person after three attempts"
                if outcome == "triaged"
                else "The person chose not to go ahead"
            )
            person.status = PersonStatus.CLOSED
        if late is not None and person is late[0]:
            referral.urgency = Urgency.URGENT
        elif referral.urgency == Urgency.URGENT and steps[-1][0] in WAITING_STATES:
            # Other urgent referrals still waiting were made within the last two days.
            referral.urgency = Urgency.URGENT if age < 2 else Urgency.SOON
        referral.state = steps[-1][0]
        referral.updated_at = _aware(created + timedelta(days=steps[-1][1]), 11)
        referrals.append(referral)
        pending_events.append((referral, steps, created))
        worker = users[worker_key]
        if ReferralState.OFFERED in path[outcome]:
            matches.append(
                (referral, worker, created + timedelta(days=dict(steps)[ReferralState.OFFERED]))
            )
        if outcome in ("active", "closed"):
            accepted = created + timedelta(days=dict(steps)[ReferralState.ACCEPTED])
            ended = None
            if outcome == "closed":
                ended = min(created + timedelta(days=steps[-1][1]), today)
            relationships.append(
                PeerRelationship(
                    person=person,
                    worker=worker,
                    referral=referral,
                    started_on=accepted,
                    ended_on=ended,
                    end_reason=rng.choice(END_REASONS) if ended else "",
                )
            )
            person.status = PersonStatus.CLOSED if ended else PersonStatus.ACTIVE
        if outcome != "new":
            recorded = users[clinician] if clinician else worker
            for purpose, rate in (
                (ConsentPurpose.PEER_SUPPORT, 1.0 if outcome in ("active", "closed") else 0.7),
                (ConsentPurpose.SHARE_NOTES, 0.7),
                (ConsentPurpose.EVALUATION, 0.85),
                (ConsentPurpose.CONTACT, 0.9),
            ):
                given = rng.random() < rate
                if purpose == ConsentPurpose.PEER_SUPPORT:
                    if id(person) in waiting:
                        continue
                    given = True  # no referral moves on without it
                consents.append(
                    ConsentRecord(
                        person=person,
                        purpose=purpose,
                        given=given,
                        decided_on=created,
                        recorded_by=recorded,
                        recorded_at=_aware(created, 12),
                    )
                )
        elif id(person) not in waiting:
            consents.append(
                ConsentRecord(
                    person=person,
                    purpose=ConsentPurpose.PEER_SUPPORT,
                    given=True,
                    decided_on=created,
                    recorded_by=users[clinician] if clinician else worker,
                    recorded_at=_aware(created, 12),
                )
            )
        if rng.random() < 0.35:
            attribute, value = rng.choice(
                [
                    ("gender", "woman"),
                    ("gender", "man"),
                    ("lived_experience", "mental_health"),
                    ("lived_experience", "substance_use"),
                    ("language", "fr"),
                ]
            )
            prefs.append(
                PersonPreference(
                    person=person,
                    attribute=attribute,
                    value=value,
                    strength="required" if rng.random() < 0.2 else "preferred",
                )
            )
    Referral.objects.bulk_create(referrals)
    Match.objects.bulk_create(
        Match(
            referral=referral,
            worker=worker,
            status=MatchStatus.APPROVED,
            reasons=[{"code": "covers_team"}],
            proposed_at=_aware(day, 10),
            decided_by=users["supervisor1"],
            decided_at=_aware(day, 10),
        )
        for referral, worker, day in matches
    )
    ReferralEvent.objects.bulk_create(
        ReferralEvent(
            referral=referral,
            state=state,
            at=_aware(created + timedelta(days=day), 11),
            reason=(
                "Person asked for a break first"
                if state == ReferralState.DECLINED
                else closing.get(id(referral), "")
                if state == ReferralState.CLOSED
                else ""
            ),
        )
        for referral, steps, created in pending_events
        for state, day in steps
    )
    PeerRelationship.objects.bulk_create(relationships)
    ConsentRecord.objects.bulk_create(consents)
    PersonPreference.objects.bulk_create(prefs)
    Person.objects.bulk_update([p for p, *_rest in plan], ["status"])
    # Two people later withdrew their consent to evaluation use: they drop out of statistics.
    withdrawn = [r.person for r in relationships[:2]]
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            person=p,
            purpose=ConsentPurpose.EVALUATION,
            given=False,
            decided_on=today - timedelta(days=7),
            recorded_by=users["supervisor1"],
        )
        for p in withdrawn
    )
    audit.record(
        actor=None,
        action="demo.service_seeded",
        obj=org,
        details={"people": len(people), "relationships": len(relationships)},
    )
