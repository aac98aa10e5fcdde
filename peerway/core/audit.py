"""The audit trail: append-only, hash-chained events.

``record`` must be called inside the transaction that makes the change it describes
(services do this), so an event exists if and only if the change was committed.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import csv
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import context
from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
# Fields covered by an event's chain hash (an HMAC-SHA256 keyed with PEERWAY_AUDIT_KEYS).
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
    "key_id",
)
# Before keyed chaining, events were chained with plain SHA-256 over these fields; the
# upgrade migration verifies such a chain once and re-keys it (docs/security.md).
LEGACY_HASHED_FIELDS = HASHED_FIELDS[:-1]


class AuditIntegrityError(Exception):
    """The trail or a checkpoint does not verify; the message says where and why."""


def _canonical(values: dict[str, Any], fields: tuple[str, ...] = HASHED_FIELDS) -> str:
    def norm(v: Any) -> Any:
        if isinstance(v, datetime):
            return v.astimezone(UTC).isoformat(timespec="microseconds")
        return v

    return json.dumps(
        {k: norm(values[k]) for k in fields},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def compute_legacy_hash(previous_hash: str, values: dict[str, Any]) -> str:
    """The unkeyed SHA-256 chain of earlier versions (kept only to verify before re-keying)."""
    payload = previous_hash + "|" + _canonical(values, LEGACY_HASHED_FIELDS)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def compute_mac(previous_hash: str, values: dict[str, Any], key: bytes) -> str:
    """HMAC-SHA256 of the previous hash and the event's fields: only a key holder can
    produce a value that verifies, so recomputing the chain without the key is caught."""
    payload = previous_hash + "|" + _canonical(values)
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def chain_keys(entries: Iterable[str] | None = None) -> dict[str, bytes]:
    """The configured chain keys by id, in order: the first keys new events."""
    keys: dict[str, bytes] = {}
    for entry in settings.PEERWAY_AUDIT_KEYS if entries is None else entries:
        key_id, _sep, secret = entry.strip().partition(":")
        if key_id and secret:
            keys.setdefault(key_id, secret.encode("utf-8"))
    if not keys:
        raise AuditIntegrityError("PEERWAY_AUDIT_KEYS holds no key.")
    return keys


def current_key() -> tuple[str, bytes]:
    key_id, key = next(iter(chain_keys().items()))
    return key_id, key


# Actions recorded while a view runs, so a declared read event is not written twice when
# the view (or a service it calls) already recorded it (peerway.core.access).
_collected: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "peerway_audit_collected", default=None
)


@contextlib.contextmanager
def collecting() -> Iterator[list[str]]:
    actions: list[str] = []
    token = _collected.set(actions)
    try:
        yield actions
    finally:
        _collected.reset(token)


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


_HEAD = AuditChainHead._meta.db_table


def _lock_head() -> tuple[int, str]:
    """(last sequence, last hash) of the chain, its head row locked until the transaction
    ends (PostgreSQL: FOR UPDATE; SQLite: the write transaction already holds the database's
    write lock). Every writer appends after the previous one's event, one at a time."""
    qn = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT {qn('last_sequence')}, {qn('last_hash')} FROM {qn(_HEAD)} WHERE {qn('id')} = 1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql + lock)
        row = cursor.fetchone()
        if row is None:  # the first event of a new installation
            AuditChainHead.objects.get_or_create(pk=1)
            cursor.execute(sql + lock)
            row = cursor.fetchone()
    return int(row[0]), row[1]


def _move_head(sequence: int, event_hash: str) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(_HEAD)} SET {qn('last_sequence')} = %s, {qn('last_hash')} = %s "  # noqa: S608
            f"WHERE {qn('id')} = 1",
            [sequence, event_hash],
        )


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
    key_id, key = current_key()
    # Inside the caller's transaction without a savepoint of its own: a failure here fails
    # the whole write, so a change is never committed without its event.
    with transaction.atomic(savepoint=False):
        sequence, previous_hash = _lock_head()
        values = {
            "sequence": sequence + 1,
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
            "key_id": key_id,
        }
        event_hash = compute_mac(previous_hash, values, key)
        event = AuditEvent(**values, previous_hash=previous_hash, hash=event_hash)
        event.save(force_insert=True)
        _move_head(values["sequence"], event_hash)
    collected = _collected.get()
    if collected is not None:
        collected.append(action)
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_sequence: int | None = None
    reason: str = ""
    checkpoints: int = 0
    newest_checkpoint: str = ""
    uncovered: int = 0

    def message(self) -> str:
        if self.ok:
            text = f"Audit trail intact: {self.checked} events checked"
            if self.checkpoints:
                text += (
                    f", consistent with {self.checkpoints} signed checkpoints. The newest was "
                    f"signed {self.newest_checkpoint}; {self.uncovered} events written since "
                    "are covered by the keyed chain only"
                )
            return text + "."
        if self.first_broken_sequence is None:
            return f"Audit trail not verified: {self.reason}"
        return (
            f"Audit trail broken at event #{self.first_broken_sequence}: {self.reason} "
            f"({self.checked} events checked before it)."
        )


