from __future__ import annotations

import csv
from datetime import datetime, time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import audit, lists, selectors, services
from .access import public, requires
from .forms import AcceptInvitationForm, AuditFilterForm, GrantForm, InviteForm, MfaRolesForm
from .models import Membership
from .permissions import _memberships, can_deactivate, can_manage_membership
from .roles import Role


def _org(request, slug, **kwargs):
    return selectors.get_organization(request.user, slug)


def _team(request, pk, **kwargs):
    return selectors.get_team(request.user, pk)


def _member(request, slug, pk, **kwargs):
    """The person an administrator opens on the user-administration page."""
    org = selectors.get_organization(request.user, slug)
    return selectors.get_member_for_admin(request.user, org, pk)


@public("health")
@require_GET
def health(request):
    """Liveness and database check for load balancers; reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "unavailable"}, status=503)


@requires("core.view_home")
def home(request):
    memberships = _memberships(request.user)
    roles = {m.role for m in memberships}
    organizations = list(selectors.organizations_for(request.user))
    org = organizations[0] if organizations else None
    context = {
        "roles": roles,
        "Role": Role,
        "organizations": organizations,
        "organization": org,
        "memberships": memberships,
        "teams": list(selectors.teams_for(request.user, org)) if org else [],
    }
    # A team's name links to its members only where the user may see them.
    context["team_links"] = {
        t.pk for t in context["teams"] if request.user.has_perm("core.view_team_members", t)
    }
    if org and request.user.has_perm("assessments.manage_waves", org):
        from peerway.assessments.selectors import waves_for

        today = timezone.localdate()
        context["can_manage_waves"] = True
        context["waves"] = [(w, w.status(today)) for w in waves_for(org)[:5]]
    if org:
        from peerway.workforce.homes import home_context

        context.update(home_context(request.user, org))
    if org:
        from peerway.outcomes.homes import home_context as outcomes_home

        context.update(outcomes_home(request.user, org))
    if org:
        from peerway.recovery.homes import home_context as recovery_home

        context.update(recovery_home(request.user, org))
    if org:
        from peerway.support.homes import home_context as service_home

        context.update(service_home(request.user, org))
    if org:
        from peerway.planning.plan.homes import home_context as plan_home

        context.update(plan_home(request.user, org))
    if org:
        from peerway.indicators.homes import home_context as indicators_home

        context.update(indicators_home(request.user, org))
    if org:
        from peerway.research.homes import home_context as research_home

        context.update(research_home(request.user, org))
    if org and roles & {Role.MANAGER, Role.ADMIN}:
        context["pending_invitations"] = [
            i for i in selectors.invitations_for_admin(request.user, org) if i.status == "pending"
        ]
    return render(request, "core/home.html", context)


@requires("core.view_structure", obj=_org)
def structure(request, slug):
    org = request.permission_object
    structure = selectors.structure_for(request.user, org)
    return render(
        request,
        "core/structure.html",
        {
            "organization": org,
            "structure": structure,
            "member_team_ids": {
                t.pk
                for _site, teams in structure
                for t in teams
                if request.user.has_perm("core.view_team_members", t)
            },
        },
    )


@requires(
    "core.view_team_members",
    obj=_team,
    no_record="team page: members and their roles (staff directory); no person's record",
)
def team_detail(request, pk):
    team = request.permission_object
    return render(
        request,
        "core/team_detail.html",
        {"team": team, "members": selectors.team_members(request.user, team)},
    )


@requires("core.administer_users", obj=_org)
def people(request, slug):
    org = request.permission_object
    query = request.GET.get("q", "").strip()
    members = selectors.members_for_admin(request.user, org)
    if query:
        members = members.filter(display_name__icontains=query) | members.filter(
            email__icontains=query
        )
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    invitations = selectors.invitations_for_admin(request.user, org)[:50]
    return render(
        request,
        "core/people.html",
        {"organization": org, "page": page, "query": query, "invitations": invitations},
    )


@requires("core.administer_users", obj=_org)
def invite(request, slug):
    org = request.permission_object
    form = InviteForm(request.POST or None, user=request.user, organization=org)
    link = None
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = services.invite_user(
                actor=request.user,
                organization=org,
                email=form.cleaned_data["email"],
                display_name=form.cleaned_data["display_name"],
                role=form.cleaned_data["role"],
                site=form.cleaned_data["site"],
                team=form.cleaned_data["team"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionDenied:
            form.add_error("place", _("You cannot grant this role at this place."))
        else:
            link = request.build_absolute_uri(reverse("core:accept_invitation", args=[token]))
            return render(
                request,
                "core/invite_created.html",
                {"organization": org, "invitation": invitation, "link": link},
            )
    return render(
        request,
        "core/invite.html",
        {
            "organization": org,
            "form": form,
            "invitation_hours": settings.PEERWAY_INVITATION_HOURS,
        },
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@requires(
    "core.administer_users",
    obj=_org,
    no_record="POST only: an action; its write is audited by the service",
)
@require_POST
def revoke_invitation(request, slug, pk):
    org = request.permission_object
    invitation = get_object_or_404(selectors.invitations_for_admin(request.user, org), pk=pk)
    try:
        services.revoke_invitation(actor=request.user, invitation=invitation)
        messages.success(request, _("The invitation was withdrawn."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("core:people", slug=org.slug)


@requires("core.administer_users", obj=_org, audit_read="core.member_viewed", audit_target=_member)
def person(request, slug, pk):
    org = request.permission_object
    member = selectors.get_member_for_admin(request.user, org, pk)
    form = GrantForm(request.POST or None, user=request.user, organization=org)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_membership(
                actor=request.user,
                user=member,
                organization=org,
                role=form.cleaned_data["role"],
                site=form.cleaned_data["site"],
                team=form.cleaned_data["team"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionDenied:
            form.add_error("place", _("You cannot grant this role at this place."))
        else:
            messages.success(request, _("The role was granted."))
            return redirect("core:person", slug=org.slug, pk=member.pk)
    memberships = [
        (m, can_manage_membership(request.user, m))
        for m in member.memberships.select_related("organization", "site", "team__site")
    ]
    return render(
        request,
        "core/person.html",
        {
            "organization": org,
            "member": member,
            "memberships": memberships,
            "form": form,
            "can_deactivate": can_deactivate(request.user, member),
        },
    )


@requires(
    "core.administer_users",
    obj=_org,
    no_record="POST only: an action; its write is audited by the service",
)
@require_POST
def revoke_membership(request, slug, pk):
    org = request.permission_object
    membership = get_object_or_404(
        Membership.objects.filter(selectors.manageable_memberships_q(request.user)).select_related(
            "user", "team__site", "site", "organization"
        ),
        pk=pk,
        organization=org,
    )
    try:
        services.revoke_membership(actor=request.user, membership=membership)
        messages.success(request, _("The role was removed."))
    except PermissionDenied:
        messages.error(request, _("You cannot remove this role."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("core:person", slug=org.slug, pk=membership.user_id)


@requires(
    "core.administer_users",
    obj=_org,
    no_record="POST only: an action; its write is audited by the service",
)
@require_POST
def set_active(request, slug, pk):
    org = request.permission_object
    member = selectors.get_member_for_admin(request.user, org, pk)
    activate = request.POST.get("active") == "1"
    try:
        if activate:
            services.reactivate_user(actor=request.user, user=member)
            messages.success(request, _("The account was reactivated."))
        else:
            services.deactivate_user(actor=request.user, user=member)
            messages.success(request, _("The account was deactivated and its sessions were ended."))
    except PermissionDenied:
        messages.error(request, _("You cannot change this account."))
    return redirect("core:person", slug=org.slug, pk=member.pk)


@requires("core.manage_organization", obj=_org)
def security_settings(request, slug):
    org = request.permission_object
    form = MfaRolesForm(request.POST or None, initial={"roles": list(org.mfa_required_roles)})
    if request.method == "POST" and form.is_valid():
        services.set_mfa_roles(
            actor=request.user, organization=org, roles=form.cleaned_data["roles"]
        )
        messages.success(request, _("Security settings saved."))
        return redirect("core:security", slug=org.slug)
    return render(request, "core/security.html", {"organization": org, "form": form})


def _filtered_audit(request, org):
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_events_for(request.user, org)
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action__icontains=data["action"])
        if data["object_type"]:
            events = events.filter(object_type__icontains=data["object_type"])
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"])
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            events = events.filter(
                created_at__gte=datetime.combine(data["date_from"], time.min, tzinfo=tz)
            )
        if data["date_to"]:
            events = events.filter(
                created_at__lte=datetime.combine(data["date_to"], time.max, tzinfo=tz)
            )
    return form, events


@requires("core.view_audit", obj=_org)
def audit_list(request, slug):
    org = request.permission_object
    form, events = _filtered_audit(request, org)
    table = lists.build(request, lists.AuditTable(events), per_page=50)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit.html",
        {"organization": org, "form": form, "table": table, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value):
        return value


@requires("core.view_audit", obj=_org)
def audit_export(request, slug):
    org = request.permission_object
    form, events = _filtered_audit(request, org)
    audit.record(
        actor=request.user,
        action="audit.exported",
        obj=org,
        details={"filters": {k: v for k, v in request.GET.items() if v}},
    )
    writer = csv.writer(_Echo())
    rows = audit.export_rows(events.order_by("sequence").iterator(chunk_size=2000))
    response = StreamingHttpResponse(
        (writer.writerow(r) for r in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{org.slug}.csv"'
    return response


@public("invitation")
def accept_invitation(request, token):
    invitation = services.find_invitation(token)
    if invitation is None or invitation.status != "pending":
        status = invitation.status if invitation else "unknown"
        return render(request, "core/invitation_invalid.html", {"status": status}, status=410)
    if request.user.is_authenticated:
        return render(request, "core/invitation_signed_in.html", status=409)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(token=token, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            from allauth.account.utils import perform_login

            return perform_login(request, user, redirect_url=reverse("core:home"))
    return render(request, "core/accept_invitation.html", {"invitation": invitation, "form": form})
