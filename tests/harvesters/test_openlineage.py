"""OpenLineage run events: validated strictly, read into lineage records, written to the real Neo4j graph."""

from __future__ import annotations

from typing import Any

import pytest

from harvesters.models import OrgConnection
from harvesters.openlineage import (
    NO_ORG,
    Endpoints,
    OpenLineageEventError,
    ingest_openlineage_event,
    openlineage_records,
    read_event,
)
from lineage import (
    FlowEdge,
    Graph,
    IntegrationKind,
    IntegrationRecord,
    field_key,
    integration_key,
    org_key,
    sobject_key,
    system_key,
)
from tests.conftest import register_offline_org
from tests.graph_state import snapshot
from tests.harvesters.openlineage_events import (
    AIRFLOW_PRODUCER,
    AIRFLOW_RUN,
    INSTANCE_HOST,
    ORG_ID,
    SCHEMA_FACET,
    airflow_contact_export,
    core_banking_balances,
    dbt_contacts_model,
    replaced,
    without,
)

WAREHOUSE = system_key("warehouse.lineage-bank.example")
CORE_BANKING = system_key("corebank.lineage-bank.example")
AIRFLOW_JOB = integration_key(ORG_ID, IntegrationKind.OPENLINEAGE, "airflow-prod/nightly_contacts.export_contacts")


def problems_of(event: Any) -> dict[str, list[str]]:
    with pytest.raises(OpenLineageEventError) as raised:
        read_event(event)
    return raised.value.problems


def edges_from(graph: Graph, source: str, rel: str) -> dict[str, dict[str, Any]]:
    rows = graph.read("MATCH (a {key: $key})-[r]->(b) WHERE type(r) = $rel "
                      "RETURN b.key AS target, properties(r) AS props", key=source, rel=rel)
    return {row["target"]: row["props"] for row in rows}


# --- reading events --------------------------------------------------------------------------------------


def test_an_airflow_export_of_contacts_is_an_integration_reading_salesforce_and_flowing_to_the_warehouse():
    chunk = openlineage_records(airflow_contact_export(), ORG_ID)

    integration = next(node for node in chunk.nodes if isinstance(node, IntegrationRecord))
    assert integration.key == AIRFLOW_JOB
    assert integration.evidence == f"openlineage:{AIRFLOW_RUN}"
    assert integration.attributes["last_event_type"] == "COMPLETE"
    assert integration.attributes["producer"] == AIRFLOW_PRODUCER
    assert integration.attributes["parent_job"] == "airflow-prod/nightly_contacts"
    assert integration.attributes["job_integration"] == "AIRFLOW"
    flows = {(edge.source.key, edge.target.key): edge for edge in chunk.edges if isinstance(edge, FlowEdge)}
    assert set(flows) == {(field_key(ORG_ID, "Contact", "Email"), WAREHOUSE),
                          (field_key(ORG_ID, "Contact", "Phone"), WAREHOUSE)}
    assert all(edge.via == AIRFLOW_JOB and edge.consent_checked is False for edge in flows.values())
    assert {node.key for node in chunk.nodes} == {AIRFLOW_JOB, WAREHOUSE}


def test_a_privacy_facet_marks_the_flows_as_consent_and_opt_out_checked():
    event = airflow_contact_export()
    event["job"]["facets"]["recordkeeperPrivacy"] = {"_producer": AIRFLOW_PRODUCER, "_schemaURL": SCHEMA_FACET,
                                                    "consentChecked": True, "optOutChecked": True}

    flows = [edge for edge in openlineage_records(event, ORG_ID).edges if isinstance(edge, FlowEdge)]

    assert flows
    assert all(edge.consent_checked and edge.opt_out_checked for edge in flows)


def test_without_an_org_salesforce_datasets_are_systems_outside():
    chunk = openlineage_records(airflow_contact_export(), None)

    keys = {node.key for node in chunk.nodes}
    assert integration_key(NO_ORG, IntegrationKind.OPENLINEAGE,
                           "airflow-prod/nightly_contacts.export_contacts") in keys
    assert system_key(ORG_ID) in keys
    assert not any("field:" in edge.source.key or "sobject:" in edge.target.key for edge in chunk.edges)


@pytest.mark.parametrize(("namespace", "host"), [
    ("postgres://db.example.com:5432", "db.example.com"),
    ("mysql://User@DB.Example.com:3306/loans", "db.example.com"),
    ("s3://loan-documents", "loan-documents"),
    ("kafka://broker-1.example.com:9092", "broker-1.example.com"),
    ("bigquery", "bigquery"),
    ("file:///var/exports", "file"),
    ("postgres://[unclosed", "postgres://[unclosed"),  # not a URI: the namespace is its own host
])
def test_a_dataset_namespace_is_a_system_keyed_by_its_host(namespace: str, host: str):
    assert Endpoints(None, frozenset()).system_host(namespace) == host


