"""What a privacy officer owns in a record of processing activities: the facts the graph cannot know (who the
controller and the DPO are, an activity's description, legal basis, retention where no manifest states it, transfer
safeguards, joint controllers). They are kept by org and activity key, so they survive every regeneration.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

# The human-owned fields, each with the words a privacy officer reads; also the audit log's vocabulary.
ORG_FIELDS = {
    "controller": "Controller (the business): name and contact details",
    "dpo": "Data protection officer or privacy contact: name and contact details",
    "representative": "Representative (where one is required): name and contact details",
}
ACTIVITY_FIELDS = {
    "description": "Description of the processing",
    "legal_basis": "Legal basis",
    "retention": "Retention (where no manifest states it)",
    "transfer_safeguards": "Safeguards for transfers outside the country",
    "joint_controllers": "Joint controllers",
}
MAX_TEXT = 4000  # a field is a paragraph or two, not a document


class Stewardship(models.Model):
    """Who last changed a human-owned entry, and when (every change is in the audit log too)."""

    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_by_name = models.CharField(max_length=150)

    class Meta:
        abstract = True


class OrgRecord(Stewardship):
    """The record's own facts for one org's business."""

    org = models.OneToOneField("harvesters.OrgConnection", on_delete=models.PROTECT, related_name="record")
    controller = models.TextField(blank=True, max_length=MAX_TEXT)
    dpo = models.TextField(blank=True, max_length=MAX_TEXT)
    representative = models.TextField(blank=True, max_length=MAX_TEXT)

    def __str__(self) -> str:
        return f"record of {self.org.alias}"


class ActivityEntry(Stewardship):
    """A privacy officer's statements about one processing activity, by the activity's key (its purpose's name)."""

    org = models.ForeignKey("harvesters.OrgConnection", on_delete=models.PROTECT, related_name="activity_entries")
    activity_key = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=MAX_TEXT)
    legal_basis = models.TextField(blank=True, max_length=MAX_TEXT)
    retention = models.TextField(blank=True, max_length=MAX_TEXT)
    transfer_safeguards = models.TextField(blank=True, max_length=MAX_TEXT)
    joint_controllers = models.TextField(blank=True, max_length=MAX_TEXT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "activity_key"], name="one_entry_per_activity")]

    def __str__(self) -> str:
        return f"{self.org.alias}: {self.activity_key}"


class FrozenError(Exception):
    """An attempt to change or delete a snapshot: a frozen record stays as it was taken."""


class SnapshotQuerySet(models.QuerySet["RecordSnapshot"]):
    def update(self, **kwargs: Any) -> int:
        raise FrozenError("snapshots are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise FrozenError("snapshots are never deleted")


class RecordSnapshot(models.Model):
    """A record of processing frozen as it was at a moment, signed when it was taken: the JSON export of it (its
    Ed25519 signature embedded), kept unchanged. Its id is chosen before it is signed, so the signature names it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey("harvesters.OrgConnection", on_delete=models.PROTECT, related_name="record_snapshots")
    taken_at = models.DateTimeField(db_index=True)
    as_of = models.DateTimeField(help_text="The moment the record shows (the graph as it stood then)")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    taken_by_name = models.CharField(max_length=150)
    reason = models.TextField(help_text="Why it was frozen, in the privacy officer's words")
    # Set on a record regenerated after a successful harvest run (catalog.records.regenerated): one per run.
    harvest_run = models.OneToOneField("harvesters.HarvestRun", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="regenerated_record",
                                       help_text="The harvest run after which the record was regenerated; "
                                                 "empty when a privacy officer froze it")
    activity_count = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="The digest of the record's content (its JSON body)")
    signed_export = models.TextField(help_text="The JSON export, canonical and signed (verify_ropa checks it)")

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-taken_at"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="snapshot_has_a_reason")]

    def __str__(self) -> str:
        return f"{self.org.alias} as of {self.as_of:%Y-%m-%d %H:%M} ({self.id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise FrozenError("snapshots are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise FrozenError("snapshots are never deleted")
