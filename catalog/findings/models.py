"""Findings: what a compliance rule (`lineage.rules`) found in an org, with its evidence, exposure and lifecycle.

A finding is one rule's case about one target in one org (a field, an integration, a report): evaluating the rules
again finds the same target and updates the same finding. Its state is a human decision, or the graph's: a person
acknowledges it, accepts its risk (with a justification, an owner and an expiry) or reopens it; an evaluation that
no longer finds it resolves it, citing the run that proved it, and one that finds it again reopens it. Every change
of state is a FindingEvent and an audit-log entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lineage.rules import rule_named


class FindingState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACCEPTED_RISK = "accepted_risk", "Accepted risk"
    RESOLVED = "resolved", "Resolved"


LIVE_STATES = (FindingState.OPEN, FindingState.ACKNOWLEDGED, FindingState.ACCEPTED_RISK)


class Evaluation(models.Model):
    """One evaluation of every rule over one org's graph, after a harvest run or on request."""

    org = models.ForeignKey("harvesters.OrgConnection", on_delete=models.CASCADE, related_name="evaluations")
    harvest_run = models.ForeignKey("harvesters.HarvestRun", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="evaluations", help_text="The run whose graph was evaluated")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    rule_seconds = models.JSONField(default=dict, help_text="Each rule's id and the seconds its evaluation took")
    new = models.JSONField(default=list, help_text="Ids of the findings it found for the first time")
    recurring = models.JSONField(default=list, help_text="Ids of findings it found again, resolved ones reopened")
    fixed = models.JSONField(default=list, help_text="Ids of the findings it no longer found (now resolved)")
    reopened = models.JSONField(default=list, help_text="Ids of accepted risks past their expiry, reopened")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"evaluation of {self.org_id} at {self.started_at:%Y-%m-%d %H:%M}"


class Finding(models.Model):
    org = models.ForeignKey("harvesters.OrgConnection", on_delete=models.CASCADE, related_name="findings")
    rule_id = models.CharField(max_length=80, db_index=True)
    target = models.CharField(max_length=400, help_text="The key of the node the finding is about")
    target_name = models.CharField(max_length=400)
    severity = models.CharField(max_length=10, db_index=True)
    state = models.CharField(max_length=20, choices=FindingState.choices, default=FindingState.OPEN, db_index=True)
    system = models.CharField(max_length=300, blank=True, db_index=True, help_text="The outside system's key")
    sobjects = models.JSONField(default=list, help_text="The Salesforce objects it concerns")
    fields = models.JSONField(default=list, help_text="The keys of the personal fields involved")
    path = models.JSONField(default=list, help_text="The evidence path: nodes and edges with their artefacts")
    knowledge = models.JSONField(default=list, help_text="How its facts are known: declared, literal, inferred")
    detail = models.TextField()
    categories = models.JSONField(default=list, help_text="The CCPA categories of the fields involved")
    sensitive_categories = models.JSONField(default=list)
    consumers = models.PositiveIntegerField(null=True, help_text="Consumers affected; empty when not countable")
    records = models.PositiveIntegerField(null=True)
    exposure_low = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    exposure_high = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    first_seen_run = models.ForeignKey("harvesters.HarvestRun", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    last_seen_run = models.ForeignKey("harvesters.HarvestRun", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_run = models.ForeignKey("harvesters.HarvestRun", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", help_text="The run whose graph no longer showed it")
    risk_justification = models.TextField(blank=True)
    risk_owner = models.CharField(max_length=150, blank=True)
    risk_expires_on = models.DateField(null=True, blank=True)
    state_changed_at = models.DateTimeField()
    state_changed_by = models.CharField(max_length=150, help_text="The username, or system")

    class Meta:
        ordering = ["-exposure_high", "rule_id", "target"]
        constraints = [models.UniqueConstraint(fields=["org", "rule_id", "target"], name="one_finding_per_target")]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.target_name}"

    @property
    def title(self) -> str:
        """Its rule's title (the id of a rule no longer defined)."""
        rule = rule_named(self.rule_id)
        return rule.title if rule is not None else self.rule_id


class FindingEvent(models.Model):
    """A change of a finding's state: who (a person, or an evaluation naming its run), when, from what, and why."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(max_length=150)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    harvest_run = models.ForeignKey("harvesters.HarvestRun", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.finding_id}: {self.from_state or '-'} -> {self.to_state}"
