"""POST /api/v1/lineage/openlineage: pipelines add lineage; a bad event is a 400 naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from harvesters.models import OrgConnection
from lineage import Graph, IntegrationKind, field_key, integration_key, org_key, system_key
from tests.graph_state import snapshot
from tests.harvesters.openlineage_events import (
    AIRFLOW_RUN,
    ORG_ID,
    airflow_contact_export,
    replaced,
    without,
)

pytestmark = pytest.mark.django_db
ENDPOINT = "/api/v1/lineage/openlineage"
AIRFLOW_JOB = integration_key(ORG_ID, IntegrationKind.OPENLINEAGE, "airflow-prod/nightly_contacts.export_contacts")


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.create_user("airflow-lineage", password="pw-airflow-1"))
    return client


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
    assert field in response.json()
    assert snapshot(graph, ORG_ID) == before


def test_a_missing_field_is_reported_as_required(api: APIClient):
    response = api.post(ENDPOINT, without(airflow_contact_export(), "job", "name"), format="json")

    assert response.status_code == 400
    assert response.json() == {"job.name": ["This field is required."]}


@pytest.mark.parametrize("body", [[airflow_contact_export()], "COMPLETE", 42])
def test_a_body_that_is_not_an_event_object_is_a_400(api: APIClient, body: object):
    response = api.post(ENDPOINT, body, format="json")

    assert response.status_code == 400
    assert "(event)" in response.json()


def test_broken_json_is_a_400(api: APIClient):
    response = api.post(ENDPOINT, '{"eventType": "START", ', content_type="application/json")

    assert response.status_code == 400


def test_an_unknown_org_is_a_400_naming_the_org(api: APIClient):
    response = api.post(f"{ENDPOINT}?org=nobody", airflow_contact_export(), format="json")

    assert response.status_code == 400
    assert "org" in response.json()


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
