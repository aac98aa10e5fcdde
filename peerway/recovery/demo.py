"""Demo recovery plans and boundary and risk events for fictional people supported.

Called by ``peerway.core.demo.seed()`` after the peer support service demo (which creates
the people and their peer relationships). If no open relationship exists yet, nothing is
seeded. Running it again changes nothing. Every goal, note and event here is invented.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from peerway.core import audit
from peerway.support.models import PeerRelationship

from .models import (
    BoundaryType,
    EventKind,
    Goal,
    GoalStatus,
    GoalStep,
    ProgressUpdate,
    RecoveryPlan,
    ResponsePath,
    RiskType,
    SafetyEvent,
)

# (goal in the person's words, CHIME domain, status, steps as (text, done), ratings)
PLANS = [
    [
        (
            "Get back in touch with my brother",
            "connectedness",
            GoalStatus.ACTIVE,
            [("Find his new phone number", True), ("Send him a text on his birthday", False)],
            [2, 3],
        ),
        (
            "Sleep through the night most nights",
            "hope",
            GoalStatus.ACTIVE,
            [("Keep the phone out of the bedroom", True)],
            [1, 2, 3],
        ),
    ],
    [
        (
            "Go back to the choir on Thursdays",
            "meaning",
            GoalStatus.ACHIEVED,
            [("Ask the choir leader if I can come back", True), ("Go once with a friend", True)],
            [2, 4, 5],
        ),
        (
            "Speak up at my medication review",
            "empowerment",
            GoalStatus.ACTIVE,
            [("Write my three questions down", True), ("Bring the list to the appointment", False)],
            [2, 3],
        ),
    ],
    [
        (
            "Feel like myself again, not just a patient",
            "identity",
            GoalStatus.ACTIVE,
            [("Pick up drawing again for ten minutes a day", False)],
            [1],
        ),
    ],
    [
        (
            "Find a part-time job I enjoy",
            "meaning",
            GoalStatus.SET_ASIDE,
            [("Visit the employment centre", True)],
            [2, 2],
        ),
        (
            "Join the peer walking group",
            "connectedness",
            GoalStatus.ACTIVE,
            [("Look up the meeting place", True), ("Go to one walk", False)],
            [3],
        ),
    ],
]
NOTES = ["Talked it through together", "A hard week, still going", "Proud of this one", ""]


@transaction.atomic
def seed(region) -> None:
    org = region.organization
    if RecoveryPlan.objects.filter(person__organization=org).exists():
        return
    relationships = list(
        PeerRelationship.objects.filter(person__organization=org, ended_on__isnull=True)
        .select_related("person__team", "worker")
        .order_by("person__team__name", "started_on", "pk")
    )
    if not relationships:
        return  # the service demo has not created people yet
    today = timezone.localdate()
    # One relationship per team first, so several teams show a plan.
    chosen, seen_teams = [], set()
    for rel in relationships:
        if rel.person.team_id not in seen_teams:
            chosen.append(rel)
            seen_teams.add(rel.person.team_id)
    chosen = (chosen + [r for r in relationships if r not in chosen])[: len(PLANS) + 2]
    for index, rel in enumerate(chosen[: len(PLANS)]):
        started = max(rel.started_on, today - timedelta(days=90))
        plan = RecoveryPlan.objects.create(
            person=rel.person,
            co_produced=index != 2,
            created_by=rel.worker,
            created_at=timezone.make_aware(datetime.combine(started, time(10, 0))),
        )
        for text, domain, status, steps, ratings in PLANS[index]:
            goal = Goal.objects.create(
                plan=plan,
                text=text,
                domain=domain,
                status=status,
                status_changed_on=None if status == GoalStatus.ACTIVE else today,
            )
            GoalStep.objects.bulk_create(
                GoalStep(goal=goal, text=s, done=done, done_on=today if done else None)
                for s, done in steps
            )
            span = max((today - started).days, len(ratings))
            ProgressUpdate.objects.bulk_create(
                ProgressUpdate(
                    goal=goal,
                    date=started + timedelta(days=span * (n + 1) // (len(ratings) + 1)),
                    rating=rating,
                    note=NOTES[n % len(NOTES)],
                    recorded_by=rel.worker,
                )
                for n, rating in enumerate(ratings)
            )
    events = _seed_events(org, chosen, today)
    audit.record(
        actor=None,
        action="demo.recovery_seeded",
        obj=org,
        details={"plans": min(len(chosen), len(PLANS)), "events": events},
    )


def _seed_events(org, chosen, today) -> int:
    from peerway.workforce.models import SupervisionSession

    specs = [
        (
            EventKind.BOUNDARY,
            BoundaryType.CROSSING,
            "",
            "Offered a lift home after the group because of the rain.",
            "Talked about it at the next meeting and agreed on the bus pass instead.",
            20,
            True,
        ),
        (
            EventKind.RISK,
            RiskType.SELF_HARM,
            ResponsePath.JOINT,
            "Said they had been thinking about not waking up.",
            "Stayed with them and called the team clinician together; safety plan updated.",
            6,
            False,
        ),
        (
            EventKind.BOUNDARY,
            BoundaryType.CROSSING,
            "",
            "Asked to connect on social media.",
            "",
            3,
            False,
        ),
    ]
    created = 0
    for rel, (kind, sub, path, description, follow_up, days_ago, reviewed) in zip(
        chosen, specs, strict=False
    ):
        occurred = max(rel.started_on, today - timedelta(days=days_ago))
        session = None
        if reviewed:
            # Reviewed in the worker's latest supervision session, a few days after it.
            session = (
                SupervisionSession.objects.filter(
                    organization=org, worker=rel.worker, date__gte=rel.started_on
                )
                .order_by("-date")
                .first()
            )
            if session is not None:
                occurred = max(rel.started_on, session.date - timedelta(days=5))
        event = SafetyEvent(
            organization=org,
            team=rel.person.team,
            person=rel.person,
            worker=rel.worker,
            kind=kind,
            occurred_on=occurred,
            description=description,
            boundary_type=sub if kind == EventKind.BOUNDARY else "",
            resolution=follow_up if kind == EventKind.BOUNDARY else "",
            risk_type=sub if kind == EventKind.RISK else "",
            response_path=path,
            outcome=follow_up if kind == EventKind.RISK else "",
            debrief_done=kind == EventKind.RISK,
            debrief_notes="Debrief with the supervisor the same day." if path else "",
            recorded_by=rel.worker,
        )
        if session is not None:
            event.reviewed_at = timezone.now()
            event.reviewed_by = session.supervisor
            event.supervision_session = session
        event.save()
        created += 1
    return created
