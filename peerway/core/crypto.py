"""Encryption of sensitive free text at rest, and blind indexes for lookups.

Keys come from PEERWAY_ENCRYPTION_KEYS (Fernet keys, first one encrypts, all decrypt, so
keys rotate by putting a new key first and re-saving: ``peerway rotate-keys`` later) and
PEERWAY_BLIND_INDEX_KEY (HMAC-SHA256), both separate from SECRET_KEY.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

PREFIX = "fernet:"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode("ascii")) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.PEERWAY_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return PREFIX + fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if not token.startswith(PREFIX):
        raise ValueError("Value is not encrypted with Peerway's field encryption.")
    try:
        return fernet().decrypt(token[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("Cannot decrypt: the value was encrypted with an unknown key.") from exc


def rotate(token: str) -> str:
    """Re-encrypt with the current primary key."""
    return PREFIX + fernet().rotate(token[len(PREFIX) :].encode("ascii")).decode("ascii")


def normalize_for_index(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


def blind_index(text: str, *, purpose: str) -> str:
    """A keyed hash for exact-match lookups of encrypted values (case/accent-insensitive)."""
    key = hmac.new(settings.PEERWAY_BLIND_INDEX_KEY.encode(), purpose.encode(), hashlib.sha256)
    return hmac.new(key.digest(), normalize_for_index(text).encode("utf-8"), "sha256").hexdigest()


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; the database only ever sees ciphertext."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_internal_type(self) -> str:
        return "TextField"
