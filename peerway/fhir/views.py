"""FHIR R4 REST interface (read and search, bulk $export): docs/fhir.md.

Every answer is FHIR JSON; every error an OperationOutcome. What a user receives is what
the pages would show them (peerway.fhir.scope); reads and searches are audited here, per
resource and per search, without codes, names or search text in the event.
"""

from __future__ import annotations

import json
from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from peerway.core import audit
from peerway.core.access import public, requires

from . import codes
from .models import BulkExport, ExportStatus, purge_expired_exports
from .scope import Scope
from .search import (
    DEFAULT_COUNT,
    EXPORT_TYPES,
    JSON_FORMATS,
    KINDS,
    MAX_COUNT,
    PAGING,
    Context,
    SearchError,
    allowed_params,
    filtered,
    record_id,
    resources_of,
)

FHIR_JSON = "application/fhir+json"
NDJSON = "application/fhir+ndjson"
FHIR_VERSION = "4.0.1"
BULK_EXPORT_DEFINITION = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
# The interface's description of itself, public (the URL walk test checks the same routes).
FHIR_PUBLIC_PREFIXES = ("/fhir/r4/metadata", "/fhir/r4/CodeSystem")
NO_RECORD = "FHIR resources are audited one by one (fhir.resource_read, fhir.searched)"


def fhir_response(body: dict, status: int = 200, **headers) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=FHIR_JSON
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    410: "deleted",
    429: "throttled",
    500: "exception",
}


def outcome(status: int, message: str, *, expression: str | None = None, **headers) -> HttpResponse:
    issue = {
        "severity": "error",
        "code": ISSUE_CODES.get(status, "processing"),
        "diagnostics": message,
    }
    if expression:
        issue["expression"] = [expression]
    if status == 401:
        headers.setdefault("WWW_Authenticate", 'Bearer realm="peerway"')
    return fhir_response(
        {"resourceType": "OperationOutcome", "issue": [issue]}, status=status, **headers
    )


def _language(request) -> str:
    return "fr" if (getattr(request, "LANGUAGE_CODE", "") or "").startswith("fr") else "en"


def _errors_as_outcomes(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SearchError as error:
            return outcome(400, str(error), expression=error.param)
        except PermissionDenied:
            return outcome(403, _("You do not have access to the FHIR interface."))
        except Http404:
            return outcome(404, _("Not found."))

    return wrapped


def fhir_view(methods=("GET",)):
    """A signed-in FHIR view: 401 (not a sign-in redirect) without a user, the permission
    declared for the URL walk, errors as OperationOutcomes."""

    def decorator(view):
        inner = requires("fhir.use", no_record=NO_RECORD)(view)

        @wraps(inner)
        def wrapped(request, *args, **kwargs):
            if request.method not in methods:
                return outcome(
                    405, _("%(method)s is not supported here.") % {"method": request.method}
                )
            if not request.user.is_authenticated:
                return outcome(401, _("Sign in or send a Bearer token."))
            if request.method not in ("GET", "HEAD"):
                # A browser session (cookie) must carry the CSRF token for a change; the
                # Bearer middleware exempts token requests (a browser never sends one).
                rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
                if rejected is not None:
                    return outcome(403, _("CSRF check failed."))
            return inner(request, *args, **kwargs)

        return csrf_exempt(_errors_as_outcomes(wrapped))

    return decorator


def public_fhir_view(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return outcome(405, _("%(method)s is not supported here.") % {"method": request.method})
        return view(request, *args, **kwargs)

    return public("capability")(_errors_as_outcomes(wrapped))


def base_url(request) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")


# --- capability and code systems (public) ----------------------------------------------


def capability_statement(request) -> dict:
    base = base_url(request)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.localdate().isoformat(),
        "publisher": "Peerway",
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "software": {"name": "Peerway"},
        "implementation": {"description": "Peerway FHIR R4 interface", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read and search what the signed-in user may see on the "
                "pages; every read and search is audited.",
                "security": {
                    "description": "A signed-in session or a Bearer token; each user sees "
                    "only the people and places their roles give them."
                },
                "resource": [
                    {
                        "type": name,
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {"name": param, "type": kind_type}
                            for param, kind_type in sorted(kind.search_params.items())
                        ],
                    }
                    for name, kind in KINDS.items()
                ]
                + [
                    {
                        "type": "CodeSystem",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {"name": "_id", "type": "token"},
                            {"name": "url", "type": "uri"},
                        ],
                    }
                ],
                "operation": [{"name": "export", "definition": BULK_EXPORT_DEFINITION}],
            }
        ],
    }


@public_fhir_view
def metadata(request):
    return fhir_response(capability_statement(request))


