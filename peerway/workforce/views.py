"""Workforce screens: profiles and disclosure, supervision, wellbeing, accommodations."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerway.assessments.forms import InstrumentPageForm, engine_language
from peerway.core import lists
from peerway.core import selectors as core_selectors
from peerway.core.access import requires
from peerway.core.models import Membership, User
from peerway.core.roles import Role
from peerway.core.views import _add_errors
from peerway.instruments.engine.model import text_in
from peerway.instruments.library import current_library

from . import lists as workforce_lists
from . import selectors, services
from .forms import (
    AccommodationForm,
    AccommodationRequestForm,
    DisclosureForm,
    EmploymentForm,
    NetworkEventForm,
    SatisfactionForm,
    SupervisionForm,
    SupervisorSettingsForm,
    SupportResourcesForm,
    TrainingForm,
    WellbeingChoicesForm,
)
from .models import (
    Accommodation,
    ContractType,
    EmploymentStatus,
    SupervisorProfile,
    WorkerProfile,
)


def _data(request):
    """The POST data of a submitted form (even when empty, e.g. every box unticked)."""
    return request.POST if request.method == "POST" else None


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _worker(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.get_worker(request.user, organization, pk)


def _me(request, slug, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.own_worker(request.user, organization)


def _session(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.get_session(request.user, organization, pk)


def _team(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    team = core_selectors.get_team(request.user, pk)
    if team.site.organization_id != organization.pk:
        raise Http404
    return team


# --- Overview and profiles ---------------------------------------------------------------


def _overview_line(worker, status, lone: set[int], labels: dict) -> dict:
    """One worker's line on the overview, as text: a region's page lists a thousand, and
    looking labels up once per page rather than once per line halves its rendering."""
    profile = worker.profile
    return {
        "worker": worker,
        "supervision": status,
        "contract": labels["contract"].get(profile.contract_type, "—") if profile else "—",
        "status": labels["status"].get(profile.status, "—") if profile else "—",
        "lone": worker.user.pk in lone,
    }


@requires("workforce.view_workforce", obj=_org)
def overview(request, slug):
    organization = request.permission_object
    rows = selectors.workforce_overview(request.user, organization)
    lone = selectors.lone_peer_worker_ids(organization)
    labels = {
        "contract": {value: str(label) for value, label in ContractType.choices},
        "status": {value: str(label) for value, label in EmploymentStatus.choices},
    }
    workers = list({w.user.pk: w for row in rows for w in row.workers}.values())
    statuses = {status.worker.user.pk: status for status in selectors.supervision_statuses(workers)}
    return render(
        request,
        "workforce/overview.html",
        {
            "organization": organization,
            "rows": [
                (row, [_overview_line(w, statuses[w.user.pk], lone, labels) for w in row.workers])
                for row in rows
            ],
            "show_supervision": request.user.has_perm(
                "workforce.view_supervision_overview", organization
            ),
            "show_resources": request.user.has_perm(
                "workforce.manage_wellbeing_resources", organization
            ),
        },
    )


@requires("workforce.own_pages", obj=_org)
def my_profile(request, slug):
    return redirect("workforce:profile", slug=slug, pk=request.user.pk)


@requires("workforce.view_profile", obj=_worker, audit_read="workforce.profile_viewed")
def profile(request, slug, pk):
    worker = request.permission_object
    user = request.user
    services.record_profile_view(actor=user, worker=worker)
    context = {
        "organization": worker.organization,
        "worker": worker,
        "is_self": user.pk == worker.user.pk,
        "attributes": selectors.visible_attributes(user, worker),
        "can_view_employment": user.has_perm("workforce.view_employment", worker),
        "can_manage_employment": user.has_perm("workforce.manage_employment", worker),
        "can_view_training": user.has_perm(
            "workforce.view_training", selectors.load_staff(worker.user, worker.organization)
        ),
        "can_log_supervision": user.has_perm("workforce.log_supervision", worker),
        "lone_peer": worker.user.pk in selectors.lone_peer_worker_ids(worker.organization),
    }
    if context["can_view_employment"] and worker.profile:
        context["supervisors"] = list(worker.profile.supervisors.order_by("display_name"))
    if user.has_perm("workforce.view_supervision", worker):
        context["sessions"] = list(selectors.sessions_of(worker)[:20])
        context["supervision"] = selectors.supervision_status(worker)
    if user.has_perm("workforce.view_wellbeing_status", worker):
        context["wellbeing"] = _wellbeing_status(user, worker)
    if user.has_perm("workforce.view_accommodations", worker):
        context["accommodations"] = list(
            Accommodation.objects.filter(organization=worker.organization, worker=worker.user)
        )
        context["can_manage_accommodations"] = user.has_perm(
            "workforce.manage_accommodations", worker
        )
    return render(request, "workforce/profile.html", context)


def _wellbeing_status(viewer, worker) -> dict:
    """What a viewer may know of a worker's check-ins: completion always (the viewer is
    the worker or their supervisor); results only for the worker or when shared; an alert
    only when the worker opted in."""
    checkins = list(selectors.checkins_of(worker)[:12])
    is_self = viewer.pk == worker.user.pk
    profile = worker.profile
    show_results = is_self or bool(profile and profile.share_wellbeing)
    show_alert = is_self or bool(profile and profile.wellbeing_alert)
    last = checkins[0] if checkins else None
    return {
        "last": last.completed_on if last else None,
        "due": selectors.checkin_due(worker),
        "results": [(c, json.loads(c.results)) for c in checkins] if show_results else None,
        "alert": bool(show_alert and last and last.alert_raised),
        "shared": bool(profile and profile.share_wellbeing),
    }


def _supervisor_choices(organization):
    ids = Membership.objects.filter(
        organization=organization, role=Role.SUPERVISOR, user__is_active=True
    ).values_list("user_id", flat=True)
    return [
        (str(u.pk), u.display_name)
        for u in User.objects.filter(pk__in=ids).order_by("display_name")
    ]


@requires("workforce.manage_employment", obj=_worker, audit_read="workforce.employment_viewed")
def employment(request, slug, pk):
    worker = request.permission_object
    organization = worker.organization
    p = worker.profile or WorkerProfile(organization=organization, user=worker.user)
    initial = {
        "fte": p.fte,
        "contract_type": p.contract_type,
        "pay_band": p.pay_band,
        "start_date": p.start_date,
        "end_date": p.end_date,
        "status": p.status,
        "languages": p.languages,
        "supervisors": [str(pk) for pk in worker.assigned_supervisor_ids],
        "supervision_every_days": p.supervision_every_days,
    }
    form = EmploymentForm(
        _data(request),
        initial=initial,
        supervisor_choices=_supervisor_choices(organization),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_employment(
                actor=request.user,
                worker=worker,
                employment=services.Employment(
                    fte=data["fte"],
                    contract_type=data["contract_type"],
                    pay_band=data["pay_band"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    status=data["status"],
                    languages=data["languages"],
                    supervisors=tuple(
                        User.objects.filter(pk__in=[int(x) for x in data["supervisors"]])
                    ),
                    supervision_every_days=data["supervision_every_days"],
                ),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Employment details were saved."))
            return redirect("workforce:profile", slug=organization.slug, pk=worker.user.pk)
    return render(
        request,
        "workforce/employment_form.html",
        {"organization": organization, "worker": worker, "form": form},
    )


@requires(
    "workforce.edit_disclosure",
    obj=_me,
    no_record="the signed-in worker's own page, shown only to them",
)
def disclosure(request, slug):
    worker = request.permission_object
    organization = worker.organization
    form = DisclosureForm(
        _data(request),
        initial=DisclosureForm.initial_from(selectors.own_attributes(worker)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_disclosure(actor=request.user, worker=worker, attributes=form.attributes())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your choices were saved. They apply at once."))
            return redirect("workforce:profile", slug=organization.slug, pk=request.user.pk)
    return render(
        request,
        "workforce/disclosure_form.html",
        {"organization": organization, "worker": worker, "form": form},
    )


@requires("workforce.view_team_workforce", obj=_team, audit_read="workforce.team_profiles_viewed")
def team(request, slug, pk):
    """One team's peer workers, with what each shares with the team."""
    team = request.permission_object
    organization = team.site.organization
    workers = [
        selectors.load_worker(u, organization)
        for u in User.objects.filter(pk__in=selectors.team_peer_ids(team)).order_by("display_name")
    ]
    services.record_team_view(actor=request.user, team=team, workers=workers)
    return render(
        request,
        "workforce/team.html",
        {
            "organization": organization,
            "team": team,
            "rows": [
                (w, selectors.visible_attributes(request.user, w), selectors.supervision_status(w))
                for w in workers
            ],
            "show_supervision": request.user.has_perm(
                "workforce.view_supervision_overview", organization
            ),
        },
    )


