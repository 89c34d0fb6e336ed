"""The one way in to records of processing activities for the API, the pages and commands: an org's record as of a
date (the graph's activities with a privacy officer's entries beside them), and the audited edits of those entries.

A human-owned field shows the privacy officer's words, else what the graph says, else NEEDS_INPUT: never a blank.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from catalog.accounts import audit, reasons
from catalog.accounts.models import ApiToken, AuditAction
from catalog.classification.services import overrides_in_force_at
from catalog.inventory.services import NotInCatalogError, org_named
from catalog.records.activities import UNASSIGNED_KEY, Activity, Evidence, Stated, activity_key, generate
from catalog.records.models import ACTIVITY_FIELDS, MAX_TEXT, ORG_FIELDS, ActivityEntry, OrgRecord
from harvesters.models import OrgConnection
from lineage import get_graph, org_key
from lineage.queries.processing import record_facts

NEEDS_INPUT = "needs input"
PRIVACY_OFFICER = "privacy officer"
GRAPH = "graph"
MAX_REASON_LENGTH = reasons.MAX_REASON_LENGTH
Actor = AbstractBaseUser | AnonymousUser


class RecordInputError(ValueError):
    """A value a record's field cannot take; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Shown:
    """A human-owned field as the record shows it, and where its value comes from."""

    name: str
    label: str
    value: str | None
    answered_by: str  # PRIVACY_OFFICER, GRAPH or NEEDS_INPUT
    evidence: tuple[Evidence, ...] = ()

    @property
    def needs_input(self) -> bool:
        return self.answered_by == NEEDS_INPUT


@dataclass(frozen=True)
class ActivityRecord:
    org: str  # the org's alias
    as_of: datetime
    activity: Activity
    owned: tuple[Shown, ...]  # ACTIVITY_FIELDS, in their order
    updated_by: str | None
    updated_at: datetime | None

    @property
    def needs_input(self) -> tuple[Shown, ...]:
        return tuple(each for each in self.owned if each.needs_input)


@dataclass(frozen=True)
class RecordOfProcessing:
    alias: str
    as_of: datetime
    live: bool  # as of now (an earlier date rebuilds the graph as it stood then)
    harvested: bool  # the org has been harvested at all
    owned: tuple[Shown, ...]  # ORG_FIELDS
    activities: tuple[ActivityRecord, ...]

    @property
    def needs_input_count(self) -> int:
        return sum(1 for each in self.owned if each.needs_input) + sum(
            len(each.needs_input) for each in self.activities)


def record_of(alias: str, as_of: datetime | None = None) -> RecordOfProcessing:
    """The org's record of processing activities as of `as_of` (now when None); an org never harvested has none."""
    return _record(alias, as_of, None)


def _record(alias: str, as_of: datetime | None, only: str | None) -> RecordOfProcessing:
    """The record, or only the activity keyed `only` in it (the rest of the org's activities left unread)."""
    org = org_named(alias)
    moment, live = _moment(as_of)
    entries = {entry.activity_key: entry for entry in ActivityEntry.objects.filter(org=org)}
    with _without_cycle_collection():
        activities = _activities(org, moment, live, only) if org.org_id else []
    return RecordOfProcessing(
        alias=org.alias, as_of=moment, live=live, harvested=bool(org.org_id), owned=_org_owned(org),
        activities=tuple(_activity_record(org.alias, moment, each, entries.get(each.key)) for each in activities))


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A large org's record is a few hundred thousand new objects, which Python's cycle collector (run every few
    hundred allocations) walked again and again: a quarter of a 125,000-field build. The build leaves no cycles behind
    worth collecting at once; reference counting frees what it drops, and the collector resumes after it."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def activity_of(alias: str, key: str, as_of: datetime | None = None) -> ActivityRecord:
    found = next((each for each in _record(alias, as_of, key).activities if each.activity.key == key), None)
    if found is None:
        raise NotInCatalogError(f"The org {alias!r} has no processing activity {key!r}.")
    return found


def edit_activity(alias: str, key: str, values: dict[str, str], *, reason: str = "", actor: Actor,
                  token: ApiToken | None = None) -> ActivityRecord:
    """Put a privacy officer's words into an activity's human-owned fields (an empty value clears one); audited."""
    changes, stated = _checked(values, ACTIVITY_FIELDS), _reason(reason)
    activity_of(alias, key)  # a 404-style error when the org has no such activity now
    org = org_named(alias)
    with transaction.atomic():
        entry = ActivityEntry.objects.select_for_update().filter(org=org, activity_key=key).first() \
            or ActivityEntry(org=org, activity_key=key)
        changed = _apply(entry, changes, actor)
        if changed:
            audit.record(AuditAction.RECORD_EDITED, actor=actor, token=token, object_type="processing_activity",
                         object_key=f"{alias}/{key}", reason=stated, details={"org": alias, "changed": changed})
    return activity_of(alias, key)


