"""The audit trail: append-only, hash-chained events.

``record`` must be called inside the transaction that makes the change it describes
(services do this), so an event exists if and only if the change was committed.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import context
from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "sequence",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "organization_id",
    "site_id",
    "team_id",
    "request_id",
    "ip_address",
    "details",
)


def _canonical(values: dict[str, Any]) -> str:
    def norm(v: Any) -> Any:
        if isinstance(v, datetime):
            return v.astimezone(UTC).isoformat(timespec="microseconds")
        return v

    return json.dumps(
        {k: norm(values[k]) for k in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def compute_hash(previous_hash: str, values: dict[str, Any]) -> str:
    payload = previous_hash + "|" + _canonical(values)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _place_ids(obj: Any) -> dict[str, int | None]:
    """Organization, site and team ids of an object, when it has them."""
    ids: dict[str, int | None] = {"organization_id": None, "site_id": None, "team_id": None}
    if obj is None:
        return ids
    from .models import Organization, Site, Team

    if isinstance(obj, Organization):
        ids["organization_id"] = obj.pk
    elif isinstance(obj, Site):
        ids.update(organization_id=obj.organization_id, site_id=obj.pk)
    elif isinstance(obj, Team):
        ids.update(organization_id=obj.site.organization_id, site_id=obj.site_id, team_id=obj.pk)
    else:
        for name in ("organization_id", "site_id", "team_id"):
            value = getattr(obj, name, None)
            if isinstance(value, int):
                ids[name] = value
        team = getattr(obj, "team", None) if ids["team_id"] else None
        if team is not None and ids["site_id"] is None:
            ids["site_id"] = team.site_id
            ids["organization_id"] = ids["organization_id"] or team.site.organization_id
    return ids


def record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    organization_id: int | None = None,
    site_id: int | None = None,
    team_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Never pass sensitive free text or private attributes in details."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    places = _place_ids(obj)
    organization_id = organization_id or places["organization_id"]
    site_id = site_id or places["site_id"]
    team_id = team_id or places["team_id"]
    ctx = context.current()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        values = {
            "sequence": head.last_sequence + 1,
            "created_at": timezone.now(),
            "actor_id": getattr(actor, "pk", None),
            "actor_label": (getattr(actor, "email", "") or "")[:254] if actor else "system",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id) if object_id != "" else "",
            "organization_id": organization_id,
            "site_id": site_id,
            "team_id": team_id,
            "request_id": ctx.request_id,
            "ip_address": ctx.ip_address if settings.PEERWAY_AUDIT_RECORD_IP else None,
            # Round-trip through JSON so the hash covers exactly what is stored.
            "details": json.loads(json.dumps(details or {}, default=str)),
        }
        event_hash = compute_hash(head.last_hash, values)
        event = AuditEvent(**values, previous_hash=head.last_hash, hash=event_hash)
        event.save()
        head.last_sequence = values["sequence"]
        head.last_hash = event_hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_sequence: int | None = None
    reason: str = ""

    def message(self) -> str:
        if self.ok:
            return f"Audit trail intact: {self.checked} events checked."
        return (
            f"Audit trail broken at event #{self.first_broken_sequence}: {self.reason} "
            f"({self.checked} events checked before it)."
        )


def _stored_values(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def verify(batch_size: int = 2000) -> VerifyResult:
    """Walk the chain in order and name the first event that does not fit."""
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    events = AuditEvent.objects.order_by("sequence").iterator(chunk_size=batch_size)
    for event in events:
        if event.sequence != expected_sequence:
            return VerifyResult(
                False,
                checked,
                expected_sequence,
                f"event #{expected_sequence} is missing (next stored is #{event.sequence})",
            )
        if event.previous_hash != previous_hash:
            return VerifyResult(
                False, checked, event.sequence, "its link to the previous event does not match"
            )
        if compute_hash(previous_hash, _stored_values(event)) != event.hash:
            return VerifyResult(
                False, checked, event.sequence, "its content does not match its hash"
            )
        previous_hash = event.hash
        expected_sequence += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.last_sequence != checked:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            f"the chain head records {head.last_sequence} events but {checked} are stored",
        )
    if head and checked and head.last_hash != previous_hash:
        return VerifyResult(False, checked, checked, "the last event differs from the chain head")
    return VerifyResult(True, checked)


EXPORT_COLUMNS = (
    "sequence",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "organization_id",
    "site_id",
    "team_id",
    "request_id",
    "ip_address",
    "details",
    "previous_hash",
    "hash",
)


def export_rows(events: Iterable[AuditEvent]) -> Iterator[list[str]]:
    # Cells a spreadsheet would run as a formula are prefixed, as in every other CSV export.
    from peerway.assessments.analysis.export import safe_text

    yield list(EXPORT_COLUMNS)
    for e in events:
        row = []
        for col in EXPORT_COLUMNS:
            value = getattr(e, col)
            if col == "details":
                value = json.dumps(value, sort_keys=True, ensure_ascii=False)
            elif isinstance(value, datetime):
                value = value.astimezone(UTC).isoformat()
            row.append(safe_text(value))
        yield row


def export_csv(out: TextIO, *, since: datetime | None = None) -> int:
    qs = AuditEvent.objects.order_by("sequence")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    writer = csv.writer(out)
    count = -1
    for count, row in enumerate(export_rows(qs.iterator(chunk_size=2000))):  # noqa: B007
        writer.writerow(row)
    return max(count, 0)
