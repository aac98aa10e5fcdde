"""Writes for outcome measures and safety tasks: keyword-only, one transaction, audited.

Audit details hold codes and ids only: never answers, scores, notes or protocol text.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core.models import Membership, Organization, Team, User
from peerway.core.roles import Role
from peerway.instruments.engine import AnswerError
from peerway.instruments.engine import score as engine_score
from peerway.instruments.engine.model import Instrument, condition_holds
from peerway.instruments.library import current_library
from peerway.recovery.models import RiskType
from peerway.support.models import PeerRelationship, Person

from .models import (
    DEFAULT_ACK_MINUTES,
    LINK_VALID_DAYS,
    MAX_ACK_MINUTES,
    Administration,
    AssignmentReason,
    Mode,
    OnCallRole,
    OutcomeLink,
    OutcomeSchedule,
    OutcomeSettings,
    SafetyAssignment,
    SafetyOutcome,
    SafetySource,
    SafetyStatus,
    SafetyTask,
    token_fingerprint,
)
from .selectors import OUTCOME_INSTRUMENTS, outcome_instruments

logger = logging.getLogger(__name__)

# Triggers Peerway always applies, whatever definition version an organization loads: a
# PHQ-9 item 9 answer above 0 (thoughts of self-harm) must always reach a person.
REQUIRED_TRIGGERS: dict[str, list[tuple[str, str, str, int]]] = {
    "phq9": [("phq9_item9", "phq9_9", ">", 0)],
}


# Safety items Peerway always checks, whatever definition version is loaded: a PHQ-9 whose
# item 9 is not answered must reach a person who asks it.
REQUIRED_SAFETY_ITEMS: dict[str, list[str]] = {"phq9": ["phq9_9"]}

# A safety task raised by a missing safety item has the trigger code
# "safety_item_missing:<item id>" (never an answer).
MISSING_PREFIX = "safety_item_missing:"


def missing_code(item_id: str) -> str:
    return f"{MISSING_PREFIX}{item_id}"


def is_missing_trigger(trigger: dict) -> bool:
    return str(trigger.get("code", "")).startswith(MISSING_PREFIX)


def _require(actor: User, perm: str, obj) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDenied


def fired_triggers(instrument: Instrument, answers: dict, result_flags: list[dict]) -> list[dict]:
    """Safety triggers that fired: the engine's flags plus Peerway's required ones."""
    fired = [{"code": f.get("code") or f["item"], "item": f["item"]} for f in result_flags]
    seen = {f["code"] for f in fired}
    for code, item, op, value in REQUIRED_TRIGGERS.get(instrument.code, []):
        answer = answers.get(item)
        if code in seen or answer is None:
            continue
        if answer in instrument.response_set_for(item).excluded_values:
            continue
        if condition_holds(op, answer, value):
            fired.append({"code": code, "item": item})
    return fired


def safety_item_ids(instrument: Instrument) -> set[str]:
    """The instrument's safety items: its definition's plus Peerway's required ones."""
    ids = {s.item for s in instrument.safety_items}
    ids.update(i for i in REQUIRED_SAFETY_ITEMS.get(instrument.code, []) if instrument.has_item(i))
    return ids


def missing_safety_triggers(instrument: Instrument, answers: dict, result: dict) -> list[dict]:
    """Safety items with no usable answer: the engine's list plus Peerway's required ones."""
    items = [m["item"] for m in result.get("missing_safety_items") or []]
    for item in REQUIRED_SAFETY_ITEMS.get(instrument.code, []):
        if item in items or not instrument.has_item(item):
            continue
        answer = answers.get(item)
        if answer is None or answer in instrument.response_set_for(item).excluded_values:
            items.append(item)
    return [{"code": missing_code(item), "item": item} for item in items]


