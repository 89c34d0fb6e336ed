"""The one way in to classification overrides for the API, the pages and commands: each change is atomic, audited
and mirrored onto the field in the graph (lineage.overrides), where every read query sees it."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.accounts import audit, reasons
from catalog.accounts.models import ApiToken, AuditAction
from catalog.classification.models import CATEGORY_CHOICES, NOT_PERSONAL, ClassificationOverride
from catalog.inventory.services import NotInCatalogError, field_of, org_named
from harvesters.models import OrgConnection
from lineage import get_graph, org_key
from lineage.overrides import OverrideMirror, clear_override, reapply_overrides, set_override

MAX_REASON_LENGTH = reasons.MAX_REASON_LENGTH
CATEGORIES = frozenset(value for value, _ in CATEGORY_CHOICES)
Actor = AbstractBaseUser | AnonymousUser


class OverrideInputError(ValueError):
    """A value an override cannot take; `field` names it (ccpa_category, sensitive, reason)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class OverrideConflictError(Exception):
    """The override is not live any more (withdrawn or replaced), or another was made on the field meanwhile."""


def override_field(alias: str, sobject: str, field: str, *, ccpa_category: str = "", sensitive: bool | None = None,
                   reason: str, actor: Actor, token: ApiToken | None = None) -> ClassificationOverride:
    """Put a privacy officer's category (a CcpaCategory value, NOT_PERSONAL, or "" to keep the harvested one) and
    sensitivity (None keeps it) in force on a live field, replacing its live override if it has one."""
    stated = _checked(ccpa_category, sensitive, reason)
    detail = field_of(alias, sobject, field)  # a 404-style error naming the org or the field when it is not there
    org = org_named(alias)
    try:
        with transaction.atomic():
            now = timezone.now()
            previous = _live_override(detail.key)
            if previous is not None:
                _end(previous, now, actor, f"Replaced by a newer override: {stated}")
            made = ClassificationOverride.objects.create(
                org=org, sobject=detail.object, field=detail.name, field_key=detail.key, ccpa_category=ccpa_category,
                sensitive=sensitive, reason=stated, created_by_id=_user_id(actor),
                created_by_name=audit.actor_name(actor), created_at=now,
                harvested_ccpa_category=detail.harvested_ccpa_category or "",
                harvested_sensitive=detail.harvested_sensitive)
            if previous is not None:
                previous.replaced_by = made
                previous.save(update_fields=["replaced_by"])
            audit.record(AuditAction.CLASSIFICATION_OVERRIDDEN, actor=actor, token=token, object_type="field",
                         object_key=detail.key, reason=stated, details=_details(made, previous))
            if not set_override(get_graph(), mirror_of(made)):  # retired meanwhile: nothing is kept
                raise NotInCatalogError(f"The org {alias!r} has no field {sobject}.{field}.")
    except IntegrityError as error:  # another override of the field was made at the same moment
        raise OverrideConflictError(f"{sobject}.{field} was overridden by someone else meanwhile; reload it.") \
            from error
    return made


def withdraw_override(override: ClassificationOverride, *, reason: str, actor: Actor,
                      token: ApiToken | None = None) -> ClassificationOverride:
    """End a live override (kept as a past row): the harvested classification is in force again."""
    stated = _reason(reason)
    with transaction.atomic():
        locked = ClassificationOverride.objects.select_for_update().get(pk=override.pk)
        if not locked.is_live:
            raise OverrideConflictError(f"The override of {locked.sobject}.{locked.field} is {locked.status} already.")
        _end(locked, timezone.now(), actor, stated)
        audit.record(AuditAction.CLASSIFICATION_OVERRIDE_WITHDRAWN, actor=actor, token=token, object_type="field",
                     object_key=locked.field_key, reason=stated, details=_details(locked, None))
        clear_override(get_graph(), locked.field_key)  # a field not in the graph now has nothing to clear
    return locked