@pytest.mark.parametrize("namespace", [f"salesforce://{ORG_ID}", f"salesforce://{ORG_ID[:15]}",
                                       f"salesforce://{INSTANCE_HOST}", "SALESFORCE://" + INSTANCE_HOST.upper()])
def test_a_salesforce_namespace_names_the_org_by_id_or_host(namespace: str):
    assert Endpoints(ORG_ID, frozenset({INSTANCE_HOST})).is_salesforce(namespace)


def test_another_orgs_salesforce_dataset_is_not_this_orgs():
    assert not Endpoints(ORG_ID, frozenset({INSTANCE_HOST})).is_salesforce("salesforce://00D000000000001AAA")


def test_nanosecond_timestamps_from_java_producers_are_read():
    assert read_event(dbt_contacts_model()).event_time.microsecond == 0


@pytest.mark.parametrize(("event", "path"), [
    (without(airflow_contact_export(), "job", "name"), "job.name"),
    (without(airflow_contact_export(), "job"), "job"),
    (without(airflow_contact_export(), "run", "runId"), "run.runId"),
    (replaced(airflow_contact_export(), "not-a-uuid", "run", "runId"), "run.runId"),
    (replaced(airflow_contact_export(), "2026-11-20", "eventTime"), "eventTime"),
    (replaced(airflow_contact_export(), "2026-11-20T02:15:07", "eventTime"), "eventTime"),
    (without(airflow_contact_export(), "eventTime"), "eventTime"),
    (without(airflow_contact_export(), "producer"), "producer"),
    (replaced(airflow_contact_export(), "http://[unclosed", "producer"), "producer"),
    (replaced(airflow_contact_export(), "FINISHED", "eventType"), "eventType"),
    (replaced(airflow_contact_export(), "  ", "job", "namespace"), "job.namespace"),
    (without(airflow_contact_export(), "inputs", 0, "namespace"), "inputs[0].namespace"),
    (replaced(airflow_contact_export(), {"a": 1}, "outputs"), "outputs"),
    (without(airflow_contact_export(), "inputs", 0, "facets", "schema", "fields", 0, "name"),
     "inputs[0].facets.schema.fields[0].name"),
    (without(airflow_contact_export(), "inputs", 0, "facets", "schema", "_producer"),
     "inputs[0].facets.schema._producer"),
    (without(dbt_contacts_model(), "outputs", 0, "facets", "columnLineage", "fields", "EMAIL", "inputFields", 0,
             "field"), "outputs[0].facets.columnLineage.fields.EMAIL.inputFields[0].field"),
    (replaced(airflow_contact_export(), {"_producer": AIRFLOW_PRODUCER, "_schemaURL": SCHEMA_FACET,
                                         "consentChecked": "yes"}, "job", "facets", "recordkeeperPrivacy"),
     "job.facets.recordkeeperPrivacy.consentChecked"),
])
def test_a_malformed_event_is_refused_naming_the_field(event: dict[str, Any], path: str):
    assert path in problems_of(event)


def test_a_salesforce_dataset_of_the_org_must_name_an_object():
    event = replaced(airflow_contact_export(), "SELECT Id FROM Contact", "inputs", 0, "name")

    with pytest.raises(OpenLineageEventError) as raised:
        openlineage_records(event, ORG_ID)

    assert "inputs[0].name" in raised.value.problems


# --- into the real graph ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_airflow_event_lands_in_the_graph_with_its_flows_reads_and_system(graph: Graph, lineage_org: OrgConnection):
    result = ingest_openlineage_event(airflow_contact_export(), "lineage-bank")

    assert (result.run_id, result.org_key, result.skipped) == (
        f"openlineage:{AIRFLOW_RUN}", f"{org_key(ORG_ID)}:openlineage", 0)
    job = graph.read("MATCH (n:Integration {key: $key}) RETURN properties(n) AS p", key=AIRFLOW_JOB)[0]["p"]
    assert (job["kind"], job["last_event_type"], job["openlineage_run_id"]) == ("openlineage", "COMPLETE", AIRFLOW_RUN)
    assert job["inputs"] == [f"salesforce://{ORG_ID}/Contact"]
    reads = edges_from(graph, AIRFLOW_JOB, "READS")
    assert set(reads) == {sobject_key(ORG_ID, "Contact"), field_key(ORG_ID, "Contact", "Email"),
                          field_key(ORG_ID, "Contact", "Phone")}
    assert set(edges_from(graph, AIRFLOW_JOB, "SENDS_TO")) == {WAREHOUSE}
    flow = edges_from(graph, field_key(ORG_ID, "Contact", "Email"), "FLOWS_TO")[WAREHOUSE]
    assert (flow["via"], flow["consent_checked"]) == (AIRFLOW_JOB, False)
    assert flow["evidence"] == f"openlineage:{AIRFLOW_RUN}"
    assert WAREHOUSE not in edges_from(graph, field_key(ORG_ID, "Contact", "FirstName"), "FLOWS_TO")


@pytest.mark.django_db
def test_the_same_event_twice_changes_nothing(graph: Graph, lineage_org: OrgConnection):
    ingest_openlineage_event(airflow_contact_export(), "lineage-bank")
    before = snapshot(graph, ORG_ID)

    ingest_openlineage_event(airflow_contact_export(), "lineage-bank")

    assert snapshot(graph, ORG_ID) == before


@pytest.mark.django_db
def test_a_runs_complete_event_follows_its_start(graph: Graph, lineage_org: OrgConnection):
    ingest_openlineage_event(airflow_contact_export("START"), "lineage-bank")
    ingest_openlineage_event(airflow_contact_export("COMPLETE"), "lineage-bank")

    job = graph.read("MATCH (n:Integration {key: $key}) RETURN n.last_event_type AS t", key=AIRFLOW_JOB)
    assert [row["t"] for row in job] == ["COMPLETE"]


@pytest.mark.django_db
def test_column_lineage_from_core_banking_feeds_exactly_the_balance_field(graph: Graph, lineage_org: OrgConnection):
    result = ingest_openlineage_event(core_banking_balances(), "lineage-bank")

    job = integration_key(ORG_ID, IntegrationKind.OPENLINEAGE, "spark-prod/balances_to_salesforce")
    assert result.integration_key == job
    flows = edges_from(graph, CORE_BANKING, "FLOWS_TO")
    assert set(flows) == {field_key(ORG_ID, "FinServ__FinancialAccount__c", "FinServ__Balance__c")}
    assert set(edges_from(graph, job, "WRITES")) == {
        sobject_key(ORG_ID, "FinServ__FinancialAccount__c"),
        field_key(ORG_ID, "FinServ__FinancialAccount__c", "FinServ__Balance__c"),
        field_key(ORG_ID, "FinServ__FinancialAccount__c", "FinServ__Status__c"),
    }


@pytest.mark.django_db
def test_a_dbt_model_carries_the_warehouse_data_on_to_the_vendor(graph: Graph, lineage_org: OrgConnection):
    ingest_openlineage_event(airflow_contact_export(), "lineage-bank")
    ingest_openlineage_event(dbt_contacts_model(), "lineage-bank")

    vendor = system_key("adtech-vendor-xy12345")
    dbt_job = integration_key(ORG_ID, IntegrationKind.OPENLINEAGE, "dbt-analytics/analytics.marketing.audience")
    path = graph.read(
        "MATCH (f:Field {key: $field})-[:FLOWS_TO]->(:System {key: $warehouse})-[r:FLOWS_TO]->(:System {key: $vendor}) "
        "RETURN r.via AS via", field=field_key(ORG_ID, "Contact", "Email"), warehouse=WAREHOUSE, vendor=vendor)
    assert [row["via"] for row in path] == [dbt_job]


@pytest.mark.django_db
def test_an_edge_to_a_field_the_graph_lacks_is_skipped_and_counted(graph: Graph, lineage_org: OrgConnection):
    event = airflow_contact_export()
    event["inputs"][0]["facets"]["schema"]["fields"].append({"name": "Secret_Score__c", "type": "double"})

    result = ingest_openlineage_event(event, "lineage-bank")

    assert result.skipped == 2  # READS on the field and its FLOWS_TO to the warehouse


@pytest.mark.django_db
def test_without_an_org_the_writes_are_stamped_with_the_neutral_key(graph: Graph, lineage_org: OrgConnection):
    result = ingest_openlineage_event(airflow_contact_export(), None)

    assert result.org_key == org_key(NO_ORG) == "org:openlineage"
    stamped = graph.read("MATCH (n:Integration {key: $key}) RETURN n.org_key AS org", key=result.integration_key)
    assert [row["org"] for row in stamped] == ["org:openlineage"]


@pytest.mark.django_db
@pytest.mark.parametrize("alias", ["nobody", "unharvested"])
def test_an_unknown_or_unharvested_org_is_refused_before_anything_is_written(graph: Graph, alias: str):
    register_offline_org("unharvested", "https://unharvested.my.salesforce.com")

    with pytest.raises(OpenLineageEventError) as raised:
        ingest_openlineage_event(airflow_contact_export(), alias)

    assert "org" in raised.value.problems