def edit_org_record(alias: str, values: dict[str, str], *, reason: str = "", actor: Actor,
                    token: ApiToken | None = None) -> tuple[Shown, ...]:
    """Put a privacy officer's words into the record's own fields (controller, DPO, representative); audited."""
    changes, stated = _checked(values, ORG_FIELDS), _reason(reason)
    org = org_named(alias)
    with transaction.atomic():
        entry = OrgRecord.objects.select_for_update().filter(org=org).first() or OrgRecord(org=org)
        changed = _apply(entry, changes, actor)
        if changed:
            audit.record(AuditAction.RECORD_EDITED, actor=actor, token=token, object_type="record",
                         object_key=alias, reason=stated, details={"org": alias, "changed": changed})
    return _org_owned(org)


# --- reading ---------------------------------------------------------------------------------------------------


def _moment(as_of: datetime | None) -> tuple[datetime, bool]:
    now = timezone.now()
    if as_of is None or as_of >= now:
        return now, True
    return as_of, False


def _activities(org: OrgConnection, moment: datetime, live: bool, only: str | None) -> list[Activity]:
    """The org's activities; with `only`, that one: a purpose's activity reads only its own integrations, while
    the fields no purpose reaches need every activity's."""
    graph, scope = get_graph(), org_key(org.org_id)
    # The graph mirrors only today's overrides: an earlier moment is classified by those in force then.
    overrides = None if live else overrides_in_force_at(org, moment)
    one_purpose = only is not None and only != UNASSIGNED_KEY
    facts = record_facts(graph, scope, moment, overrides,
                         (lambda name: activity_key(name) == only) if one_purpose else None)
    return generate(facts.activities, facts.unreached, org.alias, facts.objects, facts.code)


def _org_owned(org: OrgConnection) -> tuple[Shown, ...]:
    entry = OrgRecord.objects.filter(org=org).first()
    return tuple(_shown(name, label, getattr(entry, name, ""), None) for name, label in ORG_FIELDS.items())


def _activity_record(alias: str, as_of: datetime, activity: Activity, entry: ActivityEntry | None) -> ActivityRecord:
    from_graph = _graph_values(activity)
    owned = tuple(_shown(name, label, getattr(entry, name, ""), from_graph.get(name))
                  for name, label in ACTIVITY_FIELDS.items())
    return ActivityRecord(alias, as_of, activity, owned, entry.updated_by_name if entry else None,
                          entry.updated_at if entry else None)


def _graph_values(activity: Activity) -> dict[str, Stated[str]]:
    """What the graph says for the human-owned fields it can answer."""
    values: dict[str, Stated[str]] = {}
    if activity.description:
        values["description"] = activity.description
    if activity.legal_basis:
        values["legal_basis"] = activity.legal_basis
    if activity.retention:
        text = "; ".join(f"{each.value.system}: {each.value.period}"
                         + (f" ({each.value.basis})" if each.value.basis else "") for each in activity.retention)
        values["retention"] = Stated(text, tuple(proof for each in activity.retention for proof in each.evidence))
    if activity.recipients and not activity.transfers:
        values["transfer_safeguards"] = Stated("Not applicable: no recipient outside the country was found")
    return values


def _shown(name: str, label: str, own: str, from_graph: Stated[str] | None) -> Shown:
    if own:
        return Shown(name, label, own, PRIVACY_OFFICER)
    if from_graph is not None:
        return Shown(name, label, from_graph.value, GRAPH, from_graph.evidence)
    return Shown(name, label, None, NEEDS_INPUT)


# --- editing ---------------------------------------------------------------------------------------------------


def _checked(values: dict[str, str], allowed: dict[str, str]) -> dict[str, str]:
    """The values to put in (none given changes nothing); a name or value a field cannot take is named."""
    for name, value in values.items():
        if name not in allowed:
            raise RecordInputError(name, f"{name!r} is not a field a privacy officer fills: "
                                         f"{', '.join(allowed)}")
        if not isinstance(value, str):
            raise RecordInputError(name, "a text value is required (an empty one clears the field)")
        if len(value) > MAX_TEXT:
            raise RecordInputError(name, f"at most {MAX_TEXT} characters")
        if "\x00" in value:
            raise RecordInputError(name, "null characters are not allowed")
    return {name: value.strip() for name, value in values.items()}


def _apply(entry: OrgRecord | ActivityEntry, changes: dict[str, str], actor: Actor) -> list[str]:
    """Set the changed values on `entry` and save it; the names of the fields that changed."""
    changed = [name for name, value in changes.items() if getattr(entry, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(entry, name, changes[name])
    user = audit.acting_user(actor)
    entry.updated_at = timezone.now()
    entry.updated_by = user  # type: ignore[assignment]
    entry.updated_by_name = audit.actor_name(actor)
    _save(entry)
    return changed


def _save(entry: Model) -> None:
    entry.full_clean(exclude=["updated_by"])
    entry.save()


def _reason(reason: str) -> str:
    """An edit's reason is optional: the audit log keeps what is given."""
    try:
        return reasons.checked_reason(reason, required=False)
    except reasons.ReasonError as error:
        raise RecordInputError("reason", str(error)) from None


__all__ = ["GRAPH", "NEEDS_INPUT", "PRIVACY_OFFICER", "ActivityRecord", "RecordInputError", "RecordOfProcessing",
           "Shown", "activity_of", "edit_activity", "edit_org_record", "record_of"]
