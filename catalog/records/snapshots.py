"""The one way in to frozen snapshots of a record of processing: take one (signed, audited), list and read them,
check they are intact, and read one back as a diff compares it.

A snapshot holds the record's JSON export exactly as `catalog.records.exports` makes it, its signature embedded, so
`manage.py verify_ropa` checks the file a snapshot hands out, and the record it froze is what the file says.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.accounts import audit
from catalog.accounts.models import ApiToken, AuditAction
from catalog.exports.services import ReasonError, stated_reason
from catalog.inventory.services import NotInCatalogError, org_named
from catalog.records import services
from catalog.records.diff import Comparable, comparable_body
from catalog.records.exports import JSON, export_name, record_body
from catalog.records.models import RecordSnapshot
from catalog.records.services import Actor, RecordInputError
from catalog.records.signing import (
    EMBEDDED_SIGNATURE_MEMBER,
    ExportSubject,
    Verification,
    embed_signature,
    sign_json_body,
    verify_embedded,
)
from harvesters.models import HarvestRun

MAX_REASON_LENGTH = 2000


def take_snapshot(alias: str, *, reason: str, actor: Actor, as_of: datetime | None = None,
                  token: ApiToken | None = None, harvest_run: HarvestRun | None = None) -> RecordSnapshot:
    """Freeze the org's record as of `as_of` (now when None), signed; a reason is required. With `harvest_run`, the
    record regenerated after that run (catalog.records.regenerated), taken by the system in the run's name."""
    stated = _reason(reason)
    record = services.record_of(alias, as_of)
    user = audit.acting_user(actor)
    snapshot = RecordSnapshot(org=org_named(alias), taken_at=timezone.now(), as_of=record.as_of,
                              taken_by_id=user.pk if user is not None else None,
                              taken_by_name=taken_by_name(harvest_run) if harvest_run else audit.actor_name(actor),
                              reason=stated, activity_count=len(record.activities), harvest_run=harvest_run)
    subject = ExportSubject(kind=JSON, org=record.alias, as_of=record.as_of.astimezone(UTC).date(),
                            snapshot=str(snapshot.id))
    body, name = record_body(record), file_name(snapshot)
    snapshot.signed_export = embed_signature(body, file_name=name, subject=subject).decode()
    snapshot.sha256 = sign_json_body(body, file_name=name, subject=subject).sha256
    with transaction.atomic():
        snapshot.save()
        audit.record(AuditAction.RECORD_FROZEN, actor=actor, token=token, object_type="record_snapshot",
                     object_key=str(snapshot.id), reason=stated, actor_name=snapshot.taken_by_name,
                     details={"org": record.alias, "as_of": record.as_of.isoformat(), "sha256": snapshot.sha256,
                              "activities": snapshot.activity_count,
                              **({"harvest_run": harvest_run.pk} if harvest_run else {})})
    return snapshot


def taken_by_name(harvest_run: HarvestRun) -> str:
    """Who a regenerated record names as its taker: the system, after that run."""
    return f"Recordkeeper, after harvest run {harvest_run.pk}"


def snapshots_of(alias: str) -> QuerySet[RecordSnapshot]:
    return RecordSnapshot.objects.filter(org=org_named(alias)).select_related("org")


def snapshot_named(given: str, alias: str | None = None) -> RecordSnapshot:
    """The snapshot of that id (of org `alias` when given); anything else is a NotInCatalogError naming it."""
    found = RecordSnapshot.objects.filter(id=given).select_related("org").first() if _is_uuid(given) else None
    if found is None or (alias is not None and found.org.alias != alias):
        raise NotInCatalogError(f"There is no snapshot {given!r}" + (f" of the org {alias!r}." if alias else "."))
    return found


def verification_of(snapshot: RecordSnapshot) -> Verification:
    """Whether the snapshot is as it was signed (its digest and signature checked with the trusted keys)."""
    return verify_embedded(snapshot.signed_export.encode())


def body_of(snapshot: RecordSnapshot) -> dict[str, Any]:
    """The frozen record's content: the JSON body without its signature."""
    body: dict[str, Any] = json.loads(snapshot.signed_export)
    body.pop(EMBEDDED_SIGNATURE_MEMBER, None)
    return body


def comparable(snapshot: RecordSnapshot) -> Comparable:
    return comparable_body(body_of(snapshot))


def export_snapshot(snapshot: RecordSnapshot, *, reason: str, actor: Actor,
                    token: ApiToken | None = None) -> tuple[str, bytes]:
    """The snapshot's signed JSON export (its file name and bytes), as frozen; audited as an export with the
    reason every export needs."""
    try:
        stated = stated_reason(reason)
    except ReasonError as error:
        raise RecordInputError("reason", str(error)) from None
    audit.record(AuditAction.EXPORTED, actor=actor, token=token, object_type="record_snapshot",
                 object_key=str(snapshot.id), reason=stated,
                 details={"export": "record of processing snapshot", "format": JSON, "org": snapshot.org.alias,
                          "sha256": snapshot.sha256})
    return file_name(snapshot), snapshot.signed_export.encode()


def file_name(snapshot: RecordSnapshot) -> str:
    name = export_name(snapshot.org.alias, snapshot.as_of.astimezone(UTC).date(), JSON)
    return name.removesuffix(".json") + f"-snapshot-{snapshot.id}.json"


def _reason(reason: str) -> str:
    stated = reason.strip() if isinstance(reason, str) else ""
    if not stated:
        raise RecordInputError("reason", "say why the record is frozen: a reason is required")
    if len(stated) > MAX_REASON_LENGTH:
        raise RecordInputError("reason", f"a reason is at most {MAX_REASON_LENGTH} characters")
    return stated


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


__all__ = ["body_of", "comparable", "export_snapshot", "file_name", "snapshot_named", "snapshots_of", "take_snapshot",
           "verification_of"]