@public_fhir_view
def code_system_search(request):
    params = _params(request)
    unknown = sorted(set(params) - {"_id", "url", "_format"})
    if unknown:
        raise SearchError(
            unknown[0], _("Unknown search parameter: %(name)s.") % {"name": unknown[0]}
        )
    _check_format(params)
    lang = _language(request)
    systems = [codes.code_system(name, lang) for name in codes.code_system_ids()]
    if "_id" in params:
        systems = [s for s in systems if s["id"] in params["_id"]]
    if "url" in params:
        systems = [s for s in systems if s["url"] in params["url"]]
    base = base_url(request)
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(systems),
        "link": [{"relation": "self", "url": request.build_absolute_uri()}],
        "entry": [
            {
                "fullUrl": f"{base}CodeSystem/{s['id']}",
                "resource": s,
                "search": {"mode": "match"},
            }
            for s in systems
        ],
    }
    return fhir_response(bundle)


@public_fhir_view
def code_system_read(request, ident):
    system = codes.code_system(ident, _language(request))
    if system is None:
        raise Http404
    return fhir_response(system)


# --- read and search --------------------------------------------------------------------


# Ids and offsets beyond a 32-bit integer match nothing (never an overflow in the database).
MAX_ID = 2**31 - 1


def _params(request) -> dict[str, list[str]]:
    params = {key: request.GET.getlist(key) for key in request.GET}
    for key, values in params.items():
        # A database cannot store or compare NUL (PostgreSQL refuses it outright).
        if "\x00" in key or any("\x00" in v for v in values):
            raise SearchError(key, _("Null characters are not allowed."))
    return params


def _int_param(params, name: str, default: int) -> int:
    values = params.get(name)
    if not values:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        raise SearchError(name, _("%(name)s must be a whole number.") % {"name": name}) from None
    if value < 0:
        raise SearchError(name, _("%(name)s cannot be negative.") % {"name": name})
    return min(value, MAX_ID)


def _check_format(params) -> None:
    for value in params.get("_format", []):
        if value not in JSON_FORMATS:
            raise SearchError(
                "_format", _("_format: only JSON is served, not %(value)s.") % {"value": value}
            )


def _kind(resource_type: str):
    kind = KINDS.get(resource_type)
    if kind is None:
        raise Http404
    return kind


def _audit_search(actor, resource_type: str, entries: list[tuple[object, dict]], ctx, kind):
    people: list[int] = []
    for record, _resource in entries:
        for person in kind.people(ctx, record):
            if person.pk not in people:
                people.append(person.pk)
    audit.record(
        actor=actor,
        action="fhir.searched",
        details={"type": resource_type, "count": len(entries), "people": people},
    )


@fhir_view()
def search(request, resource_type):
    kind = _kind(resource_type)
    params = _params(request)
    unknown = sorted(set(params) - allowed_params(kind))
    if unknown:
        raise SearchError(
            unknown[0],
            _("Unknown search parameter for %(type)s: %(name)s.")
            % {"type": kind.name, "name": unknown[0]},
        )
    _check_format(params)
    count = min(_int_param(params, "_count", DEFAULT_COUNT), MAX_COUNT)
    offset = _int_param(params, "_offset", 0)
    criteria = {k: v for k, v in params.items() if k not in PAGING}
    ctx = Context(Scope(request.user), _language(request))
    records = filtered(kind, ctx, criteria)
    if kind.one_to_one:
        total = len(records) if isinstance(records, list) else records.count()
        entries = resources_of(kind, ctx, records[offset : offset + count])
    else:
        every = resources_of(kind, ctx, records)
        if "_id" in criteria:
            wanted = {v.strip() for v in ",".join(criteria["_id"]).split(",")}
            every = [(rec, res) for rec, res in every if res["id"] in wanted]
        total = len(every)
        entries = every[offset : offset + count]
    base = base_url(request)

    def page_url(at: int) -> str:
        query = [(k, v) for k, values in criteria.items() for v in values]
        query += [("_count", str(count)), ("_offset", str(at))]
        return f"{base}{kind.name}?{urlencode(query)}"

    links = [{"relation": "self", "url": page_url(offset)}]
    if count and offset + count < total:
        links.append({"relation": "next", "url": page_url(offset + count)})
    if offset > 0:
        links.append({"relation": "previous", "url": page_url(max(0, offset - count))})
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}{res['resourceType']}/{res['id']}",
                "resource": res,
                "search": {"mode": "match"},
            }
            for _rec, res in entries
        ],
    }
    _audit_search(request.user, kind.name, entries, ctx, kind)
    return fhir_response(bundle)


