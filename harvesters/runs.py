"""Harvest runs: the one way in for starting, chunking, recording and finishing a harvest.

A run is planned (which objects), then harvested a chunk at a time; each chunk is fetched whole and
written in ONE graph transaction, so a chunk lands entirely or not at all and a re-run converges.
A full run that landed every chunk retires what it no longer saw.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest, Least
from django.dispatch import Signal
from django.utils import timezone
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired, TransientError
from simple_salesforce.exceptions import SalesforceError, SalesforceRefusedRequest

from harvesters.chunk import Chunk
from harvesters.client import OrgAuthError, OrgClient, SalesforceUnavailableError
from harvesters.connections import client_for, remember_organization
from harvesters.consents import WHOLE_ORG, ConsumerRange, consent_chunks, consumer_ranges
from harvesters.integrations import integration_chunks
from harvesters.logs import configured_event_types, logs_chunks
from harvesters.manifests import ConsumerIdField, consumer_id_fields, manifest_chunks, manifest_directory
from harvesters.models import HarvestRun, OrgConnection, RunPhase, RunStatus
from harvesters.retention import count_retention
from harvesters.schema import (
    changed_objects,
    list_objects,
    lookup_targets,
    placeholder_sobject,
    record_counts,
    schema_chunk,
    summary_records,
)
from harvesters.watermarks import advance, forget_clock, note_clock, since_for, step_clock
from lineage import (
    CONSENTS,
    INTEGRATIONS,
    PURPOSES,
    READ_PURPOSES,
    SCHEMA,
    GraphWriter,
    HarvestRunRecord,
    HarvestScope,
    OrgRecord,
    SObjectRecord,
    WriteReport,
    get_graph,
    org_key,
    unharvested_sobjects,
)

T = TypeVar("T")
log = logging.getLogger(__name__)
QUEUED_STALE_AFTER = timedelta(days=1)  # a queued run's start task waits at most behind a day of others
CHUNK_OBJECTS = 20  # one Composite call: 5 FieldDefinition queries of 4 objects and 20 describes
UNRESOLVED_NAMED = 20  # lookups to placeholder objects named in a chunk's warning (all are counted)

# A source after the schema: it streams chunks (each lands in one transaction) from the org, given its
# watermark (harvesters.watermarks) for an incremental run. Its edges point at the schema's fields and objects,
# so sources run once every schema chunk has landed.
SourceChunks = Callable[[OrgConnection, OrgClient, str, "datetime | None"], Iterator[Chunk]]
SOURCE_CHUNKS: dict[str, SourceChunks] = {
    "integrations": lambda org, client, org_id, since: integration_chunks(client, org_id, since=since),
    "manifests": lambda org, client, org_id, since: manifest_chunks(manifest_directory(org.manifest_dir), org_id),
    "logs": lambda org, client, org_id, since: logs_chunks(client, org_id, since=since,
                                                           event_types=configured_event_types()),
    "consents": lambda org, client, org_id, since: consent_chunks(client, org_id, since=since,
                                                                 consumer_ids=_consumer_ids(org, org_id)),
}
# A source whose full read is split into parts, each its own step and task: the units (JSON) and one unit's chunks.
SourceParts = Callable[[OrgClient], list[str]]
PartChunks = Callable[[OrgConnection, OrgClient, str, str], Iterator[Chunk]]
SOURCE_PARTS: dict[str, tuple[SourceParts, PartChunks]] = {
    "consents": (
        lambda client: [json.dumps(asdict(part)) for part in
                        consumer_ranges(client, settings.HARVEST_CONSUMERS_PER_TASK) if part != WHOLE_ORG],
        lambda org, client, org_id, part: consent_chunks(client, org_id, consumers=ConsumerRange(**json.loads(part)),
                                                         consumer_ids=_consumer_ids(org, org_id)),
    ),
}
# What a complete full run of these sources rewrites entirely, and may therefore retire.
SCOPES: tuple[tuple[frozenset[str], HarvestScope], ...] = (
    (frozenset({"schema"}), SCHEMA),
    # Integrations, manifests and event logs (apps, report exports) all write Integration nodes.
    (frozenset({"integrations", "manifests", "logs"}), INTEGRATIONS),
    (frozenset({"consents"}), CONSENTS),
    # Purposes are read from DataUsePurpose (consents) and declared in manifests: only a run of both retires one
    # a manifest declared; the consents alone retire those only they read.
    (frozenset({"consents"}), READ_PURPOSES),
    (frozenset({"consents", "manifests"}), PURPOSES),
)


class LimitExceededError(RuntimeError):
    """The org's daily API budget is spent: the run stops cleanly and says so."""


