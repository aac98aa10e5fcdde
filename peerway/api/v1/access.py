"""Each API operation declares its permission, like every page (peerway.core.access).

``requires(perm, obj=...)`` checks a `rules` permission against the object found through a
selector (which raises 404 for anything outside the caller's places), with the same
predicates the pages use. Reads of a person's record declare their audit event
(``audit_read``), written once the answer is ready; other operations say why they show
no record (``no_record``). The route walk test fails on an operation without a permission.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from peerway.core import audit

READ_METHODS = {"GET", "HEAD"}


def audit_details(request) -> dict:
    token = getattr(request, "api_token", None)
    return {"via": "api", "token": token.prefix if token is not None else None}


def _with_nul(value, path: str) -> str | None:
    """The first field (dotted path) whose text holds a NUL character, else None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _with_nul(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def refuse_nul_characters(request) -> None:
    """Text with a NUL character is refused with the field named, as the pages' forms do
    (a database cannot store it: PostgreSQL refuses it outright)."""
    import json

    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            raise ValidationError({name: _("Null characters are not allowed.")})
    if request.body and request.content_type == "application/json":
        try:
            data = json.loads(request.body)
        except ValueError:
            return  # ninja has already answered a body it could not read
        field = _with_nul(data, "")
        if field:
            raise ValidationError({field: _("Null characters are not allowed.")})


def requires(
    perm: str,
    obj: Callable | None = None,
    *,
    audit_read: str | None = None,
    no_record: str | None = None,
):
    if bool(audit_read) == bool(no_record):
        raise ValueError("An API operation either audits its reads or says why it shows none.")

    def decorator(func):
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            refuse_nul_characters(request)
            target = obj(request, **kwargs) if obj else None
            if not request.user.has_perm(perm, target):
                raise PermissionDenied
            request.permission_object = target
            result = func(request, *args, **kwargs)
            if audit_read and request.method in READ_METHODS:
                audit.record(
                    actor=request.user,
                    action=audit_read,
                    obj=target,
                    details=audit_details(request),
                )
            return result

        wrapped.peerway_permission = perm  # type: ignore[attr-defined]
        wrapped.peerway_audit_read = audit_read  # type: ignore[attr-defined]
        wrapped.peerway_no_record = no_record  # type: ignore[attr-defined]
        return wrapped

    return decorator
