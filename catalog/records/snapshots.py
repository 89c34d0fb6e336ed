"""The one way in to frozen snapshots of a record of processing: take one (signed, audited), list and read them,
check they are intact, read one back as a diff compares it, and export one in any format.

A snapshot holds the record's JSON export exactly as `catalog.records.exports` makes it, its signature embedded, so
`manage.py verify_ropa` checks the file a snapshot hands out, and the record it froze is what the file says. Its
other formats are written from that body read back (`catalog.records.frozen`), never from the graph as it is now,
each signed naming the snapshot.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.accounts import audit, reasons
from catalog.accounts.models import ApiToken, AuditAction
from catalog.exports.services import Exporter, stated_reason
from catalog.inventory.services import NotInCatalogError, org_named
from catalog.records import exports, services
from catalog.records.diff import Comparable, comparable_body
from catalog.records.exports import CONTENT_TYPES, JSON, RecordExport, export_name, record_body
from catalog.records.frozen import record_from_body
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

MAX_REASON_LENGTH = reasons.MAX_REASON_LENGTH


class SnapshotNotIntactError(Exception):
    """A snapshot that is not as it was signed: it is never exported, lest a new signature vouch for a change."""


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


def record_frozen_in(snapshot: RecordSnapshot) -> services.RecordOfProcessing:
    """The record the snapshot froze, read back from its body (the graph is not read)."""
    return record_from_body(body_of(snapshot))


def export_snapshot(snapshot: RecordSnapshot, kind: str, exporter: Exporter) -> RecordExport:
    """The snapshot in the format `kind`, of the record it froze: JSON as it was signed when taken, any other format
    written from its body and signed naming the snapshot; one audit event. A ReasonError without a stated reason, an
    ExportFormatError for a format not offered, a SnapshotNotIntactError when it is not as it was signed."""
    reason, kind = stated_reason(exporter.reason), exports.checked_format(kind)
    check = verification_of(snapshot)
    if not check.valid:
        raise SnapshotNotIntactError(f"The snapshot {snapshot.id} is not as it was signed, so it is not exported: "
                                     f"{check.detail}")
    exported = _frozen_json(snapshot) if kind == JSON else exports.signed_export(
        record_frozen_in(snapshot), subject_of(snapshot, kind))
    audit.record(AuditAction.EXPORTED, actor=exporter.actor, token=exporter.token, object_type="record_snapshot",
                 object_key=str(snapshot.id), reason=reason,
                 details={"export": "record of processing snapshot", "format": kind, "org": snapshot.org.alias,
                          "as_of": snapshot.as_of.isoformat(), "snapshot_sha256": snapshot.sha256,
                          "sha256": exported.sha256, "activities": exported.activities, "origin": exporter.origin})
    return exported


def subject_of(snapshot: RecordSnapshot, kind: str) -> ExportSubject:
    """What an export of the snapshot holds: its format, the org, the record's date and the snapshot's id."""
    return ExportSubject(kind=kind, org=snapshot.org.alias, as_of=snapshot.as_of.astimezone(UTC).date(),
                         snapshot=str(snapshot.id))


def _frozen_json(snapshot: RecordSnapshot) -> RecordExport:
    file = tempfile.TemporaryFile()  # noqa: SIM115  # handed to the response, which closes it
    file.write(snapshot.signed_export.encode())
    file.seek(0)
    return RecordExport(file_name(snapshot), CONTENT_TYPES[JSON], file, snapshot.sha256, snapshot.activity_count)


def file_name(snapshot: RecordSnapshot) -> str:
    return export_name(snapshot.org.alias, snapshot.as_of.astimezone(UTC).date(), JSON, str(snapshot.id))


def _reason(reason: str) -> str:
    try:
        return reasons.checked_reason(reason, missing="Say why the record is frozen: a reason is required.")
    except reasons.ReasonError as error:
        raise RecordInputError("reason", str(error)) from None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


__all__ = ["SnapshotNotIntactError", "body_of", "comparable", "export_snapshot", "file_name", "record_frozen_in",
           "snapshot_named", "snapshots_of", "subject_of", "take_snapshot", "verification_of"]
