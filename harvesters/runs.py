"""Harvest runs: the one way in for starting, chunking, recording and finishing a harvest.

A run is planned (which objects), then harvested a chunk at a time; each chunk is fetched whole and
written in ONE graph transaction, so a chunk lands entirely or not at all and a re-run converges.
A full run that landed every chunk retires what it no longer saw.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import requests
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired, TransientError
from simple_salesforce.exceptions import SalesforceError, SalesforceRefusedRequest

from harvesters.chunk import Chunk
from harvesters.client import OrgAuthError, OrgClient
from harvesters.connections import client_for, remember_organization
from harvesters.consents import consent_chunks
from harvesters.integrations import integration_chunks
from harvesters.logs import configured_event_types, logs_chunks
from harvesters.manifests import manifest_chunks, manifest_directory
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from harvesters.schema import changed_objects, list_objects, record_counts, schema_chunk, summary_records
from harvesters.watermarks import advance, forget_clock, note_clock, since_for, step_clock
from lineage import (
    CONSENTS,
    INTEGRATIONS,
    SCHEMA,
    GraphWriter,
    HarvestRunRecord,
    HarvestScope,
    OrgRecord,
    Rel,
    WriteReport,
    get_graph,
    org_key,
)

T = TypeVar("T")
log = logging.getLogger(__name__)
CHUNK_OBJECTS = 20  # one Composite call: 5 FieldDefinition queries of 4 objects and 20 describes

# A source after the schema: it streams chunks (each lands in one transaction) from the org, given its
# watermark (harvesters.watermarks) for an incremental run. Its edges point at the schema's fields and objects,
# so sources run once every schema chunk has landed.
SourceChunks = Callable[[OrgConnection, OrgClient, str, "datetime | None"], Iterator[Chunk]]
SOURCE_CHUNKS: dict[str, SourceChunks] = {
    "integrations": lambda org, client, org_id, since: integration_chunks(client, org_id, since=since),
    "manifests": lambda org, client, org_id, since: manifest_chunks(manifest_directory(org.manifest_dir), org_id),
    "logs": lambda org, client, org_id, since: logs_chunks(client, org_id, since=since,
                                                           event_types=configured_event_types()),
    "consents": lambda org, client, org_id, since: consent_chunks(client, org_id, since=since),
}
# What a complete full run of these sources rewrites entirely, and may therefore retire.
SCOPES: tuple[tuple[frozenset[str], HarvestScope], ...] = (
    (frozenset({"schema"}), SCHEMA),
    # Integrations, manifests and event logs (apps, report exports) all write Integration nodes.
    (frozenset({"integrations", "manifests", "logs"}), INTEGRATIONS),
    (frozenset({"consents"}), CONSENTS),
)


class LimitExceededError(RuntimeError):
    """The org's daily API budget is spent: the run stops cleanly and says so."""


class TransientHarvestError(RuntimeError):
    """Worth retrying with backoff: a 5xx, a timeout, a graph engine that blinked."""


@dataclass(frozen=True)
class RunPlan:
    chunks: list[list[str]]
    since: datetime | None


def all_sources() -> list[str]:
    return ["schema", *SOURCE_CHUNKS]


def request_harvest(org: OrgConnection, *, full: bool, sources: list[str] | None = None) -> HarvestRun:
    chosen = sources or all_sources()
    unknown = sorted(set(chosen) - set(all_sources()))
    if unknown:
        raise ValueError(f"unknown sources {', '.join(unknown)}; known: {', '.join(all_sources())}")
    return HarvestRun.objects.create(org=org, full=full, sources=chosen)


def due_for_harvest(now: datetime) -> list[OrgConnection]:
    """Orgs whose scheduled incremental harvest is due: none running, the last one started long enough ago."""
    due = []
    for org in OrgConnection.objects.filter(harvest_every_minutes__gt=0):
        runs = HarvestRun.objects.filter(org=org)
        if runs.filter(finished_at__isnull=True).exists():
            continue
        last = runs.order_by("-created_at").first()
        if last is None or now - last.created_at >= timedelta(minutes=org.harvest_every_minutes):
            due.append(org)
    return due


def plan_run(run: HarvestRun, client: OrgClient) -> RunPlan:
    """Which objects to (re)describe; an incremental run of an unchanged org plans nothing."""
    _mark_started(run)
    since = since_for(run, "schema")
    others = [source for source in run.sources if source != "schema"]
    if "schema" not in run.sources:
        HarvestRun.objects.filter(pk=run.pk).update(chunks_total=len(others))
        return RunPlan([], since)
    before = client.last_server_time
    summaries = _guard(lambda: list_objects(client, since)) or []
    note_clock(run, "schema", step_clock(client, before))
    if summaries and since is not None:
        changed = _guard(lambda: changed_objects(client, since))
        summaries = [summary for summary in summaries if summary["name"] in changed]
    if summaries:
        first_harvest = not run.org.org_id
        org_id = _org_id(run.org, client)
        if first_harvest:  # the org id is learnt only now: the run's node could not be written as it started
            _record_in_graph(run)
        counted = _guard(lambda: record_counts(client, [summary["name"] for summary in summaries]))
        nodes, edges = summary_records(org_id, summaries, counted)
        _guard(lambda: _writer(run, org_id).write_chunk([_org_node(run.org, org_id), *nodes], edges))
    names = [summary["name"] for summary in summaries]
    chunks = [names[i:i + CHUNK_OBJECTS] for i in range(0, len(names), CHUNK_OBJECTS)]
    _record_usage(run, client)
    HarvestRun.objects.filter(pk=run.pk).update(chunks_total=len(chunks) + len(others))
    return RunPlan(chunks, since)


