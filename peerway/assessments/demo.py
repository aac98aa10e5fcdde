"""Two readiness survey waves for the fictional demo region (baseline and six months on).

Answers are generated from a stated profile per team, so the demo shows clear barriers
(role clarity and supervisors' understanding on Inpatient Unit 3B, culture on the Mobile
Crisis Team, isolation of the lone peer in Community Mental Health East) and change
between waves (Unit 3B improves). Group sizes vary so that some groups fall below the
anonymity threshold, as they would in real life.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from peerway.core import audit
from peerway.instruments.library import current_library

from .models import Audience, Response, SurveyLink, Wave
from .services import release_wave
from .tasks import store_released_trend

WAVES = [
    ("Baseline readiness survey", date(2026, 3, 2), date(2026, 3, 27), "baseline"),
    ("Six-month readiness survey", date(2026, 9, 7), date(2026, 10, 2), "followup"),
]
INSTRUMENTS = ("oric", "pibc")
# Staff, leaders and peer workers answering per team (peer workers = peers on the team).
GROUP_SIZES = {
    "unit3b": (16, 5, 2),
    "crisis": (14, 5, 0),
    "transition": (12, 4, 2),
    "cmh_east": (13, 4, 1),
    "cmh_north": (10, 5, 0),
    "warmline": (8, 2, 0),
    "navigation": (9, 4, 2),
    "family": (7, 3, 1),
}
BASE = 3.5  # typical agreement where nothing stands out
# (team, factor) -> mean agreement at baseline and follow-up
PROFILE = {
    ("unit3b", "role_clarity"): (2.0, 3.7),
    ("unit3b", "supervision_support"): (2.2, 3.5),
    ("unit3b", "clinician_utilization"): (2.6, 3.3),
    ("crisis", "recovery_oriented_culture"): (2.1, 2.3),
    ("crisis", "staff_attitudes_toward_peers"): (2.3, 2.5),
    ("crisis", "medical_model_dominance"): (2.2, 2.3),
    ("cmh_east", "peer_isolation_network"): (1.8, 2.0),
    ("cmh_east", "supervision_support"): (2.5, 2.6),
    ("transition", "role_drift"): (2.6, 3.4),
    ("navigation", "team_acceptance_credibility"): (4.2, 4.4),
    ("family", "recovery_oriented_culture"): (4.1, 4.3),
}
ORIC_MEAN = {"unit3b": (2.8, 3.8), "crisis": (2.5, 2.6), "transition": (3.4, 3.9)}


def _likert(rng: random.Random, mean: float, sd: float = 0.8) -> int:
    return int(min(5, max(1, round(rng.gauss(mean, sd)))))


def _answers(rng, instrument, means: dict, default: float, dont_know_rate=0.0) -> dict:
    """Answers around a mean per item (favourable direction), reverse-keyed where needed."""
    answers = {}
    for item in instrument.items:
        if dont_know_rate and rng.random() < dont_know_rate:
            answers[item.id] = 9
            continue
        value = _likert(rng, means.get(item.id, default))
        answers[item.id] = 6 - value if item.reverse else value
    return answers


@transaction.atomic
def seed(region) -> None:
    org = region.organization
    if Wave.objects.filter(organization=org, name=WAVES[0][0]).exists():
        return
    library = current_library()
    instruments = {code: library[code] for code in INSTRUMENTS}
    manager = region.users["manager"]
    for index, (name, opens, closes, _key) in enumerate(WAVES):
        wave = Wave.objects.create(
            organization=org,
            name=name,
            instruments=[{"code": c, "version": instruments[c].version} for c in INSTRUMENTS],
            audiences=list(Audience.values),
            opens_on=opens,
            closes_on=closes,
            k=5,
            created_by=manager,
        )
        wave.teams.set(region.teams.values())
        responses = []
        for team_key, team in region.teams.items():
            for audience in Audience.values:
                SurveyLink.objects.create(wave=wave, team=team, audience=audience)
            sizes = dict(zip(Audience.values, GROUP_SIZES[team_key], strict=True))
            for audience, count in sizes.items():
                rng = random.Random(f"{name}:{team_key}:{audience}")
                # Leaders tend to rate readiness a little higher than staff.
                shift = 0.3 if audience == Audience.LEADERS else 0.0
                oric_mean = ORIC_MEAN.get(team_key, (3.5, 3.6))[index] + shift
                pibc_means = {
                    item.id: PROFILE.get((team_key, item.factor), (BASE, BASE + 0.1))[index] + shift
                    for item in instruments["pibc"].items
                }
                for _n in range(count):
                    responses.append(
                        Response(
                            wave=wave,
                            team=team,
                            audience=audience,
                            submitted_on=opens
                            + timedelta(days=rng.randrange((closes - opens).days)),
                            answers={
                                "oric": _answers(rng, instruments["oric"], {}, oric_mean),
                                "pibc": _answers(
                                    rng, instruments["pibc"], pibc_means, BASE, dont_know_rate=0.05
                                ),
                            },
                            versions={c: instruments[c].version for c in INSTRUMENTS},
                        )
                    )
        Response.objects.bulk_create(responses)
        audit.record(
            actor=None,
            action="demo.wave_seeded",
            obj=wave,
            details={"responses": len(responses)},
        )
        if wave.status() == "closed":
            # As the scheduled ``peerway release-results`` would: the disclosure decision
            # is stored with the wave before anyone opens its results.
            release_wave(wave=wave)
            store_released_trend(wave)