# --- Supervision -------------------------------------------------------------------------


@requires("workforce.view_supervision_overview", obj=_org)
def supervision(request, slug):
    organization = request.permission_object
    workers = selectors.supervisees(request.user, organization)
    statuses = selectors.supervision_statuses(workers)
    can_log = any(request.user.has_perm("workforce.log_supervision", w) for w in workers)
    form = workforce_lists.SupervisionFilterForm(request.GET or None)
    shown = form.apply(statuses) if form.is_valid() else statuses
    table = lists.build(
        request,
        workforce_lists.SupervisionTable(
            shown, organization=organization, can_log=can_log, order_by=("due",)
        ),
    )
    if lists.wants_csv(request):
        return lists.csv_response(
            request,
            table,
            filename=f"supervision-{organization.slug}.csv",
            action="workforce.supervision_exported",
            obj=organization,
            details={"filters": ["overdue"] if request.GET.get("overdue") else []},
        )
    return render(
        request,
        "workforce/supervision.html",
        {
            "organization": organization,
            "table": table,
            "form": form,
            "csv_query": lists.csv_query(request),
            "overdue": [s for s in statuses if s.overdue],
            "share": selectors.peer_experienced_share(workers),
            "can_log": can_log,
            "is_supervisor": request.user.has_perm("workforce.supervisor_settings", organization),
        },
    )


