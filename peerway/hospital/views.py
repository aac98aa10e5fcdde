"""Screens: import a file of hospital events, set the eligibility trigger, see and act on
the referrals it suggests, record a person's hospital identifier."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.core import audit, lists
from peerway.core import selectors as core_selectors
from peerway.core.access import requires
from peerway.support import selectors as support_selectors
from peerway.support.forms import TriggerReferralForm
from peerway.support.models import Person

from . import lists as hospital_lists
from . import selectors, services
from .forms import HospitalIdForm, TriggerForm, UploadForm
from .models import ImportSource


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _person(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return support_selectors.get_person(request.user, organization, pk)


@requires("hospital.import_events", obj=_org)
def upload(request, slug):
    organization = request.permission_object
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        # The file is kept and checked in the background: a large file never holds the
        # request (or the database's write lock) for long.
        job = services.queue_import(
            actor=request.user,
            organization=organization,
            upload=form.cleaned_data["file"],
            source=ImportSource.UPLOAD,
        )
        return redirect("hospital:import_job", slug=slug, pk=job.pk)
    return render(
        request,
        "hospital/import.html",
        {
            "organization": organization,
            "form": form,
            "jobs": selectors.running_jobs(organization),
            "imports": selectors.recent_imports(organization),
            "hl7_messages": selectors.recent_hl7_messages(organization),
            "hl7_refused": selectors.hl7_refused_since(
                organization, timezone.now() - timedelta(days=7)
            ),
            "can_manage_trigger": request.user.has_perm("hospital.manage_trigger", organization),
        },
    )


@requires(
    "hospital.import_events",
    obj=_org,
    audit_read="hospital.import_job_viewed",
)
def import_job(request, slug, pk):
    """Progress of one file, then its counts or its validation report. While the file is
    being checked the progress region refreshes itself (htmx), announced politely."""
    organization = request.permission_object
    job = selectors.get_import_job(organization, pk)
    context = {
        "organization": organization,
        "job": job,
        "report": services.report_of(job),
        "done_message": _("Imported %(rows)d rows: %(new)d new, %(present)d already present.")
        % {"rows": job.rows, "new": job.created, "present": job.already_present},
    }
    if request.htmx:
        return render(request, "hospital/_job_status.html", context)
    return render(request, "hospital/import_job.html", context)


@requires("hospital.manage_trigger", obj=_org)
def trigger_settings(request, slug):
    organization = request.permission_object
    rule = selectors.trigger_for(organization)
    form = TriggerForm(request.POST if request.method == "POST" else None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_trigger(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("The eligibility trigger was saved."))
            return redirect("hospital:suggestions", slug=slug)
    return render(request, "hospital/trigger.html", {"organization": organization, "form": form})


@requires("hospital.view_suggestions", obj=_org)
def suggestions(request, slug):
    organization = request.permission_object
    rule = selectors.trigger_for(organization)
    suggested = selectors.suggestions_for(request.user, organization)
    filterset = hospital_lists.SuggestionFilter(
        request.GET or None, queryset=suggested, request=request
    )
    people = filterset.qs
    named = support_selectors.named_ids(
        request.user, Person.objects.filter(pk__in=people.values("pk"))
    )
    table = lists.build(
        request, hospital_lists.SuggestionTable(people, organization=organization, named=named)
    )
    if lists.wants_csv(request):
        return lists.csv_response(
            request,
            table,
            filename=f"suggested-referrals-{organization.slug}.csv",
            action="hospital.suggestions_exported",
            obj=organization,
            filterset=filterset,
        )
    audit.record(
        actor=request.user,
        action="hospital.suggestions_viewed",
        obj=organization,
        details={"count": table.paginator.count},
    )
    return render(
        request,
        "hospital/suggestions.html",
        {
            "organization": organization,
            "rule": rule,
            "window_start": selectors.window_start(timezone.localdate(), rule.window_months),
            "table": table,
            "filterset": filterset,
            "csv_query": lists.csv_query(request),
            "can_import": request.user.has_perm("hospital.import_events", organization),
            "can_manage_trigger": request.user.has_perm("hospital.manage_trigger", organization),
        },
    )


@requires("hospital.refer_from_trigger", obj=_person, audit_read="hospital.refer_form_viewed")
def refer(request, slug, pk):
    """Confirm a suggested referral with its urgency, its reason and the person's agreement
    to be contacted, as on the referral form; nothing is created before that."""
    person = request.permission_object
    organization = person.organization
    counts = selectors.suggestion_for(person)
    if counts is None:
        messages.error(
            request,
            _(
                "%(code)s no longer meets the trigger, or already has an open referral "
                "or peer worker."
            )
            % {"code": person.code},
        )
        return redirect("hospital:suggestions", slug=slug)
    form = TriggerReferralForm(
        request.POST if request.method == "POST" else None,
        target_hours=support_selectors.target_hours(organization),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.refer_from_trigger(
                actor=request.user,
                person=person,
                urgency=data["urgency"],
                reason=data["reason"],
                consent_given=data["consent_given"],
                consent_decided_on=data.get("consent_decided_on"),
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("hospital:suggestions", slug=slug)
        messages.success(
            request,
            _("%(code)s was referred to %(team)s.") % {"code": person.code, "team": person.team},
        )
        if referral.awaiting_consent:
            messages.warning(
                request,
                _(
                    "The person has not agreed to be contacted yet: the referral waits for "
                    "consent and cannot be matched or offered until it is recorded."
                ),
            )
        return redirect("hospital:suggestions", slug=slug)
    if request.method == "GET":
        audit.record(actor=request.user, action="hospital.refer_form_viewed", obj=person)
    return render(
        request,
        "hospital/refer.html",
        {"organization": organization, "person": person, "counts": counts, "form": form},
    )


@requires("hospital.set_hospital_id", obj=_person, audit_read="hospital.hospital_id_form_viewed")
def hospital_id(request, slug, pk):
    person = request.permission_object
    organization = person.organization
    form = HospitalIdForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_hospital_id(
                actor=request.user, person=person, hospital_id=form.cleaned_data["hospital_id"]
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("The hospital identifier was saved."))
            return redirect("hospital:hospital_id", slug=slug, pk=person.pk)
    if request.method == "GET":
        audit.record(actor=request.user, action="hospital.hospital_id_form_viewed", obj=person)
    return render(
        request,
        "hospital/hospital_id.html",
        {
            "organization": organization,
            "person": person,
            "form": form,
            "has_hospital_id": bool(person.hospital_id_index),
        },
    )
