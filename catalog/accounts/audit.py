"""Writing the audit log, and the receivers that record logins and harvest starts.

An event never holds a raw consumer identifier (email, phone, record id): a consumer look-up records the
subject's keyed hash only. Events are appended, never changed or deleted (see AuditEvent).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.dispatch import receiver
from django.http import HttpRequest

from catalog.accounts.models import ApiToken, AuditAction, AuditEvent
from harvesters.models import HarvestRun
from harvesters.runs import harvest_requested
from lineage import subject_key

HARVEST_RUN = "harvest_run"  # the object type of a harvest start's event; its key is the run's uid
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# E.164 (a plus and digits, spaced or not), or a North American number written 555-123-4567 or (555) 123 4567.
PHONE = re.compile(r"\+\d[\d\s().-]{6,}\d|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b")


def without_identifiers(text: str) -> str:
    """Free text as the log keeps it: an email address or phone number in it (a consumer's, perhaps) is removed."""
    return PHONE.sub("[phone removed]", EMAIL.sub("[email removed]", text))


def acting_user(actor: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser | None:
    """The signed-in user who acts, or None for an anonymous or absent one (a schedule, a command)."""
    return actor if isinstance(actor, AbstractBaseUser) and actor.is_authenticated else None


def actor_name(actor: AbstractBaseUser | AnonymousUser | None) -> str:
    """The name a record keeps of who acted (kept if the user goes): the username, or "system"."""
    user = acting_user(actor)
    return user.get_username() if user is not None else "system"


def record(action: AuditAction, *, actor: AbstractBaseUser | AnonymousUser | None = None,
           token: ApiToken | None = None, object_type: str = "", object_key: str = "", reason: str = "",
           details: dict[str, Any] | None = None, actor_name: str = "") -> AuditEvent:
    """Appends one event; `actor_name` names a part of the system when no user acted (a schedule, a command). A
    stated reason is kept without any email address or phone number typed into it."""
    event = unsaved(action, actor=actor, token=token, object_type=object_type, object_key=object_key, reason=reason,
                    details=details, actor_name=actor_name)
    event.save()
    return event


def unsaved(action: AuditAction, *, actor: AbstractBaseUser | AnonymousUser | None = None,
            token: ApiToken | None = None, object_type: str = "", object_key: str = "", reason: str = "",
            details: dict[str, Any] | None = None, actor_name: str = "") -> AuditEvent:
    """The event `record` appends, not saved yet: for appending many at once (`AuditEvent.objects.bulk_create`)."""
    user = acting_user(actor)
    return AuditEvent(
        actor_id=user.pk if user is not None else None,
        actor_name=user.get_username() if user is not None else actor_name,
        token_key=token.token_key if token is not None else "", action=action, object_type=object_type,
        object_key=object_key, reason=without_identifiers(reason), details=details or {})


def harvest_run_pks(uids: list[str]) -> dict[str, int]:
    """The page number (pk) of each harvest run an event names by its uid; a uid no run has is left out."""
    valid = [uid for uid in uids if _is_uuid(uid)]
    return {str(uid): pk for uid, pk in HarvestRun.objects.filter(uid__in=valid).values_list("uid", "pk")}


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class MissingReasonError(ValueError):
    """A per-consumer look-up recorded without the reason the law asks for."""


def record_consumer_lookup(subject_hmac: str, *, actor: AbstractBaseUser, reason: str, token: ApiToken | None = None,
                           details: dict[str, Any] | None = None) -> AuditEvent:
    """A look-up of one consumer, by the subject's keyed hash only: a raw email, phone or id is refused."""
    if not reason.strip():
        raise MissingReasonError("a consumer look-up needs a stated reason")
    return record(AuditAction.CONSUMER_LOOKED_UP, actor=actor, token=token, object_type="subject",
                  object_key=subject_key(subject_hmac), reason=reason.strip(), details=details)


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender: object, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    record(AuditAction.LOGIN, actor=user, object_type="user", object_key=user.get_username())


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender: object, request: HttpRequest | None, user: AbstractBaseUser | None,
                  **kwargs: Any) -> None:
    if user is not None:
        record(AuditAction.LOGOUT, actor=user, object_type="user", object_key=user.get_username())


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failure(sender: object, credentials: dict[str, Any], request: HttpRequest | None = None,
                         **kwargs: Any) -> None:
    # Django has already masked the password in `credentials`; only the name tried is kept.
    tried = str(credentials.get("username", ""))[:150]
    record(AuditAction.LOGIN_FAILED, actor_name=tried, object_type="user", object_key=tried)


@receiver(harvest_requested, dispatch_uid="audit_harvest_requested")
def record_harvest_start(sender: object, run: HarvestRun, requested_by: AbstractBaseUser | None = None,
                         origin: str = "", **kwargs: Any) -> None:
    record(AuditAction.HARVEST_STARTED, actor=requested_by, actor_name=origin, object_type=HARVEST_RUN,
           object_key=str(run.uid), details={"org": run.org.alias, "full": run.full, "sources": list(run.sources),
                                             "origin": origin})