@requires(
    "workforce.log_supervision",
    obj=_worker,
    no_record="blank supervision form naming the worker; notes show on the audited session page",
)
def log_supervision(request, slug, pk):
    worker = request.permission_object
    organization = worker.organization
    candidates = [
        w
        for w in selectors.supervisees(request.user, organization)
        if request.user.has_perm("workforce.log_supervision", w)
    ]
    if worker.user.pk not in {w.user.pk for w in candidates}:
        candidates.insert(0, worker)
    by_pk = {str(w.user.pk): w for w in candidates}
    form = SupervisionForm(
        _data(request),
        initial={"workers": [str(worker.user.pk)]},
        worker_choices=[(k, w.user.display_name) for k, w in by_pk.items()],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.log_supervision(
                actor=request.user,
                workers=[by_pk[k] for k in data["workers"]],
                session=services.SessionInput(
                    session_type=data["session_type"],
                    date=data["date"],
                    duration_minutes=data["duration_minutes"],
                    topics=data["topics"],
                    notes=data["notes"],
                ),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The supervision session was logged."))
            return redirect("workforce:profile", slug=organization.slug, pk=worker.user.pk)
    return render(
        request,
        "workforce/supervision_form.html",
        {"organization": organization, "worker": worker, "form": form},
    )


@requires(
    "workforce.read_supervision_notes",
    obj=_session,
    audit_read="workforce.supervision_notes_viewed",
)
def supervision_session(request, slug, pk):
    session = request.permission_object
    return render(
        request,
        "workforce/supervision_session.html",
        {"organization": session.organization, "session": session},
    )


@requires("workforce.supervisor_settings", obj=_org)
def supervisor_settings(request, slug):
    organization = request.permission_object
    current = SupervisorProfile.objects.filter(organization=organization, user=request.user).first()
    form = SupervisorSettingsForm(
        _data(request),
        initial={"has_peer_experience": bool(current and current.has_peer_experience)},
    )
    if request.method == "POST" and form.is_valid():
        services.set_supervisor_experience(
            actor=request.user,
            organization=organization,
            has_peer_experience=form.cleaned_data["has_peer_experience"],
        )
        messages.success(request, _("Your setting was saved."))
        return redirect("workforce:supervision", slug=organization.slug)
    return render(
        request, "workforce/supervisor_settings.html", {"organization": organization, "form": form}
    )


# --- Wellbeing ---------------------------------------------------------------------------


@requires(
    "workforce.check_in", obj=_me, no_record="the signed-in worker's own page, shown only to them"
)
def wellbeing(request, slug):
    worker = request.permission_object
    organization = worker.organization
    profile = worker.profile
    threshold = services.alert_threshold()
    form = WellbeingChoicesForm(
        _data(request),
        threshold=f"{threshold:g}",
        initial={
            "share": bool(profile and profile.share_wellbeing),
            "alert": bool(profile and profile.wellbeing_alert),
        },
    )
    if request.method == "POST" and form.is_valid():
        services.set_wellbeing_choices(
            actor=request.user,
            worker=worker,
            share=form.cleaned_data["share"],
            alert=form.cleaned_data["alert"],
        )
        messages.success(request, _("Your choices were saved. They apply at once."))
        return redirect("workforce:wellbeing", slug=organization.slug)
    status = _wellbeing_status(request.user, worker)
    return render(
        request,
        "workforce/wellbeing.html",
        {
            "support": _support_offer(worker),
            "organization": organization,
            "worker": worker,
            "status": status,
            "trend": list(reversed(status["results"] or [])),
            "form": form,
            "threshold": f"{threshold:g}",
            "every_days": settings.PEERWAY_WELLBEING_CHECKIN_DAYS,
        },
    )


def _support_offer(worker) -> dict | None:
    """For the worker alone: when their latest check-in is in the high-burnout range, a
    supportive message with the organization's resources and the offer to ask their
    supervisor for a conversation."""
    last = selectors.checkins_of(worker).first()
    if last is None or not services.crosses_threshold(json.loads(last.results)):
        return None
    return {
        "checkin": last,
        "resources": selectors.support_resources(worker.organization),
        "requested": selectors.conversation_requested_for(last),
        "has_supervisor": bool(selectors.worker_supervisor_ids(worker)),
    }


@requires("workforce.check_in", obj=_me)
@require_POST
def request_conversation(request, slug):
    """The worker, and only the worker, asks their supervisor for a conversation."""
    worker = request.permission_object
    try:
        services.request_supervisor_conversation(actor=request.user, worker=worker)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "Your supervisor was asked to get in touch for a conversation. They were not "
                "sent your answers or scores."
            ),
        )
    return redirect("workforce:wellbeing", slug=worker.organization.slug)


