"""Harvesting the demo org's schema into the real Neo4j graph, through the simulator over HTTPS."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from harvesters import runs
from harvesters.connections import client_for
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from harvesters.schema import RECORD_COUNT_LIST_CHARS, record_count_batches, schema_chunk
from lineage import FieldRecord, Graph, org_key, purge_org
from salesforce_simulator import Simulator
from salesforce_simulator.generator import generate_org, generated_object
from tests.conftest import connect_simulated_org
from tests.graph_state import snapshot
from tests.harvesters.simulated import simulated_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_connection(demo_org: Simulator, graph: Graph) -> OrgConnection:
    purge_org(graph, org_key(demo_org.org.id))
    connection = connect_simulated_org("demo", demo_org)
    connection.org_id = demo_org.org.id
    connection.save()
    return connection


def harvest(connection: OrgConnection, *, full: bool = True) -> HarvestRun:
    return runs.harvest_now(runs.request_harvest(connection, full=full, sources=["schema"]), max_attempts=8)


def field_node(graph: Graph, org_id: str, sobject: str, name: str) -> dict[str, Any]:
    rows = graph.read("MATCH (:SObject {key: $object})-[:HAS_FIELD]->(f:Field {name: $name}) RETURN properties(f) AS f",
                      object=f"sobject:{org_id}:{sobject}", name=name)
    assert len(rows) == 1, f"{sobject}.{name} not in the graph"
    field: dict[str, Any] = rows[0]["f"]
    return field


def test_a_full_harvest_lands_the_demo_orgs_objects_and_fields(demo_connection: OrgConnection, graph: Graph):
    run = harvest(demo_connection)

    assert run.status == RunStatus.SUCCEEDED, run.errors
    org_id = demo_connection.org_id
    names = {row["name"] for row in graph.read("MATCH (:Org {key: $org})-[:HAS_OBJECT]->(o) RETURN o.name AS name",
                                               org=org_key(org_id))}
    assert {"Contact", "Account", "Individual", "ContactPointTypeConsent", "FinServ__FinancialAccount__c",
            "Loan_Application__c"} <= names


def test_the_unencrypted_account_number_is_in_the_graph_as_restricted_and_unencrypted(
    demo_connection: OrgConnection, graph: Graph
):
    harvest(demo_connection)

    account_number = field_node(graph, demo_connection.org_id, "FinServ__FinancialAccount__c",
                                "FinServ__FinancialAccountNumber__c")
    assert account_number["encrypted"] is False
    assert account_number["security_classification"] == "Restricted"
    assert account_number["evidence"] == "describe:FinServ__FinancialAccount__c"


def test_the_encrypted_ssn_and_the_unencrypted_tax_id_are_told_apart(demo_connection: OrgConnection, graph: Graph):
    harvest(demo_connection)
    org_id = demo_connection.org_id
    encrypted = graph.read("MATCH (f:Field {org_key: $org, sensitive: true}) RETURN f.sobject + '.' + f.name AS name, "
                           "f.encrypted AS encrypted", org=org_key(org_id))
    by_name = {row["name"]: row["encrypted"] for row in encrypted}

    assert any(name.endswith(("SSN__c", "SSN__pc")) and on for name, on in by_name.items()), by_name
    assert any("Tax" in name and not on for name, on in by_name.items()), by_name


def test_a_lookup_becomes_a_references_edge(demo_connection: OrgConnection, graph: Graph):
    harvest(demo_connection)

    rows = graph.read("MATCH (f:Field {key: $field})-[:REFERENCES]->(o:SObject) RETURN o.name AS target",
                      field=f"field:{demo_connection.org_id}:FinServ__FinancialAccount__c.FinServ__PrimaryOwner__c")
    assert [row["target"] for row in rows] == ["Account"]


def test_a_second_full_harvest_changes_nothing(demo_connection: OrgConnection, graph: Graph):
    harvest(demo_connection)
    first = snapshot(graph, demo_connection.org_id)

    second_run = harvest(demo_connection)

    assert second_run.status == RunStatus.SUCCEEDED
    assert second_run.counts["retired"] == 0
    assert snapshot(graph, demo_connection.org_id) == first


def test_an_incremental_harvest_of_an_unchanged_org_spends_one_call(demo_connection: OrgConnection,
                                                                     demo_org: Simulator):
    harvest(demo_connection)
    demo_org.reset()

    run = harvest(demo_connection, full=False)

    assert run.status == RunStatus.SUCCEEDED
    assert run.chunks_total == 0
    assert demo_org.api_usage == 1  # describeGlobal answered 304 Not Modified
    assert run.api_calls == 1


def test_a_full_harvest_describes_and_classifies_twenty_objects_a_call(
    demo_connection: OrgConnection, demo_org: Simulator, graph: Graph
):
    run = harvest(demo_connection)

    harvested = graph.read("MATCH (:Org {key: $org})-[:HAS_OBJECT]->(o) RETURN count(o) AS n",
                           org=org_key(demo_connection.org_id))[0]["n"]
    composite_calls = [call for call in demo_org.calls if call.path.endswith("/composite")]
    count_calls = [call for call in demo_org.calls if call.path.endswith("/limits/recordCount")]
    assert run.api_calls == demo_org.api_usage
    assert len(composite_calls) == -(-harvested // 20)
    assert len(count_calls) == -(-harvested // 100)  # record counts, 100 objects a call
    assert demo_org.api_usage == len(composite_calls) + len(count_calls) + 1  # and describeGlobal


def test_each_object_carries_its_sharing_models_and_its_record_count(demo_connection: OrgConnection, graph: Graph,
                                                                     demo_org: Simulator):
    harvest(demo_connection)
    rows = graph.read("MATCH (:Org {key: $org})-[:HAS_OBJECT]->(o:SObject) WHERE o.name IN $names "
                      "RETURN o.name AS name, properties(o) AS o", org=org_key(demo_connection.org_id),
                      names=["Account", "Contact", "Individual", "FinServ__FinancialAccount__c"])
    objects = {row["name"]: row["o"] for row in rows}

    assert (objects["Account"]["internal_sharing_model"], objects["Account"]["external_sharing_model"]) == (
        "Private", "Private")
    assert objects["Contact"]["internal_sharing_model"] == "ControlledByParent"
    assert objects["FinServ__FinancialAccount__c"]["internal_sharing_model"] == "Private"
    live = sum(1 for row in demo_org.org.records("Individual") if not row.get("IsDeleted"))
    assert objects["Individual"]["record_count"] == live > 500
    assert objects["Individual"]["record_count_at"] is not None


def test_record_counts_are_asked_for_100_objects_a_call_or_fewer_when_names_are_long():
    short = [f"Object{number}__c" for number in range(250)]
    long = [f"{'Very_Long_Object_Name_' * 4}{number}__c" for number in range(100)]

    assert [len(batch) for batch in record_count_batches(short)] == [100, 100, 50]
    assert all(len(",".join(batch)) <= RECORD_COUNT_LIST_CHARS for batch in record_count_batches(long))
    assert len(record_count_batches(long)) > 1
    assert sum(map(len, record_count_batches(long))) == 100


def test_a_definition_answer_of_several_pages_is_read_to_its_last_page(tmp_path: Path):
    """Four objects of 600 fields answer one definition query with 2,400+ rows: two pages."""
    wide = generate_org(objects=4, fields=600, integrations=0, consumers=1, seed=5)
    with Simulator(wide, state_dir=tmp_path) as served:
        names = [f"Gen{n:05d}__c" for n in range(4)]

        chunk = schema_chunk(simulated_client(served), wide.id, names)

        classified = [node for node in chunk.nodes
                      if isinstance(node, FieldRecord) and node.custom and node.security_classification]
        specs = [spec for name in names for spec in generated_object(int(name[3:8]), 600, 5).fields]
        expected = len([spec for spec in specs if spec.classification])
        pages = [call for call in served.calls if call.api_calls and "/query/01g" in call.path]
        assert chunk.errors == []
        assert len(pages) == 1  # the answer's second page, by its nextRecordsUrl
        assert len(classified) == expected
        assert {node.sobject for node in classified} == set(names)


def test_a_run_killed_half_way_and_run_again_ends_in_the_same_graph(
    demo_connection: OrgConnection, graph: Graph, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(runs, "CHUNK_OBJECTS", 5)
    harvest(demo_connection)
    clean = snapshot(graph, demo_connection.org_id)
    purge_org(graph, org_key(demo_connection.org_id))

    interrupted = runs.request_harvest(demo_connection, full=True, sources=["schema"])
    client = client_for(demo_connection)
    plan = runs.plan_run(interrupted, client)
    runs.harvest_chunk(interrupted, client, plan.chunks[0])  # the worker dies after the first chunk
    runs.fail_run(interrupted, "its worker was lost")  # as the stale-run sweep closes it
    rerun = harvest(demo_connection)

    assert len(plan.chunks) > 2
    assert rerun.status == RunStatus.SUCCEEDED
    assert snapshot(graph, demo_connection.org_id) == clean


def test_an_expired_session_is_renewed_and_the_run_completes(
    demo_connection: OrgConnection, demo_org: Simulator, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(runs, "CHUNK_OBJECTS", 5)  # enough calls for the session to expire mid-run
    demo_org.set_faults(session_expiry_calls=3)

    run = harvest(demo_connection)

    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert any(call.status == 401 for call in demo_org.calls)


def test_an_exhausted_api_limit_stops_the_run_cleanly_with_its_reason(demo_connection: OrgConnection,
                                                                      demo_org: Simulator):
    accounting = demo_org.dispatcher.runtime.accounting
    accounting.used = accounting.daily_limit - 2

    run = harvest(demo_connection)

    assert run.status == RunStatus.STOPPED
    assert "REQUEST_LIMIT_EXCEEDED" in run.reason
    assert run.finished_at is not None


def test_a_harvest_queued_on_celery_is_carried_out_by_a_real_worker(
    demo_connection: OrgConnection, worker: str, graph: Graph
):
    from harvesters.tasks import start_harvest

    run = runs.request_harvest(demo_connection, full=True, sources=["schema"])
    start_harvest.delay(run.pk)

    deadline = time.monotonic() + 120
    while run.finished_at is None and time.monotonic() < deadline:
        time.sleep(0.5)
        run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, (run.status, run.reason, run.errors)
    assert run.chunks_done == run.chunks_total > 0
    rows = graph.read("MATCH (f:Field {key: $key}) RETURN f.run_id AS run_id",
                      key=f"field:{demo_connection.org_id}:Contact.Email")
    assert [row["run_id"] for row in rows] == [str(run.uid)]


def test_a_describe_that_fails_is_recorded_on_the_run_and_the_rest_of_its_chunk_lands(
    demo_connection: OrgConnection, graph: Graph
):
    run = runs.request_harvest(demo_connection, full=True, sources=["schema"])
    client = client_for(demo_connection)
    runs.plan_run(run, client)

    runs.harvest_chunk(run, client, ["Contact", "Vanished_Object__c", "Lead"])

    run.refresh_from_db()
    assert any(error.startswith("describe Vanished_Object__c: NOT_FOUND") for error in run.errors), run.errors
    assert field_node(graph, demo_connection.org_id, "Lead", "Email")["type"] == "email"
    assert runs.finish_run(run).status == RunStatus.PARTIAL


def test_each_field_in_the_graph_keeps_the_rule_that_classified_it_with_its_picklist_help_and_description(
    demo_connection: OrgConnection, graph: Graph
):
    harvest(demo_connection)
    org_id = demo_connection.org_id

    document = field_node(graph, org_id, "KYC_Check__c", "Id_Document_Number__c")
    assert (document["ccpa_category"], document["sensitive"]) == ("identifiers", True)
    assert document["sensitivity_rule"].startswith("identity_document: name word `id document number`")
    assert "§1798.140(ae)(1)(A)" in document["classification_rule"]
    assert document["help_text"].startswith("Number of the driver's licence, passport or state ID")
    kind = field_node(graph, org_id, "KYC_Check__c", "Id_Document_Type__c")
    assert kind["picklist_values"] == ["Driver License", "Passport", "State ID"]
    assert "sensitivity_rule" not in kind
    tax_id = field_node(graph, org_id, "Loan_Application__c", "Tax_Id__c")
    assert tax_id["description"].startswith("SSN, ITIN or EIN supplied by sole-proprietor applicants")
    latitude = field_node(graph, org_id, "Contact", "MailingLatitude")
    assert (latitude["sensitive"], latitude["classification_rule"].split(":")[0]) == (False, "address_geocode")
    audit = field_node(graph, org_id, "Contact", "CreatedById")
    assert ("ccpa_category" in audit, audit["classification_rule"].split(":")[0]) == (False, "record_keeping")