def harvest_chunk(run: HarvestRun, client: OrgClient, names: list[str]) -> None:
    """Describe, classify and write one chunk of objects in one graph transaction."""
    if HarvestRun.objects.get(pk=run.pk).status == RunStatus.STOPPED:
        return
    org_id = _org_id(run.org, client)
    chunk = _guard(lambda: schema_chunk(client, org_id, names))
    report = _guard(lambda: _writer(run, org_id).write_chunk([_org_node(run.org, org_id), *chunk.nodes], chunk.edges))
    if chunk.errors:
        forget_clock(run, "schema")
    _record_written(run, report, chunk, step_done=True)
    _record_usage(run, client)


def harvest_source(run: HarvestRun, client: OrgClient, source: str) -> None:
    """Stream one source's chunks into the graph, each chunk in one transaction."""
    if HarvestRun.objects.get(pk=run.pk).status == RunStatus.STOPPED:
        return
    org_id = _org_id(run.org, client)
    writer = _writer(run, org_id)
    before = client.last_server_time
    chunks = SOURCE_CHUNKS[source](run.org, client, org_id, since_for(run, source))
    clean = True
    while (chunk := _guard(lambda: next(chunks, None))) is not None:
        report = _guard(lambda chunk=chunk: writer.write_chunk(chunk.nodes, chunk.edges))  # type: ignore[misc]
        _record_written(run, report, chunk)
        clean = clean and not chunk.errors
    note_clock(run, source, step_clock(client, before))
    if clean:
        advance(run, source)
    else:
        forget_clock(run, source)
    _record_written(run, WriteReport(), Chunk(), step_done=True)
    _record_usage(run, client)


def finish_run(run: HarvestRun) -> HarvestRun:
    """Settle the run's status; a complete full run retires, scope by scope, what it did not see."""
    run.refresh_from_db()
    if run.status == RunStatus.STOPPED:
        return _finish(run, RunStatus.STOPPED)
    if "schema" in run.sources:
        advance(run, "schema")  # every chunk has landed; a chunk with errors left no clock to advance to
    if run.errors:
        return _finish(run, RunStatus.PARTIAL)
    if run.full and run.chunks_done == run.chunks_total and run.org.org_id:
        writer = _writer(run, run.org.org_id)
        retired = sum(writer.retire_unseen(scope).total for sources, scope in SCOPES if sources <= set(run.sources))
        _add_counts(run, {"retired": retired})
    return _finish(run, RunStatus.SUCCEEDED)


def stop_run(run: HarvestRun, reason: str) -> None:
    HarvestRun.objects.filter(pk=run.pk).update(status=RunStatus.STOPPED, reason=reason)


def fail_run(run: HarvestRun, reason: str) -> HarvestRun:
    HarvestRun.objects.filter(pk=run.pk).update(reason=reason)
    run.refresh_from_db()
    return _finish(run, RunStatus.FAILED)


def harvest_now(
    run: HarvestRun, *, on_chunk: Callable[[int, int], None] | None = None, max_attempts: int = 6
) -> HarvestRun:
    """The whole run in this process (`harvest --sync`, tests); Celery runs the same steps spread out."""
    client = client_for(run.org)
    try:
        plan = with_retries(lambda: plan_run(run, client), max_attempts)
        steps: list[Callable[[], None]] = [
            *(lambda names=names: harvest_chunk(run, client, names) for names in plan.chunks),
            *(lambda source=source: harvest_source(run, client, source)
              for source in run.sources if source != "schema"),
        ]
        for done, step in enumerate(steps, start=1):
            with_retries(step, max_attempts)
            if on_chunk:
                on_chunk(done, len(steps))
    except LimitExceededError as error:
        stop_run(run, str(error))
    except TransientHarvestError as error:
        return fail_run(run, f"gave up after {max_attempts} attempts: {error}")
    except (OrgAuthError, SalesforceError, Neo4jError, OSError) as error:
        return fail_run(run, f"{type(error).__name__}: {error}")
    return finish_run(run)


