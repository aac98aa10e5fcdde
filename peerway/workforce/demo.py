"""Demo data for the peer workforce of the fictional region. Every name here is invented.

Dates are counted from the day the demo is built, so some training always expires soon,
some supervision is always overdue and a wellbeing check-in is always recent. Called by
``peerway.core.demo.seed()``; running it again changes nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from peerway.core import audit
from peerway.instruments.engine.scoring import score
from peerway.instruments.library import current_library

from .models import (
    Accommodation,
    AccommodationStatus,
    DisclosedAttribute,
    NetworkEvent,
    Notification,
    SupervisionSession,
    SupervisorProfile,
    TrainingRecord,
    WellbeingCheckIn,
    WorkerProfile,
)
from .services import crosses_threshold

# peer key -> (FTE, contract, pay band, years since start, languages, supervisor key)
EMPLOYMENT = {
    "peer1": ("1.0", "permanent", "PSW-2", 4, "English, French", "supervisor1"),
    "peer2": ("0.8", "permanent", "PSW-1", 2, "English", "supervisor1"),
    "peer3": ("0.8", "term", "PSW-1", 1, "English, Punjabi", "supervisor1"),
    "peer4": ("0.6", "casual", "PSW-1", 1, "English", "supervisor1"),
    "peer5": ("1.0", "permanent", "PSW-2", 3, "English, French", "supervisor1"),
    "peer6": ("0.6", "term", "PSW-1", 1, "English, Arabic", "supervisor2"),
    "peer7": ("0.5", "casual", "PSW-1", 1, "French, English", "supervisor2"),
    "peer8": ("0.5", "permanent", "PSW-2", 5, "English", "supervisor2"),
}
# Varied disclosure: (kind, value, visibility). peer4 answers nothing at all.
DISCLOSURE = {
    "peer1": [
        ("experience", "mental_health", "team"),
        ("age_band", "35-44", "matching"),
        ("self_described", "Recovered from psychosis in my twenties; I talk about it.", "team"),
    ],
    "peer2": [
        ("experience", "mental_health", "private"),
        ("gender", "woman", "private"),
    ],
    "peer3": [
        ("experience", "substance_use", "matching"),
        ("cultural_community", "Punjabi Sikh community", "matching"),
        ("self_described", "Long story; I prefer to keep it to myself for now.", "private"),
    ],
    "peer5": [("experience", "mental_health,family", "team")],
    "peer6": [
        ("gender", "non_binary", "matching"),
        ("lgbtq", "yes", "matching"),
        ("age_band", "25-34", "team"),
    ],
    "peer7": [("cultural_community", "Francophone Acadian", "team")],
    "peer8": [("experience", "family", "team"), ("age_band", "55-64", "private")],
}
# peer key -> days ago of supervision sessions (peer5 is overdue, peer8 never supervised
# since starting long ago: overdue too).
SUPERVISION = {
    "peer1": [6, 35, 64],
    "peer2": [12, 40],
    "peer3": [3, 31],
    "peer4": [20],
    "peer5": [45, 80],
    "peer6": [9, 38],
    "peer7": [15],
}
TOPICS = [["boundaries", "wellbeing"], ["drift", "development"], ["risk"], ["development"]]
# peer key -> [(days ago, raw CBI answer code 1-5, satisfaction 1-5)]
CHECKINS = {
    "peer1": [(200, 3, 3), (110, 3, 4), (20, 4, 4)],
    "peer3": [(15, 3, 4)],
    "peer6": [(8, 2, 2)],
}


@transaction.atomic
def seed(region) -> None:
    org = region.organization
    if WorkerProfile.objects.filter(organization=org).exists():
        return
    users = region.users
    today = timezone.localdate()
    SupervisorProfile.objects.create(
        organization=org, user=users["supervisor1"], has_peer_experience=True
    )
    SupervisorProfile.objects.create(
        organization=org, user=users["supervisor2"], has_peer_experience=False
    )
    for key, (fte, contract, band, years, languages, supervisor) in EMPLOYMENT.items():
        profile = WorkerProfile.objects.create(
            organization=org,
            user=users[key],
            fte=Decimal(fte),
            contract_type=contract,
            pay_band=band,
            start_date=today - timedelta(days=365 * years + 30),
            end_date=today + timedelta(days=240) if contract == "term" else None,
            languages=languages,
            share_wellbeing=key == "peer3",
            wellbeing_alert=key == "peer6",
        )
        profile.supervisors.set([users[supervisor]])
        for kind, value, visibility in DISCLOSURE.get(key, []):
            DisclosedAttribute.objects.create(
                profile=profile, kind=kind, value=value, visibility=visibility
            )
    _seed_supervision(region, today)
    _seed_training(region, today)
    _seed_checkins(region, today)
    Accommodation.objects.create(
        organization=org,
        worker=users["peer4"],
        request="A quiet place to rest for ten minutes after difficult conversations.",
        adjustments="The family room on Unit 3B is free for peer workers after 2 pm.",
        review_date=today + timedelta(days=75),
        status=AccommodationStatus.AGREED,
        requested_on=today - timedelta(days=30),
    )
    event = NetworkEvent.objects.create(
        organization=org,
        title="Peer community of practice: telling our stories safely",
        date=today - timedelta(days=21),
        description="Monthly gathering of peer workers from every site.",
        created_by=users["supervisor1"],
    )
    event.attendees.set([users["peer1"], users["peer3"], users["peer6"], users["peer7"]])
    audit.record(
        actor=None,
        action="demo.workforce_seeded",
        obj=org,
        details={"profiles": len(EMPLOYMENT)},
    )


def _seed_supervision(region, today) -> None:
    users = region.users
    peer_experienced = {"supervisor1"}
    for key, days in SUPERVISION.items():
        supervisor = EMPLOYMENT[key][5]
        for i, ago in enumerate(days):
            SupervisionSession.objects.create(
                organization=region.organization,
                worker=users[key],
                supervisor=users[supervisor],
                session_type=("peer_practice", "administrative")[i % 2],
                date=today - timedelta(days=ago),
                duration_minutes=(60, 45, 30)[i % 3],
                topics=TOPICS[i % len(TOPICS)],
                notes="Checked in on workload and on the week's hardest conversation.",
                by_peer_experienced=supervisor in peer_experienced,
            )
    # A group session of two Riverbend peer workers (one record each).
    for key in ("peer6", "peer7"):
        SupervisionSession.objects.create(
            organization=region.organization,
            worker=users[key],
            supervisor=users["supervisor2"],
            session_type="group",
            date=today - timedelta(days=25),
            duration_minutes=90,
            topics=["boundaries", "development"],
            notes="Group reflection on boundaries with people met in the community.",
        )


def _seed_training(region, today) -> None:
    org = region.organization
    users = region.users
    # peer2's certification expires soon; peer5's lapsed and was not renewed.
    expiry = {"peer2": 20, "peer5": -10}
    for key in EMPLOYMENT:
        expires = today + timedelta(days=expiry.get(key, 400))
        TrainingRecord.objects.create(
            organization=org,
            user=users[key],
            kind="certification",
            title="Certified Peer Supporter",
            credential="psc_peer",
            provider="Peer Support Canada",
            competency_areas=["recovery", "lived_experience", "boundaries", "ethics"],
            hours=Decimal("60"),
            completed_on=expires - timedelta(days=3 * 365),
            expires_on=expires,
        )
        TrainingRecord.objects.create(
            organization=org,
            user=users[key],
            kind="course",
            title="Suicide intervention skills",
            provider="Lakeshore Valley Health Region",
            competency_areas=["crisis"],
            hours=Decimal("14"),
            completed_on=today - timedelta(days=200),
            expires_on=today + timedelta(days=530),
        )
    for key in ("supervisor1", "clinician1", "clinician3"):
        TrainingRecord.objects.create(
            organization=org,
            user=users[key],
            kind="course",
            title="Working alongside peer support workers",
            provider="Lakeshore Valley Health Region",
            competency_areas=["peer_role", "teamwork"],
            hours=Decimal("3"),
            completed_on=today - timedelta(days=90),
        )
    for key, days in expiry.items():
        record = TrainingRecord.objects.get(user=users[key], title="Certified Peer Supporter")
        stage = 0 if days < 0 else 30
        Notification.objects.create(
            organization=org,
            user=users[key],
            kind="training_expired" if stage == 0 else "training_expiring",
            params={
                "title": record.title,
                "date": record.expires_on.isoformat(),
                "record_id": record.pk,
            },
            key=f"training:{record.pk}:{stage}",
        )


def _seed_checkins(region, today) -> None:
    instrument = current_library()["cbi"]
    for key, rows in CHECKINS.items():
        for ago, raw, satisfaction in rows:
            result = score(instrument, dict.fromkeys(instrument.item_ids, raw))
            results = {scale_id: s.score for scale_id, s in result.scales.items()}
            results["satisfaction"] = satisfaction
            WellbeingCheckIn.objects.create(
                organization=region.organization,
                worker=region.users[key],
                completed_on=today - timedelta(days=ago),
                instrument_version=instrument.version,
                results=json.dumps(results),
                alert_raised=key == "peer6" and crosses_threshold(results),
            )
