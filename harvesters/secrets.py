"""Secrets at rest: Fernet tokens under the keys from settings, and a model field that stores only those.

SECRETS_KEY holds one Fernet key or several, comma-separated (MultiFernet): the first encrypts, every one
decrypts, so a key is rotated by putting a new one first, re-encrypting (`manage.py rotate_secrets`), then
dropping the old one.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class SecretUnreadableError(RuntimeError):
    """A stored secret does not decrypt with any configured key (rotated away or wrong SECRETS_KEY)."""


def secrets_keys(value: str) -> list[str]:
    """The keys of a SECRETS_KEY value, in order (the first encrypts)."""
    return [key.strip() for key in value.split(",") if key.strip()]


def is_fernet_key(key: str) -> bool:
    try:
        Fernet(key.encode())
    except ValueError:
        return False
    return True


def _fernet() -> MultiFernet:
    keys = secrets_keys(settings.SECRETS_KEY)
    if not keys:
        raise ImproperlyConfigured("SECRETS_KEY holds no key")
    for number, key in enumerate(keys, start=1):
        if not is_fernet_key(key):
            raise ImproperlyConfigured(f"SECRETS_KEY's key {number} of {len(keys)} is not a Fernet key "
                                       "(32 url-safe base64-encoded bytes)")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadableError("a stored secret cannot be decrypted with any key in SECRETS_KEY") from error


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Plain text in Python, a Fernet token in the database; empty stays empty."""

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> str:
        text = super().get_prep_value(value)
        return encrypt(text) if text else ""
