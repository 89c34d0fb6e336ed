"""A harvest of several sources: the schema first, then the sources whose edges point at it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

import salesforce_simulator
from harvesters import runs
from harvesters.connections import client_for
from harvesters.models import OrgConnection, RunStatus
from lineage import Graph, GraphWriter, org_key, purge_org
from salesforce_simulator import Simulator
from tests.conftest import connect_simulated_org
from tests.graph_state import snapshot

DEMO_MANIFESTS = Path(salesforce_simulator.__file__).parent / "orgs" / "demo" / "manifests"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_connection(demo_org: Simulator, graph: Graph) -> OrgConnection:
    purge_org(graph, org_key(demo_org.org.id))
    return connect_simulated_org("demo", demo_org, manifest_dir=str(DEMO_MANIFESTS))


class WorkerKilled(BaseException):
    """The worker process dies: nothing of the step after the landed chunks runs."""


@contextlib.contextmanager
def worker_killed_after_first_chunk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The step lands its first chunk, then the worker dies while writing the second."""
    written = GraphWriter.write_chunk
    landed: list[int] = []

    def write_chunk(writer: GraphWriter, *args: Any, **kwargs: Any) -> Any:
        if landed:
            raise WorkerKilled
        landed.append(1)
        return written(writer, *args, **kwargs)

    monkeypatch.setattr(GraphWriter, "write_chunk", write_chunk)
    try:
        yield
    finally:
        monkeypatch.setattr(GraphWriter, "write_chunk", written)


def test_the_dsar_webhook_declared_in_a_manifest_lands_next_to_the_harvested_schema(
    demo_connection: OrgConnection, graph: Graph
):
    run = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=["schema", "manifests"]))

    assert run.status == RunStatus.SUCCEEDED, run.errors
    unsigned = graph.read(
        "MATCH (i:Integration {org_key: $org})-[s:SENDS_TO]->(:System) WHERE s.signature_validated = false "
        "RETURN i.name AS name", org=org_key(run.org.org_id))
    assert any("dsar" in row["name"].lower() for row in unsigned), unsigned
    flows_from_fields = graph.read(
        "MATCH (:Field {org_key: $org})-[f:FLOWS_TO]->(:System) RETURN count(f) AS n", org=org_key(run.org.org_id))
    assert flows_from_fields[0]["n"] > 0


def test_an_unknown_source_is_refused_by_name(demo_connection: OrgConnection):
    with pytest.raises(ValueError, match="unknown sources telepathy"):
        runs.request_harvest(demo_connection, full=True, sources=["schema", "telepathy"])


def test_every_source_of_the_demo_org_lands_and_a_second_full_run_changes_nothing(
    demo_connection: OrgConnection, graph: Graph
):
    first = runs.harvest_now(runs.request_harvest(demo_connection, full=True))
    org = org_key(first.org.org_id)
    after_first = snapshot(graph, first.org.org_id)
    second = runs.harvest_now(runs.request_harvest(demo_connection, full=True))

    assert (first.status, second.status) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED), (first.errors, second.errors)
    assert set(first.sources) == set(runs.all_sources())
    assert second.counts["retired"] == 0
    assert snapshot(graph, first.org.org_id) == after_first
    unchecked_email = graph.read(
        "MATCH (f:Field {org_key: $org})-[r:FLOWS_TO]->(s:System) WHERE r.consent_checked = false "
        "AND f.name = 'FinServ__Balance__c' RETURN s.key AS system", org=org)
    assert unchecked_email, "the balance e-mail flow is not in the graph"


def test_re_harvesting_the_unchanged_org_from_every_source_spends_at_most_ten_calls(
    demo_connection: OrgConnection, demo_org: Simulator
):
    runs.harvest_now(runs.request_harvest(demo_connection, full=True))
    demo_org.reset()

    again = runs.harvest_now(runs.request_harvest(demo_connection, full=False))

    assert again.status == RunStatus.SUCCEEDED, again.errors
    assert demo_org.api_usage <= 10
    assert again.api_calls == demo_org.api_usage


def test_a_run_killed_inside_every_source_and_run_again_ends_in_the_same_graph(
    demo_connection: OrgConnection, graph: Graph, monkeypatch: pytest.MonkeyPatch
):
    clean_run = runs.harvest_now(runs.request_harvest(demo_connection, full=True))
    org_id = clean_run.org.org_id
    clean = snapshot(graph, org_id)
    purge_org(graph, org_key(org_id))

    interrupted = runs.request_harvest(demo_connection, full=True)
    client = client_for(demo_connection)
    for names in runs.plan_run(interrupted, client).chunks:
        runs.harvest_chunk(interrupted, client, names)
    killed = []
    for source in runs.SOURCE_CHUNKS:
        with worker_killed_after_first_chunk(monkeypatch):
            try:
                runs.harvest_source(interrupted, client, source)
            except WorkerKilled:
                killed.append(source)
    half_written = snapshot(graph, org_id)
    runs.fail_run(interrupted, "its worker was lost")  # as the stale-run sweep closes it
    rerun = runs.harvest_now(runs.request_harvest(demo_connection, full=True))

    assert {"logs", "consents"} <= set(killed)  # sources of many chunks died with some landed
    assert half_written != clean
    assert rerun.status == RunStatus.SUCCEEDED, rerun.errors
    assert snapshot(graph, org_id) == clean


def test_a_run_without_the_schema_counts_the_api_calls_of_its_sources(
    demo_connection: OrgConnection, demo_org: Simulator
):
    demo_org.reset()

    run = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=["consents"]))

    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert run.api_calls == demo_org.api_usage > 0


@override_settings(HARVEST_LOG_EVENT_TYPES=["RestApi", "BulkApi"])
def test_an_org_short_of_api_calls_reads_only_the_event_types_it_configured(
    demo_connection: OrgConnection, demo_org: Simulator
):
    demo_org.reset()

    run = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=["logs"]))

    downloads = [call.path for call in demo_org.calls if call.path.endswith("/LogFile")]
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert len(downloads) == 30 * 2  # a file a day of each of the two types