def _stored_values(event: Any, fields: tuple[str, ...] = HASHED_FIELDS) -> dict[str, Any]:
    return {name: getattr(event, name) for name in fields}


def _walk(
    events: Iterable[AuditEvent],
    keys: dict[str, bytes],
    *,
    expected_sequence: int = 1,
    previous_hash: str = GENESIS_HASH,
    remember: set[int] | None = None,
) -> tuple[VerifyResult | None, int, str, dict[int, str]]:
    """Check each link; return (failure or None, events checked, last hash, remembered)."""
    checked = 0
    seen: dict[int, str] = {}
    for event in events:
        if event.sequence != expected_sequence:
            return (
                VerifyResult(
                    False,
                    checked,
                    expected_sequence,
                    f"event #{expected_sequence} is missing (next stored is #{event.sequence})",
                ),
                checked,
                previous_hash,
                seen,
            )
        failure = ""
        key = keys.get(event.key_id)
        if event.previous_hash != previous_hash:
            failure = "its link to the previous event does not match"
        elif key is None:
            failure = (
                f"it names chain key {event.key_id!r}, which is not among PEERWAY_AUDIT_KEYS "
                "(a forged event, or an old key removed too early)"
            )
        elif not hmac.compare_digest(
            compute_mac(previous_hash, _stored_values(event), key), event.hash
        ):
            failure = "its content does not match its keyed hash"
        if failure:
            return (
                VerifyResult(False, checked, event.sequence, failure),
                checked,
                previous_hash,
                seen,
            )
        if remember and event.sequence in remember:
            seen[event.sequence] = event.hash
        previous_hash = event.hash
        expected_sequence += 1
        checked += 1
    return None, checked, previous_hash, seen


def verify(
    batch_size: int = 2000,
    *,
    checkpoints: str | Path | None = None,
    public_keys: Iterable[bytes] = (),
) -> VerifyResult:
    """Walk the chain in order and name the first event that does not fit.

    With ``checkpoints`` (a directory of signed checkpoints), also check that every
    checkpointed event is still stored with the hash it had when it was signed: this
    catches a cut tail, a wholesale deletion and a rewrite by someone holding the chain key.
    """
    keys = chain_keys()
    marks: list[Checkpoint] = []
    if checkpoints is not None:
        try:
            marks = load_checkpoints(checkpoints, public_keys=public_keys)
        except AuditIntegrityError as exc:
            return VerifyResult(False, 0, None, str(exc))
        if not marks:
            return VerifyResult(
                False,
                0,
                None,
                f"no checkpoints found in {checkpoints}; without them a cut tail or a "
                "deleted trail cannot be detected.",
            )
    events = AuditEvent.objects.order_by("sequence").iterator(chunk_size=batch_size)
    failure, checked, last_hash, seen = _walk(events, keys, remember={m.sequence for m in marks})
    if failure:
        return failure
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.last_sequence != checked:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            f"the chain head records {head.last_sequence} events but {checked} are stored",
        )
    if head and checked and head.last_hash != last_hash:
        return VerifyResult(False, checked, checked, "the last event differs from the chain head")
    for mark in sorted(marks, key=lambda m: m.sequence):
        if mark.sequence > checked:
            if checked == 0:
                reason = (
                    f"the trail is empty, but checkpoint {mark.name} (signed {mark.created_at}) "
                    f"records {mark.events} events: the trail was deleted"
                )
            else:
                reason = (
                    f"checkpoint {mark.name} (signed {mark.created_at}) records "
                    f"{mark.events} events but only {checked} are stored: the tail was cut"
                )
            return VerifyResult(False, checked, checked + 1, reason, len(marks))
        if mark.sequence and seen.get(mark.sequence) != mark.last_hash:
            return VerifyResult(
                False,
                checked,
                mark.sequence,
                f"it differs from checkpoint {mark.name} (signed {mark.created_at}): "
                "the events up to it were rewritten",
                len(marks),
            )
    newest = max(marks, key=lambda m: m.sequence, default=None)
    return VerifyResult(
        True,
        checked,
        checkpoints=len(marks),
        newest_checkpoint=newest.created_at if newest else "",
        uncovered=checked - newest.sequence if newest else 0,
    )