def _check_time_point(person: Person, instrument: Instrument, time_point: int) -> None:
    if instrument.code not in OUTCOME_INSTRUMENTS or not instrument.has_item_text:
        raise ValidationError({"instrument": _("This questionnaire cannot be given here.")})
    if time_point < 0 or time_point > 120:
        raise ValidationError({"time_point": _("Choose a time point from the schedule.")})


def _score(instrument: Instrument, answers: dict) -> dict:
    try:
        result = engine_score(instrument, answers).to_dict()
    except AnswerError as exc:
        raise ValidationError({"answers": str(exc)}) from exc
    if not result["valid"]:
        raise ValidationError({"answers": _("Answer every question.")})
    return result


def _create_administration(
    *,
    actor: User | None,
    person: Person,
    instrument: Instrument,
    time_point: int,
    answers: dict,
    administered_on: date,
    mode: str,
    link: OutcomeLink | None = None,
) -> Administration:
    """Inside a transaction: store, score, audit and (when triggered) create the safety task."""
    result = _score(instrument, answers)
    fired = fired_triggers(instrument, answers, result["flags"])
    missing = missing_safety_triggers(instrument, answers, result)
    # A missing safety item raises a task too: the worker must ask it now.
    triggers = fired + missing
    total = result.get("total") or {}
    administration = Administration.objects.create(
        organization=person.organization,
        team=person.team,
        person=person,
        instrument=instrument.code,
        version=instrument.version,
        time_point=time_point,
        administered_on=administered_on,
        mode=mode,
        recorded_by=actor,
        answers_data=json.dumps(answers, sort_keys=True),
        result_data=json.dumps(result, sort_keys=True),
        total_score=total.get("score"),
        band=((total.get("band") or {}).get("code") or "")[:40],
        valid=bool(result["valid"]),
        # "flagged" keeps its meaning (a safety trigger fired, as exported for research); a
        # missing safety item shows through its task and the stored result.
        flagged=bool(fired),
    )
    audit.record(
        actor=actor,
        action="outcomes.administration_recorded",
        obj=person,
        details={
            "administration_id": administration.pk,
            "instrument": instrument.code,
            "version": instrument.version,
            "time_point": time_point,
            "mode": mode,
            "link_id": link.pk if link else None,
            "safety_trigger": bool(fired),
            "safety_item_missing": [m["item"] for m in missing],
        },
    )
    if triggers:
        _create_safety_task(actor=actor, administration=administration, triggers=triggers)
    _resolve_earlier_missing_items(actor=actor, administration=administration, fired=fired)
    return administration


def _members_over_team(team: Team, role: str) -> list[Membership]:
    return [
        m
        for m in Membership.objects.filter(
            organization=team.site.organization, role=role, user__is_active=True
        ).select_related("team__site")
        if m.covers_team(team)
    ]


def _resolve_earlier_missing_items(
    *, actor: User | None, administration: Administration, fired: list[dict]
) -> None:
    """Giving the questionnaire again answers a safety item an earlier administration missed:
    the earlier "ask it now" task is closed when the new answer raises no trigger of its own
    (when it does, the new administration has its own safety task and the earlier one stays
    open for the worker to close)."""
    answered = {item for item, value in administration.answers.items() if value is not None} - {
        m["item"] for m in administration.result.get("missing_safety_items", [])
    }
    fired_items = {t["item"] for t in fired}
    earlier = SafetyTask.objects.filter(
        person=administration.person,
        administration__instrument=administration.instrument,
        administration__recorded_at__lt=administration.recorded_at,
    ).exclude(status=SafetyStatus.CLOSED)
    for task in earlier:
        triggers = task.triggers or []
        if not triggers or not all(is_missing_trigger(t) for t in triggers):
            continue
        items = {t["item"] for t in triggers}
        if items <= answered and not items & fired_items:
            _close_resolved(
                actor=actor,
                task=task,
                how="readministered",
                administration_id=administration.pk,
            )


def _mark_closed(task: SafetyTask, actor: User | None) -> None:
    """Closed now by ``actor`` (acknowledged at the same time if nobody had)."""
    now = timezone.now()
    if task.acknowledged_at is None:
        task.acknowledged_by = actor
        task.acknowledged_at = now
    task.status = SafetyStatus.CLOSED
    task.closed_by = actor
    task.closed_at = now


def _close_resolved(*, actor: User | None, task: SafetyTask, how: str, administration_id: int):
    _mark_closed(task, actor)
    task.outcome = SafetyOutcome.NO_RISK
    with translation.override("en"):
        task.outcome_note = (
            _("The safety question was asked and answered with no sign of risk.")
            if how == "answered"
            else _(
                "The questionnaire was given again; the safety question was answered with no "
                "sign of risk."
            )
        )
    task.save()
    audit.record(
        actor=actor,
        action="outcomes.safety_task_closed",
        obj=task,
        details={
            "outcome": SafetyOutcome.NO_RISK,
            "resolved_by": how,
            "administration_id": administration_id,
        },
    )


def record_safety_item_answer(
    *, actor: User, task: SafetyTask, item: str, answer: int | float
) -> SafetyTask:
    """The worker asked a missing safety item and records the answer on the task.

    The answer is added to the administration and the result is scored again. With no sign
    of risk the task closes (outcome "no current risk"); when the answer fires a safety
    trigger (PHQ-9 item 9 above "Not at all") the task stays open as that trigger's task,
    and its assignees are told again.
    """
    _require(actor, "outcomes.act_on_safety_task", task)
    if task.status == SafetyStatus.CLOSED:
        raise ValidationError(_("This task is already closed."))
    if {"code": missing_code(item), "item": item} not in (task.triggers or []):
        raise ValidationError({"item": _("This question is not missing on this task.")})
    administration = task.administration
    instrument = current_library().get_version(administration.instrument, administration.version)
    allowed = instrument.response_set_for(item).scored_values
    if answer not in allowed:
        raise ValidationError({"answer": _("Choose one of the answers shown.")})
    with transaction.atomic():
        answers = administration.answers
        answers[item] = answer
        result = _score(instrument, answers)
        # The answer was given later, on the safety task: say so on the result.
        result["answered_later"] = sorted({*administration.result.get("answered_later", []), item})
        fired = fired_triggers(instrument, answers, result["flags"])
        missing = missing_safety_triggers(instrument, answers, result)
        total = result.get("total") or {}
        administration.answers_data = json.dumps(answers, sort_keys=True)
        administration.result_data = json.dumps(result, sort_keys=True)
        administration.total_score = total.get("score")
        administration.band = ((total.get("band") or {}).get("code") or "")[:40]
        administration.valid = bool(result["valid"])
        administration.flagged = bool(fired)
        administration.save()
        others = [t for t in task.triggers if not is_missing_trigger(t)]
        task.triggers = others + [t for t in fired if t not in others] + missing
        audit.record(
            actor=actor,
            action="outcomes.safety_item_answered",
            obj=task,
            details={
                "administration_id": administration.pk,
                "item": item,
                "safety_trigger": bool(fired),
            },
        )
        if task.triggers:
            task.save(update_fields=["triggers"])
            if fired:
                transaction.on_commit(lambda: notify_safety_task(task.pk), robust=True)
        else:
            _close_resolved(
                actor=actor, task=task, how="answered", administration_id=administration.pk
            )
    return task


def _supervisors_of_team(team: Team) -> set[int]:
    return {m.user_id for m in _members_over_team(team, Role.SUPERVISOR)}


def _managers_of_team(team: Team) -> set[int]:
    return {m.user_id for m in _members_over_team(team, Role.MANAGER)}


def site_manager_ids(team: Team) -> set[int]:
    """The managers of the team's site (a membership for the site or the team); when the
    site has none, every manager over the team (organization-wide ones), so there is always
    someone to turn to."""
    members = _members_over_team(team, Role.MANAGER)
    local = {m.user_id for m in members if m.site_id or m.team_id}
    return local or {m.user_id for m in members}