def overrides_of(alias: str, *, status: str = "", sobject: str = "", search: str = "",
                 ccpa_category: str = "") -> QuerySet[ClassificationOverride]:
    """The org's overrides, newest first: `status` live or past (withdrawn or replaced), by object, by part of
    the field's name, by the category they put in force."""
    overrides = ClassificationOverride.objects.filter(org=org_named(alias)).select_related("replaced_by")
    if status == "live":
        overrides = overrides.filter(withdrawn_at__isnull=True)
    elif status == "past":
        overrides = overrides.filter(withdrawn_at__isnull=False)
    if sobject:
        overrides = overrides.filter(sobject=sobject)
    if search:
        overrides = overrides.filter(Q(field__icontains=search) | Q(sobject__icontains=search))
    if ccpa_category:
        overrides = overrides.filter(ccpa_category=ccpa_category)
    return overrides


def override_in(alias: str, pk: int) -> ClassificationOverride:
    """One override of the org by its id; an error naming it when the org has none of that id."""
    found = overrides_of(alias).filter(pk=pk).first()
    if found is None:
        raise NotInCatalogError(f"The org {alias!r} has no classification override {pk}.")
    return found


def live_override_of(field_key: str) -> ClassificationOverride | None:
    return ClassificationOverride.objects.filter(field_key=field_key, withdrawn_at__isnull=True).first()


def mirror_overrides(org: OrgConnection) -> int:
    """Make the org's fields in the graph mirror exactly its live overrides (one transaction): how many do."""
    if not org.org_id:
        return 0
    live = ClassificationOverride.objects.filter(org=org, withdrawn_at__isnull=True)
    return reapply_overrides(get_graph(), org_key(org.org_id), [mirror_of(override) for override in live])


def overrides_in_force_at(org: OrgConnection, moment: datetime) -> list[OverrideMirror]:
    """The org's overrides in force at `moment` (made by then, not withdrawn or replaced by then): what a record as
    of a past date classifies by, since the graph mirrors only the overrides live now."""
    in_force = ClassificationOverride.objects.filter(org=org, created_at__lte=moment).filter(
        Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=moment)).order_by("created_at", "id")
    return [mirror_of(override) for override in in_force]


def mirror_of(override: ClassificationOverride) -> OverrideMirror:
    return OverrideMirror(
        field_key=override.field_key, override_id=override.pk, at=override.created_at, by=override.created_by_name,
        reason=override.reason, category_kept=not override.ccpa_category,
        ccpa_category=override.ccpa_category if override.ccpa_category not in ("", NOT_PERSONAL) else None,
        sensitive=override.sensitive)


# --- checks and bookkeeping -------------------------------------------------------------------------


def _checked(ccpa_category: str, sensitive: bool | None, reason: str) -> str:
    if ccpa_category and ccpa_category not in CATEGORIES:
        raise OverrideInputError("ccpa_category", f"{ccpa_category!r} is not a CCPA category; choose one of "
                                                  f"{', '.join(sorted(CATEGORIES))}")
    if sensitive is not None and not isinstance(sensitive, bool):
        raise OverrideInputError("sensitive", "sensitive is true, false, or left out to keep the harvested value")
    if not ccpa_category and sensitive is None:
        raise OverrideInputError("ccpa_category", "an override changes the category, the sensitivity or both")
    return _reason(reason)


def _reason(reason: str) -> str:
    try:
        return reasons.checked_reason(reason)
    except reasons.ReasonError as error:
        raise OverrideInputError("reason", str(error)) from None


def _live_override(field_key: str) -> ClassificationOverride | None:
    return ClassificationOverride.objects.select_for_update().filter(field_key=field_key,
                                                                      withdrawn_at__isnull=True).first()


def _end(override: ClassificationOverride, now: datetime, actor: Actor, reason: str) -> None:
    override.withdrawn_at = now
    override.withdrawn_by_id = _user_id(actor)
    override.withdrawn_by_name = audit.actor_name(actor)
    override.withdrawal_reason = reason
    override.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_by_name", "withdrawal_reason"])


def _details(override: ClassificationOverride, replaced: ClassificationOverride | None) -> dict[str, object]:
    return {"override": override.pk, "org": override.org.alias, "object": override.sobject, "field": override.field,
            "ccpa_category": override.ccpa_category or None, "sensitive": override.sensitive,
            "harvested_ccpa_category": override.harvested_ccpa_category or None,
            "harvested_sensitive": override.harvested_sensitive,
            "replaces": replaced.pk if replaced is not None else None}


def _user_id(actor: Actor) -> int | None:
    user = audit.acting_user(actor)
    return int(user.pk) if user is not None else None
