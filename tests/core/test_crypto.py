import pytest
from cryptography.fernet import Fernet

from peerway.core import crypto


def test_encrypted_text_round_trips_and_hides_plain_text(settings):
    token = crypto.encrypt("a private note")
    assert "private" not in token
    assert crypto.decrypt(token) == "a private note"


def test_old_key_still_decrypts_after_rotation(settings):
    old = Fernet.generate_key().decode()
    new = Fernet.generate_key().decode()
    settings.PEERWAY_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("kept secret")
    settings.PEERWAY_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "kept secret"
    rotated = crypto.rotate(token)
    settings.PEERWAY_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "kept secret"


def test_unknown_key_fails_loudly(settings):
    settings.PEERWAY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    token = crypto.encrypt("x")
    settings.PEERWAY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError, match="unknown key"):
        crypto.decrypt(token)


def test_blind_index_ignores_case_and_accents_and_depends_on_purpose():
    a = crypto.blind_index("Émilie  Côté", purpose="person.name")
    assert a == crypto.blind_index("emilie cote", purpose="person.name")
    assert a != crypto.blind_index("emilie cote", purpose="other")
    assert "emilie" not in a