def on_call_ids(organization: Organization, on_call_role: str) -> set[int]:
    """The people of the organization's on-call role (organization-wide memberships)."""
    role = {
        OnCallRole.ORG_MANAGERS: Role.MANAGER,
        OnCallRole.ORG_SUPERVISORS: Role.SUPERVISOR,
    }.get(on_call_role)
    if role is None:
        return set()
    return set(
        Membership.objects.filter(
            organization=organization,
            role=role,
            site__isnull=True,
            team__isnull=True,
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )


def task_assignees(person: Person, workers=None, team: Team | None = None):
    """(user id -> reason, whether no supervisor was found). The worker(s) (given, else
    the person's peer workers in open relationships) and each worker's supervisors
    (assigned on the profile, else supervisors over the worker's teams); with none, the
    supervisors over the team; with none of those either, the site's managers, and the
    task says that no supervisor was found. A task always has someone."""
    from peerway.workforce.selectors import load_worker, worker_supervisor_ids

    organization = person.organization
    team = team or person.team
    assignees: dict[int, str] = {}
    if workers is None:
        workers = User.objects.filter(
            pk__in=PeerRelationship.objects.filter(person=person, ended_on__isnull=True).values(
                "worker_id"
            ),
            is_active=True,
        )
    workers = [w for w in workers if w.is_active]
    for worker in workers:
        assignees[worker.pk] = AssignmentReason.WORKER
    for worker in workers:
        for supervisor_id in worker_supervisor_ids(load_worker(worker, organization)):
            assignees.setdefault(supervisor_id, AssignmentReason.SUPERVISOR)
    if not any(r == AssignmentReason.SUPERVISOR for r in assignees.values()):
        for supervisor_id in _supervisors_of_team(team):
            assignees.setdefault(supervisor_id, AssignmentReason.SUPERVISOR)
    no_supervisor = not any(r == AssignmentReason.SUPERVISOR for r in assignees.values())
    if no_supervisor:
        for manager_id in site_manager_ids(team):
            assignees.setdefault(manager_id, AssignmentReason.SITE_MANAGER)
    return assignees, no_supervisor


def safety_assignees(person: Person) -> dict[int, str]:
    """user id -> reason for a task about the person (see ``task_assignees``)."""
    return task_assignees(person)[0]


def ack_minutes_for(organization: Organization, risk_type: str) -> int:
    """Minutes to acknowledge a task of this type: the organization's, else the default."""
    settings = OutcomeSettings.objects.filter(organization=organization).first()
    configured = (settings.ack_minutes or {}) if settings else {}
    value = configured.get(risk_type)
    if isinstance(value, int) and 0 < value <= MAX_ACK_MINUTES:
        return value
    return DEFAULT_ACK_MINUTES.get(risk_type, DEFAULT_ACK_MINUTES[RiskType.OTHER])


def _create_task(
    *,
    actor: User | None,
    person: Person,
    team: Team,
    source: str,
    risk_type: str,
    administration: Administration | None = None,
    event=None,
    triggers: list[dict] | None = None,
    workers=None,
) -> SafetyTask:
    """Inside the caller's transaction: the task, its assignees, the audit event; the
    notices go out after the commit."""
    organization = person.organization
    now = timezone.now()
    assignees, no_supervisor = task_assignees(person, workers, team)
    task = SafetyTask.objects.create(
        organization=organization,
        team=team,
        person=person,
        source=source,
        risk_type=risk_type,
        administration=administration,
        safety_event=event,
        triggers=triggers or [],
        created_at=now,
        due_at=now + timedelta(minutes=ack_minutes_for(organization, risk_type)),
        no_supervisor=no_supervisor,
    )
    SafetyAssignment.objects.bulk_create(
        SafetyAssignment(task=task, user_id=uid, reason=reason, assigned_at=now)
        for uid, reason in sorted(assignees.items())
    )
    audit.record(
        actor=actor,
        action="outcomes.safety_task_created",
        obj=task,
        details={
            "person_id": person.pk,
            "source": source,
            "risk_type": risk_type,
            "administration_id": administration.pk if administration else None,
            "safety_event_id": event.pk if event is not None else None,
            "triggers": [t["code"] for t in triggers or []],
            "assignee_ids": sorted(assignees),
            "no_supervisor": no_supervisor,
            "due_at": task.due_at.isoformat(),
        },
    )
    if not assignees:
        # Nobody at all over the team (no worker, supervisor or manager): say so loudly.
        logger.error(
            "Safety task %s has no assignee: nobody holds a role over team %s", task.pk, team.pk
        )
    # Notices go out after the commit; a failure is logged, never undoes the task.
    transaction.on_commit(lambda: notify_safety_task(task.pk), robust=True)
    return task


def _create_safety_task(
    *, actor: User | None, administration: Administration, triggers: list[dict]
) -> SafetyTask:
    # A questionnaire's safety trigger (PHQ-9 item 9: thoughts of self-harm).
    return _create_task(
        actor=actor,
        person=administration.person,
        team=administration.team,
        source=SafetySource.QUESTIONNAIRE,
        risk_type=RiskType.SELF_HARM,
        administration=administration,
        triggers=triggers,
    )


def create_risk_task(*, actor: User, event) -> SafetyTask:
    """A risk concern a peer worker recorded (``peerway.recovery``): called inside the
    transaction that records it, so the concern never exists without its task."""
    if event.kind != "risk" or event.risk_type not in RiskType.values:
        raise ValidationError({"risk_type": _("Choose the type of concern from the list.")})
    return _create_task(
        actor=actor,
        person=event.person,
        team=event.team,
        source=SafetySource.RISK_CONCERN,
        risk_type=event.risk_type,
        event=event,
        workers=[event.worker],
    )


def notify_safety_task(task_id: int, *, user_ids=None, escalated: bool = False) -> int:
    """E-mail assignees (all, or ``user_ids``) that a safety task waits, in English and
    French. No person code, type or answers in it: only the link."""
    task = SafetyTask.objects.get(pk=task_id)
    path = reverse("outcomes:safety_task", args=[task.organization.slug, task.pk])
    users = [a.user for a in task.assignments.select_related("user")]
    if user_ids is not None:
        users = [u for u in users if u.pk in set(user_ids)]
    sent = 0
    for user in users:
        if not user.email or not user.is_active:
            continue
        parts = []
        for language in ("en", "fr-ca"):
            with translation.override(language):
                if escalated:
                    text = _(
                        "A safety task was not acknowledged in time and is escalated to you "
                        "in Peerway: %(path)s"
                    )
                else:
                    text = _("A safety task needs your attention in Peerway: %(path)s")
                parts.append(text % {"path": path})
        with translation.override("en"):
            subject = (
                _("Peerway: a safety task is escalated to you")
                if escalated
                else _("Peerway: a safety task needs your attention")
            )
        try:
            send_mail(subject, "\n\n".join(parts), None, [user.email])
            sent += 1
        except Exception:  # noqa: BLE001 - a mail failure must never hide the task
            logger.exception("Safety task %s: notification to user %s failed", task.pk, user.pk)
    return sent


def escalate_overdue_tasks(*, now=None, organization: Organization | None = None) -> int:
    """Escalate every task still unacknowledged past its deadline: assign the site's
    managers and the organization's on-call role, record when, audit, notify. A task
    escalates once (running this again changes nothing). Returns the tasks escalated."""
    now = now or timezone.now()
    pending = SafetyTask.objects.filter(
        status=SafetyStatus.OPEN, escalated_at__isnull=True, due_at__lte=now
    )
    if organization is not None:
        pending = pending.filter(organization=organization)
    escalated = 0
    for pk in list(pending.values_list("pk", flat=True)):
        with transaction.atomic():
            task = (
                SafetyTask.objects.select_for_update()
                .filter(pk=pk, status=SafetyStatus.OPEN, escalated_at__isnull=True)
                .select_related("team__site", "organization")
                .first()
            )
            if task is None:
                continue  # acknowledged or escalated meanwhile
            settings = OutcomeSettings.objects.filter(organization=task.organization).first()
            role = settings.on_call_role if settings else OnCallRole.ORG_MANAGERS
            site = site_manager_ids(task.team)
            on_call = on_call_ids(task.organization, role) - site
            existing = set(task.assignments.values_list("user_id", flat=True))
            SafetyAssignment.objects.bulk_create(
                [
                    SafetyAssignment(task=task, user_id=uid, reason=reason, assigned_at=now)
                    for ids, reason in (
                        (site, AssignmentReason.ESCALATION),
                        (on_call, AssignmentReason.ON_CALL),
                    )
                    for uid in sorted(ids - existing)
                ]
            )
            task.escalated_at = now
            task.escalation_level = 1
            task.save(update_fields=["escalated_at", "escalation_level"])
            audit.record(
                actor=None,
                action="outcomes.safety_task_escalated",
                obj=task,
                details={
                    "person_id": task.person_id,
                    "risk_type": task.risk_type,
                    "level": 1,
                    "site_manager_ids": sorted(site),
                    "on_call_role": role,
                    "on_call_ids": sorted(on_call),
                    "minutes_late": int((now - task.due_at).total_seconds() // 60),
                },
            )
            notify = sorted(site | on_call)
            transaction.on_commit(
                lambda task_id=task.pk, ids=notify: notify_safety_task(
                    task_id, user_ids=ids, escalated=True
                ),
                robust=True,
            )
            escalated += 1
    return escalated


def record_administration(
    *,
    actor: User,
    person: Person,
    instrument_code: str,
    time_point: int,
    answers: dict,
    administered_on: date,
) -> Administration:
    """A measure given in the app with the worker."""
    _require(actor, "outcomes.administer", person)
    instrument = _instrument(instrument_code)
    _check_time_point(person, instrument, time_point)
    if administered_on > timezone.localdate():
        raise ValidationError({"administered_on": _("The date cannot be in the future.")})
    with transaction.atomic():
        return _create_administration(
            actor=actor,
            person=person,
            instrument=instrument,
            time_point=time_point,
            answers=answers,
            administered_on=administered_on,
            mode=Mode.WITH_WORKER,
        )


def _instrument(code: str) -> Instrument:
    for instrument in outcome_instruments():
        if instrument.code == code:
            return instrument
    raise ValidationError({"instrument": _("This questionnaire cannot be given here.")})


def create_link(
    *, actor: User, person: Person, instrument_code: str, time_point: int
) -> tuple[OutcomeLink, str]:
    """A one-time link; the token is returned once and only its fingerprint is kept."""
    _require(actor, "outcomes.administer", person)
    instrument = _instrument(instrument_code)
    _check_time_point(person, instrument, time_point)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = OutcomeLink.objects.create(
            organization=person.organization,
            team=person.team,
            person=person,
            instrument=instrument.code,
            version=instrument.version,
            time_point=time_point,
            token_hash=token_fingerprint(token),
            language="fr-ca" if person.language == "fr" else "en",
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=LINK_VALID_DAYS),
        )
        audit.record(
            actor=actor,
            action="outcomes.link_created",
            obj=person,
            details={"link_id": link.pk, "instrument": instrument.code, "time_point": time_point},
        )
    return link, token


def find_link(token: str) -> OutcomeLink | None:
    return (
        OutcomeLink.objects.select_related("person__team__site", "organization")
        .filter(token_hash=token_fingerprint(token))
        .first()
    )


class LinkUnavailable(Exception):
    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


def link_instrument(link: OutcomeLink) -> Instrument:
    return current_library().get_version(link.instrument, link.version)


def complete_link(*, token: str, answers: dict) -> Administration:
    """The person sends their answers. Works once, before expiry; the safety workflow runs
    exactly as for a measure given with the worker."""
    with transaction.atomic():
        link = (
            OutcomeLink.objects.select_for_update()
            .select_related("person__team__site", "organization")
            .filter(token_hash=token_fingerprint(token))
            .first()
        )
        if link is None:
            raise LinkUnavailable("unknown")
        status = link.status()
        if status != "open":
            raise LinkUnavailable(status)
        administration = _create_administration(
            actor=None,
            person=link.person,
            instrument=link_instrument(link),
            time_point=link.time_point,
            answers=answers,
            administered_on=timezone.localdate(),
            mode=Mode.SELF_LINK,
            link=link,
        )
        link.used_at = timezone.now()
        link.administration = administration
        link.save(update_fields=["used_at", "administration"])
    return administration


def acknowledge_task(*, actor: User, task: SafetyTask) -> SafetyTask:
    _require(actor, "outcomes.act_on_safety_task", task)
    if task.status != SafetyStatus.OPEN:
        raise ValidationError(_("This task is already acknowledged or closed."))
    with transaction.atomic():
        # Locked and read again (docs/decisions.md, "Simultaneous writes"): a second
        # click finds the task already acknowledged or closed and changes nothing.
        task.refresh_from_db(from_queryset=SafetyTask.objects.select_for_update())
        if task.status != SafetyStatus.OPEN:
            raise ValidationError(_("This task is already acknowledged or closed."))
        task.status = SafetyStatus.ACKNOWLEDGED
        task.acknowledged_by = actor
        task.acknowledged_at = timezone.now()
        task.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        audit.record(actor=actor, action="outcomes.safety_task_acknowledged", obj=task)
    return task


def close_task(
    *,
    actor: User,
    task: SafetyTask,
    outcome: str,
    note: str = "",
    debrief_on: date | None = None,
    debrief_with: str = "",
    debrief_notes: str = "",
) -> SafetyTask:
    """Close with what was done; a serious type (self-harm, harm to others, abuse or
    neglect, medical emergency) also needs its debrief: when, who took part, notes."""
    _require(actor, "outcomes.act_on_safety_task", task)
    if task.status == SafetyStatus.CLOSED:
        raise ValidationError(_("This task is already closed."))
    errors: dict[str, str] = {}
    if outcome not in SafetyOutcome.values:
        errors["outcome"] = _("Choose what was done.")
    debrief_with, debrief_notes = (debrief_with or "").strip(), (debrief_notes or "").strip()
    if task.needs_debrief:
        if debrief_on is None:
            errors["debrief_on"] = _("Enter the date of the debrief.")
        elif debrief_on > timezone.localdate():
            errors["debrief_on"] = _("The date cannot be in the future.")
        elif debrief_on < timezone.localtime(task.created_at).date():
            errors["debrief_on"] = _("The debrief cannot be before the task was raised.")
        if not debrief_with:
            errors["debrief_with"] = _("Say who took part in the debrief.")
        if not debrief_notes:
            errors["debrief_notes"] = _("Write what the debrief covered.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Locked and read again (docs/decisions.md, "Simultaneous writes"): a second
        # click finds the task already closed and changes nothing.
        task.refresh_from_db(from_queryset=SafetyTask.objects.select_for_update())
        if task.status == SafetyStatus.CLOSED:
            raise ValidationError(_("This task is already closed."))
        _mark_closed(task, actor)
        task.outcome = outcome
        task.outcome_note = note
        if debrief_on is not None or debrief_with or debrief_notes:
            task.debrief_on = debrief_on
            task.debrief_with = debrief_with
            task.debrief_notes = debrief_notes
        task.save()
        event = task.safety_event
        if event is not None and task.debrief_on is not None:
            # The risk concern shows the debrief too (the worker's supervision record).
            event.debrief_done = True
            if not event.debrief_notes:
                event.debrief_notes = debrief_notes
            event.updated_at = task.closed_at
            event.save(update_fields=["debrief_done", "debrief_notes", "updated_at"])
        audit.record(
            actor=actor,
            action="outcomes.safety_task_closed",
            obj=task,
            details={
                "outcome": outcome,
                "risk_type": task.risk_type,
                "debrief": task.debrief_on is not None,
            },
        )
    return task


def update_protocol(
    *,
    actor: User,
    organization: Organization,
    text: str,
    risk_protocols: dict[str, str] | None = None,
    ack_minutes: dict[str, int] | None = None,
    on_call_role: str | None = None,
) -> OutcomeSettings:
    """The general protocol text; optionally the text per risk type (empty: the general
    one), the minutes to acknowledge per risk type, and the on-call role."""
    _require(actor, "outcomes.manage_settings", organization)
    errors: dict[str, str] = {}
    minutes: dict[str, int] = {}
    for code, value in (ack_minutes or {}).items():
        if code not in RiskType.values:
            errors[f"ack_{code}"] = _("Unknown type of risk.")
        elif not isinstance(value, int) or not 1 <= value <= MAX_ACK_MINUTES:
            errors[f"ack_{code}"] = _("Give a number of minutes between 1 and %(max)s.") % {
                "max": MAX_ACK_MINUTES
            }
        elif value != DEFAULT_ACK_MINUTES.get(code):
            minutes[code] = value
    if on_call_role is not None and on_call_role not in OnCallRole.values:
        errors["on_call_role"] = _("Choose the on-call role from the list.")
    texts = {
        code: (value or "").strip()
        for code, value in (risk_protocols or {}).items()
        if code in RiskType.values and (value or "").strip()
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        settings, _created = OutcomeSettings.objects.get_or_create(organization=organization)
        settings.safety_protocol = text.strip()
        if risk_protocols is not None:
            settings.risk_protocols = texts
        if ack_minutes is not None:
            settings.ack_minutes = minutes
        if on_call_role is not None:
            settings.on_call_role = on_call_role
        settings.updated_by = actor
        settings.updated_at = timezone.now()
        settings.save()
        audit.record(
            actor=actor,
            action="outcomes.protocol_updated",
            obj=organization,
            details={
                "uses_default": not settings.safety_protocol,
                "risk_protocols": sorted(settings.risk_protocols),
                "ack_minutes": settings.ack_minutes,
                "on_call_role": settings.on_call_role,
            },
        )
    return settings


def update_schedule(
    *,
    actor: User,
    team: Team,
    instruments: list[str],
    time_points: list[int],
    window_before_days: int,
    window_after_days: int,
) -> OutcomeSchedule:
    _require(actor, "outcomes.manage_schedule", team)
    available = {i.code for i in outcome_instruments()}
    unknown = [c for c in instruments if c not in available]
    if not instruments or unknown:
        raise ValidationError({"instruments": _("Choose at least one questionnaire.")})
    if not time_points or any(not 0 <= p <= 120 for p in time_points):
        raise ValidationError(
            {"time_points": _("Give months between 0 and 120, separated by commas.")}
        )
    with transaction.atomic():
        schedule, _created = OutcomeSchedule.objects.get_or_create(team=team)
        schedule.instruments = list(dict.fromkeys(instruments))
        schedule.time_points = sorted(set(time_points))
        schedule.window_before_days = window_before_days
        schedule.window_after_days = window_after_days
        schedule.updated_by = actor
        schedule.updated_at = timezone.now()
        schedule.save()
        audit.record(
            actor=actor,
            action="outcomes.schedule_updated",
            obj=team,
            details={
                "instruments": schedule.instruments,
                "time_points": schedule.time_points,
                "window_before_days": window_before_days,
                "window_after_days": window_after_days,
            },
        )
    return schedule