class TransientHarvestError(RuntimeError):
    """Worth retrying with backoff: a 5xx, a timeout, a graph engine that blinked."""


class RunInProgressError(RuntimeError):
    """The org already has a run that has not finished: one run per org at a time."""

    def __init__(self, running: HarvestRun) -> None:
        super().__init__(f"harvest run {running.pk} of {running.org.alias} is {running.status} "
                         f"(created {running.created_at:%Y-%m-%d %H:%M:%S} UTC); wait for it to finish")
        self.running = running


@dataclass(frozen=True)
class RunPlan:
    chunks: list[list[str]]
    since: datetime | None


def _consumer_ids(org: OrgConnection, org_id: str) -> tuple[ConsumerIdField, ...]:
    """Where the org's manifests say it keeps the ids other systems know its consumers by."""
    return consumer_id_fields(manifest_directory(org.manifest_dir), org_id)


def all_sources() -> list[str]:
    return ["schema", *SOURCE_CHUNKS]


# Sent inside the transaction that creates a run, with run, requested_by (a user or None) and origin (api,
# command, schedule): the catalog's audit log listens, so harvesters never import the catalog.
harvest_requested = Signal()
# Sent with run once it has finished (succeeded, partial or stopped) and its graph writes have landed: the catalog
# re-mirrors the org's classification overrides onto fields a purged graph lost.
harvest_finished = Signal()


def request_harvest(org: OrgConnection, *, full: bool, sources: list[str] | None = None,
                    requested_by: Any = None, origin: str = "") -> HarvestRun:
    chosen = sources or all_sources()
    unknown = sorted(set(chosen) - set(all_sources()))
    if unknown:
        raise ValueError(f"unknown sources {', '.join(unknown)}; known: {', '.join(all_sources())}")
    for _ in range(3):  # the run that was in the way may finish between the refusal and the look-up
        try:
            with transaction.atomic():  # the constraint one_unfinished_run_per_org decides, not a prior check
                run = HarvestRun.objects.create(org=org, full=full, sources=chosen)
                harvest_requested.send(sender=HarvestRun, run=run, requested_by=requested_by, origin=origin)
                return run
        except IntegrityError:
            running = HarvestRun.objects.filter(org=org, finished_at__isnull=True).select_related("org").first()
            if running is not None:
                raise RunInProgressError(running) from None
    raise RuntimeError(f"could not start a harvest run of {org.alias}")


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
    if run.plan is not None:  # a redelivered start: the plan stands, and some of its chunks may have landed
        return RunPlan(run.plan, since)
    if "schema" not in run.sources:
        HarvestRun.objects.filter(pk=run.pk).update(chunks_total=len(others), plan=[])
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
    HarvestRun.objects.filter(pk=run.pk).update(chunks_total=len(chunks) + len(others), plan=chunks)
    return RunPlan(chunks, since)


def harvest_chunk(run: HarvestRun, client: OrgClient, names: list[str]) -> bool:
    """Describe, classify and write one chunk of objects in one graph transaction.

    True when the schema is complete after this step (every chunk landed): the sources may start."""
    step = schema_step(names)
    if (attempt := _begin_step(run, step)) is None:
        return _done_and_complete(run, step, schema_only=True)
    org_id = _org_id(run.org, client)
    chunk = _schema_chunk_or_error(run, client, org_id, names)
    placeholders, unresolved = _guard(lambda: _lookup_placeholders(org_id, chunk))
    report = _guard(lambda: _writer(run, org_id).write_chunk(
        [_org_node(run.org, org_id), *chunk.nodes, *placeholders], chunk.edges))
    if chunk.errors:
        forget_clock(run, "schema")
    _record_usage(run, client)
    if not _record_written(run, step, attempt, report, chunk,
                           {"unresolved_references": unresolved} if unresolved else {}):
        return False
    return _complete_step(run, step, attempt, schema_only=True)


