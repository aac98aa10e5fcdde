"""The audit trail against someone who can write to the database.

Each test plays the attacker: they hold the database (raw SQL, no application checks)
but not the chain key nor the checkpoint signing key, unless the story says otherwise.
"""

import base64
import hashlib
import hmac
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from peerway.core import audit
from peerway.core.models import AuditChainHead, AuditEvent
from peerway.core.tasks import write_audit_checkpoint

TABLE = AuditEvent._meta.db_table
HEAD = AuditChainHead._meta.db_table


def make_trail(world, n=6):
    for i in range(n):
        audit.record(actor=world.manager, action="test.event", details={"i": i})


def rewrite_and_rechain(*, sequence, action, chain_hash, key_id=None):
    """Change one event, then recompute every later hash with ``chain_hash`` and fix the
    head, exactly as an attacker with database access would."""
    events = list(AuditEvent.objects.order_by("sequence"))
    previous = events[sequence - 2].hash if sequence > 1 else audit.GENESIS_HASH
    with connection.cursor() as cursor:
        for event in events[sequence - 1 :]:
            if event.sequence == sequence:
                event.action = action
            if key_id is not None:
                event.key_id = key_id
            new_hash = chain_hash(previous, event)
            cursor.execute(
                f"UPDATE {TABLE} SET action=%s, key_id=%s, previous_hash=%s, hash=%s WHERE id=%s",
                [event.action, event.key_id, previous, new_hash, event.pk],
            )
            previous = new_hash
        cursor.execute(f"UPDATE {HEAD} SET last_hash=%s WHERE id=1", [previous])


def plain_sha256(previous, event):
    payload = previous + "|" + audit._canonical(audit._stored_values(event))
    return hashlib.sha256(payload.encode()).hexdigest()


def hmac_with(key):
    def chain(previous, event):
        payload = previous + "|" + audit._canonical(audit._stored_values(event))
        return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()

    return chain


def cut_tail(keep):
    """Delete every event after ``keep`` and make the head point at the new last event."""
    last = AuditEvent.objects.get(sequence=keep)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE sequence > %s", [keep])
        cursor.execute(
            f"UPDATE {HEAD} SET last_sequence=%s, last_hash=%s WHERE id=1", [keep, last.hash]
        )


def delete_everything():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"DELETE FROM {HEAD}")


def test_a_clean_trail_verifies_with_and_without_checkpoints(world, tmp_path):
    make_trail(world)
    audit.write_checkpoint(tmp_path)
    make_trail(world, 2)
    assert audit.verify().ok
    result = audit.verify(checkpoints=tmp_path)
    assert result.ok, result.message()
    assert result.checkpoints == 1
    assert "1 signed checkpoints" in result.message()
    assert result.uncovered == 2
    assert "2 events written since" in result.message()


def test_events_name_the_key_that_chained_them(world, settings):
    make_trail(world, 1)
    assert AuditEvent.objects.get().key_id == "dev"
    settings.PEERWAY_AUDIT_KEYS = ["k2026:" + "n" * 40, "dev:" + "x" * 40]
    audit.record(actor=world.manager, action="test.event")
    assert AuditEvent.objects.get(sequence=2).key_id == "k2026"


def test_rewriting_an_event_and_rechaining_with_plain_sha256_is_detected(world):
    make_trail(world)
    rewrite_and_rechain(sequence=3, action="test.innocent", chain_hash=plain_sha256)
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_sequence == 3
    assert "keyed hash" in result.reason


def test_rewriting_an_event_and_rechaining_with_a_guessed_key_is_detected(world):
    make_trail(world)
    rewrite_and_rechain(
        sequence=2, action="test.innocent", chain_hash=hmac_with(b"a-guess-at-the-chain-key")
    )
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_sequence == 2


def test_downgrading_the_trail_to_the_old_unkeyed_chain_is_detected(world):
    make_trail(world)
    rewrite_and_rechain(sequence=1, action="test.innocent", chain_hash=plain_sha256, key_id="")
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_sequence == 1
    assert "not among PEERWAY_AUDIT_KEYS" in result.reason


def test_a_rewrite_by_someone_holding_the_chain_key_passes_the_chain_but_not_a_checkpoint(
    world, settings, tmp_path
):
    make_trail(world)
    audit.write_checkpoint(tmp_path)
    make_trail(world, 2)
    stolen_key = settings.PEERWAY_AUDIT_KEYS[0].partition(":")[2].encode()
    rewrite_and_rechain(sequence=4, action="test.innocent", chain_hash=hmac_with(stolen_key))
    assert audit.verify().ok  # the chain alone cannot tell: the key was stolen
    result = audit.verify(checkpoints=tmp_path)
    assert not result.ok
    assert result.first_broken_sequence == 6
    assert "rewritten" in result.reason


