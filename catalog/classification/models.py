"""A privacy officer's classification override of one field: what it decides, who made it, when and why.

Rows are never deleted: an override withdrawn, or replaced by a newer one, stays as a past row with when, by whom
and why it ended. At most one override of a field is live (the database refuses a second).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from harvesters.classification import CcpaCategory

NOT_PERSONAL = "not_personal"  # the override says the field holds no personal information
CATEGORY_CHOICES = [(NOT_PERSONAL, "Not personal information"),
                    *((category.value, category.value.replace("_", " ").capitalize()) for category in CcpaCategory)]


class ClassificationOverride(models.Model):
    org = models.ForeignKey("harvesters.OrgConnection", on_delete=models.PROTECT, related_name="overrides")
    sobject = models.CharField(max_length=255, help_text="The object's API name, e.g. Contact")
    field = models.CharField(max_length=255, help_text="The field's API name, e.g. Tax_Id__c")
    field_key = models.CharField(max_length=600, db_index=True, help_text="The Field node's key in the graph")
    ccpa_category = models.CharField(max_length=40, blank=True, choices=CATEGORY_CHOICES,
                                     help_text="The category in force; blank keeps the harvested one")
    sensitive = models.BooleanField(null=True, blank=True,
                                    help_text="Sensitive personal information or not; null keeps the harvested value")
    reason = models.TextField(help_text="Why, in the privacy officer's words")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="classification_overrides")
    created_by_name = models.CharField(max_length=150, help_text="The username then (kept if the user goes)")
    created_at = models.DateTimeField(db_index=True)
    # The classification the harvest's rules had decided when the override was made.
    harvested_ccpa_category = models.CharField(max_length=40, blank=True)
    harvested_sensitive = models.BooleanField(default=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True, db_index=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    withdrawn_by_name = models.CharField(max_length=150, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    replaced_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces",
                                       help_text="The newer override that ended this one")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["field_key"], condition=Q(withdrawn_at__isnull=True),
                                    name="one_live_override_per_field"),
            models.CheckConstraint(condition=~Q(reason=""), name="override_has_a_reason"),
            models.CheckConstraint(condition=~Q(ccpa_category="") | Q(sensitive__isnull=False),
                                   name="override_changes_something"),
            models.CheckConstraint(condition=Q(withdrawn_at__isnull=True, withdrawal_reason="")
                                   | (Q(withdrawn_at__isnull=False) & ~Q(withdrawal_reason="")),
                                   name="withdrawal_has_a_reason"),
        ]
        indexes = [models.Index(fields=["org", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.sobject}.{self.field}: {self.decision} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None

    @property
    def status(self) -> str:
        if self.is_live:
            return "live"
        return "replaced" if self.replaced_by_id is not None else "withdrawn"

    @property
    def ccpa_category_or_none(self) -> str | None:
        """What it sets (NOT_PERSONAL: no category); None keeps the harvested category."""
        return self.ccpa_category or None

    @property
    def harvested_ccpa_category_or_none(self) -> str | None:
        return self.harvested_ccpa_category or None

    @property
    def category_in_force(self) -> str | None:
        """The category this override puts in force (None: not personal information)."""
        if not self.ccpa_category:
            return self.harvested_ccpa_category or None
        return None if self.ccpa_category == NOT_PERSONAL else self.ccpa_category

    @property
    def sensitive_in_force(self) -> bool:
        return self.harvested_sensitive if self.sensitive is None else self.sensitive

    @property
    def decision(self) -> str:
        """What it decides, in words: the category and the sensitivity, each or "as harvested"."""
        category = self.get_ccpa_category_display() if self.ccpa_category else "category as harvested"
        sensitivity = {None: "sensitivity as harvested", True: "sensitive", False: "not sensitive"}[self.sensitive]
        return f"{category}; {sensitivity}"