def _lookup_placeholders(org_id: str, chunk: Chunk) -> tuple[list[SObjectRecord], int]:
    """Placeholder objects for the chunk's lookups whose target no harvest described (so each lookup is an
    edge), and how many lookups point at one; the chunk's warnings name them, UNRESOLVED_NAMED at most."""
    targets = lookup_targets(org_id, chunk.nodes)
    unharvested = unharvested_sobjects(get_graph(), targets)
    named = sorted(f"{referrer} -> {targets[key][0]}" for key in unharvested for referrer in targets[key][1])
    if named:
        more = f" and {len(named) - UNRESOLVED_NAMED} more" if len(named) > UNRESOLVED_NAMED else ""
        chunk.warnings.append(f"lookups to objects no harvest described, kept as edges to placeholder objects: "
                              f"{', '.join(named[:UNRESOLVED_NAMED])}{more}")
    placeholders = [placeholder_sobject(org_id, targets[key][0], targets[key][1][0]) for key in sorted(unharvested)]
    return placeholders, len(named)


def plan_source_parts(run: HarvestRun, client: OrgClient, source: str) -> list[str] | None:
    """The parts a full read of `source` is split into (one step and task each), planned once per run and
    kept on it, less those done already (a redelivered plan); None when the source is read in one step."""
    known = run_parts(HarvestRun.objects.get(pk=run.pk), source)
    if not known and (source not in SOURCE_PARTS or not run.full):
        return None
    if not known:
        known = _guard(lambda: SOURCE_PARTS[source][0](client))
        if len(known) < 2:
            return None
        with transaction.atomic():
            locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
            locked.steps[source] = {**_new_step(), "parts": known}
            locked.chunks_total = len(planned_steps(locked))
            locked.save(update_fields=["steps", "chunks_total"])
    done = _done_steps(HarvestRun.objects.get(pk=run.pk))
    return [part for index, part in enumerate(known) if part_step(source, index, len(known)) not in done]


def run_parts(run: HarvestRun, source: str) -> list[str]:
    parts: list[str] = run.steps.get(source, {}).get("parts", [])
    return parts


def part_step(source: str, index: int, count: int) -> str:
    return f"{source}:part {index + 1} of {count}"


def harvest_source(run: HarvestRun, client: OrgClient, source: str, part: str | None = None) -> bool:
    """Stream one source's chunks (or one part's, see plan_source_parts) into the graph, each chunk in one
    transaction. True when the run is complete after this step: it may be finished."""
    parts = run_parts(HarvestRun.objects.get(pk=run.pk), source) if part else []
    step = part_step(source, parts.index(part), len(parts)) if part else source
    if (attempt := _begin_step(run, step)) is None:
        return _done_and_complete(run, step)
    org_id = _org_id(run.org, client)
    writer = _writer(run, org_id)
    before = client.last_server_time
    read = (SOURCE_PARTS[source][1](run.org, client, org_id, part) if part
            else SOURCE_CHUNKS[source](run.org, client, org_id, since_for(run, source)))
    chunks = _until_unavailable(read, f"{source} source")
    clean = True
    while (chunk := _guard(lambda: next(chunks, None))) is not None:
        report = _guard(lambda chunk=chunk: writer.write_chunk(chunk.nodes, chunk.edges))  # type: ignore[misc]
        if not _record_written(run, step, attempt, report, chunk):
            _record_usage(run, client)
            return False
        clean = clean and not chunk.errors
    note_clock(run, source, step_clock(client, before))
    if not clean:
        forget_clock(run, source)
    _record_usage(run, client)
    complete = _complete_step(run, step, attempt)
    if clean and _source_done(run, source):  # a split source moves its watermark once every part has landed
        advance(run, source)
    return complete


def _schema_chunk_or_error(run: HarvestRun, client: OrgClient, org_id: str, names: list[str]) -> Chunk:
    """The chunk's records; when Salesforce fails one of its requests for good (each was retried already),
    a chunk holding only that error, which names the step: the run goes on and ends partial."""
    try:
        return _guard(lambda: schema_chunk(client, org_id, names))
    except SalesforceUnavailableError as error:
        return Chunk(errors=[f"{schema_chunk_title(run, names)}: {error}"])


