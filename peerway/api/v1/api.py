"""The version 1 API object: authentication, one error body, the routers, and URL patterns
that carry each operation's declared permission for the URL walk test."""

from __future__ import annotations

import inspect

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import URLPattern
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from peerway.core.access import requires as page_requires

from ..errors import from_validation_error
from . import contacts, exports, hospital, indicators, outcomes, people, referrals


class TokenAuth(HttpBearer):
    """The token checked by BearerTokenMiddleware (a bad one never gets this far)."""

    openapi_description = "An API token: `Authorization: Bearer pw_…` (docs/api.md)."

    def authenticate(self, request, token):
        return getattr(request, "api_token", None)


class BrowserSession(SessionAuth):
    """The signed-in browser session, with Django's CSRF check on every write."""

    def authenticate(self, request, key):
        if getattr(request, "api_token", None) is None and request.user.is_authenticated:
            return request.user
        return None


def _docs(view):
    return page_requires("api.view_schema", no_record="the API's own description")(view)


api = NinjaAPI(
    title="Peerway API",
    version="1",
    description="Read and write Peerway records with the caller's own roles and places.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs_decorator=_docs,
    auth=[TokenAuth(), BrowserSession(csrf=True)],
)
api.add_router("", people.router)
api.add_router("", referrals.router)
api.add_router("", contacts.router)
api.add_router("", hospital.router)
api.add_router("", indicators.router)
api.add_router("", outcomes.router)
api.add_router("", exports.router)


def _body(api, request, detail: list[dict], status: int, **headers):
    response = api.create_response(request, {"detail": detail}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@api.exception_handler(Http404)
def not_found(request, exc):
    return _body(api, request, [{"field": None, "message": _("Not found.")}], 404)


@api.exception_handler(PermissionDenied)
def denied(request, exc):
    return _body(
        api, request, [{"field": None, "message": _("Your role may not do this here.")}], 403
    )


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return _body(api, request, from_validation_error(exc), 422)


def _field(loc) -> str | None:
    # ("body", "payload", "team") -> "team"; ("query", "limit") -> "limit".
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "filters")]
    return ".".join(parts) or None


@api.exception_handler(NinjaValidationError)
def malformed(request, exc):
    detail = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
    return _body(api, request, detail, 422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _body(
        api,
        request,
        [{"field": "Authorization", "message": _("Send an API token or sign in.")}],
        401,
        **{"WWW-Authenticate": "Bearer"},
    )


@api.exception_handler(HttpError)
def http_error(request, exc):
    return _body(api, request, [{"field": None, "message": str(exc)}], exc.status_code)


def operations(pattern: URLPattern) -> list:
    """The ninja operations (one per HTTP method) behind one URL pattern."""
    if not inspect.isfunction(pattern.callback):
        return []
    path_view = inspect.getclosurevars(pattern.callback).nonlocals.get("self")
    return list(getattr(path_view, "operations", []))


def _declared(pattern: URLPattern, index: int = 0) -> URLPattern:
    """Carry the operations' permissions on the URL's view, for the URL walk test. Ninja
    gives one pattern per operation of a path (the first one serves every method): each
    carries its own operation's permission, and only when every operation of the path
    declares one (``peerway_permissions`` lists them all)."""
    ops = operations(pattern)
    perms = [getattr(op.view_func, "peerway_permission", None) for op in ops]
    if ops and all(perms):
        pattern.callback.peerway_permission = perms[min(index, len(perms) - 1)]
        pattern.callback.peerway_permissions = tuple(perms)
    return pattern


def urls():
    patterns, app_name, namespace = api.urls
    result = []
    seen: dict[str, int] = {}
    for p in patterns:
        if p.name == "api-root":
            # Ninja's root answers 404 to everyone; it exists to locate the API's prefix.
            p = URLPattern(p.pattern, _docs(p.callback), p.default_args, p.name)
        if operations(p):
            index = seen.get(str(p.pattern), 0)
            seen[str(p.pattern)] = index + 1
            p = _declared(p, index)
        result.append(p)
    return result, app_name, namespace