def test_cutting_the_tail_and_adjusting_the_head_needs_a_checkpoint_to_be_seen(world, tmp_path):
    make_trail(world, 8)
    audit.write_checkpoint(tmp_path)
    cut_tail(keep=5)
    # What the chain alone cannot see (docs/security.md says so):
    assert audit.verify().ok
    result = audit.verify(checkpoints=tmp_path)
    assert not result.ok
    assert "tail was cut" in result.reason
    assert "8 events but only 5 are stored" in result.reason
    assert result.first_broken_sequence == 6


def test_deleting_the_whole_trail_is_detected_with_checkpoints(world, tmp_path):
    make_trail(world)
    audit.write_checkpoint(tmp_path)
    delete_everything()
    assert audit.verify().ok  # an empty database looks like a new installation
    result = audit.verify(checkpoints=tmp_path)
    assert not result.ok
    assert "the trail was deleted" in result.reason


def test_verifying_against_an_empty_checkpoint_directory_fails(world, tmp_path):
    make_trail(world, 1)
    result = audit.verify(checkpoints=tmp_path)
    assert not result.ok
    assert "no checkpoints found" in result.message()


def test_an_altered_checkpoint_file_is_rejected(world, tmp_path):
    make_trail(world, 8)
    path = audit.write_checkpoint(tmp_path)
    cut_tail(keep=5)
    # The attacker also reaches the checkpoint directory and lowers the count.
    body = json.loads(path.read_text())
    body.update(sequence=5, events=5, last_hash=AuditEvent.objects.get(sequence=5).hash)
    path.write_text(json.dumps(body))
    result = audit.verify(checkpoints=tmp_path)
    assert not result.ok
    assert "invalid signature" in result.message()


def test_a_checkpoint_signed_by_another_key_is_rejected(world, settings, tmp_path):
    make_trail(world, 2)
    settings.PEERWAY_AUDIT_SIGNING_KEY = audit.generate_keys()["PEERWAY_AUDIT_SIGNING_KEY"]
    audit.write_checkpoint(tmp_path)
    settings.PEERWAY_AUDIT_SIGNING_KEY = audit.generate_keys()["PEERWAY_AUDIT_SIGNING_KEY"]
    result = audit.verify(checkpoints=tmp_path)
    assert not result.ok
    assert "neither the configured signing key" in result.message()


def test_a_checkpoint_is_never_signed_over_a_tampered_trail(world, tmp_path):
    make_trail(world)
    audit.write_checkpoint(tmp_path)
    make_trail(world, 2)
    rewrite_and_rechain(sequence=7, action="test.innocent", chain_hash=plain_sha256)
    with pytest.raises(audit.AuditIntegrityError, match="#7"):
        audit.write_checkpoint(tmp_path)
    assert len(list(tmp_path.glob("checkpoint-*.json"))) == 1


def test_rotating_the_chain_key_keeps_old_events_verifiable(world, settings):
    make_trail(world, 3)
    old = settings.PEERWAY_AUDIT_KEYS[0]
    settings.PEERWAY_AUDIT_KEYS = ["k2027:" + "r" * 48, old]
    make_trail(world, 3)
    assert {e.key_id for e in AuditEvent.objects.all()} == {"dev", "k2027"}
    assert audit.verify().ok
    # Dropping the old key too early makes its events unverifiable, and says why.
    settings.PEERWAY_AUDIT_KEYS = ["k2027:" + "r" * 48]
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_sequence == 1
    assert "'dev'" in result.reason


def test_rotating_the_signing_key_keeps_old_checkpoints_verifiable(world, settings, tmp_path):
    make_trail(world, 3)
    audit.write_checkpoint(tmp_path / "cp")
    old_public = tmp_path / "old.pem"
    old_public.write_text(audit.public_key_pem())
    settings.PEERWAY_AUDIT_SIGNING_KEY = audit.generate_keys()["PEERWAY_AUDIT_SIGNING_KEY"]
    make_trail(world, 2)
    audit.write_checkpoint(tmp_path / "cp")
    assert not audit.verify(checkpoints=tmp_path / "cp").ok
    result = audit.verify(checkpoints=tmp_path / "cp", public_keys=[old_public.read_bytes()])
    assert result.ok, result.message()
    assert result.checkpoints == 2


