"""What a privacy officer owns in a record of processing activities: the facts the graph cannot know (who the
controller and the DPO are, an activity's description, legal basis, retention where no manifest states it, transfer
safeguards, joint controllers). They are kept by org and activity key, so they survive every regeneration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

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
