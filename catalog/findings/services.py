"""The one way in to findings: evaluating the rules over an org's graph, and each change of a finding's state.

Evaluation (after every successful harvest run, `after_harvest`, or on request) runs every rule of `lineage.rules`,
counts the consumers each case affects (`lineage.queries.findings`), and settles the org's findings in one
transaction: a case found for the first time is a new open finding; one found again updates its evidence and
exposure, and reopens it if it had been resolved (it recurs); a live finding no case shows any more is resolved,
citing the run whose graph proved it. Accepted risks past their expiry reopen. Every change of state is a
FindingEvent and an audit-log entry, whether a person or an evaluation made it.

Exposure is an estimate, and says so: the administrative fine of Cal. Civ. Code §1798.155(a) (and the civil penalty
of §1798.199.90) per violation, at the amounts in force since 1 January 2025 (adjusted under §1798.199.95(d)),
counting one violation per consumer affected, or one when the graph cannot count them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from catalog.accounts import audit
from catalog.accounts.models import ApiToken, AuditAction, AuditEvent
from catalog.findings.models import Evaluation, Finding, FindingEvent, FindingState
from harvesters.models import HarvestRun, OrgConnection
from lineage import get_graph
from lineage.graph import Graph
from lineage.queries.findings import AffectedCounter, field_classes
from lineage.rules import Audience, Case, Rule, cases_of, rules

PER_VIOLATION: Final = Decimal("2663")  # §1798.155(a), $2,500 adjusted from 1 January 2025
PER_INTENTIONAL_VIOLATION: Final = Decimal("7988")  # §1798.155(a), $7,500 adjusted from 1 January 2025
MAX_RISK_DAYS: Final = 366  # an accepted risk is reviewed at least yearly
MAX_NOTE_LENGTH: Final = 2000
FINDING: Final = "finding"  # the audit log's object type
SYSTEM: Final = "system"  # who changed a finding's state when no person did
BATCH: Final = 500  # rows a statement writes when an evaluation settles thousands of findings


class FindingInputError(ValueError):
    """A lifecycle change asked with a value that is not allowed; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotHarvestedError(ValueError):
    """Evaluating an org no harvest has reached: its id, and so its graph, is not known."""


class FindingStateError(ValueError):
    """A lifecycle change the finding's state does not allow (acknowledging a resolved finding)."""


@dataclass(frozen=True)
class Found:
    rule: Rule
    case: Case
    consumers: int | None
    records: int | None


def evaluate(org: OrgConnection, *, run: HarvestRun | None = None, graph: Graph | None = None) -> Evaluation:
    """Every rule over the org's live graph; the org's findings settled in one transaction (see the module)."""
    if not org.org_id:
        org.refresh_from_db(fields=["org_id"])  # a harvest learns it, perhaps on another copy of the row
    if not org.org_id:
        raise NotHarvestedError(f"The org {org.alias!r} has not been harvested: there is no graph to evaluate.")
    graph = graph or get_graph()
    started = timezone.now()
    found, seconds = _find(graph, f"org:{org.org_id}")
    classes = field_classes(graph, [key for each in found.values() for key in each.case.fields])
    with transaction.atomic():
        existing = {(each.rule_id, each.target): each
                    for each in Finding.objects.select_for_update().filter(org=org)}
        changes: list[_Change] = []
        new = _create_new(org, found, existing, classes, run, started, changes)
        recurring, changed = _update_found(found, existing, classes, run, started, changes)
        fixed = _resolve_unseen(existing, found, run, started, changes)
        _save_settled(existing, found, changed, [change.finding for change in changes], run, started)
        _record_all(changes, run, started)
        reopened = _reopen_expired(Finding.objects.filter(org=org), started)
        return Evaluation.objects.create(
            org=org, harvest_run=run, started_at=started, finished_at=timezone.now(), rule_seconds=seconds,
            new=new, recurring=recurring, fixed=fixed, reopened=reopened)


def acknowledge(finding: Finding, *, actor: AbstractBaseUser, note: str = "", token: ApiToken | None = None,
                ) -> Finding:
    """The privacy officer has seen it and owns its remediation; it stays live."""
    _require_state(finding, (FindingState.OPEN,), "acknowledge")
    return _change(finding, FindingState.ACKNOWLEDGED, actor=actor, note=_note(note, "note", required=False),
                   token=token)