def test_checkpoint_and_verify_commands(world, tmp_path):
    make_trail(world, 4)
    out = io.StringIO()
    call_command("audit", "checkpoint", "--out", str(tmp_path), stdout=out)
    assert "Checkpoint written" in out.getvalue()
    body = json.loads(next(tmp_path.glob("checkpoint-*.json")).read_text())
    assert body["sequence"] == body["events"] == 4
    assert body["last_hash"] == AuditEvent.objects.get(sequence=4).hash
    assert set(body) >= {"created_at", "signature", "signer"}
    out = io.StringIO()
    call_command("audit", "verify", "--checkpoints", str(tmp_path), stdout=out)
    assert "consistent with 1 signed checkpoints" in out.getvalue()
    cut_tail(keep=2)
    call_command("audit", "verify", stdout=io.StringIO())
    with pytest.raises(CommandError, match="tail was cut"):
        call_command("audit", "verify", "--checkpoints", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("audit", "verify", "--checkpoints", str(tmp_path / "missing"))


def test_public_key_export_verifies_a_checkpoint_without_the_signing_key(world, tmp_path):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    make_trail(world, 2)
    path = audit.write_checkpoint(tmp_path)
    out = io.StringIO()
    call_command("audit", "public-key", stdout=out)
    public = load_pem_public_key(out.getvalue().encode())
    body = json.loads(path.read_text())
    signature = base64.b64decode(body.pop("signature"))
    public.verify(signature, json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def test_keygen_prints_usable_keys(world, settings):
    out = io.StringIO()
    call_command("audit", "keygen", stdout=out)
    keys = json.loads(out.getvalue().split("\n", 2)[2])
    settings.PEERWAY_AUDIT_KEYS = [keys["PEERWAY_AUDIT_KEYS"]]
    settings.PEERWAY_AUDIT_SIGNING_KEY = keys["PEERWAY_AUDIT_SIGNING_KEY"]
    assert len(keys["PEERWAY_AUDIT_KEYS"].partition(":")[2]) >= 32
    assert audit.public_key_pem() == keys["public_key"]
    audit.record(actor=None, action="test.event")
    assert audit.verify().ok


def test_the_checkpoint_task_writes_to_the_configured_directory(world, settings, tmp_path):
    settings.PEERWAY_AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    make_trail(world, 2)
    result = write_audit_checkpoint.enqueue()
    assert Path(result.return_value).parent == tmp_path / "checkpoints"
    assert audit.verify(checkpoints=tmp_path / "checkpoints").ok


def test_an_unwritable_checkpoint_directory_is_a_clear_error(world, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(CommandError, match="Cannot create"):
        call_command("audit", "checkpoint", "--out", str(blocker / "sub"))


def legacy_trail(world, n):
    """Events as the previous version wrote them: plain SHA-256, no key id."""
    make_trail(world, n)
    events = list(AuditEvent.objects.order_by("sequence"))
    previous = audit.GENESIS_HASH
    with connection.cursor() as cursor:
        for event in events:
            new_hash = audit.compute_legacy_hash(previous, audit._stored_values(event))
            cursor.execute(
                f"UPDATE {TABLE} SET key_id='', previous_hash=%s, hash=%s WHERE id=%s",
                [previous, new_hash, event.pk],
            )
            previous = new_hash
        cursor.execute(f"UPDATE {HEAD} SET last_hash=%s WHERE id=1", [previous])
    return previous


def _migration_models():
    """The historical models the upgrade migration hands over (no append-only guards)."""
    from django.db.migrations.executor import MigrationExecutor

    state = MigrationExecutor(connection).loader.project_state(("core", "0003_audit_keyed_chain"))
    return state.apps.get_model("core", "AuditEvent"), state.apps.get_model(
        "core", "AuditChainHead"
    )


def test_upgrade_rekeys_an_intact_unkeyed_trail_and_records_it(world):
    legacy_last = legacy_trail(world, 4)
    assert not audit.verify().ok  # unkeyed events are not accepted as they are
    assert audit.rekey_legacy_chain(*_migration_models()) == 4
    assert audit.verify().ok
    event = AuditEvent.objects.get(sequence=5)
    assert event.action == "audit.rekeyed"
    assert event.details == {
        "legacy_events": 4,
        "legacy_last_hash": legacy_last,
        "legacy_chain": "intact",
    }


def test_upgrade_refuses_to_launder_a_tampered_unkeyed_trail(world, monkeypatch):
    legacy_trail(world, 4)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action='test.innocent' WHERE sequence=2")
    with pytest.raises(audit.AuditIntegrityError, match="broken at #2"):
        audit.rekey_legacy_chain(*_migration_models())
    monkeypatch.setenv("PEERWAY_AUDIT_REKEY_ACCEPT_BROKEN", "1")
    audit.rekey_legacy_chain(*_migration_models())
    assert AuditEvent.objects.get(action="audit.rekeyed").details["legacy_chain"] == "broken at #2"


def test_console_script_offers_checkpoints(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "peerway.cli", "audit", "--help"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert "checkpoint" in result.stdout
