"""Outcome evaluation screen and leadership reports (aggregates only; namespace
"evaluation")."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from peerway.core import audit
from peerway.core import selectors as core_selectors
from peerway.core.access import requires

from . import analysis, figures, services
from .forms import (
    FilterForm,
    ReliabilityForm,
    ReportForm,
    default_period,
    reader_places,
    resolve,
)
from .models import InstrumentReliability, Report, ReportStatus


def _lang() -> str:
    return "fr" if (get_language() or "").startswith("fr") else "en"


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _report(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    found = (
        Report.objects.filter(pk=pk, organization=organization)
        .select_related("organization", "site", "team__site")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _initial(request, organization):
    places = reader_places(request.user, organization)
    return {"period": default_period(), "place": places[0][0] if places else ""}


@requires("evaluation.use", obj=_org)
def outcomes(request, slug):
    organization = request.permission_object
    data = request.GET if "period" in request.GET else _initial(request, organization)
    form = FilterForm(data, user=request.user, organization=organization)
    context = {"organization": organization, "form": form, "min_n": analysis.MIN_N}
    if form.is_valid():
        site, team = resolve(form.cleaned_data["place"], organization)
        scope = analysis.Scope(organization, site=site, team=team)
        if not request.user.has_perm("evaluation.view_scope", team or site or organization):
            raise PermissionDenied
        period = form.cleaned_data["period"]
        lang = _lang()
        changes = analysis.outcome_changes(scope, period, lang=lang)
        hospital = analysis.readmission(scope, period, today=timezone.localdate())
        context.update(
            scope=scope,
            period=period,
            changes=changes,
            changes_chart=figures.change_chart(changes, lang=lang),
            hospital=figures.readmission_view(hospital, lang=lang),
            paired_method=analysis.PAIRED_METHOD,
            label=analysis.label_text(),
            can_set_reliability=request.user.has_perm("evaluation.set_reliability", organization),
        )
        audit.record(
            actor=request.user,
            action="evaluation.outcomes_viewed",
            obj=team or site or organization,
            details={"period": period.code, "level": scope.level},
        )
    return render(request, "evaluation/outcomes.html", context)


def _visible_reports(user, organization):
    return [
        r
        for r in Report.objects.filter(organization=organization).select_related(
            "organization", "site", "team__site", "requested_by"
        )[:200]
        if user.has_perm("evaluation.view_scope", r)
    ]


@requires("evaluation.use", obj=_org)
def reports(request, slug):
    organization = request.permission_object
    if request.method == "POST":
        form = ReportForm(request.POST, user=request.user, organization=organization)
        if form.is_valid():
            site, team = resolve(form.cleaned_data["place"], organization)
            if not request.user.has_perm("evaluation.view_scope", team or site or organization):
                raise PermissionDenied
            created = services.request_report(
                actor=request.user,
                organization=organization,
                site=site,
                team=team,
                period=form.cleaned_data["period"].code,
                language=form.cleaned_data["language"],
            )
            if created.status == ReportStatus.READY:
                messages.success(request, _("The report is ready to download."))
            else:
                messages.success(
                    request,
                    _("The report is being prepared. Reload this page in a few minutes."),
                )
            return redirect("evaluation:reports", slug=organization.slug)
    else:
        form = ReportForm(
            initial={**_initial(request, organization), "language": _lang()},
            user=request.user,
            organization=organization,
        )
    return render(
        request,
        "evaluation/reports.html",
        {
            "organization": organization,
            "form": form,
            "reports": _visible_reports(request.user, organization),
        },
    )


@requires("evaluation.view_scope", obj=_report, audit_read="evaluation.report_downloaded")
def download(request, slug, pk):
    item = request.permission_object
    if item.status != ReportStatus.READY or not item.pdf:
        raise Http404
    audit.record(actor=request.user, action="evaluation.report_downloaded", obj=item)
    response = HttpResponse(bytes(item.pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="peerway-report-{item.period}-{item.level}-{item.pk}.pdf"'
    )
    return response


@requires("evaluation.set_reliability", obj=_org)
def reliability(request, slug):
    """The organization's test–retest reliabilities for the reliable change index."""
    organization = request.permission_object
    lang = _lang()
    form = ReliabilityForm(lang=lang)
    if request.method == "POST":
        if "remove" in request.POST:
            if services.remove_reliability(
                actor=request.user,
                organization=organization,
                instrument=request.POST.get("remove", ""),
            ):
                messages.success(request, _("Removed. The published value applies again."))
            return redirect("evaluation:reliability", slug=organization.slug)
        form = ReliabilityForm(request.POST, lang=lang)
        if form.is_valid():
            services.set_reliability(
                actor=request.user,
                organization=organization,
                instrument=form.cleaned_data["instrument"],
                test_retest=form.cleaned_data["test_retest"],
                source=form.cleaned_data["source"],
            )
            messages.success(request, _("Saved. The reliable change index now uses it."))
            return redirect("evaluation:reliability", slug=organization.slug)
    names = dict(form.fields["instrument"].choices)
    supplied = [
        {"row": row, "name": names.get(row.instrument, row.instrument)}
        for row in InstrumentReliability.objects.filter(organization=organization)
    ]
    published = [
        {
            "name": names.get(code, code),
            "value": value,
            "source": analysis.PUBLISHED_RELIABILITY_SOURCE[code],
        }
        for code, value in sorted(analysis.PUBLISHED_RELIABILITY.items())
    ]
    return render(
        request,
        "evaluation/reliability.html",
        {
            "organization": organization,
            "form": form,
            "supplied": supplied,
            "published": published,
        },
        status=400 if request.method == "POST" else 200,
    )
