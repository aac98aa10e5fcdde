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
        (
            EventKind.RISK,
            RiskType.SUBSTANCE_USE,
            ResponsePath.RELATIONAL,
            "Said they have been drinking more to get to sleep since the move.",
            "",
            0,
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
            debrief_done=bool(kind == EventKind.RISK and follow_up),
            debrief_notes="Debrief with the supervisor the same day."
            if kind == EventKind.RISK and follow_up
            else "",
            recorded_by=rel.worker,
        )
        if session is not None:
            event.reviewed_at = timezone.now()
            event.reviewed_by = session.supervisor
            event.supervision_session = session
        event.save()
        if kind == EventKind.RISK:
            _seed_task(event, closed=bool(follow_up))
        created += 1
    return created


def _seed_task(event, *, closed: bool) -> None:
    """The safety task the risk concern raised: the earlier one acknowledged within minutes
    and closed the same day with a debrief; today's one still waiting (its deadline ahead)."""
    from peerway.outcomes.models import (
        SafetyAssignment,
        SafetyOutcome,
        SafetySource,
        SafetyStatus,
        SafetyTask,
    )
    from peerway.outcomes.services import ack_minutes_for, task_assignees

    if closed:
        created = timezone.make_aware(datetime.combine(event.occurred_on, time(14, 10)))
    else:
        created = timezone.now() - timedelta(minutes=25)
    assignees, no_supervisor = task_assignees(event.person, [event.worker], event.team)
    task = SafetyTask.objects.create(
        organization=event.organization,
        team=event.team,
        person=event.person,
        source=SafetySource.RISK_CONCERN,
        risk_type=event.risk_type,
        safety_event=event,
        created_at=created,
        due_at=created + timedelta(minutes=ack_minutes_for(event.organization, event.risk_type)),
        no_supervisor=no_supervisor,
    )
    SafetyAssignment.objects.bulk_create(
        SafetyAssignment(task=task, user_id=uid, reason=reason, assigned_at=created)
        for uid, reason in sorted(assignees.items())
    )
    if closed:
        lead = next(
            (uid for uid, reason in assignees.items() if reason != "worker"), event.worker_id
        )
        task.status = SafetyStatus.CLOSED
        task.acknowledged_by_id = lead
        task.acknowledged_at = created + timedelta(minutes=12)
        task.closed_by_id = lead
        task.closed_at = created + timedelta(hours=4)
        task.outcome = SafetyOutcome.CLINICIAN_INVOLVED
        task.outcome_note = event.outcome
        task.debrief_on = event.occurred_on
        task.debrief_with = "The peer worker and their supervisor"
        task.debrief_notes = (
            "What helped: staying with the person and calling the clinician together. "
            "The worker took the evening off; check in at the next supervision."
        )
        task.save()