def accept_risk(finding: Finding, *, actor: AbstractBaseUser, justification: str, owner: str,
                expires_on: date | None, token: ApiToken | None = None) -> Finding:
    """The business accepts the risk until `expires_on` (at most a year ahead), when it reopens by itself."""
    _require_state(finding, (FindingState.OPEN, FindingState.ACKNOWLEDGED), "accept the risk of")
    justification = _note(justification, "justification", required=True)
    if not owner.strip():
        raise FindingInputError("owner", "Name who owns the accepted risk.")
    if len(owner) > 150:
        raise FindingInputError("owner", "At most 150 characters.")
    today = timezone.localdate()
    if expires_on is None:
        raise FindingInputError("expires_on", "An accepted risk needs an expiry date (YYYY-MM-DD).")
    if not today < expires_on <= today + timedelta(days=MAX_RISK_DAYS):
        raise FindingInputError("expires_on", f"The expiry must fall after today and within {MAX_RISK_DAYS} days.")
    finding.risk_justification, finding.risk_owner, finding.risk_expires_on = justification, owner.strip(), expires_on
    return _change(finding, FindingState.ACCEPTED_RISK, actor=actor, note=justification, token=token,
                   details={"owner": finding.risk_owner, "expires_on": expires_on.isoformat()})


def reopen(finding: Finding, *, actor: AbstractBaseUser, note: str, token: ApiToken | None = None) -> Finding:
    """Back to open: an acknowledgement or an accepted risk withdrawn. A resolved finding reopens only when an
    evaluation finds it again: the graph, not a person, said it was gone."""
    _require_state(finding, (FindingState.ACKNOWLEDGED, FindingState.ACCEPTED_RISK), "reopen")
    return _change(finding, FindingState.OPEN, actor=actor, note=_note(note, "note", required=True), token=token)


def reopen_expired_risks(now: datetime | None = None) -> list[int]:
    """Every org's accepted risks whose expiry has passed, reopened; their ids."""
    with transaction.atomic():
        return _reopen_expired(Finding.objects.all(), now or timezone.now())


def findings() -> QuerySet[Finding]:
    """Every org's findings, the largest estimated exposure first (the list's and the API's order)."""
    return Finding.objects.select_related("org").order_by("-exposure_high", "rule_id", "target", "pk")


def evidence_of(pk: int) -> Finding | None:
    """The finding whose evidence path the lineage explorer outlines, if there is one with that id."""
    return Finding.objects.filter(pk=pk).only("pk", "rule_id", "target_name", "path").first()


@dataclass
class LiveCounts:
    """An org's findings not resolved: how many of each severity and state, and their estimated exposure."""

    org: str
    by_severity: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)
    exposure_low: Decimal = Decimal(0)
    exposure_high: Decimal = Decimal(0)

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


def live_counts() -> list[LiveCounts]:
    """Each org's findings not resolved (open, acknowledged, accepted risk), counted in one query."""
    rows = (Finding.objects.exclude(state=FindingState.RESOLVED).values("org__alias", "severity", "state")
            .annotate(count=Count("pk"), low=Sum("exposure_low"), high=Sum("exposure_high")).order_by("org__alias"))
    counted: dict[str, LiveCounts] = {}
    for row in rows:
        org = counted.setdefault(row["org__alias"], LiveCounts(row["org__alias"]))
        org.by_severity[row["severity"]] = org.by_severity.get(row["severity"], 0) + row["count"]
        org.by_state[row["state"]] = org.by_state.get(row["state"], 0) + row["count"]
        org.exposure_low += row["low"]
        org.exposure_high += row["high"]
    return list(counted.values())


def exposure_of(consumers: int | None) -> tuple[Decimal, Decimal]:
    """The estimate's range, per violation and intentional: one violation per consumer affected (one when the graph
    cannot count them)."""
    violations = Decimal(consumers) if consumers else Decimal(1)
    return violations * PER_VIOLATION, violations * PER_INTENTIONAL_VIOLATION


# --- evaluation --------------------------------------------------------------------------------------------------


def _find(graph: Graph, org_key: str) -> tuple[dict[tuple[str, str], Found], dict[str, float]]:
    """Every rule's cases with the consumers each affects; each rule's seconds (its query, and counting its cases'
    consumers: a question an earlier rule asked is answered from what was counted)."""
    counter = AffectedCounter(graph, org_key)
    cases: list[tuple[Rule, list[Case]]] = []
    seconds: dict[str, float] = {}
    for rule in rules():
        began = time.perf_counter()
        cases.append((rule, cases_of(graph, rule, org_key)))
        seconds[rule.id] = time.perf_counter() - began
    began = time.perf_counter()
    counter.prepare(case.objects for _, found in cases for case in found)
    seconds["(lookups of every case's objects)"] = time.perf_counter() - began
    found: dict[tuple[str, str], Found] = {}
    for rule, rule_cases in cases:
        began = time.perf_counter()
        for case in rule_cases:
            counted = counter.count(rule.audience, case.objects, rule.opt_outs, case.subjects)
            consumers, records = counted.consumers, counted.records
            if rule.audience in (Audience.OPTED_OUT, Audience.NAMED) and not consumers:
                continue  # the rule holds only while such consumers are there
            if case.rows is not None and consumers is not None:  # an export's rows bound whom it can have held
                consumers, records = min(consumers, case.rows), case.rows
            found[(rule.id, case.target)] = Found(rule, case, consumers, records)
        seconds[rule.id] = round(seconds[rule.id] + time.perf_counter() - began, 3)
    seconds["(lookups of every case's objects)"] = round(seconds["(lookups of every case's objects)"], 3)
    return found, seconds


def _create_new(org: OrgConnection, found: dict[tuple[str, str], Found], existing: dict[tuple[str, str], Finding],
                classes: dict[str, tuple[str | None, bool]], run: HarvestRun | None, now: datetime,
                changes: list[_Change]) -> list[int]:
    made = [Finding(org=org, rule_id=each.rule.id, target=each.case.target, first_seen_at=now, first_seen_run=run,
                    state=FindingState.OPEN, state_changed_at=now, state_changed_by=SYSTEM,
                    **_values(each, classes, run, now))
            for key, each in found.items() if key not in existing]
    Finding.objects.bulk_create(made, batch_size=BATCH)
    changes += [_Change(finding, "", FindingState.OPEN, f"Found by the evaluation{_after(run)}.") for finding in made]
    return [finding.pk for finding in made]


def _update_found(found: dict[tuple[str, str], Found], existing: dict[tuple[str, str], Finding],
                  classes: dict[str, tuple[str | None, bool]], run: HarvestRun | None, now: datetime,
                  changes: list[_Change]) -> tuple[list[int], list[Finding]]:
    """The findings found again: those resolved reopen (recurring); those whose evidence or exposure changed."""
    recurring, changed = [], []
    for key, finding in existing.items():
        if key not in found:
            continue
        values = _values(found[key], classes, run, now)
        if any(getattr(finding, name) != value for name, value in values.items() if name not in _SEEN_FIELDS):
            changed.append(finding)
        for name, value in values.items():
            setattr(finding, name, value)
        if finding.state == FindingState.RESOLVED:
            finding.resolved_at, finding.resolved_by_run = None, None
            changes.append(_transition(finding, FindingState.OPEN, actor=None, at=now,
                                       note=f"Found again by the evaluation{_after(run)}: it recurs."))
            recurring.append(finding.pk)
    return recurring, changed


def _save_settled(existing: dict[tuple[str, str], Finding], found: dict[tuple[str, str], Found],
                  changed: list[Finding], moved: list[Finding], run: HarvestRun | None, now: datetime) -> None:
    """Each finding found again is seen now, in a few statements; only those whose values or state changed are
    written whole (after every harvest most change nothing but when they were seen)."""
    seen = [finding.pk for key, finding in existing.items() if key in found]
    for start in range(0, len(seen), BATCH):
        Finding.objects.filter(pk__in=seen[start:start + BATCH]).update(last_seen_at=now, last_seen_run=run)
    had = {finding.pk for finding in existing.values()}  # a finding made by this evaluation is written already
    rewritten = {finding.pk: finding for finding in (*changed, *moved) if finding.pk in had}
    Finding.objects.bulk_update(rewritten.values(), _SETTLED_FIELDS, batch_size=BATCH)


def _resolve_unseen(existing: dict[tuple[str, str], Finding], found: dict[tuple[str, str], Found],
                    run: HarvestRun | None, now: datetime, changes: list[_Change]) -> list[int]:
    fixed = []
    for key, finding in existing.items():
        if key in found or finding.state == FindingState.RESOLVED:
            continue
        finding.resolved_at, finding.resolved_by_run = now, run
        changes.append(_transition(finding, FindingState.RESOLVED, actor=None, at=now,
                                   note=f"No longer found by the evaluation{_after(run)}: the graph no longer "
                                        f"shows it."))
        fixed.append(finding.pk)
    return fixed


def _reopen_expired(findings: QuerySet[Finding], now: datetime) -> list[int]:
    today = timezone.localdate(now)
    expired = findings.select_for_update().filter(state=FindingState.ACCEPTED_RISK, risk_expires_on__lt=today)
    reopened = []
    for finding in expired:
        _change(finding, FindingState.OPEN, actor=None, at=now,
                note=f"The accepted risk expired on {finding.risk_expires_on:%Y-%m-%d}.")
        reopened.append(finding.pk)
    return reopened


