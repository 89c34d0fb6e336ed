"""A full consents read of a large org is split into ranges of consumers, each one task within the time
limits: together the ranges read every consumer once, and a killed range is redone alone."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator

import pytest
from django.test import override_settings
from django.utils import timezone

from harvesters import runs
from harvesters.chunk import Chunk
from harvesters.client import OrgClient
from harvesters.connections import client_for
from harvesters.consents import CONSUMER_OBJECTS, WHOLE_ORG, ConsumerRange, consent_chunks, consumer_ranges, merge_key
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from harvesters.schema import schema_chunk
from lineage import Graph, GraphWriter, HasRecordEdge, Label, org_key, purge_org
from salesforce_simulator import Simulator
from salesforce_simulator.generator import generate_org
from tests.graph_state import snapshot
from tests.harvesters.simulated import simulated_client
from tests.harvesters.test_consents import WAITLIST_LEADS
from tests.harvesters.test_full_harvest import WorkerKilled, worker_killed_after_first_chunk
from tests.harvesters.worker_runs import connect

pytestmark = pytest.mark.django_db(transaction=True)
SMALL_RANGES = 3  # consumers a task: the demo org's few dozen split into many ranges
DEMO_RANGE = 100  # consumers a task: the demo org's 505 in six ranges
GENERATED_CONSUMERS = 900
CONSUMERS_A_RANGE = 300  # three ranges of the generated org
BULK_ABOVE = 200  # records of an object: each of the generated org's objects travels by Bulk, as a large org's do
PLAN_CALLS = 3  # a read's plan: one Composite call of describes, two of counts and purposes
POLLS_A_JOB = 2  # the simulator, like a busy org, never answers JobComplete to a job's first poll


@pytest.fixture
def demo(demo_org: Simulator, graph: Graph) -> OrgConnection:
    purge_org(graph, org_key(demo_org.org.id))
    return connect("demo", demo_org)


@pytest.fixture(scope="module")
def generated() -> Iterator[Simulator]:
    with Simulator(generate_org(objects=1, fields=4, integrations=0, consumers=GENERATED_CONSUMERS, log_days=1,
                                seed=17)) as org:
        yield org


def subject_keys(chunks: list[Chunk]) -> set[str]:
    return {node.key for chunk in chunks for node in chunk.nodes if node.label is Label.SUBJECT}


def individual_ids(chunks: list[Chunk]) -> set[str]:
    return {record for chunk in chunks for edge in chunk.edges
            if isinstance(edge, HasRecordEdge) and edge.target.key.endswith(":Individual")
            for record in edge.record_ids}


def test_the_ranges_read_every_individual_once_and_only_their_own(demo_org: Simulator):
    client = simulated_client(demo_org)
    ranges = consumer_ranges(client, SMALL_RANGES)
    whole = individual_ids(list(consent_chunks(client, demo_org.org.id)))

    by_range = [individual_ids(list(consent_chunks(client, demo_org.org.id, consumers=each))) for each in ranges]

    assert len(ranges) > 3
    assert sum(len(ids) for ids in by_range) == len(whole)
    assert set().union(*by_range) == whole
    for each, ids in zip(ranges, by_range, strict=True):
        assert all((each.lower is None or merge_key(each.lower) <= merge_key(record))
                   and (each.upper is None or merge_key(record) < merge_key(each.upper)) for record in ids)


def test_the_records_linked_to_no_individual_are_read_by_the_first_range_only(demo_org: Simulator):
    client = simulated_client(demo_org)
    ranges = consumer_ranges(client, DEMO_RANGE)
    whole = subject_keys(list(consent_chunks(client, demo_org.org.id)))

    by_range = [list(consent_chunks(client, demo_org.org.id, consumers=each)) for each in ranges]

    unlinked = [len(subject_keys(chunks)) - len(individual_ids(chunks)) for chunks in by_range]
    assert unlinked[0] >= WAITLIST_LEADS
    assert unlinked[1:] == [0] * (len(ranges) - 1)
    assert sum(len(subject_keys(chunks)) for chunks in by_range) == len(whole)


def test_an_org_that_fits_one_task_is_read_whole_for_one_call(demo_org: Simulator):
    client = simulated_client(demo_org)

    assert consumer_ranges(client, 100_000) == [ConsumerRange()]
    assert demo_org.api_usage == 1


@override_settings(HARVEST_CONSUMERS_PER_TASK=SMALL_RANGES)
def test_a_consents_read_split_into_ranges_ends_in_the_graph_of_one_read(demo: OrgConnection, graph: Graph,
                                                                         demo_org: Simulator):
    with override_settings(HARVEST_CONSUMERS_PER_TASK=100_000):
        whole = runs.harvest_now(runs.request_harvest(demo, full=True, sources=["schema", "consents"]))
    one_read = snapshot(graph, demo_org.org.id)
    purge_org(graph, org_key(demo_org.org.id))

    split = runs.harvest_now(runs.request_harvest(demo, full=True, sources=["schema", "consents"]))

    parts = split.steps["consents"]["parts"]
    assert split.status == RunStatus.SUCCEEDED, split.errors
    assert split.chunks_done == split.chunks_total == whole.chunks_total - 1 + len(parts)
    assert split.errors == whole.errors
    assert snapshot(graph, demo_org.org.id) == one_read


@override_settings(HARVEST_CONSUMERS_PER_TASK=SMALL_RANGES)
def test_a_range_killed_half_way_is_redone_alone(demo: OrgConnection, demo_org: Simulator,
                                                  monkeypatch: pytest.MonkeyPatch):
    run = runs.request_harvest(demo, full=True, sources=["schema", "consents"])
    client = client_for(demo)
    for names in runs.plan_run(run, client).chunks:
        runs.harvest_chunk(run, client, names)
    first, killed, *rest = runs.plan_source_parts(run, client, "consents") or []
    runs.harvest_source(run, client, "consents", first)
    with worker_killed_after_first_chunk(monkeypatch), pytest.raises(WorkerKilled):
        runs.harvest_source(run, client, "consents", killed)
    calls_before_redelivery = demo_org.api_usage

    assert runs.plan_source_parts(run, client, "consents") == [killed, *rest]  # the landed range is not read again
    assert runs.harvest_source(run, client, "consents", first) is False
    assert demo_org.api_usage == calls_before_redelivery
    runs.harvest_source(run, client, "consents", killed)
    done = {name for name, step in HarvestRun.objects.get(pk=run.pk).steps.items() if step["done"]}
    assert {runs.part_step("consents", 0, len(rest) + 2), runs.part_step("consents", 1, len(rest) + 2)} <= done
    assert not any(name.startswith("consents:part 3") for name in done)
    assert json.loads(killed)["lower"] == json.loads(first)["upper"]


def call_kind(path: str) -> str:
    """What a call to the simulator was for, by its path."""
    path = path.split("?")[0].rstrip("/")
    if path.endswith("/results"):
        return "results page"
    if path.endswith("/jobs/query"):
        return "job created"
    if "/jobs/query/" in path:
        return "status poll"
    return "composite" if path.endswith("/composite") else "other"


def calls_by_kind(org: Simulator, since: int) -> Counter[str]:
    """The calls Salesforce counted since call `since` of its log, by what they were for."""
    kinds: Counter[str] = Counter()
    for call in org.calls[since:]:
        kinds[call_kind(call.path)] += call.api_calls
    return kinds


def write_schema(client: OrgClient, graph: Graph, org_id: str) -> GraphWriter:
    """The consent model's objects in the graph (the edges of a consents read point at them), and the writer."""
    purge_org(graph, org_key(org_id))
    writer = GraphWriter(graph, "consent-ranges-test", org_key(org_id), timezone.now())
    schema = schema_chunk(client, org_id, [obj.name for obj in CONSUMER_OBJECTS])
    writer.write_chunk(schema.nodes, schema.edges)
    return writer


