from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

from . import context
from .mfa import user_has_mfa, user_must_use_mfa


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: behind a proxy, set the proxy to pass the client address
    # (e.g. gunicorn --forwarded-allow-ips), never trust a client-sent header here.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Give each request an id (echoed in X-Request-ID) and bind it for audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.bind(context.RequestContext(request_id, client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class MfaRequiredMiddleware:
    """Send users whose role requires two-factor authentication to set it up first."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/health", "/favicon")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            # A bearer token was issued from a session that passed a second factor (or
            # by an administrator who did): it has no sign-in of its own to send back.
            and getattr(request, "api_token", None) is None
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and user_must_use_mfa(user)
            and not user_has_mfa(user)
        ):
            if request.path.startswith("/fhir/"):
                # FHIR clients get an OperationOutcome, never a page to go to.
                from peerway.fhir.views import FHIR_PUBLIC_PREFIXES, outcome

                if not request.path.startswith(FHIR_PUBLIC_PREFIXES):
                    return outcome(
                        403, gettext("Set up two-factor authentication on the web first.")
                    )
                return self.get_response(request)
            return redirect(f"{reverse('mfa_activate_totp')}?required=1")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages are never kept by browsers or proxies: ``Cache-Control: no-store``.

    Every page a signed-in person sees may show health data, and the survey and outcome
    link pages (``/s/``, ``/m/``) carry a respondent's answers without any sign-in; the
    back button or a shared computer's cache must not bring them back. Static files
    (served by WhiteNoise before this middleware runs) keep their long-lived caching.
    """

    PUBLIC_ANSWER_PREFIXES = ("/s/", "/m/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith(self.PUBLIC_ANSWER_PREFIXES):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"  # HTTP/1.0 proxies
        return response
