"""Org connections (credentials encrypted at rest) and the bookkeeping of harvest runs."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models, transaction

from harvesters.secrets import EncryptedTextField

API_VERSION = RegexValidator(r"^\d{2,3}\.0$", "an API version such as 61.0")


class AuthFlow(models.TextChoices):
    JWT_BEARER = "jwt_bearer", "OAuth 2.0 JWT bearer"
    CLIENT_CREDENTIALS = "client_credentials", "OAuth 2.0 client credentials"
    OAUTH_PASSWORD = "oauth_password", "OAuth 2.0 username-password (older orgs)"
    SOAP_PASSWORD = "soap_password", "SOAP login with password and security token (older orgs)"
    SESSION_ID = "session_id", "An existing session id"


SECRET_FIELDS = ("private_key", "client_secret", "password", "security_token", "session_id")


def default_manifest_dir() -> str:
    """A new connection's manifest folder: HARVEST_MANIFEST_DIR when that folder exists, else none."""
    configured = str(getattr(settings, "HARVEST_MANIFEST_DIR", "") or "")
    return str(Path(configured).resolve()) if configured and Path(configured).is_dir() else ""


class OrgConnection(models.Model):
    alias = models.SlugField(unique=True, help_text="Short name used by commands and the API")
    login_url = models.URLField(
        help_text="https://login.salesforce.com, https://test.salesforce.com or the org's My Domain URL"
    )
    instance_url = models.URLField(blank=True, help_text="Required for the session-id flow; learnt at login")
    api_version = models.CharField(max_length=6, default="61.0", validators=[API_VERSION])
    auth_flow = models.CharField(max_length=24, choices=AuthFlow.choices)
    username = models.CharField(max_length=255, blank=True)
    client_id = models.CharField(max_length=255, blank=True, help_text="The connected app's consumer key")
    ca_bundle = models.CharField(
        max_length=500, blank=True, help_text="PEM file of CAs to trust instead of the system's (a test org's)"
    )
    jwt_audience = models.URLField(
        blank=True, help_text="The JWT bearer flow's `aud`: empty for https://test.salesforce.com when the login URL "
                              "is a sandbox's, https://login.salesforce.com otherwise (a My Domain URL is no audience)",
    )
    private_key = EncryptedTextField(blank=True)
    client_secret = EncryptedTextField(blank=True)
    password = EncryptedTextField(blank=True)
    security_token = EncryptedTextField(blank=True)
    session_id = EncryptedTextField(blank=True)
    harvest_every_minutes = models.PositiveIntegerField(
        default=60, help_text="Incremental harvests by Celery beat this often; 0 turns them off"
    )
    manifest_dir = models.CharField(
        max_length=500, blank=True, default=default_manifest_dir,
        help_text="Folder of this org's integration manifests (YAML); empty for none",
    )
    org_id = models.CharField(max_length=18, blank=True)
    edition = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["alias"]

    def __str__(self) -> str:
        return self.alias


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial", "succeeded with errors"
    STOPPED = "stopped", "stopped (API limit)"
    FAILED = "failed"


class HarvestRun(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="The run_id in the graph")
    org = models.ForeignKey(OrgConnection, on_delete=models.PROTECT, related_name="runs")
    full = models.BooleanField(default=False, help_text="A full run retires what it no longer sees")
    sources = models.JSONField(default=list, help_text="schema, integrations, logs, consents, manifests")
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="graph rows written, by kind")
    # Salesforce's own counter (Sforce-Limit-Info) before the run's first call and after its last;
    # other integrations of the org share it, so a busy org makes the difference an upper bound.
    api_used_before = models.PositiveIntegerField(null=True, blank=True)
    api_used_after = models.PositiveIntegerField(null=True, blank=True)
    api_daily_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="The org's daily API request limit (DailyApiRequests Max) during the run")
    errors = models.JSONField(default=list)
    warnings = models.JSONField(default=list, help_text="what was left out or read as empty, and why")
    # Salesforce's clock (UTC, ISO 8601) when each source began reading in this run; a source whose step
    # met an error loses its entry, so its watermark does not advance.
    source_clocks = models.JSONField(default=dict)

    # The schema chunks planned (lists of object names), kept so a redelivered start reuses its plan.
    plan = models.JSONField(null=True, blank=True)
    # Each step ("schema:3", "consents", …): done or not, and what it wrote and met, so a step redone after a
    # lost worker or a retry replaces its own figures instead of adding to them.
    steps = models.JSONField(default=dict)
    progress_at = models.DateTimeField(null=True, blank=True, help_text="When a step last landed work")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One run of an org at a time: two would race on the same nodes and on the API budget.
            models.UniqueConstraint(fields=["org"], condition=models.Q(finished_at__isnull=True),
                                    name="one_unfinished_run_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.org} run {self.pk} ({self.status})"

    @property
    def api_calls(self) -> int | None:
        """API calls the run spent, by Salesforce's own accounting."""
        if self.api_used_before is None or self.api_used_after is None:
            return None
        return self.api_used_after - self.api_used_before

    @property
    def api_remaining_before(self) -> int | None:
        """DailyApiRequests Remaining when the run started (the limit less the org's counter then)."""
        return _remaining(self.api_daily_limit, self.api_used_before)

    @property
    def api_remaining_after(self) -> int | None:
        """DailyApiRequests Remaining after the run's last call so far."""
        return _remaining(self.api_daily_limit, self.api_used_after)

    def add_warning(self, warning: str) -> None:
        """Add a warning to the run, finished or not (locked: a worker may be adding its own)."""
        with transaction.atomic():
            locked = HarvestRun.objects.select_for_update().get(pk=self.pk)
            locked.warnings = [*locked.warnings, warning]
            locked.save(update_fields=["warnings"])
        self.warnings = locked.warnings


def _remaining(limit: int | None, used: int | None) -> int | None:
    return None if limit is None or used is None else max(0, limit - used)


class RunPhase(models.Model):
    """A phase of a run (its schema chunks, its sources, a split source's parts, its finish) as started by one
    task: the row, one per run and phase, is created by the first delivery that gets there, so another task
    never starts the phase again, and its own delivery, redelivered, starts it again only if it had not
    finished starting it (its worker died first)."""

    run = models.ForeignKey(HarvestRun, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(max_length=80)
    task_id = models.CharField(max_length=255, help_text="The Celery task that starts the phase")
    started_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When its tasks were sent (or its work done)")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="one_start_per_run_phase")]
        ordering = ["run", "started_at"]

    def __str__(self) -> str:
        return f"{self.run} {self.name} started by {self.task_id}"


class SourceWatermark(models.Model):
    """Where the next incremental read of one source of one org starts: Salesforce's own clock (UTC) when the
    last complete read of that source began. Overlap is subtracted when it is used, not stored."""

    org = models.ForeignKey(OrgConnection, on_delete=models.CASCADE, related_name="watermarks")
    source = models.CharField(max_length=24)
    read_at = models.DateTimeField(help_text="Salesforce's time when the last complete read of the source began")
    run = models.ForeignKey(HarvestRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "source"], name="one_watermark_per_org_source")]
        ordering = ["org", "source"]

    def __str__(self) -> str:
        return f"{self.org} {self.source} from {self.read_at.isoformat()}"