@fhir_view()
def read(request, resource_type, ident):
    kind = _kind(resource_type)
    params = _params(request)
    unknown = sorted(set(params) - {"_format"})
    if unknown:
        raise SearchError(
            unknown[0], _("Unknown parameter for a read: %(name)s.") % {"name": unknown[0]}
        )
    _check_format(params)
    ctx = Context(Scope(request.user), _language(request))
    records = kind.records(ctx)
    if isinstance(records, list):
        matches = [r for r in records if record_id(kind, r) == ident]
    else:
        q = kind.by_id(ident)
        matches = list(records.filter(q).distinct()[:1]) if q is not None else []
    found = [(rec, res) for rec, res in resources_of(kind, ctx, matches) if res["id"] == ident]
    if not found:
        raise Http404
    record, resource = found[0]
    for person in kind.people(ctx, record):
        audit.record(
            actor=request.user,
            action="fhir.resource_read",
            obj=person,
            details={"type": kind.name, "id": resource["id"]},
        )
    return fhir_response(resource)


# --- bulk export ---------------------------------------------------------------------------


def _export_request(request) -> tuple[list[str], object]:
    params = _params(request)
    unknown = sorted(set(params) - {"_type", "_since", "_outputFormat"})
    if unknown:
        raise SearchError(
            unknown[0], _("Unknown $export parameter: %(name)s.") % {"name": unknown[0]}
        )
    formats = params.get("_outputFormat", [])
    for value in formats:
        if value not in ("application/fhir+ndjson", "application/ndjson", "ndjson"):
            raise SearchError("_outputFormat", _("_outputFormat: only NDJSON is produced."))
    types = []
    for value in ",".join(params.get("_type", [])).split(","):
        value = value.strip()
        if not value:
            continue
        if value not in EXPORT_TYPES:
            raise SearchError("_type", _("_type: %(type)s cannot be exported.") % {"type": value})
        if value not in types:
            types.append(value)
    since = None
    if params.get("_since"):
        raw = params["_since"][-1]
        since = parse_datetime(raw)
        if since is None and parse_date(raw) is not None:
            since = parse_datetime(f"{raw}T00:00:00")
        if since is None:
            raise SearchError(
                "_since",
                _("_since: expected an instant such as 2026-01-31T00:00:00Z, not %(value)s.")
                % {"value": raw},
            )
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
    return types or list(EXPORT_TYPES), since


@fhir_view()
def export(request):
    prefer = request.headers.get("Prefer", "")
    if "respond-async" not in prefer:
        raise SearchError(
            "Prefer", _("Send the header 'Prefer: respond-async' to start an export.")
        )
    types, since = _export_request(request)
    from .tasks import build_export

    purge_expired_exports()
    with transaction.atomic():
        job = BulkExport.objects.create(
            requester=request.user,
            types=types,
            since=since,
            request_url=request.build_absolute_uri()[:500],
        )
        audit.record(
            actor=request.user,
            action="fhir.export_requested",
            object_type="fhir.bulkexport",
            object_id=str(job.pk),
            details={"types": types, "since": since.isoformat() if since else None},
        )
        transaction.on_commit(lambda: build_export.enqueue(str(job.pk)))
    status_url = request.build_absolute_uri(reverse("fhir:export_status", args=[job.pk]))
    return HttpResponse(status=202, headers={"Content-Location": status_url})


def _own_export(request, job_id) -> BulkExport:
    job = BulkExport.objects.filter(pk=job_id, requester=request.user).first()
    if job is None:
        raise Http404
    return job


@fhir_view(methods=("GET", "DELETE"))
def export_status(request, job_id):
    job = _own_export(request, job_id)
    if request.method == "DELETE":
        with transaction.atomic():
            audit.record(
                actor=request.user,
                action="fhir.export_deleted",
                object_type="fhir.bulkexport",
                object_id=str(job.pk),
            )
            job.delete()
        return HttpResponse(status=202)
    if job.expired:
        return outcome(410, _("This export has expired; request a new one."))
    if job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return HttpResponse(status=202, headers={"X-Progress": job.status, "Retry-After": "5"})
    if job.status == ExportStatus.FAILED:
        return outcome(500, _("The export failed: %(error)s") % {"error": job.error})
    manifest = {
        "transactionTime": job.requested_at.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": f.resource_type,
                "url": request.build_absolute_uri(
                    reverse("fhir:export_file", args=[job.pk, f.resource_type])
                ),
                "count": f.count,
            }
            for f in job.files.all()
        ],
        "error": [],
    }
    return HttpResponse(json.dumps(manifest), content_type="application/json")


@fhir_view()
def export_file(request, job_id, resource_type):
    job = _own_export(request, job_id)
    if job.expired:
        return outcome(410, _("This export has expired; request a new one."))
    file = job.files.filter(resource_type=resource_type).first()
    if file is None or job.status != ExportStatus.DONE:
        raise Http404
    audit.record(
        actor=request.user,
        action="fhir.export_downloaded",
        object_type="fhir.bulkexport",
        object_id=str(job.pk),
        details={"type": resource_type, "count": file.count, "people": file.people},
    )
    return HttpResponse(file.content, content_type=NDJSON)
