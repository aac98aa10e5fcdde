"""Pages for API tokens: one's own (account security) and service accounts (administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerway.core import selectors as core_selectors
from peerway.core.access import requires
from peerway.core.mfa import session_used_mfa

from . import services
from .forms import ServiceAccountForm, TokenForm
from .models import ApiToken


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _add_errors(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@requires("api.own_tokens", no_record="the signed-in person's own tokens (no secrets)")
def tokens(request):
    form = TokenForm(request.POST or None)
    mfa = session_used_mfa(request)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.create_token(
                actor=request.user,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"],
                mfa_verified=mfa,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "mfa": mfa,
            "issued": issued,
            "tokens": ApiToken.objects.filter(user=request.user, service_account=False),
            "admin_of": [
                org
                for org in core_selectors.organizations_for(request.user)
                if request.user.has_perm("api.manage_service_accounts", org)
            ],
        },
    )


@require_POST
@requires("api.own_tokens", no_record="POST only: revokes a token; audited by the service")
def revoke(request, pk):
    token = ApiToken.objects.filter(pk=pk).select_related("organization").first()
    if token is None or not services.may_revoke(request.user, token):
        raise Http404
    services.revoke_token(actor=request.user, token=token)
    messages.success(request, _("Token %(prefix)s revoked.") % {"prefix": token.display_prefix})
    if token.service_account:
        return redirect("api:service_accounts", slug=token.organization.slug)
    return redirect("api:tokens")


@requires(
    "api.manage_service_accounts",
    obj=_org,
    no_record="service accounts of the organization (no secrets, no records of people)",
)
def service_accounts(request, slug):
    org = request.permission_object
    form = ServiceAccountForm(request.POST or None, user=request.user, organization=org)
    mfa = session_used_mfa(request)
    issued = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = services.create_service_account(
                actor=request.user,
                organization=org,
                name=data["name"],
                role=data["role"],
                site=data["site"],
                team=data["team"],
                expires_in_days=data["expires_in_days"],
                mfa_verified=mfa,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionDenied:
            form.add_error("place", _("You cannot grant this role at this place."))
        else:
            form = ServiceAccountForm(user=request.user, organization=org)
    rows = (
        ApiToken.objects.filter(organization=org, service_account=True)
        .select_related("user", "created_by")
        .prefetch_related("user__memberships__site", "user__memberships__team")
    )
    return render(
        request,
        "api/service_accounts.html",
        {"organization": org, "form": form, "mfa": mfa, "issued": issued, "tokens": rows},
    )
