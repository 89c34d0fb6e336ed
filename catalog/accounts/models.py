"""Accounts' models: the role permissions, API tokens with scopes, and the append-only audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from knox.models import AbstractAuthToken


class RolePermissions(models.Model):
    """Holds the product's own permissions (no table): roles are groups granted some of them."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_catalog", "Read the catalog: orgs, harvests, objects, fields, systems, lineage"),
            ("edit_catalog", "Change the catalog: classification overrides, records of processing, findings"),
            ("run_harvests", "Start harvests and register orgs"),
            ("export_catalog", "Export records, data maps and reports"),
            ("lookup_consumer", "Look up one consumer's data (per-consumer data maps)"),
            ("view_audit_log", "Browse and filter the audit log"),
            ("manage_tokens", "Issue and revoke API tokens"),
        ]

    def __str__(self) -> str:
        return "role permissions"


class ApiToken(AbstractAuthToken):  # type: ignore[misc]  # knox ships no types
    """A knox token (only its hash is stored) with what it may do, until when, and whether it was revoked."""

    name = models.CharField(max_length=100, blank=True, help_text="What the token is for, e.g. dsar-tooling")
    scopes = models.JSONField(default=list, help_text="e.g. [\"catalog:read\", \"dsar:read\"]")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.token_key}… ({self.user}, {', '.join(self.scopes)})"

    @property
    def is_expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AuditAction(models.TextChoices):
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Failed to log in"
    LOGOUT = "logout", "Logged out"
    TOKEN_ISSUED = "token_issued", "Issued an API token"
    TOKEN_REVOKED = "token_revoked", "Revoked an API token"
    HARVEST_STARTED = "harvest_started", "Started a harvest"
    CLASSIFICATION_OVERRIDDEN = "classification_overridden", "Overrode a classification"
    CLASSIFICATION_OVERRIDE_WITHDRAWN = "classification_override_withdrawn", "Withdrew a classification override"
    EXPORTED = "exported", "Exported"
    CONSUMER_LOOKED_UP = "consumer_looked_up", "Looked up a consumer"
    RECORD_EDITED = "record_edited", "Edited the record of processing"
    RECORD_FROZEN = "record_frozen", "Froze a snapshot of the record of processing"
    FINDING_STATE_CHANGED = "finding_state_changed", "Changed a finding's state"


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit event: the log is append-only."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are never updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are never deleted")


class AuditEvent(models.Model):
    """Who did what to which object, when and why. Never a raw consumer identifier: a look-up keeps its hash."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Deleting a user leaves their events as they were (actor_name keeps who it was).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="audit_events")
    actor_name = models.CharField(max_length=150, blank=True, help_text="The username then, or the system part")
    token_key = models.CharField(max_length=25, blank=True, help_text="The API token's public key, if one was used")
    action = models.CharField(max_length=40, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_key = models.CharField(max_length=255, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects: ClassVar[models.Manager[AuditEvent]] = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_key"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or 'system'} {self.action} {self.object_key}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are never deleted")
