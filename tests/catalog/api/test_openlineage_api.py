"""POST /api/v1/lineage/openlineage: pipelines add lineage; a bad event is a 400 naming the field, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from harvesters.models import OrgConnection
from lineage import Graph, IntegrationKind, field_key, integration_key, org_key, system_key
from tests.catalog.accounts.people import privacy_officer, token_client
from tests.graph_state import snapshot
from tests.harvesters.openlineage_events import (
    AIRFLOW_PRODUCER,
    AIRFLOW_RUN,
    ORG_ID,
    SCHEMA_FACET,
    airflow_contact_export,
    core_banking_balances,
    replaced,
    schema_facet,
    without,
)

pytestmark = pytest.mark.django_db
ENDPOINT = "/api/v1/lineage/openlineage"
AIRFLOW_JOB = integration_key(ORG_ID, IntegrationKind.OPENLINEAGE, "airflow-prod/nightly_contacts.export_contacts")


@pytest.fixture
def api() -> APIClient:
    return token_client(privacy_officer("airflow-lineage"))


def test_an_airflow_event_is_201_with_what_it_wrote(api: APIClient, graph: Graph, lineage_org: OrgConnection):
    response = api.post(f"{ENDPOINT}?org=lineage-bank", airflow_contact_export(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["run_id"] == f"openlineage:{AIRFLOW_RUN}"
    assert (body["org_key"], body["integration_key"]) == (f"{org_key(ORG_ID)}:openlineage", AIRFLOW_JOB)
    assert (body["nodes"], body["edges"], body["skipped"]) == (2, 6, 0)  # 3 READS, 1 SENDS_TO, 2 FLOWS_TO
    assert body["written"] == 8
    flows = graph.read("MATCH (:Field {key: $field})-[r:FLOWS_TO]->(:System {key: $system}) RETURN r.via AS via, "
                       "r.consent_checked AS consent", field=field_key(ORG_ID, "Contact", "Email"),
                       system=system_key("warehouse.lineage-bank.example"))
    assert [(row["via"], row["consent"]) for row in flows] == [(AIRFLOW_JOB, False)]


def test_posting_the_same_event_twice_changes_nothing(api: APIClient, graph: Graph, lineage_org: OrgConnection):
    first = api.post(f"{ENDPOINT}?org=lineage-bank", airflow_contact_export(), format="json")
    before = snapshot(graph, ORG_ID)

    second = api.post(f"{ENDPOINT}?org=lineage-bank", airflow_contact_export(), format="json")

    assert first.status_code == second.status_code == 201
    assert snapshot(graph, ORG_ID) == before


@pytest.mark.parametrize(("event", "field"), [
    (without(airflow_contact_export(), "job", "name"), "job.name"),
    (without(airflow_contact_export(), "run"), "run"),
    (replaced(airflow_contact_export(), "run-42", "run", "runId"), "run.runId"),
    (replaced(airflow_contact_export(), "yesterday", "eventTime"), "eventTime"),
    (replaced(airflow_contact_export(), "DONE", "eventType"), "eventType"),
    (replaced(airflow_contact_export(), 7, "inputs", 0, "name"), "inputs[0].name"),
    (replaced(airflow_contact_export(), "SELECT Email FROM Contact", "inputs", 0, "name"), "inputs[0].name"),
    (without(airflow_contact_export(), "outputs", 0, "facets", "schema", "_schemaURL"),
     "outputs[0].facets.schema._schemaURL"),
])
def test_a_malformed_event_is_a_400_naming_the_field_and_writes_nothing(
    api: APIClient, graph: Graph, lineage_org: OrgConnection, event: dict[str, Any], field: str
):
    before = snapshot(graph, ORG_ID)

    response = api.post(f"{ENDPOINT}?org=lineage-bank", event, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert snapshot(graph, ORG_ID) == before


def test_a_missing_field_is_reported_as_required(api: APIClient):
    response = api.post(ENDPOINT, without(airflow_contact_export(), "job", "name"), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"job.name": ["This field is required."]}


@pytest.mark.parametrize("body", [[airflow_contact_export()], "COMPLETE", 42])
def test_a_body_that_is_not_an_event_object_is_a_400(api: APIClient, body: object):
    response = api.post(ENDPOINT, body, format="json")

    assert response.status_code == 400
    assert "(event)" in response.json()["errors"]


def test_broken_json_is_a_400(api: APIClient):
    response = api.post(ENDPOINT, '{"eventType": "START", ', content_type="application/json")

    assert response.status_code == 400


def test_an_unknown_org_is_a_400_naming_the_org(api: APIClient):
    response = api.post(f"{ENDPOINT}?org=nobody", airflow_contact_export(), format="json")

    assert response.status_code == 400
    assert "org" in response.json()["errors"]


def test_the_endpoint_requires_a_login():
    response = APIClient().post(ENDPOINT, airflow_contact_export(), format="json")

    assert response.status_code in (401, 403)


def test_the_openapi_schema_describes_the_openlineage_endpoint(api: APIClient):
    response = api.get("/api/schema/?format=json")

    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/lineage/openlineage"]["post"]
    assert {"201", "400"} <= set(operation["responses"])
    assert any(parameter["name"] == "org" for parameter in operation["parameters"])
    assert "application/json" in operation["requestBody"]["content"]


# --- bounds: an event may not ask for more than one transaction should hold -------------------------------


def contact_export_to(outputs: int, columns: int) -> dict[str, Any]:
    """The Airflow export with `columns` Contact columns copied to `outputs` warehouses (one edge per pair)."""
    event = airflow_contact_export()
    event["inputs"][0]["facets"]["schema"] = schema_facet(*(f"C{n}" for n in range(columns)))
    event["outputs"] = [{"namespace": f"pg://w{n}", "name": "t"} for n in range(outputs)]
    return event


def test_a_body_over_the_size_limit_is_a_413_and_writes_nothing(
    api: APIClient, graph: Graph, lineage_org: OrgConnection
):
    event = airflow_contact_export()
    event["job"]["facets"]["padding"] = {"_producer": AIRFLOW_PRODUCER, "_schemaURL": SCHEMA_FACET,
                                         "text": "x" * 1_100_000}
    before = snapshot(graph, ORG_ID)

    response = api.post(f"{ENDPOINT}?org=lineage-bank", event, format="json")

    assert response.status_code == 413
    assert "at most 1048576" in response.json()["errors"]["(event)"][0]
    assert snapshot(graph, ORG_ID) == before


def test_the_35_kb_event_asking_for_160800_edges_is_a_400_naming_the_outputs(
    api: APIClient, graph: Graph, lineage_org: OrgConnection
):
    event = contact_export_to(outputs=402, columns=400)
    before = snapshot(graph, ORG_ID)

    response = api.post(f"{ENDPOINT}?org=lineage-bank", event, format="json")

    assert len(json.dumps(event, separators=(",", ":"))) < 36_000
    assert response.status_code == 400
    assert response.json()["errors"] == {"outputs": ["402 datasets; at most 100 per event."]}
    assert snapshot(graph, ORG_ID) == before


def test_an_event_whose_datasets_multiply_past_the_edge_limit_is_a_400_naming_the_outputs(
    api: APIClient, lineage_org: OrgConnection
):
    response = api.post(f"{ENDPOINT}?org=lineage-bank", contact_export_to(outputs=90, columns=400), format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["outputs"][0].startswith("The event would write 36")
    assert "at most 10000 per event" in response.json()["errors"]["outputs"][0]


def test_a_dataset_with_too_many_schema_fields_is_a_400_naming_them(api: APIClient, lineage_org: OrgConnection):
    response = api.post(f"{ENDPOINT}?org=lineage-bank", contact_export_to(outputs=1, columns=1001), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"inputs[0].facets.schema.fields": ["1001 fields; at most 1000 per dataset."]}


@override_settings(OPENLINEAGE_MAX_EDGES=20)
def test_too_many_column_lineage_edges_is_a_400_naming_the_column_lineage(api: APIClient, lineage_org: OrgConnection):
    event = core_banking_balances()
    source = event["outputs"][0]["facets"]["columnLineage"]["fields"]["FinServ__Balance__c"]["inputFields"][0]
    event["outputs"][0]["facets"]["columnLineage"]["fields"] = {
        f"Column_{n}__c": {"inputFields": [{**source, "field": f"balance_{m}"} for m in range(5)]} for n in range(5)}

    response = api.post(f"{ENDPOINT}?org=lineage-bank", event, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "outputs[0].facets.columnLineage": ["25 column-lineage input fields in the event; at most 20."]}
