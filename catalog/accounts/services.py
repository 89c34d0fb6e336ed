"""The one way in for changes of state in accounts: each function applies it atomically and audits it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from catalog.accounts import audit
from catalog.accounts.models import ApiToken, AuditAction
from catalog.accounts.tokens import SCOPES, UnknownScopeError

MAX_EXPIRY_DAYS = 3650


@dataclass(frozen=True)
class IssuedToken:
    """A new token: `secret` is shown once and never stored (the database keeps its hash)."""

    token: ApiToken
    secret: str


class TokenExpiryError(ValueError):
    """An expiry that is not a whole number of days between 1 and MAX_EXPIRY_DAYS."""


def lifetime_of(days: int | None) -> timedelta | None:
    """How long a token lives: None (until revoked) or 1 to MAX_EXPIRY_DAYS whole days."""
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXPIRY_DAYS:
        raise TokenExpiryError(f"expires-days must be a whole number from 1 to {MAX_EXPIRY_DAYS}, not {days!r}")
    return timedelta(days=days)


def issue_token(owner: AbstractBaseUser, scopes: list[str], *, expires_days: int | None = None, name: str = "",
                issued_by: AbstractBaseUser | None = None, origin: str = "") -> IssuedToken:
    """Creates a token for `owner` with these scopes; the audit log records who issued it (not the secret)."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise UnknownScopeError(f"unknown scope {', '.join(unknown) or '(none given)'}; "
                                f"known scopes: {', '.join(SCOPES)}")
    lifetime = lifetime_of(expires_days)
    with transaction.atomic():
        token, secret = ApiToken.objects.create(user=owner, expiry=lifetime, name=name, scopes=list(scopes))
        expiry = token.expiry
        audit.record(AuditAction.TOKEN_ISSUED, actor=issued_by, actor_name=origin, object_type="api_token",
                     object_key=token.token_key, details={"owner": owner.get_username(), "scopes": list(scopes),
                                                          "expires": expiry.isoformat() if expiry else None,
                                                          "name": name})
    return IssuedToken(token=token, secret=secret)


def revoke_token(token: ApiToken, *, revoked_by: AbstractBaseUser | None = None, reason: str = "",
                 origin: str = "") -> bool:
    """Revokes a token for good (kept, for the record); False if it was already revoked."""
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if changed:
            audit.record(AuditAction.TOKEN_REVOKED, actor=revoked_by, actor_name=origin, object_type="api_token",
                         object_key=token.token_key, reason=reason, details={"owner": token.user.get_username()})
    token.refresh_from_db(fields=["revoked_at"])
    return bool(changed)