# --- Signed checkpoints ---------------------------------------------------------------
# A checkpoint is a small JSON file signed with Ed25519 that states "the trail had N
# events and event #N had this hash at this time". Kept outside the database, it lets a
# verifier notice events that were later cut, deleted or rewritten.

CHECKPOINT_VERSION = 1
CHECKPOINT_FIELDS = ("version", "sequence", "events", "last_hash", "created_at", "signer")


def _signing_key(text: str | None = None):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    text = (settings.PEERWAY_AUDIT_SIGNING_KEY if text is None else text).strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except ValueError as exc:
        raise AuditIntegrityError(
            "PEERWAY_AUDIT_SIGNING_KEY is not an Ed25519 private key (PEM or base64 seed)."
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditIntegrityError("PEERWAY_AUDIT_SIGNING_KEY must be an Ed25519 key.")
    return key


def _raw_public(public_key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_key) -> str:
    return hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]


def public_key_pem() -> str:
    """The checkpoint verification key, to hand to auditors (`peerway audit public-key`)."""
    from cryptography.hazmat.primitives import serialization

    return (
        _signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def load_public_key(data: bytes):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise AuditIntegrityError("The public key file is not a PEM public key.") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise AuditIntegrityError("The public key file does not hold an Ed25519 key.")
    return key


def generate_keys() -> dict[str, str]:
    """Fresh secrets for a new installation or a rotation (`peerway audit keygen`)."""
    import secrets

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    return {
        "PEERWAY_AUDIT_KEYS": f"{timezone.now():%Y%m%d}:{secrets.token_urlsafe(48)}",
        "PEERWAY_AUDIT_SIGNING_KEY": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        "public_key": key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
    }


def _checkpoint_payload(body: dict[str, Any]) -> bytes:
    return json.dumps(
        {k: body[k] for k in CHECKPOINT_FIELDS}, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")


@dataclass(frozen=True)
class Checkpoint:
    name: str
    sequence: int
    events: int
    last_hash: str
    created_at: str


def load_checkpoints(
    directory: str | Path, *, public_keys: Iterable[bytes] = (), skip_unknown_signers=False
) -> list[Checkpoint]:
    """Read and check every checkpoint file in a directory; any bad one is an error."""
    from cryptography.exceptions import InvalidSignature

    directory = Path(directory)
    if not directory.is_dir():
        raise AuditIntegrityError(f"The checkpoint directory {directory} does not exist.")
    verifiers = {}
    for candidate in [_signing_key().public_key(), *(load_public_key(p) for p in public_keys)]:
        verifiers[fingerprint(candidate)] = candidate
    marks = []
    for path in sorted(directory.glob("checkpoint-*.json")):
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            payload = _checkpoint_payload(body)
            signature = base64.b64decode(body["signature"], validate=True)
            sequence, events = int(body["sequence"]), int(body["events"])
        except (ValueError, KeyError, TypeError, OSError) as exc:
            raise AuditIntegrityError(f"Checkpoint {path.name} cannot be read ({exc}).") from exc
        verifier = verifiers.get(body["signer"])
        if verifier is None and skip_unknown_signers:
            continue  # signed before a signing-key rotation; verify checks it with --public-key
        if verifier is None:
            raise AuditIntegrityError(
                f"Checkpoint {path.name} is signed by key {body['signer']}, which is neither "
                "the configured signing key nor a --public-key given."
            )
        try:
            verifier.verify(signature, payload)
        except InvalidSignature as exc:
            raise AuditIntegrityError(
                f"Checkpoint {path.name} has an invalid signature: it was forged or altered."
            ) from exc
        if events != sequence:
            raise AuditIntegrityError(
                f"Checkpoint {path.name} was signed over a trail with gaps "
                f"({events} events up to #{sequence})."
            )
        marks.append(
            Checkpoint(path.name, sequence, events, str(body["last_hash"]), body["created_at"])
        )
    return marks


def write_checkpoint(directory: str | Path | None = None) -> Path:
    """Sign the current head of the trail into a new file in ``directory``.

    Before signing, the events since the newest checkpoint already in the directory are
    verified, so a checkpoint never vouches for a trail that was tampered with.
    """
    directory = Path(directory or settings.PEERWAY_AUDIT_CHECKPOINT_DIR)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AuditIntegrityError(f"Cannot create {directory}: {exc.strerror}.") from exc
    keys = chain_keys()
    marks = load_checkpoints(directory, skip_unknown_signers=True)
    last = max(marks, key=lambda m: m.sequence, default=None)
    with transaction.atomic():
        head = AuditChainHead.objects.filter(pk=1).first()
        sequence = head.last_sequence if head else 0
        start, previous_hash = 1, GENESIS_HASH
        if last and last.sequence:
            anchor = AuditEvent.objects.filter(sequence=last.sequence).first()
            if anchor is None or anchor.hash != last.last_hash:
                raise AuditIntegrityError(
                    f"Event #{last.sequence} no longer matches checkpoint {last.name}; "
                    "run `peerway audit verify --checkpoints` before signing a new one."
                )
            start, previous_hash = last.sequence + 1, last.last_hash
        events = AuditEvent.objects.filter(sequence__gte=start, sequence__lte=sequence)
        failure, checked, last_hash, _seen = _walk(
            events.order_by("sequence").iterator(chunk_size=2000),
            keys,
            expected_sequence=start,
            previous_hash=previous_hash,
        )
        if failure:
            raise AuditIntegrityError(failure.message())
        if start + checked - 1 != sequence or (head and sequence and last_hash != head.last_hash):
            raise AuditIntegrityError(
                "The chain head does not match the stored events; run `peerway audit verify`."
            )
        count = AuditEvent.objects.filter(sequence__lte=sequence).count()
    key = _signing_key()
    created = timezone.now().astimezone(UTC)
    body: dict[str, Any] = {
        "version": CHECKPOINT_VERSION,
        "sequence": sequence,
        "events": count,
        "last_hash": last_hash if sequence else GENESIS_HASH,
        "created_at": created.isoformat(timespec="microseconds"),
        "signer": fingerprint(key.public_key()),
    }
    body["signature"] = base64.b64encode(key.sign(_checkpoint_payload(body))).decode()
    name = f"checkpoint-{sequence:012d}-{created:%Y%m%dT%H%M%S%fZ}.json"
    target = directory / name
    temporary = directory / f".{name}.tmp"
    try:
        temporary.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temporary, target)
    except OSError as exc:
        raise AuditIntegrityError(f"Cannot write to {directory}: {exc.strerror}.") from exc
    return target


# --- Upgrade from the unkeyed chain -------------------------------------------------------


def rekey_legacy_chain(event_model: Any, head_model: Any) -> int:
    """Verify a chain written with plain SHA-256 and re-chain it with the current key.

    Run once by migration core 0003 (docs/security.md, "Upgrading"). Refuses a broken
    legacy chain unless PEERWAY_AUDIT_REKEY_ACCEPT_BROKEN=1, and then says so in the
    ``audit.rekeyed`` event it appends, so re-keying never hides earlier tampering.
    """
    rows = list(event_model.objects.filter(key_id="").order_by("sequence"))
    if not rows:
        return 0
    previous, finding = GENESIS_HASH, "intact"
    for expected, event in enumerate(rows, start=1):
        stored = _stored_values(event, LEGACY_HASHED_FIELDS)
        if (
            event.sequence != expected
            or event.previous_hash != previous
            or compute_legacy_hash(previous, stored) != event.hash
        ):
            finding = f"broken at #{expected}"
            break
        previous = event.hash
    if finding != "intact" and os.environ.get("PEERWAY_AUDIT_REKEY_ACCEPT_BROKEN") != "1":
        raise AuditIntegrityError(
            f"The existing audit trail is {finding} (unkeyed chain). Investigate before "
            "upgrading; to re-key it anyway and record the finding, set "
            "PEERWAY_AUDIT_REKEY_ACCEPT_BROKEN=1."
        )
    legacy_last_hash = rows[-1].hash
    key_id, key = current_key()
    previous = GENESIS_HASH
    for event in rows:
        event.key_id = key_id
        event.previous_hash = previous
        event.hash = compute_mac(previous, _stored_values(event), key)
        previous = event.hash
    event_model.objects.bulk_update(rows, ["key_id", "previous_hash", "hash"], batch_size=1000)
    values = {
        "sequence": rows[-1].sequence + 1,
        "created_at": timezone.now(),
        "actor_id": None,
        "actor_label": "system",
        "action": "audit.rekeyed",
        "object_type": "",
        "object_id": "",
        "organization_id": None,
        "site_id": None,
        "team_id": None,
        "request_id": "",
        "ip_address": None,
        "details": {
            "legacy_events": len(rows),
            "legacy_last_hash": legacy_last_hash,
            "legacy_chain": finding,
        },
        "key_id": key_id,
    }
    mac = compute_mac(previous, values, key)
    event_model.objects.create(**values, previous_hash=previous, hash=mac)
    head_model.objects.update_or_create(
        pk=1, defaults={"last_sequence": values["sequence"], "last_hash": mac}
    )
    return len(rows)


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
    "key_id",
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