def schema_chunk_title(run: HarvestRun, names: list[str]) -> str:
    """A schema step as a person reads it: 'schema chunk 3 of 9 (Account, Contact, Lead, …)'."""
    plan: list[list[str]] = HarvestRun.objects.filter(pk=run.pk).values_list("plan", flat=True).first() or [names]
    number = plan.index(names) + 1 if names in plan else "?"
    shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
    return f"schema chunk {number} of {len(plan)} ({shown})"


def _until_unavailable(chunks: Iterator[Chunk], step: str) -> Iterator[Chunk]:
    """A source's chunks; Salesforce failing a request for good ends them with a chunk holding that error,
    which names the step (what landed before stays; the run ends partial and retires nothing)."""
    try:
        yield from chunks
    except SalesforceUnavailableError as error:
        yield Chunk(errors=[f"{step}: {error}"])


def finish_run(run: HarvestRun) -> HarvestRun:
    """Settle the run's status; a complete full run retires, scope by scope, what it did not see."""
    run.refresh_from_db()
    if run.finished_at is not None:  # finished already (a redelivered finish, or failed meanwhile)
        return run
    if run.status == RunStatus.STOPPED:
        return _finish(run, RunStatus.STOPPED)
    if "schema" in run.sources:
        advance(run, "schema")  # every chunk has landed; a chunk with errors left no clock to advance to
    if run.errors:
        return _finish(run, RunStatus.PARTIAL)
    if run.full and _complete(run) and run.org.org_id:
        writer = _writer(run, run.org.org_id)
        retired = sum(writer.retire_unseen(scope).total for sources, scope in SCOPES if sources <= set(run.sources))
        _add_counts(run, {"retired": retired})
    count_retention(run)  # before the run is finished: what listens to harvest_finished reads the counts
    return _finish(run, RunStatus.SUCCEEDED)


def stop_run(run: HarvestRun, reason: str) -> None:
    HarvestRun.objects.filter(pk=run.pk).update(status=RunStatus.STOPPED, reason=reason)


def fail_run(run: HarvestRun, reason: str) -> HarvestRun:
    """End an unfinished run `failed` with the reason; a run that already finished keeps its outcome."""
    HarvestRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
        status=RunStatus.FAILED, reason=reason, finished_at=timezone.now())
    run.refresh_from_db()
    _record_in_graph(run)
    log.info("harvest run %s of %s: %s (%s)", run.pk, run.org.alias, run.status, run.reason)
    return run


def fail_run_by_id(run_id: int, reason: str) -> None:
    run = HarvestRun.objects.select_related("org").filter(pk=run_id).first()
    if run is not None:
        fail_run(run, reason)


def close_stale_runs(now: datetime) -> list[HarvestRun]:
    """Fail the runs whose worker was lost: running with no step landing work for HARVEST_STALE_AFTER_S
    (longer than a redelivered task takes to come back and finish), or queued a day and never started.

    Closed, not re-driven: redelivery has already had its chance, and a closed run lets the next scheduled
    or requested harvest of the org start; what landed stays, and a re-run converges."""
    stale_after = timedelta(seconds=settings.HARVEST_STALE_AFTER_S)
    running = HarvestRun.objects.filter(status=RunStatus.RUNNING, finished_at__isnull=True).annotate(
        last_sign=Coalesce("progress_at", "started_at", "created_at")).filter(last_sign__lt=now - stale_after)
    queued = HarvestRun.objects.filter(status=RunStatus.QUEUED, finished_at__isnull=True,
                                       created_at__lt=now - QUEUED_STALE_AFTER)
    closed = []
    for run in [*running.select_related("org"), *queued.select_related("org")]:
        since = run.progress_at or run.started_at or run.created_at
        closed.append(fail_run(run, f"no progress since {since:%Y-%m-%d %H:%M:%S} UTC: its worker was lost; "
                                    f"closed by the stale-run sweep ({run.chunks_done}/{run.chunks_total} steps had "
                                    f"landed and stay in the graph; harvest again to complete it)"))
    return closed