_SEEN_FIELDS: Final = ("last_seen_at", "last_seen_run")  # what every evaluation that finds it changes
# What an evaluation may change of a finding it had: what `_values` gives, its state, and its resolution.
_SETTLED_FIELDS: Final = (
    "target_name", "severity", "system", "sobjects", "fields", "path", "knowledge", "detail", "categories",
    "sensitive_categories", "consumers", "records", "exposure_low", "exposure_high", "last_seen_at", "last_seen_run",
    "state", "state_changed_at", "state_changed_by", "risk_justification", "risk_owner", "risk_expires_on",
    "resolved_at", "resolved_by_run")


def _values(each: Found, classes: dict[str, tuple[str | None, bool]], run: HarvestRun | None,
            now: datetime) -> dict[str, Any]:
    case = each.case
    known = [classes[key] for key in case.fields if key in classes]
    low, high = exposure_of(each.consumers)
    return {
        "target_name": case.target_name[:400], "severity": each.rule.severity.value, "system": case.system or "",
        "sobjects": list(case.objects), "fields": list(case.fields),
        "path": [{"key": step.key, "label": step.label, "name": step.name, "evidence": step.evidence}
                 for step in case.path],
        "knowledge": [each_kind.value for each_kind in case.knowledge], "detail": case.detail,
        "categories": sorted({category for category, _ in known if category}),
        "sensitive_categories": sorted({category or "sensitive" for category, sensitive in known if sensitive}),
        "consumers": each.consumers, "records": each.records, "exposure_low": low, "exposure_high": high,
        "last_seen_at": now, "last_seen_run": run,
    }


# --- state changes -----------------------------------------------------------------------------------------------


def _require_state(finding: Finding, allowed: tuple[str, ...], doing: str) -> None:
    if finding.state not in allowed:
        said = ", ".join(FindingState(state).label.lower() for state in allowed)
        raise FindingStateError(f"Cannot {doing} a finding that is {FindingState(finding.state).label.lower()} "
                                f"(only one that is {said}).")


def _note(text: str, field: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise FindingInputError(field, "Say why: this is kept with the finding and in the audit log.")
    if len(text) > MAX_NOTE_LENGTH:
        raise FindingInputError(field, f"At most {MAX_NOTE_LENGTH} characters.")
    return audit.without_identifiers(text)


@dataclass(frozen=True)
class _Change:
    """A change of a finding's state, to be written as its FindingEvent and audit event."""

    finding: Finding
    before: str
    state: str
    note: str
    actor: AbstractBaseUser | AnonymousUser | None = None
    token: ApiToken | None = None
    details: dict[str, Any] | None = None


def _transition(finding: Finding, state: str, *, actor: AbstractBaseUser | AnonymousUser | None, at: datetime,
                note: str, token: ApiToken | None = None, details: dict[str, Any] | None = None) -> _Change:
    """The finding put in `state` (not saved), and the change that says so."""
    before = finding.state
    finding.state, finding.state_changed_at = state, at
    finding.state_changed_by = audit.actor_name(actor)
    if state != FindingState.ACCEPTED_RISK:
        finding.risk_justification, finding.risk_owner, finding.risk_expires_on = "", "", None
    return _Change(finding, before, state, note, actor, token, details)


def _change(finding: Finding, state: str, *, actor: AbstractBaseUser | AnonymousUser | None, note: str,
            run: HarvestRun | None = None, at: datetime | None = None, details: dict[str, Any] | None = None,
            token: ApiToken | None = None) -> Finding:
    at = at or timezone.now()
    change = _transition(finding, state, actor=actor, at=at, note=note, token=token, details=details)
    with transaction.atomic():
        finding.save()
        _record_all([change], run, at)
    return finding


def _record_all(changes: list[_Change], run: HarvestRun | None, at: datetime) -> None:
    """Each change's FindingEvent and audit event, appended in a few statements however many there are."""
    events, audited = [], []
    for change in changes:
        user = audit.acting_user(change.actor)
        events.append(FindingEvent(finding=change.finding, at=at, actor_id=user.pk if user is not None else None,
                                   actor_name=audit.actor_name(change.actor), from_state=change.before,
                                   to_state=change.state, note=change.note, harvest_run=run))
        audited.append(audit.unsaved(
            AuditAction.FINDING_STATE_CHANGED, actor=change.actor, token=change.token, object_type=FINDING,
            object_key=str(change.finding.pk), reason=change.note, actor_name="findings evaluation",
            details={"rule": change.finding.rule_id, "target": change.finding.target, "from": change.before,
                     "to": change.state, **({"harvest_run": run.pk} if run is not None else {}),
                     **(change.details or {})}))
    FindingEvent.objects.bulk_create(events, batch_size=BATCH)
    AuditEvent.objects.bulk_create(audited, batch_size=BATCH)


def _after(run: HarvestRun | None) -> str:
    return f" after harvest run {run.pk}" if run is not None else ""