def read_ranges(client: OrgClient, writer: GraphWriter, org_id: str, ranges: list[ConsumerRange]) -> None:
    """Each range read and written as its task does."""
    for each in ranges:
        for chunk in consent_chunks(client, org_id, bulk_threshold=BULK_ABOVE, consumers=each):
            writer.write_chunk(chunk.nodes, chunk.edges)


def test_a_read_in_ranges_costs_one_read_plus_a_few_fixed_calls_a_range(generated: Simulator, graph: Graph):
    client, org_id = simulated_client(generated), generated.org.id
    writer, start = write_schema(client, graph, org_id), len(generated.calls)
    read_ranges(client, writer, org_id, [WHOLE_ORG])
    one_read, one_read_graph = calls_by_kind(generated, start), snapshot(graph, org_id)

    writer, start = write_schema(client, graph, org_id), len(generated.calls)
    ranges = consumer_ranges(client, CONSUMERS_A_RANGE, bulk_threshold=BULK_ABOVE)
    planning, start = calls_by_kind(generated, start), len(generated.calls)
    read_ranges(client, writer, org_id, ranges)
    in_ranges = calls_by_kind(generated, start)

    jobs, needed = one_read["job created"], math.ceil(GENERATED_CONSUMERS / CONSUMERS_A_RANGE)
    each_range = PLAN_CALLS + jobs * (1 + POLLS_A_JOB + 1)  # a job's creation, its polls, its part-filled page
    assert jobs == 6
    assert len(ranges) == needed == 3  # the records linked to no Individual cost no range of their own
    assert in_ranges["job created"] == needed * jobs
    assert in_ranges["composite"] == needed * one_read["composite"] == needed * PLAN_CALLS
    assert in_ranges["results page"] <= one_read["results page"] + (needed - 1) * jobs
    assert in_ranges["status poll"] <= POLLS_A_JOB * needed * jobs + needed  # the first of each may wait longer
    assert in_ranges.total() <= one_read.total() + (needed - 1) * each_range + needed
    assert planning.total() <= 1 + 1 + POLLS_A_JOB + 1 + 1  # a count, then the Individual ids' job (a poll to spare)
    assert snapshot(graph, org_id) == one_read_graph
    purge_org(graph, org_key(org_id))


def test_a_read_submits_all_its_bulk_jobs_before_it_reads_any(generated: Simulator):
    client, start = simulated_client(generated), len(generated.calls)

    list(consent_chunks(client, generated.org.id, bulk_threshold=BULK_ABOVE))

    kinds = [call_kind(call.path) for call in generated.calls[start:]]
    assert kinds.count("job created") == 6
    assert "job created" not in kinds[kinds.index("status poll"):]