def harvest_now(
    run: HarvestRun, *, on_chunk: Callable[[int, int], None] | None = None, max_attempts: int = 6
) -> HarvestRun:
    """The whole run in this process (`harvest --sync`, tests); Celery runs the same steps spread out."""
    client = client_for(run.org)
    try:
        plan = with_retries(lambda: plan_run(run, client), max_attempts)
        sources = [(source, part) for source in run.sources if source != "schema"
                   for part in _units(run, client, source, max_attempts)]
        steps: list[Callable[[], bool]] = [
            *(lambda names=names: harvest_chunk(run, client, names) for names in plan.chunks),
            *(lambda source=source, part=part: harvest_source(run, client, source, part) for source, part in sources),
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
    except KeyboardInterrupt:
        fail_run(run, "interrupted (Ctrl-C) before it finished")
        raise
    except Exception as error:  # whatever else goes wrong, the run ends with the reason instead of running on
        log.exception("harvest run %s of %s failed", run.pk, run.org.alias)
        return fail_run(run, f"{type(error).__name__}: {error}")
    return finish_run(run)


def _units(run: HarvestRun, client: OrgClient, source: str, max_attempts: int) -> list[str | None]:
    parts = with_retries(lambda: plan_source_parts(run, client, source), max_attempts)
    return [None] if parts is None else list(parts)


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
    now = timezone.now()  # a redelivered start keeps the first start time
    HarvestRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=Coalesce(F("started_at"), now),
                                                progress_at=now)
    run.refresh_from_db()
    _record_in_graph(run)


def _record_usage(run: HarvestRun, client: OrgClient) -> None:
    """Widen the run's span of the org's API counter by what this step's client saw (steps may overlap), and keep
    the org's daily limit that came with it (Sforce-Limit-Info's M: no call of its own to /limits)."""
    if client.first_api_used is None or client.last_api_used is None:
        return
    before = client.first_api_used - 1  # the first answer's counter already includes that call
    limit = {"api_daily_limit": client.api_limit} if client.api_limit is not None else {}
    HarvestRun.objects.filter(pk=run.pk).update(
        api_used_before=Least(Coalesce(F("api_used_before"), before), before),
        api_used_after=Greatest(Coalesce(F("api_used_after"), 0), client.last_api_used), **limit)


def _record_written(run: HarvestRun, step: str, attempt: str, report: WriteReport, chunk: Chunk,
                    counted: dict[str, int] | None = None) -> bool:
    """Add a chunk's rows, errors, warnings and `counted` figures to the run and to its step (which a redone
    step takes back); edges the graph could not join are counted and said, never dropped in silence.

    False, recording nothing, when `attempt` no longer holds the step: another delivery of it took it over."""
    counts = {"written": report.written, **_skipped_counts(report), **(counted or {})}
    warnings = [*chunk.warnings, *_skipped_warnings(report)]
    with transaction.atomic():
        locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
        entry = locked.steps.get(step)
        if entry is None or not _holds(entry, attempt):
            log.info("harvest run %s: step %s was taken over by another delivery; this one's figures are dropped",
                     run.pk, step)
            return False
        for name, count in counts.items():
            locked.counts[name] = locked.counts.get(name, 0) + count
            entry["counts"][name] = entry["counts"].get(name, 0) + count
        locked.errors += chunk.errors
        locked.warnings += warnings
        entry["errors"] += chunk.errors
        entry["warnings"] += warnings
        locked.progress_at = timezone.now()
        locked.save(update_fields=["steps", "counts", "errors", "warnings", "progress_at"])
    return True


# --- steps: each recorded by name, so a redelivered or retried task neither repeats nor double-counts ----
# A step is held by the attempt that opened it last: a task sent twice (a phase whose starting task was
# redelivered before it could say it had sent them) or redelivered while its first delivery still runs
# takes the step over, and only the holder's figures count and only the holder completes it.


def schema_step(names: list[str]) -> str:
    """A schema chunk's step, named after its first object (objects are planned once each)."""
    return f"schema:{names[0]}"


def planned_steps(run: HarvestRun, *, schema_only: bool = False) -> set[str]:
    schema = {schema_step(names) for names in run.plan or []}
    if schema_only:
        return schema
    return schema | {step for source in run.sources if source != "schema" for step in _source_steps(run, source)}


def _source_steps(run: HarvestRun, source: str) -> set[str]:
    parts = run_parts(run, source)
    return {part_step(source, index, len(parts)) for index in range(len(parts))} if parts else {source}


def _source_done(run: HarvestRun, source: str) -> bool:
    fresh = HarvestRun.objects.get(pk=run.pk)
    return _source_steps(fresh, source) <= _done_steps(fresh)


