"""Production mode refuses default secrets and passes `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def run_manage(args, env_extra, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECRET_KEY", "PEERWAY_", "DJANGO_", "DATABASE_URL"))
    }
    env.update({"PEERWAY_DATA_DIR": str(tmp_path), **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "PEERWAY_MODE": "production",
    "SECRET_KEY": "p" * 20 + "-a-long-random-production-secret-key-0123456789",
    "PEERWAY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "PEERWAY_BLIND_INDEX_KEY": "b" * 40,
    "PEERWAY_AUDIT_KEYS": "prod2026:" + "a" * 48,
    "PEERWAY_AUDIT_SIGNING_KEY": "cHJvZHVjdGlvbi1hdWRpdC1zaWduaW5nLWtleS0wMDA=",
    "ALLOWED_HOSTS": "peerway.example.org",
    "EMAIL_HOST": "smtp.example.org",
}


def test_production_refuses_the_default_secret_key(tmp_path):
    env = {**PRODUCTION}
    del env["SECRET_KEY"]
    result = run_manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_default_encryption_key(tmp_path):
    env = {**PRODUCTION}
    del env["PEERWAY_ENCRYPTION_KEYS"]
    result = run_manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "PEERWAY_ENCRYPTION_KEYS" in result.stderr


def test_production_refuses_the_default_audit_keys(tmp_path):
    env = {**PRODUCTION}
    del env["PEERWAY_AUDIT_KEYS"]
    del env["PEERWAY_AUDIT_SIGNING_KEY"]
    result = run_manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "PEERWAY_AUDIT_KEYS" in result.stderr
    assert "PEERWAY_AUDIT_SIGNING_KEY" in result.stderr


def test_production_refuses_a_short_audit_chain_key(tmp_path):
    result = run_manage(["check"], {**PRODUCTION, "PEERWAY_AUDIT_KEYS": "k1:short"}, tmp_path)
    assert result.returncode != 0
    assert "PEERWAY_AUDIT_KEYS" in result.stderr


def test_a_malformed_audit_key_list_is_refused_in_any_mode(tmp_path):
    result = run_manage(["check"], {"PEERWAY_AUDIT_KEYS": "no-key-id-here"}, tmp_path)
    assert result.returncode != 0
    assert "'id:secret'" in result.stderr


def test_audit_keys_can_come_from_a_file(tmp_path):
    keys = tmp_path / "audit_keys"
    keys.write_text(PRODUCTION["PEERWAY_AUDIT_KEYS"] + "\n")
    env = {**PRODUCTION, "PEERWAY_AUDIT_KEYS_FILE": str(keys)}
    del env["PEERWAY_AUDIT_KEYS"]
    result = run_manage(["check"], env, tmp_path)
    assert result.returncode == 0, result.stderr


def test_secrets_can_come_from_files(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(PRODUCTION["SECRET_KEY"])
    env = {**PRODUCTION, "SECRET_KEY_FILE": str(key_file)}
    del env["SECRET_KEY"]
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode == 0, result.stderr


def test_check_deploy_passes_with_documented_production_settings(tmp_path):
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_with_debug_on(tmp_path):
    result = run_manage(["check"], {**PRODUCTION, "DEBUG": "true"}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG" in result.stderr


def test_debug_stays_available_in_development(tmp_path):
    result = run_manage(["check"], {"DEBUG": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr
