"""Deployment checks (`manage.py check --deploy`): the keys that protect org credentials and consumers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from catalog import settings as product_settings
from catalog.records.signing import SigningKeyError, private_key_from_text, public_key_from_text
from harvesters.secrets import is_fernet_key, secrets_keys

SUBJECT_HMAC_KEY_MIN_LENGTH = 32  # characters: 256 bits or more when they are random


@register(Tags.security, deploy=True)
def check_secrets_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    keys = secrets_keys(settings.SECRETS_KEY)
    if not keys:
        return [Error("SECRETS_KEY holds no key.", hint="Set SECRETS_KEY to a Fernet key.", id="catalog.E001")]
    problems: list[CheckMessage] = [
        Error(f"SECRETS_KEY's key {number} of {len(keys)} is not a Fernet key (32 url-safe base64-encoded bytes).",
              hint='Make one with: python -c "from cryptography.fernet import Fernet; '
                   'print(Fernet.generate_key().decode())"', id="catalog.E002")
        for number, key in enumerate(keys, start=1) if not is_fernet_key(key)
    ]
    if product_settings.development_secrets_key(settings.SECRET_KEY) in keys:
        problems.append(Error("SECRETS_KEY is the development key derived from SECRET_KEY.",
                              hint="Set SECRETS_KEY to a key of its own.", id="catalog.E003"))
    return problems


@register(Tags.security, deploy=True)
def check_subject_hmac_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    key: str = settings.SUBJECT_HMAC_KEY
    problems: list[CheckMessage] = []
    if len(key) < SUBJECT_HMAC_KEY_MIN_LENGTH:
        problems.append(Error(f"SUBJECT_HMAC_KEY has {len(key)} characters; it needs at least "
                              f"{SUBJECT_HMAC_KEY_MIN_LENGTH}.",
                              hint='Make one with: python -c "import secrets; print(secrets.token_urlsafe(48))" '
                                   "(changing it re-keys every subject)", id="catalog.E004"))
    if key == product_settings.development_subject_key(settings.SECRET_KEY):
        problems.append(Error("SUBJECT_HMAC_KEY is the development key derived from SECRET_KEY.",
                              hint="Set SUBJECT_HMAC_KEY to a key of its own.", id="catalog.E005"))
    return problems


ROPA_SIGNING_KEY_HINT = ('Make one with: python -c "import base64, os; '
                         'print(base64.b64encode(os.urandom(32)).decode())" (or `openssl genpkey -algorithm '
                         "ed25519` for PEM); keep an earlier key's public half in ROPA_VERIFY_KEYS so its exports "
                         "still verify")


@register(Tags.security)
def check_ropa_keys_are_ed25519(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A key that is set but unreadable fails every export or verification: said at once, in any mode."""
    problems: list[CheckMessage] = []
    if settings.ROPA_SIGNING_KEY.strip():
        try:
            private_key_from_text(settings.ROPA_SIGNING_KEY)
        except SigningKeyError as error:
            problems.append(Error(f"ROPA_SIGNING_KEY {error}.", hint=ROPA_SIGNING_KEY_HINT, id="catalog.E007"))
    verify_keys = [text for text in settings.ROPA_VERIFY_KEYS if text.strip()]
    for number, text in enumerate(verify_keys, start=1):
        try:
            public_key_from_text(text)
        except SigningKeyError as error:
            problems.append(Error(f"ROPA_VERIFY_KEYS's key {number} of {len(verify_keys)} {error}.",
                                  hint="Give each earlier key's public half: PEM, or base64 of its 32 bytes.",
                                  id="catalog.E009"))
    return problems


@register(Tags.security, deploy=True)
def check_ropa_signing_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    key: str = settings.ROPA_SIGNING_KEY
    if not key.strip():
        return [Error("ROPA_SIGNING_KEY is not set: RoPA exports cannot be signed.", hint=ROPA_SIGNING_KEY_HINT,
                      id="catalog.E006")]
    if key == product_settings.development_ropa_signing_key(settings.SECRET_KEY):
        return [Error("ROPA_SIGNING_KEY is the development key derived from SECRET_KEY.",
                      hint="Set ROPA_SIGNING_KEY to a key of its own.", id="catalog.E008")]
    return []
