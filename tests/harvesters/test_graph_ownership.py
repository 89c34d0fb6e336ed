"""Ownership in the graph through real harvests: each run is a HarvestRun node of its org, and an org's full
run retires its own observations, never what another provenance scope (an OpenLineage pipeline) still reports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

import salesforce_simulator
from harvesters import runs
from harvesters.connections import client_for
from harvesters.consents import subject_secret
from harvesters.models import OrgConnection, RunStatus
from harvesters.openlineage import NO_ORG, ingest_openlineage_event
from lineage import (
    ConsentEdge,
    ConsentStatus,
    Graph,
    GraphWriter,
    PurposeRecord,
    SubjectRecord,
    org_key,
    preference_key,
    purge_org,
    subject_hmac_for,
    system_key,
)
from salesforce_simulator import Simulator
from tests.conftest import connect_simulated_org
from tests.harvesters.openlineage_events import dbt_contacts_model, replaced

DEMO_MANIFESTS = Path(salesforce_simulator.__file__).parent / "orgs" / "demo" / "manifests"
DSAR_PORTAL = "privacy-portal.dsar-vendor.example.com"  # only the demo manifest declares it in the org
# Every source that writes what the INTEGRATIONS scope retires (one event-log type keeps the run short).
INTEGRATION_SOURCES = ["schema", "integrations", "manifests", "logs"]
# Every source that writes what the PURPOSES and CONSENTS scopes retire.
PURPOSE_SOURCES = ["schema", "consents", "manifests"]
ZORA_INDIVIDUAL = "0PK8d0ZoraQuinnGCB"  # she opted out of processing
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_connection(demo_org: Simulator, graph: Graph) -> Iterator[OrgConnection]:
    purge_org(graph, org_key(demo_org.org.id))
    purge_org(graph, org_key(NO_ORG))
    yield connect_simulated_org("demo", demo_org, manifest_dir=str(DEMO_MANIFESTS))
    purge_org(graph, org_key(demo_org.org.id))
    purge_org(graph, org_key(NO_ORG))


def node(graph: Graph, key: str) -> dict[str, Any]:
    [record] = graph.read("MATCH (n {key: $key}) RETURN properties(n) AS props", key=key)
    return dict(record["props"])


def harvest_runs(graph: Graph, org_id: str) -> list[dict[str, Any]]:
    records = graph.read("MATCH (:Org {key: $org})-[:HAS_RUN]->(r:HarvestRun) RETURN properties(r) AS props",
                         org=org_key(org_id))
    return [dict(record["props"]) for record in records]


def test_a_harvest_run_is_a_node_of_its_org_from_its_start_to_its_end(demo_connection: OrgConnection, graph: Graph):
    run = runs.request_harvest(demo_connection, full=True, sources=["schema"])

    runs.plan_run(run, client_for(demo_connection))
    demo_connection.refresh_from_db()
    [started] = harvest_runs(graph, demo_connection.org_id)
    finished = runs.harvest_now(run)
    [ended] = harvest_runs(graph, demo_connection.org_id)

    assert finished.status == RunStatus.SUCCEEDED, finished.errors
    assert (started["key"], started["status"], "finished_at" in started) == (f"run:{run.uid}", "running", False)
    assert (ended["run_id"], ended["org_id"], ended["sources"], ended["full"], ended["status"]) == (
        str(run.uid), demo_connection.org_id, ["schema"], True, "succeeded")
    assert ended["started_at"].to_native() == finished.started_at
    assert ended["finished_at"].to_native() == finished.finished_at
    assert ended["org_key"] == org_key(demo_connection.org_id)


@override_settings(HARVEST_LOG_EVENT_TYPES=["RestApi"])
def test_a_system_an_openlineage_pipeline_reports_survives_the_orgs_salesforce_full_run(
    demo_connection: OrgConnection, graph: Graph, tmp_path: Path
):
    ingest_openlineage_event(replaced(dbt_contacts_model(), f"https://{DSAR_PORTAL}", "outputs", 0, "namespace"), None)
    declared = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=INTEGRATION_SOURCES))
    # The org's manifests go away: its next full run no longer sees the DSAR portal, which a pipeline still reports.
    OrgConnection.objects.filter(pk=demo_connection.pk).update(manifest_dir=str(tmp_path))
    undeclared = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=INTEGRATION_SOURCES))

    demo_connection.refresh_from_db()
    org = org_key(demo_connection.org_id)
    portal = node(graph, system_key(DSAR_PORTAL))
    declarations = graph.read("MATCH (:Org {key: $org})-[r:HAS_SYSTEM]->(:System {key: $system}) "
                              "RETURN r.retired_at IS NOT NULL AS retired", org=org, system=system_key(DSAR_PORTAL))
    reported = graph.read("MATCH (:Integration)-[r:SENDS_TO {org_key: $scope}]->(:System {key: $system}) "
                          "WHERE r.retired_at IS NULL RETURN count(r) AS n", scope=org_key(NO_ORG),
                          system=system_key(DSAR_PORTAL))
    assert (declared.status, undeclared.status) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED), (
        declared.errors, undeclared.errors)
    assert "retired_at" not in portal
    assert (portal["observed_by"], portal["retired_by"]) == ([org_key(NO_ORG)], [org])  # the org's was retired
    assert declarations == [{"retired": True}]
    assert reported == [{"n": 1}]


@override_settings(HARVEST_LOG_EVENT_TYPES=["RestApi"])
def test_a_full_run_of_the_consents_alone_keeps_the_purposes_only_a_manifest_declares(
    demo_connection: OrgConnection, graph: Graph
):
    everything = runs.harvest_now(runs.request_harvest(demo_connection, full=True))
    declared = graph.read("MATCH (p:Purpose {org_key: $org, declared: true}) RETURN p.name AS name",
                          org=org_key(everything.org.org_id))

    consents = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=["consents"]))

    retired = graph.read("MATCH (p:Purpose {org_key: $org, declared: true}) WHERE p.retired_at IS NOT NULL "
                         "RETURN p.name AS name", org=org_key(everything.org.org_id))
    assert (everything.status, consents.status) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED), (
        everything.errors, consents.errors)
    assert declared
    assert retired == []


def write_flag_as_purpose(graph: Graph, org_id: str) -> tuple[str, str]:
    """Zora's processing opt-out as the consents source wrote it before preferences: a Purpose named after the
    checkbox and her CONSENTED edge to it. Their keys."""
    subject = SubjectRecord(hmac=subject_hmac_for(subject_secret(), external_id=ZORA_INDIVIDUAL),
                            evidence="query:Individual")
    flag = PurposeRecord(org_id=org_id, name="Individual.HasOptedOutProcessing",
                         description="Don't Process: the consumer objects to any processing of their data.",
                         evidence="field:Individual.HasOptedOutProcessing")
    edge = ConsentEdge(source=subject.ref, target=flag.ref, status=ConsentStatus.OPT_OUT,
                       evidence=f"Individual:{ZORA_INDIVIDUAL}")
    GraphWriter(graph, "before-preferences", org_key(org_id), datetime(2026, 11, 1, tzinfo=UTC)).write_chunk(
        [subject, flag], [edge])
    return flag.key, edge.key


def test_a_full_harvest_retires_the_opt_out_flags_an_earlier_version_wrote_as_purposes(
    demo_connection: OrgConnection, demo_org: Simulator, graph: Graph
):
    org_id = demo_org.org.id
    flag, old_edge = write_flag_as_purpose(graph, org_id)

    run = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=PURPOSE_SOURCES))

    purposes = graph.read("MATCH (p:Purpose {org_key: $org}) WHERE p.retired_at IS NULL RETURN p.name AS name",
                          org=org_key(org_id))
    opt_outs = graph.read("MATCH (s:Subject {key: $s})-[r:CONSENTED]->(p) WHERE r.retired_at IS NULL "
                          "AND r.status = 'opt_out' RETURN labels(p) AS labels, p.key AS key",
                          s=f"subject:{subject_hmac_for(subject_secret(), external_id=ZORA_INDIVIDUAL)}")
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert "retired_at" in node(graph, flag)
    assert graph.read("MATCH ()-[r:CONSENTED {key: $key}]->() RETURN r.retired_at IS NOT NULL AS retired",
                      key=old_edge) == [{"retired": True}]
    assert "Individual.HasOptedOutProcessing" not in {row["name"] for row in purposes}
    assert {"labels": ["Preference"], "key": preference_key(org_id, "Individual", "HasOptedOutProcessing")} in opt_outs


def test_a_full_run_of_the_consents_alone_retires_the_purposes_no_manifest_declares_that_it_no_longer_reads(
    demo_connection: OrgConnection, demo_org: Simulator, graph: Graph
):
    flag, _ = write_flag_as_purpose(graph, demo_org.org.id)

    run = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=["schema", "consents"]))

    read = graph.read("MATCH (p:Purpose {org_key: $org}) WHERE p.retired_at IS NULL RETURN p.name AS name",
                      org=org_key(demo_org.org.id))
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert "retired_at" in node(graph, flag)
    assert {row["name"] for row in read} == {"Marketing", "Analytics", "Credit Decisioning", "Fraud Prevention"}