@requires("workforce.manage_wellbeing_resources", obj=_org)
def support_resources(request, slug):
    organization = request.permission_object
    form = SupportResourcesForm(
        _data(request),
        initial={"support_resources": selectors.own_support_resources(organization)},
    )
    if request.method == "POST" and form.is_valid():
        services.update_support_resources(
            actor=request.user,
            organization=organization,
            text=form.cleaned_data["support_resources"],
        )
        messages.success(request, _("The support resources were saved."))
        return redirect("workforce:support_resources", slug=organization.slug)
    return render(
        request,
        "workforce/support_resources.html",
        {
            "organization": organization,
            "form": form,
            "default_text": selectors.default_support_resources(),
            "current_text": selectors.support_resources(organization),
        },
    )


@requires(
    "workforce.check_in", obj=_me, no_record="the signed-in worker's own page, shown only to them"
)
def checkin(request, slug):
    worker = request.permission_object
    organization = worker.organization
    instrument = current_library()[services.CHECKIN_INSTRUMENT]
    language = engine_language(get_language())
    data = _data(request)
    form = InstrumentPageForm(data, instrument=instrument, language=language, audience="")
    satisfaction = SatisfactionForm(data)
    if request.method == "POST":
        valid = [form.is_valid(), satisfaction.is_valid()]
        if all(valid):
            try:
                services.record_checkin(
                    actor=request.user,
                    worker=worker,
                    answers=form.answers(),
                    satisfaction=satisfaction.cleaned_data["satisfaction"],
                )
            except ValidationError as exc:
                _add_errors(satisfaction, exc)
            else:
                messages.success(request, _("Thank you. Your check-in was saved."))
                return redirect("workforce:wellbeing", slug=organization.slug)
    return render(
        request,
        "workforce/checkin.html",
        {
            "organization": organization,
            "form": form,
            "satisfaction": satisfaction,
            "instrument_name": text_in(instrument.name, language),
            "instructions": text_in(instrument.instructions, language),
            "errors": [(f.name, f.errors[0]) for f in [*form, *satisfaction] if f.errors],
        },
    )


