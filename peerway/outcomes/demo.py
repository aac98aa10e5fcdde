"""Demo outcome measures: QPR-15 and PHQ-9 at intake, 3 and 6 months for the fictional
people of ``peerway.support.demo`` (scored by the instruments engine, answers encrypted),
recovery scores rising a little over time (people whose support has ended answer later
time points by one-time link), and two PHQ-9 safety triggers: one task still
open, one closed with its outcome.

Runs after the service demo (INSTALLED_APPS order); without people supported it does
nothing. Running it again changes nothing.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from peerway.core import audit
from peerway.instruments.engine import score
from peerway.instruments.library import current_library
from peerway.support.models import PeerRelationship

from .models import (
    DEFAULT_WINDOW_AFTER_DAYS,
    DEFAULT_WINDOW_BEFORE_DAYS,
    INTAKE_DUE_DAYS,
    Administration,
    Mode,
    SafetyAssignment,
    SafetyOutcome,
    SafetyStatus,
    SafetyTask,
)
from .schedule import window_for
from .services import ack_minutes_for, fired_triggers, safety_assignees

SEED = 20260307
# Share of people who complete the measures at each time point (attrition over time).
COMPLETION = {0: 0.85, 3: 0.7, 6: 0.6}


def _answers(rng: random.Random, instrument, level: float) -> dict:
    """Answers around ``level`` (0 = worst, 1 = best) on each item's scored range."""
    answers = {}
    for item in instrument.items:
        values = sorted(instrument.response_set_for(item.id).scored_values)
        lo, hi = values[0], values[-1]
        # PHQ-9 items count problems: a better level means lower answers.
        target = level if instrument.code != "phq9" else 1 - level
        raw = lo + (hi - lo) * min(max(rng.gauss(target, 0.18), 0), 1)
        answers[item.id] = min(values, key=lambda v, raw=raw: abs(v - raw))
    if instrument.code == "phq9":
        answers["phq9_9"] = 0
    return answers


def _administration(
    org, person, instrument, point, day, worker, answers, follow_up=False
) -> Administration:
    result = score(instrument, answers).to_dict()
    total = result.get("total") or {}
    return Administration(
        organization=org,
        team=person.team,
        person=person,
        instrument=instrument.code,
        version=instrument.version,
        time_point=point,
        administered_on=day,
        mode=Mode.SELF_LINK if follow_up else Mode.WITH_WORKER,
        recorded_by=None if follow_up else worker,
        recorded_at=timezone.make_aware(datetime.combine(day, time(14, 0))),
        answers_data=json.dumps(answers, sort_keys=True),
        result_data=json.dumps(result, sort_keys=True),
        total_score=total.get("score"),
        band=((total.get("band") or {}).get("code") or "")[:40],
        valid=bool(result["valid"]),
        flagged=bool(fired_triggers(instrument, answers, result["flags"])),
    )


@transaction.atomic
def seed(region) -> None:
    org = region.organization
    if Administration.objects.filter(organization=org).exists():
        return
    relationships = list(
        PeerRelationship.objects.filter(person__organization=org)
        .select_related("person__team", "worker")
        .order_by("person__code", "pk")
    )
    if not relationships:
        return  # no people supported in this demo: nothing to measure
    library = current_library()
    qpr, phq = library["qpr15"], library["phq9"]
    rng = random.Random(SEED)
    today = timezone.localdate()
    rows: list[Administration] = []
    seen = set()
    for rel in relationships:
        person = rel.person
        if person.pk in seen:
            continue
        seen.add(person.pk)
        level = rng.uniform(0.25, 0.55)
        gain = rng.uniform(-0.02, 0.06)  # per 3 months
        end = rel.ended_on or today
        for point, rate in COMPLETION.items():
            window = window_for(
                rel.started_on,
                point,
                before=DEFAULT_WINDOW_BEFORE_DAYS,
                after=DEFAULT_WINDOW_AFTER_DAYS,
                intake_days=INTAKE_DUE_DAYS,
            )
            day = window.due_on + timedelta(days=rng.randint(-10, 12))
            day = max(day, rel.started_on)
            # After support has ended, the person may still answer a follow-up measure
            # by one-time link on their own device.
            follow_up = rel.ended_on is not None and day > rel.ended_on and point > 0
            last = today if follow_up else min(end, today)
            if day > last and window.opens_on <= last:
                # Early in the window: given on an open day so far.
                day = window.opens_on + timedelta(
                    days=rng.randint(0, (last - window.opens_on).days)
                )
            if day > last or rng.random() > rate:
                continue
            now_level = level + gain * point / 3
            for instrument in (qpr, phq):
                answers = _answers(rng, instrument, now_level)
                rows.append(
                    _administration(
                        org, person, instrument, point, day, rel.worker, answers, follow_up
                    )
                )
    Administration.objects.bulk_create(rows)

    # Two safety triggers on the most recent PHQ-9s of people still supported.
    recent = [
        a
        for a in sorted(rows, key=lambda a: (a.administered_on, a.person.code), reverse=True)
        if a.instrument == "phq9" and a.person.status == "active"
    ][:2]
    tasks = 0
    for index, administration in enumerate(recent):
        answers = {**administration.answers, "phq9_9": 1}
        result = score(phq, answers).to_dict()
        administration.answers_data = json.dumps(answers, sort_keys=True)
        administration.result_data = json.dumps(result, sort_keys=True)
        administration.total_score = result["total"]["score"]
        administration.band = (result["total"].get("band") or {}).get("code") or ""
        administration.flagged = True
        administration.save()
        created = administration.recorded_at
        task = SafetyTask.objects.create(
            organization=org,
            team=administration.team,
            person=administration.person,
            administration=administration,
            triggers=fired_triggers(phq, answers, result["flags"]),
            risk_type="self_harm",
            created_at=created,
            due_at=created + timedelta(minutes=ack_minutes_for(org, "self_harm")),
        )
        assignees = safety_assignees(administration.person)
        SafetyAssignment.objects.bulk_create(
            SafetyAssignment(task=task, user_id=uid, reason=reason)
            for uid, reason in sorted(assignees.items())
        )
        if index == 0:
            # Acknowledged by the worker within the hour; the follow-up is still under way.
            task.status = SafetyStatus.ACKNOWLEDGED
            task.acknowledged_by = administration.recorded_by
            task.acknowledged_at = created + timedelta(minutes=5)
            task.save()
        if index == 1:
            task.debrief_on = timezone.localtime(created + timedelta(hours=3)).date()
            task.debrief_with = "The peer worker and their supervisor"
            task.debrief_notes = "Fictional: talked through the call; nothing else needed."
            task.status = SafetyStatus.CLOSED
            task.acknowledged_by = administration.recorded_by
            task.acknowledged_at = created + timedelta(minutes=20)
            task.closed_by = administration.recorded_by
            task.closed_at = created + timedelta(hours=3)
            task.outcome = SafetyOutcome.CLINICIAN_INVOLVED
            task.outcome_note = "Fictional: called the person, safety plan reviewed with the nurse."
            task.save()
        tasks += 1
    audit.record(
        actor=None,
        action="demo.outcomes_seeded",
        obj=org,
        details={"administrations": len(rows), "safety_tasks": tasks},
    )