def with_retries(step: Callable[[], T], max_attempts: int, *, base_delay: float = 0.5) -> T:
    """Retry transient failures with exponential backoff and full jitter, as the Celery tasks do."""
    for attempt in range(1, max_attempts + 1):
        try:
            return step()
        except TransientHarvestError as error:
            if attempt == max_attempts:
                raise
            delay = random.uniform(0, base_delay * 2 ** (attempt - 1))  # noqa: S311 - jitter, not secrets
            log.warning("transient failure (%s); attempt %d of %d in %.1fs", error, attempt + 1, max_attempts, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


# --- bookkeeping -----------------------------------------------------------------------------------


def _guard(step: Callable[[], T]) -> T:
    """Turn Salesforce's and the graph's failures into the run's vocabulary."""
    try:
        return step()
    except SalesforceRefusedRequest as error:
        if "REQUEST_LIMIT_EXCEEDED" in str(error.content):
            raise LimitExceededError("the org's daily API limit is exceeded (REQUEST_LIMIT_EXCEEDED)") from error
        raise
    except SalesforceError as error:
        if error.status >= 500:
            raise TransientHarvestError(f"Salesforce answered HTTP {error.status}") from error
        raise
    except (requests.ConnectionError, requests.Timeout, ServiceUnavailable, SessionExpired, TransientError) as error:
        raise TransientHarvestError(f"{type(error).__name__}: {error}") from error


def _writer(run: HarvestRun, org_id: str) -> GraphWriter:
    return GraphWriter(get_graph(), str(run.uid), org_key(org_id), timezone.now())


def _org_node(org: OrgConnection, org_id: str) -> OrgRecord:
    return OrgRecord(org_id=org_id, instance_url=org.instance_url or None, edition=org.edition or None,
                     evidence="org connection")


def _org_id(org: OrgConnection, client: OrgClient) -> str:
    if not org.org_id:
        _guard(lambda: remember_organization(org, client))
    return org.org_id


def _mark_started(run: HarvestRun) -> None:
    HarvestRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    run.refresh_from_db()
    _record_in_graph(run)


def _record_usage(run: HarvestRun, client: OrgClient) -> None:
    """Widen the run's span of the org's API counter by what this step's client saw (steps may overlap)."""
    if client.first_api_used is None or client.last_api_used is None:
        return
    before = client.first_api_used - 1  # the first answer's counter already includes that call
    HarvestRun.objects.filter(pk=run.pk).update(
        api_used_before=Least(Coalesce(F("api_used_before"), before), before),
        api_used_after=Greatest(Coalesce(F("api_used_after"), 0), client.last_api_used))


def _record_written(run: HarvestRun, report: WriteReport, chunk: Chunk, *, step_done: bool = False) -> None:
    """Add a chunk's rows, errors and warnings to the run; edges the graph could not join are counted and
    said, never dropped in silence."""
    with transaction.atomic():
        locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
        locked.chunks_done += int(step_done)
        locked.counts["written"] = locked.counts.get("written", 0) + report.written
        for name, count in _skipped_counts(report).items():
            locked.counts[name] = locked.counts.get(name, 0) + count
        locked.errors += chunk.errors
        locked.warnings += [*chunk.warnings, *_skipped_warnings(report)]
        locked.save(update_fields=["chunks_done", "counts", "errors", "warnings"])


def _skipped_counts(report: WriteReport) -> dict[str, int]:
    skipped = dict(report.skipped_by_rel)
    counts = {"skipped_edges": sum(skipped.values())} if skipped else {}
    if skipped.get(Rel.REFERENCES.value):
        counts["unresolved_references"] = skipped[Rel.REFERENCES.value]
    return counts


def _skipped_warnings(report: WriteReport) -> list[str]:
    return [f"{count} {rel} edges not written: an endpoint is not in the graph"
            + (" (the lookup's target object was not harvested; the field keeps its name in `references`)"
               if rel == Rel.REFERENCES.value else "")
            for rel, count in sorted(report.skipped_by_rel.items())]


def _add_counts(run: HarvestRun, counts: dict[str, int]) -> None:
    with transaction.atomic():
        locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
        locked.counts = {**locked.counts, **counts}
        locked.save(update_fields=["counts"])


def _finish(run: HarvestRun, status: str) -> HarvestRun:
    HarvestRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now())
    run.refresh_from_db()
    _record_in_graph(run)
    log.info("harvest run %s of %s finished: %s", run.pk, run.org.alias, status)
    return run


def _record_in_graph(run: HarvestRun) -> None:
    """The run's HarvestRun node, linked from its Org, as it starts and as it ends (an org whose id is not
    known yet gets it when the run ends). The database keeps the run's truth: a graph that fails here is logged."""
    if not run.org.org_id:
        return
    record = HarvestRunRecord(run_id=str(run.uid), org_id=run.org.org_id, sources=tuple(run.sources), full=run.full,
                              status=run.status, started_at=run.started_at, finished_at=run.finished_at,
                              reason=run.reason or None, evidence=f"harvest run {run.pk}")
    try:
        GraphWriter(get_graph(), record.run_id, org_key(record.org_id), timezone.now()).write_run(record)
    except (Neo4jError, DriverError) as error:
        log.warning("harvest run %s of %s: its HarvestRun node was not written: %s", run.pk, run.org.alias, error)