# --- Accommodations ----------------------------------------------------------------------


@requires(
    "workforce.request_accommodation",
    obj=_me,
    no_record="the signed-in worker's own page, shown only to them",
)
def accommodation_request(request, slug):
    worker = request.permission_object
    organization = worker.organization
    form = AccommodationRequestForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.request_accommodation(
                actor=request.user, worker=worker, request=form.cleaned_data["request"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your request was sent to your supervisor."))
            return redirect("workforce:profile", slug=organization.slug, pk=request.user.pk)
    return render(
        request,
        "workforce/accommodation_request.html",
        {"organization": organization, "form": form},
    )


@requires(
    "workforce.manage_accommodations", obj=_worker, audit_read="workforce.accommodation_viewed"
)
def accommodation_edit(request, slug, pk, accommodation_pk):
    worker = request.permission_object
    organization = worker.organization
    accommodation = Accommodation.objects.filter(
        organization=organization, worker=worker.user, pk=accommodation_pk
    ).first()
    if accommodation is None:
        raise Http404
    form = AccommodationForm(
        _data(request),
        initial={
            "adjustments": accommodation.adjustments,
            "review_date": accommodation.review_date,
            "status": accommodation.status,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agree_accommodation(
                actor=request.user,
                worker=worker,
                accommodation=accommodation,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The accommodation was saved."))
            return redirect("workforce:profile", slug=organization.slug, pk=worker.user.pk)
    return render(
        request,
        "workforce/accommodation_form.html",
        {
            "organization": organization,
            "worker": worker,
            "accommodation": accommodation,
            "form": form,
        },
    )


# --- Training, compliance and notifications ----------------------------------------------


def _staff(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.get_staff(request.user, organization, pk)


@requires("workforce.view_training", obj=_staff, audit_read="workforce.training_viewed")
def training(request, slug, pk):
    member = request.permission_object
    organization = member.organization
    status = selectors.training_status(member.user, organization, member.roles)
    return render(
        request,
        "workforce/training.html",
        {
            "organization": organization,
            "member": member,
            "records": list(selectors.training_of(member.user, organization)),
            "status": status,
            "warning_days": selectors.expiry_warning_days(),
            "can_manage": request.user.has_perm("workforce.manage_training", member),
        },
    )


@requires(
    "workforce.manage_training",
    obj=_staff,
    no_record="blank training form; the member's records are on the audited training page",
)
def training_add(request, slug, pk):
    member = request.permission_object
    organization = member.organization
    form = TrainingForm(_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_training(
                actor=request.user,
                member=member,
                record=services.TrainingInput(
                    kind=data["kind"],
                    title=data["title"],
                    credential=data["credential"],
                    provider=data["provider"],
                    competency_areas=tuple(data["competency_areas"]),
                    hours=data["hours"],
                    completed_on=data["completed_on"],
                    expires_on=data["expires_on"],
                ),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The training record was added."))
            return redirect("workforce:training", slug=organization.slug, pk=member.pk)
    return render(
        request,
        "workforce/training_form.html",
        {"organization": organization, "member": member, "form": form},
    )


@requires(
    "workforce.manage_training",
    obj=_staff,
    no_record="POST only: an action; its write is audited by the service",
)
@require_POST
def training_delete(request, slug, pk, record_pk):
    member = request.permission_object
    record = selectors.training_of(member.user, member.organization).filter(pk=record_pk).first()
    if record is None:
        raise Http404
    services.delete_training(actor=request.user, member=member, record=record)
    messages.success(request, _("The training record was deleted."))
    return redirect("workforce:training", slug=member.organization.slug, pk=member.pk)


@requires("workforce.view_compliance", obj=_team, audit_read="workforce.compliance_viewed")
def compliance(request, slug, pk):
    team = request.permission_object
    organization = team.site.organization
    result = selectors.team_compliance(team)
    return render(
        request,
        "workforce/compliance.html",
        {
            "organization": organization,
            "team": team,
            "compliance": result,
            "warning_days": selectors.expiry_warning_days(),
        },
    )


def notification_text(notification) -> str:
    params = notification.params or {}
    if notification.kind == "training_expired":
        return _("Your training “%(title)s” has expired.") % params
    if notification.kind == "training_expiring":
        return _("Your training “%(title)s” expires on %(date)s.") % params
    if notification.kind == "wellbeing_conversation":
        return _(
            "%(worker)s asked you for a conversation about their wellbeing. Please get in "
            "touch with them soon."
        ) % {"worker": params.get("worker", "")}
    return notification.kind


@requires("workforce.own_notifications", obj=_org)
def notifications(request, slug):
    organization = request.permission_object
    if request.method == "POST":
        services.mark_notifications_read(actor=request.user, organization=organization)
        return redirect("workforce:notifications", slug=organization.slug)
    rows = list(selectors.notifications_for(request.user, organization)[:100])
    return render(
        request,
        "workforce/notifications.html",
        {
            "organization": organization,
            "rows": [(n, notification_text(n)) for n in rows],
            "unread": sum(1 for n in rows if n.read_at is None),
        },
    )


# --- Peer network ------------------------------------------------------------------------


@requires("workforce.view_network", obj=_org)
def network(request, slug):
    organization = request.permission_object
    can_manage = request.user.has_perm("workforce.manage_network", organization)
    events = list(selectors.network_events(organization)[:50])
    return render(
        request,
        "workforce/network.html",
        {
            "organization": organization,
            "events": [(e, request.user in e.attendees.all()) for e in events],
            "can_manage": can_manage,
            # Who attends is for the organizers; peer workers see their own attendance.
            "reach": selectors.network_reach(organization) if can_manage else None,
        },
    )


@requires(
    "workforce.manage_network",
    obj=_org,
    no_record="peer network event of the organization; no person's record",
)
def network_event(request, slug, pk=None):
    organization = request.permission_object
    event = selectors.get_network_event(organization, pk) if pk else None
    peers = selectors.peer_workers_of(organization)
    initial = (
        {
            "title": event.title,
            "date": event.date,
            "description": event.description,
            "attendees": [str(u.pk) for u in event.attendees.all()],
        }
        if event
        else {}
    )
    form = NetworkEventForm(
        _data(request),
        initial=initial,
        peer_choices=[(str(u.pk), u.display_name) for u in peers],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = {str(u.pk): u for u in peers}
        try:
            services.save_network_event(
                actor=request.user,
                organization=organization,
                title=data["title"],
                date=data["date"],
                description=data["description"],
                attendees=[by_pk[k] for k in data["attendees"]],
                event=event,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The event was saved."))
            return redirect("workforce:network", slug=organization.slug)
    return render(
        request,
        "workforce/network_event.html",
        {"organization": organization, "event": event, "form": form},
    )
