"""A full consents read of a large org is split into ranges of consumers, each one task within the time
limits: together the ranges read every consumer once, and a killed range is redone alone."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from harvesters import runs
from harvesters.chunk import Chunk
from harvesters.connections import client_for
from harvesters.consents import ConsumerRange, consent_chunks, consumer_ranges, merge_key
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from lineage import Graph, HasRecordEdge, org_key, purge_org
from salesforce_simulator import Simulator
from tests.graph_state import snapshot
from tests.harvesters.simulated import simulated_client
from tests.harvesters.test_full_harvest import WorkerKilled, worker_killed_after_first_chunk
from tests.harvesters.worker_runs import connect

pytestmark = pytest.mark.django_db(transaction=True)
SMALL_RANGES = 3  # consumers a task: the demo org's few dozen split into many ranges


@pytest.fixture
def demo(demo_org: Simulator, graph: Graph) -> OrgConnection:
    purge_org(graph, org_key(demo_org.org.id))
    return connect("demo", demo_org)


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
    assert ranges[-1] == ConsumerRange(standalone=True)
    assert sum(len(ids) for ids in by_range) == len(whole)
    assert set().union(*by_range) == whole
    for each, ids in zip(ranges, by_range, strict=True):
        assert all((each.lower is None or merge_key(each.lower) <= merge_key(record))
                   and (each.upper is None or merge_key(record) < merge_key(each.upper)) for record in ids)


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
