"""API tokens: the scopes a token may hold and the bearer authentication that checks expiry and revocation."""

from __future__ import annotations

import binascii
from datetime import timedelta
from hmac import compare_digest
from typing import Final

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

from catalog.accounts.models import ApiToken

CATALOG_READ: Final = "catalog:read"
CATALOG_WRITE: Final = "catalog:write"
DSAR_READ: Final = "dsar:read"
DSAR_WRITE: Final = "dsar:write"
SCOPES: Final = (CATALOG_READ, CATALOG_WRITE, DSAR_READ, DSAR_WRITE)


class UnknownScopeError(ValueError):
    """A scope that is not one of SCOPES."""


def parse_scopes(given: str) -> list[str]:
    """Comma-separated scopes, checked against SCOPES and deduplicated in their canonical order."""
    named = {part.strip() for part in given.split(",") if part.strip()}
    if not named:
        raise UnknownScopeError(f"no scope given; known scopes: {', '.join(SCOPES)}")
    unknown = sorted(named - set(SCOPES))
    if unknown:
        raise UnknownScopeError(f"unknown scope {', '.join(unknown)}; known scopes: {', '.join(SCOPES)}")
    return [scope for scope in SCOPES if scope in named]


class BearerTokenAuthentication(TokenAuthentication):  # type: ignore[misc]  # knox ships no types
    """`Authorization: Bearer <token>` (knox's prefix setting); a revoked or expired token is a 401 saying so.

    Unlike knox's own, an expired token is kept (not deleted) so the admin and the audit log can still name it.
    """

    def authenticate_credentials(self, token: bytes) -> tuple[AbstractBaseUser, ApiToken]:
        raw = token.decode("utf-8", errors="replace")
        try:
            digest = hash_token(raw)
        except (TypeError, binascii.Error, ValueError):
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        candidates = ApiToken.objects.filter(token_key=raw[:CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user")
        for candidate in candidates:
            if compare_digest(digest, candidate.digest):
                return self._usable(candidate)
        raise exceptions.AuthenticationFailed("Invalid token.")

    def _usable(self, api_token: ApiToken) -> tuple[AbstractBaseUser, ApiToken]:
        if api_token.is_revoked:
            raise exceptions.AuthenticationFailed("The token was revoked.")
        if api_token.is_expired:
            raise exceptions.AuthenticationFailed("The token has expired.")
        if not api_token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's owner is inactive.")
        _note_use(api_token)
        return api_token.user, api_token


def _note_use(api_token: ApiToken) -> None:
    """Stamps the token's last use, at most once every API_TOKEN_LAST_USE_EVERY_S seconds."""
    now = timezone.now()
    every = timedelta(seconds=settings.API_TOKEN_LAST_USE_EVERY_S)
    if api_token.last_used_at is None or now - api_token.last_used_at >= every:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        api_token.last_used_at = now


def token_of(auth: object) -> ApiToken | None:
    """The API token a request authenticated with (request.auth), or None for a session."""
    return auth if isinstance(auth, ApiToken) else None
