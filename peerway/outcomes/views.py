"""Screens of outcome measures and safety tasks (namespace "outcomes"), and the public
one-time link page (namespace "measure")."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from peerway.core import audit, lists
from peerway.core import selectors as core_selectors
from peerway.core.access import public, requires
from peerway.core.models import Team
from peerway.instruments.engine.model import Instrument, text_in
from peerway.instruments.library import current_library
from peerway.recovery.models import RiskType
from peerway.support import selectors as support_selectors
from peerway.support.models import Person

from . import lists as outcome_lists
from . import selectors, services
from .forms import (
    CloseTaskForm,
    DueFilterForm,
    GivenOnForm,
    InstrumentPageForm,
    ProtocolForm,
    SafetyItemAnswerForm,
    SafetySettingsForm,
    ScheduleForm,
)
from .models import (
    DEFAULT_ACK_MINUTES,
    Administration,
    OnCallRole,
    OutcomeSettings,
    SafetyStatus,
)


def _lang() -> str:
    return "fr" if (get_language() or "").startswith("fr") else "en"


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _person(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.get_person(request.user, organization, pk)


def _task(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.get_safety_task(request.user, organization, pk)


def _administration(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    administration = (
        Administration.objects.filter(pk=pk, organization=organization)
        .select_related("person__team__site")
        .first()
    )
    if administration is None:
        raise Http404
    selectors.get_person(request.user, organization, administration.person_id)
    return administration


def _team(request, slug, team_pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    team = Team.objects.filter(pk=team_pk, site__organization=organization).first()
    if team is None:
        raise Http404
    return team


def time_point_label(point: int) -> str:
    if point == 0:
        return _("Intake")
    return _("%(n)s months") % {"n": point}


def _names(codes: list[str]) -> dict[str, str]:
    lang = _lang()
    return {i.code: i.name.get(lang) or i.code for i in selectors.outcome_instruments()} | {
        c: c for c in codes if c not in {i.code for i in selectors.outcome_instruments()}
    }


def _instrument_context(instrument: Instrument) -> dict:
    lang = _lang()
    return {
        "instrument": instrument,
        "instrument_name": text_in(instrument.name, lang),
        "instructions": text_in(instrument.instructions, lang) or "",
        "notice": text_in(instrument.licence.notice, lang) or "",
    }


# --- Lists --------------------------------------------------------------------------------


@requires("outcomes.use", obj=_org)
def due(request, slug):
    organization = request.permission_object
    today = timezone.localdate()
    rows = selectors.due_list(request.user, organization, today)
    form = DueFilterForm(request.GET or None, teams=_teams_of(rows))
    if form.is_valid():
        rows = form.apply(rows)
    tasks = list(selectors.open_safety_tasks_for(request.user, organization)[:50])
    named = support_selectors.named_ids(
        request.user, Person.objects.filter(pk__in={r.person.pk for r in rows})
    )
    table = lists.build(
        request,
        outcome_lists.DueTable(
            rows,
            organization=organization,
            names=_names([]),
            point_label=time_point_label,
            named=named,
            order_by=("due_on",),
        ),
    )
    if lists.wants_csv(request):
        return lists.csv_response(
            request,
            table,
            filename=f"outcome-measures-due-{organization.slug}.csv",
            action="outcomes.due_exported",
            obj=organization,
            details={"filters": sorted(k for k in ("team", "status") if request.GET.get(k))},
        )
    return render(
        request,
        "outcomes/due.html",
        {
            "organization": organization,
            "table": table,
            "form": form,
            "csv_query": lists.csv_query(request),
            "tasks": tasks,
            "today": today,
            "can_settings": request.user.has_perm("outcomes.manage_settings", organization),
        },
    )


def _teams_of(rows) -> list:
    teams = {r.person.team_id: r.person.team for r in rows}
    return sorted(teams.values(), key=lambda t: t.name)


@requires("outcomes.use", obj=_org)
def safety_tasks(request, slug):
    """The safety queue: filters in the URL (status, overdue, risk type, team)."""
    organization = request.permission_object
    status = request.GET.get("status", "")
    if not status:
        # Older links said ?show=all|open.
        status = "all" if request.GET.get("show") == "all" else "active"
    if status not in selectors.QUEUE_STATUSES:
        status = "active"
    overdue = request.GET.get("overdue") == "1"
    risk_type = request.GET.get("risk_type", "")
    if risk_type not in RiskType.values:
        risk_type = ""
    teams = selectors.queue_teams(request.user, organization)
    team_id = request.GET.get("team", "")
    team = next((t for t in teams if str(t.pk) == team_id), None)
    tasks = selectors.safety_queue(
        request.user,
        organization,
        status=status,
        overdue=overdue,
        risk_type=risk_type,
        team_id=team.pk if team else None,
    )
    named = support_selectors.named_ids(
        request.user, Person.objects.filter(pk__in=tasks.values("person_id"))
    )
    table = lists.build(
        request, outcome_lists.SafetyTaskTable(tasks, organization=organization, named=named)
    )
    if lists.wants_csv(request):
        return lists.csv_response(
            request,
            table,
            filename=f"safety-queue-{organization.slug}.csv",
            action="outcomes.safety_queue_exported",
            obj=organization,
            details={
                "filters": sorted(
                    k for k in ("status", "overdue", "risk_type", "team") if request.GET.get(k)
                )
            },
        )
    return render(
        request,
        "outcomes/safety_tasks.html",
        {
            "organization": organization,
            "table": table,
            "csv_query": lists.csv_query(request),
            "status": status,
            "overdue": overdue,
            "risk_type": risk_type,
            "team": team,
            "teams": teams,
            "statuses": [
                ("active", _("Open or acknowledged")),
                ("open", _("Not acknowledged")),
                ("acknowledged", _("Acknowledged")),
                ("closed", _("Closed")),
                ("all", _("All")),
            ],
            "risk_types": RiskType.choices,
            "can_settings": request.user.has_perm("outcomes.manage_settings", organization),
        },
    )


# --- A person's measures -------------------------------------------------------------------


@requires("outcomes.view_scores", obj=_person, audit_read="outcomes.person_viewed")
def person(request, slug, pk):
    person = request.permission_object
    organization = person.organization
    today = timezone.localdate()
    can_give = request.user.has_perm("outcomes.administer", person)
    can_answers = request.user.has_perm("outcomes.view_answers", person)
    audit.record(actor=request.user, action="outcomes.person_viewed", obj=person)
    names = _names([])
    windows = []
    if can_give:
        available = set(names)
        for row in selectors.windows_of(person, today):
            windows.append(
                {
                    "due": row,
                    "label": time_point_label(row.window.time_point),
                    "missing": [(c, names.get(c, c)) for c in row.instruments if c in available],
                }
            )
    administrations = [
        {
            "a": a,
            "name": names.get(a.instrument, a.instrument),
            "label": time_point_label(a.time_point),
        }
        for a in selectors.administrations_of(person)
    ]
    tasks = [
        t
        for t in person.safety_tasks.all()
        if request.user.has_perm("outcomes.view_safety_task", t)
    ]
    return render(
        request,
        "outcomes/person.html",
        {
            "organization": organization,
            "person": person,
            "start": selectors.start_of_support(person),
            "windows": windows,
            "administrations": administrations,
            "tasks": tasks,
            "can_give": can_give,
            "can_answers": can_answers,
        },
    )


@requires("outcomes.view_answers", obj=_administration, audit_read="outcomes.administration_viewed")
def administration(request, slug, pk):
    administration = request.permission_object
    lang = _lang()
    instrument = current_library().get_version(administration.instrument, administration.version)
    answers = administration.answers
    rows = []
    for number, item in enumerate(instrument.items, start=1):
        value = answers.get(item.id)
        option = (
            instrument.response_set_for(item.id).option_for(value) if value is not None else None
        )
        rows.append(
            {
                "number": number,
                "text": item.text_for(lang) or item.id,
                "answer": text_in(option.label, lang) if option else "—",
            }
        )
    result = administration.result
    scales = [
        {
            "name": text_in(s["name"], lang),
            "score": s["score"],
            "band": text_in((s.get("band") or {}).get("label"), lang) or "",
            "valid": s["valid"],
            "prorated": s.get("prorated", False),
            "without_safety_item": bool(s.get("missing_safety_items")),
        }
        for s in result.get("scales", {}).values()
    ]
    missing_prompts = [
        text_in(m.get("message"), lang) for m in result.get("missing_safety_items") or []
    ]
    answered_later = [
        instrument.item_ids.index(i) + 1
        for i in result.get("answered_later") or []
        if instrument.has_item(i)
    ]
    safety_task = getattr(administration, "safety_task", None)
    audit.record(
        actor=request.user,
        action="outcomes.administration_viewed",
        obj=administration.person,
        details={"administration_id": administration.pk},
    )
    return render(
        request,
        "outcomes/administration.html",
        {
            "organization": administration.organization,
            "administration": administration,
            "person": administration.person,
            "rows": rows,
            "scales": scales,
            "missing_prompts": missing_prompts,
            "answered_later": answered_later,
            "safety_task": safety_task,
            "label": time_point_label(administration.time_point),
            **_instrument_context(instrument),
        },
    )


def _schedule_entry(person, code: str, time_point: int) -> Instrument:
    schedule = selectors.schedule_for(person.team)
    if time_point not in schedule.time_points:
        raise Http404
    return selectors.outcome_instrument(code)


@requires("outcomes.administer", obj=_person, audit_read="outcomes.form_viewed")
def give(request, slug, pk, code, time_point):
    person = request.permission_object
    instrument = _schedule_entry(person, code, time_point)
    lang = _lang()
    # With the worker, a safety question can be recorded as not answered: the result then
    # asks for it and a safety task is created (docs/outcomes.md).
    form = InstrumentPageForm(
        request.POST or None,
        instrument=instrument,
        language=lang,
        audience=None,
        may_leave_unanswered=services.safety_item_ids(instrument),
    )
    meta = GivenOnForm(request.POST or None)
    if request.method == "POST":
        form_ok = form.is_valid()
        meta_ok = meta.is_valid()
        if form_ok and meta_ok:
            try:
                administration = services.record_administration(
                    actor=request.user,
                    person=person,
                    instrument_code=instrument.code,
                    time_point=time_point,
                    answers=form.answers(),
                    administered_on=meta.cleaned_data["administered_on"],
                )
            except ValidationError as exc:
                meta.add_error(None, exc.messages)
            else:
                task = getattr(administration, "safety_task", None)
                if task is not None:
                    if any(services.is_missing_trigger(t) for t in task.triggers):
                        text = _(
                            "Saved. A safety question was not answered: ask it now. A safety "
                            "task was created for the peer worker and their supervisor."
                        )
                    else:
                        text = _(
                            "Saved. An answer needs a safety follow-up: a safety task was created "
                            "for the peer worker and their supervisor."
                        )
                    messages.warning(request, text)
                    return redirect("outcomes:safety_task", organization_slug(person), task.pk)
                messages.success(request, _("The answers were saved and scored."))
                return redirect("outcomes:person", organization_slug(person), person.pk)
    return render(
        request,
        "outcomes/give.html",
        {
            "organization": person.organization,
            "person": person,
            "form": form,
            "meta": meta,
            "error_forms": [f for f in (form, meta) if f.errors],
            "label": time_point_label(time_point),
            "time_point": time_point,
            **_instrument_context(instrument),
        },
    )


def qr_svg(url: str, title: str) -> str:
    """The link as a QR code, an inline SVG drawn here (no external service, no script)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title=title, svgclass="qr-code-image"
    )
    # segno escapes the title and draws only paths: safe to insert as markup.
    return mark_safe(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S308


def organization_slug(person) -> str:
    return person.organization.slug


@requires(
    "outcomes.administer",
    obj=_person,
    no_record="POST only: an action; its write is audited by the service",
)
@require_POST
def create_link(request, slug, pk, code, time_point):
    person = request.permission_object
    instrument = _schedule_entry(person, code, time_point)
    link, token = services.create_link(
        actor=request.user, person=person, instrument_code=instrument.code, time_point=time_point
    )
    url = request.build_absolute_uri(reverse("measure:answer", args=[token]))
    response = render(
        request,
        "outcomes/link_created.html",
        {
            "organization": person.organization,
            "person": person,
            "link": link,
            "url": url,
            "qr_svg": qr_svg(url, _("QR code of the one-time link")),
            "label": time_point_label(time_point),
            **_instrument_context(instrument),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Safety tasks -------------------------------------------------------------------------


def _trigger_messages(task) -> list[str]:
    if task.administration is None:
        return []
    lang = _lang()
    try:
        instrument = current_library().get_version(
            task.administration.instrument, task.administration.version
        )
        by_code = {t.code or t.item: t for t in instrument.safety_triggers}
    except KeyError:  # the definition was removed: the task must still show
        by_code = {}
    missing_messages = {
        m["item"]: text_in(m.get("message"), lang)
        for m in task.administration.result.get("missing_safety_items") or []
    }
    found_messages = []
    for trigger in task.triggers:
        if services.is_missing_trigger(trigger):
            found_messages.append(
                missing_messages.get(trigger["item"])
                or _(
                    "Safety item not answered: ask it now. Question %(item)s is a safety "
                    "question and was left unanswered."
                )
                % {"item": trigger["item"]}
            )
            continue
        found = by_code.get(trigger["code"])
        found_messages.append(
            text_in(found.message, lang)
            if found
            else _("An answer to question %(item)s needs a safety follow-up.")
            % {"item": trigger["item"]}
        )
    return found_messages


def _close_form(task, data=None):
    initial = {"debrief_on": timezone.localdate()} if task.needs_debrief else {}
    event = task.safety_event
    if event is not None:
        initial["note"] = event.outcome
        initial["debrief_notes"] = event.debrief_notes
    return CloseTaskForm(data, initial=initial, needs_debrief=task.needs_debrief)


@requires("outcomes.view_safety_task", obj=_task, audit_read="outcomes.safety_task_viewed")
def safety_task(request, slug, pk):
    task = request.permission_object
    audit.record(
        actor=request.user,
        action="outcomes.safety_task_viewed",
        obj=task,
        details={"person_id": task.person_id},
    )
    names = _names([])
    administration = task.administration
    event = task.safety_event
    answer_forms = []
    if administration is not None:
        try:
            instrument = current_library().get_version(
                administration.instrument, administration.version
            )
        except KeyError:  # the definition was removed: the task must still show
            instrument = None
        for trigger in task.triggers or []:
            if (
                services.is_missing_trigger(trigger)
                and instrument is not None
                and instrument.has_item(trigger["item"])
            ):
                answer_forms.append(_safety_item_form(instrument, trigger["item"], _lang()))
    return render(
        request,
        "outcomes/safety_task.html",
        {
            "organization": task.organization,
            "task": task,
            "person": task.person,
            "event": event,
            "can_event": event is not None and request.user.has_perm("recovery.view_event", event),
            "protocol": selectors.protocol_text(task.organization, task.risk_type),
            "instrument_name": names.get(administration.instrument, administration.instrument)
            if administration
            else "",
            "label": time_point_label(administration.time_point) if administration else "",
            "trigger_messages": _trigger_messages(task),
            "assignments": list(task.assignments.select_related("user")),
            "can_act": request.user.has_perm("outcomes.act_on_safety_task", task),
            "can_person": request.user.has_perm("outcomes.view_scores", task.person),
            "answer_forms": answer_forms,
        },
    )


def _safety_item_form(instrument: Instrument, item_id: str, lang: str, data=None) -> dict:
    number = instrument.item_ids.index(item_id) + 1
    item = instrument.item(item_id)
    rs = instrument.response_set_for(item_id)
    choices = [
        (str(o.value), text_in(o.label, lang) or "")
        for o in rs.options
        if o.value is not None and not o.excluded
    ]
    label = _("Question %(n)s: %(text)s") % {"n": number, "text": item.text_for(lang) or item_id}
    return {
        "item": item_id,
        "number": number,
        "form": SafetyItemAnswerForm(data, label=label, choices=choices, prefix=item_id),
    }


@requires("outcomes.act_on_safety_task", obj=_task, audit_read="outcomes.safety_item_form_viewed")
def answer_safety_item(request, slug, pk, item):
    """Record the answer to a safety question that was missing, asked now."""
    task = request.permission_object
    if not any(services.is_missing_trigger(t) and t["item"] == item for t in task.triggers or []):
        raise Http404
    instrument = current_library().get_version(
        task.administration.instrument, task.administration.version
    )
    data = request.POST if request.method == "POST" else None
    entry = _safety_item_form(instrument, item, _lang(), data)
    form = entry["form"]
    if request.method == "POST" and form.is_valid():
        try:
            task = services.record_safety_item_answer(
                actor=request.user, task=task, item=item, answer=form.cleaned_data["answer"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if task.status == SafetyStatus.CLOSED:
                messages.success(
                    request,
                    _("The answer was recorded. It shows no sign of risk; the task is closed."),
                )
            else:
                messages.warning(
                    request,
                    _(
                        "The answer was recorded and needs a safety follow-up: follow your "
                        "organization's safety protocol now."
                    ),
                )
            return redirect("outcomes:safety_task", slug, task.pk)
    return render(
        request,
        "outcomes/answer_safety_item.html",
        {
            "organization": task.organization,
            "task": task,
            "entry": entry,
            "error_forms": [form] if form.errors else [],
        },
    )


@requires(
    "outcomes.act_on_safety_task",
    obj=_task,
    no_record="POST only: an action; its write is audited by the service",
)
@require_POST
def acknowledge(request, slug, pk):
    task = request.permission_object
    try:
        services.acknowledge_task(actor=request.user, task=task)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You acknowledged the safety task."))
    return redirect("outcomes:safety_task", slug, task.pk)


@requires("outcomes.act_on_safety_task", obj=_task, audit_read="outcomes.safety_task_viewed")
def close(request, slug, pk):
    task = request.permission_object
    form = _close_form(task, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_task(actor=request.user, task=task, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The safety task is closed."))
            return redirect("outcomes:safety_task", slug, task.pk)
    return render(
        request,
        "outcomes/close_task.html",
        {"organization": task.organization, "task": task, "form": form},
        status=400 if form.errors else 200,
    )


# --- Settings and schedules ---------------------------------------------------------------


@requires("outcomes.manage_settings", obj=_org)
def protocol(request, slug):
    organization = request.permission_object
    current = OutcomeSettings.objects.filter(organization=organization).first()
    protocols = (current.risk_protocols if current else {}) or {}
    minutes = (current.ack_minutes if current else {}) or {}
    form = ProtocolForm(
        request.POST or None,
        initial={"safety_protocol": current.safety_protocol if current else ""},
    )
    settings_form = SafetySettingsForm(
        request.POST or None,
        initial={
            "on_call_role": current.on_call_role if current else OnCallRole.ORG_MANAGERS,
            **{f"ack_{c}": minutes.get(c, DEFAULT_ACK_MINUTES[c]) for c in RiskType.values},
            **{f"protocol_{c}": protocols.get(c, "") for c in RiskType.values},
        },
    )
    if request.method == "POST" and form.is_valid() and settings_form.is_valid():
        data = settings_form.cleaned_data
        try:
            services.update_protocol(
                actor=request.user,
                organization=organization,
                text=form.cleaned_data["safety_protocol"],
                risk_protocols={c: data[f"protocol_{c}"] for c in RiskType.values},
                # An empty deadline means the default; an empty role keeps the current one.
                ack_minutes={
                    c: data[f"ack_{c}"] or DEFAULT_ACK_MINUTES[c] for c in RiskType.values
                },
                on_call_role=data["on_call_role"] or None,
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                settings_form.add_error(name if name in settings_form.fields else None, errors)
        else:
            messages.success(request, _("The safety protocol was saved."))
            return redirect("outcomes:protocol", slug)
    return render(
        request,
        "outcomes/protocol.html",
        {
            "organization": organization,
            "form": form,
            "settings_form": settings_form,
            "error_forms": [f for f in (form, settings_form) if f.errors],
            "default_protocol": selectors.default_protocol(),
        },
    )


@requires("outcomes.use", obj=_org)
def schedules(request, slug):
    organization = request.permission_object
    names = _names([])
    rows = []
    for team in selectors.teams_for_schedules(request.user, organization):
        schedule = selectors.schedule_for(team)
        rows.append(
            {
                "team": team,
                "schedule": schedule,
                "instruments": [names.get(c, c) for c in schedule.instruments],
                "points": [time_point_label(p) for p in schedule.time_points],
                "can_edit": request.user.has_perm("outcomes.manage_schedule", team),
            }
        )
    return render(
        request,
        "outcomes/schedules.html",
        {
            "organization": organization,
            "rows": rows,
            "can_settings": request.user.has_perm("outcomes.manage_settings", organization),
        },
    )


@requires(
    "outcomes.manage_schedule",
    obj=_team,
    no_record="a team's outcome schedule settings; no person's record",
)
def schedule_edit(request, slug, team_pk):
    team = request.permission_object
    schedule = selectors.schedule_for(team)
    lang = _lang()
    choices = [(i.code, text_in(i.name, lang)) for i in selectors.outcome_instruments()]
    form = ScheduleForm(
        request.POST or None,
        instrument_choices=choices,
        initial={
            "instruments": schedule.instruments,
            "time_points": ", ".join(str(p) for p in schedule.time_points),
            "window_before_days": schedule.window_before_days,
            "window_after_days": schedule.window_after_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_schedule(
                actor=request.user,
                team=team,
                instruments=form.cleaned_data["instruments"],
                time_points=form.cleaned_data["time_points"],
                window_before_days=form.cleaned_data["window_before_days"],
                window_after_days=form.cleaned_data["window_after_days"],
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("The schedule was saved."))
            return redirect("outcomes:schedules", slug)
    return render(
        request,
        "outcomes/schedule_form.html",
        {"organization": team.site.organization, "team": team, "form": form},
    )


# --- The person's own device (no account) ------------------------------------------------


@public("survey")
@never_cache
def answer(request, token):
    """A one-time link: shows the questionnaire and nothing about the person."""
    link = services.find_link(token)
    if link is None:
        return render(request, "outcomes/link_unavailable.html", {"status": "unknown"}, status=404)
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # No choice made on this device yet: use the person's language.
        translation.activate(link.language)
        request.LANGUAGE_CODE = link.language
    status = link.status()
    if status != "open":
        return render(request, "outcomes/link_unavailable.html", {"status": status}, status=410)
    instrument = services.link_instrument(link)
    form = InstrumentPageForm(
        request.POST or None, instrument=instrument, language=_lang(), audience=None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_link(token=token, answers=form.answers())
        except services.LinkUnavailable as exc:
            return render(
                request, "outcomes/link_unavailable.html", {"status": exc.status}, status=410
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return render(request, "outcomes/link_done.html")
    return render(
        request,
        "outcomes/answer.html",
        {
            "form": form,
            "error_forms": [form] if form.errors else [],
            **_instrument_context(instrument),
        },
    )
