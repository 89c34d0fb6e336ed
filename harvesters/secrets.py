"""Secrets at rest: Fernet tokens under a key from settings, and a model field that stores only those."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class SecretUnreadableError(RuntimeError):
    """A stored secret does not decrypt with the configured key (rotated or wrong SECRETS_KEY)."""


def _fernet() -> Fernet:
    key: str = settings.SECRETS_KEY
    try:
        return Fernet(key.encode())
    except ValueError as error:
        raise ImproperlyConfigured("SECRETS_KEY is not a Fernet key (32 url-safe base64-encoded bytes)") from error


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadableError("a stored secret cannot be decrypted with the configured SECRETS_KEY") from error


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Plain text in Python, a Fernet token in the database; empty stays empty."""

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> str:
        text = super().get_prep_value(value)
        return encrypt(text) if text else ""