def _new_step(attempt: str = "") -> dict[str, Any]:
    return {"done": False, "counts": {}, "errors": [], "warnings": [], "attempt": attempt}


def _holds(entry: dict[str, Any], attempt: str) -> bool:
    return not entry["done"] and entry.get("attempt") == attempt


def _begin_step(run: HarvestRun, step: str) -> str | None:
    """Open `step` for a new attempt, taking back what an earlier, unfinished attempt of it recorded (that
    attempt, if still running, records nothing more); the attempt's id, or None when the step is done
    already (a redelivered task) or the run is over."""
    attempt = uuid.uuid4().hex
    with transaction.atomic():
        locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
        earlier = locked.steps.get(step)
        if locked.finished_at is not None or locked.status == RunStatus.STOPPED or (earlier and earlier["done"]):
            return None
        if earlier:
            _take_back(locked, earlier)
        locked.steps[step] = _new_step(attempt)
        locked.progress_at = timezone.now()
        locked.save(update_fields=["steps", "counts", "errors", "warnings", "progress_at"])
    return attempt


def _take_back(run: HarvestRun, earlier: dict[str, Any]) -> None:
    for name, count in earlier["counts"].items():
        run.counts[name] = run.counts.get(name, 0) - count
    run.errors = _without(run.errors, earlier["errors"])
    run.warnings = _without(run.warnings, earlier["warnings"])


def _without(items: list[str], taken: list[str]) -> list[str]:
    """`items` less one occurrence of each of `taken` (the same line may come from two steps)."""
    left = list(items)
    for item in taken:
        if item in left:
            left.remove(item)
    return left


def _complete_step(run: HarvestRun, step: str, attempt: str, *, schema_only: bool = False) -> bool:
    """Mark `step` done if `attempt` still holds it; True when this made the schema (or the whole run)
    complete, so exactly one step starts the next phase."""
    with transaction.atomic():
        locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
        entry = locked.steps.get(step)
        if entry is None or not _holds(entry, attempt):
            return False
        entry["done"] = True
        locked.chunks_done = len(_done_steps(locked) & planned_steps(locked))
        locked.progress_at = timezone.now()
        locked.save(update_fields=["steps", "chunks_done", "progress_at"])
        return _complete(locked, schema_only=schema_only)


def _done_and_complete(run: HarvestRun, step: str, *, schema_only: bool = False) -> bool:
    """A redelivered step that was done already: True when its phase is complete, so the next phase is
    started even if the worker died between this step's completion and starting it."""
    fresh = HarvestRun.objects.get(pk=run.pk)
    return step in _done_steps(fresh) and fresh.finished_at is None and _complete(fresh, schema_only=schema_only)


def start_phase(run_id: int, phase: str, task_id: str) -> bool:
    """True when the task `task_id` is to start `phase` of the run: it got here first (the unique row decides),
    or it is that task delivered again and its worker died before the phase was started (`phase_started`)."""
    started, _ = RunPhase.objects.get_or_create(run_id=run_id, name=phase, defaults={"task_id": task_id})
    return started.task_id == task_id and started.sent_at is None


def phase_started(run_id: int, phase: str) -> None:
    """`phase` of the run has its tasks sent (or its work done): no delivery starts it again."""
    RunPhase.objects.filter(run_id=run_id, name=phase).update(sent_at=timezone.now())


def run_complete(run: HarvestRun) -> bool:
    """Every planned step of the run has landed (read afresh)."""
    fresh = HarvestRun.objects.get(pk=run.pk)
    return fresh.finished_at is None and _complete(fresh)


def _complete(run: HarvestRun, *, schema_only: bool = False) -> bool:
    return planned_steps(run, schema_only=schema_only) <= _done_steps(run)


def _done_steps(run: HarvestRun) -> set[str]:
    return {name for name, entry in run.steps.items() if entry["done"]}


def _skipped_counts(report: WriteReport) -> dict[str, int]:
    skipped = dict(report.skipped_by_rel)
    return {"skipped_edges": sum(skipped.values())} if skipped else {}


def _skipped_warnings(report: WriteReport) -> list[str]:
    return [f"{count} {rel} edges not written: an endpoint is not in the graph"
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
    harvest_finished.send(sender=HarvestRun, run=run)
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
