"""Bearer tokens for the API and the FHIR endpoints (docs/api.md, "Authentication").

For a request under /api/ or /fhir/ carrying ``Authorization: Bearer <token>``, the token
alone decides who is asking: ``request.user`` becomes the token's user and
``request.api_token`` the token. A bad, expired or revoked token gets 401 with a JSON
body; it never falls back to the session cookie sent alongside. CSRF protects cookies
(sessions) only, so it does not apply to a bearer request. Each token is rate limited.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import ratelimit
from .errors import error_response
from .services import authenticate

PREFIXES = ("/api/", "/fhir/")


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_token = None
        if not request.path.startswith(PREFIXES):
            return self.get_response(request)
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return self.get_response(request)
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return self._unauthorized(
                request,
                _("Send the token in the Authorization header: “Bearer”, a space, then the token."),
            )
        token = authenticate(raw)
        if token is None:
            return self._unauthorized(request, _("The token is unknown, expired or revoked."))
        request.user = token.user
        request.api_token = token
        # CSRF guards cookie-borne sessions; a bearer token is not sent by a browser on
        # its own, so the check does not apply (CsrfViewMiddleware reads this flag).
        request._dont_enforce_csrf_checks = True
        wait = ratelimit.hit(token.pk)
        if wait is not None:
            message = _("Too many requests for this token: try again in %(s)d seconds.") % {
                "s": wait
            }
            if _is_fhir(request):
                from peerway.fhir.views import outcome

                return outcome(429, message, Retry_After=str(wait))
            return error_response(429, message, Retry_After=str(wait))
        return self.get_response(request)

    @staticmethod
    def _unauthorized(request, message: str):
        if _is_fhir(request):
            # FHIR clients expect every error as an OperationOutcome.
            from peerway.fhir.views import outcome

            return outcome(401, message, expression="Authorization", WWW_Authenticate="Bearer")
        return error_response(401, message, "Authorization", WWW_Authenticate="Bearer")


def _is_fhir(request) -> bool:
    return request.path.startswith("/fhir/")
