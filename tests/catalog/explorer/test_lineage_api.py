"""The lineage API: a node's paths by its key, each parameter checked and named when bad, an unknown node a 404
problem, and every answer checked by role and scope."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from catalog.accounts import services as accounts
from catalog.navigation import url_or_empty
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import admin, auditor, bearer_client, privacy_officer, token_client, user_in_role
from tests.lineage.lineage_org import BORROWER, CRM, TAX_ID

pytestmark = pytest.mark.django_db
LINEAGE = "/api/v1/lineage/"


def lineage_url(node: str, **more: str) -> str:
    extra = "".join(f"&{name}={value}" for name, value in more.items())
    return f"{LINEAGE}?node={quote(node)}{extra}"


@pytest.fixture
def api() -> APIClient:
    return token_client(privacy_officer(), scopes=("catalog:read",))


def test_a_fields_lineage_has_its_nodes_and_edges_the_way_the_data_moves(api: APIClient, lineage_bank: OrgConnection):
    body = api.get(lineage_url(TAX_ID, direction="downstream", depth="1")).json()

    assert (body["direction"], body["depth"], body["truncated"]) == ("downstream", 1, False)
    assert body["start"]["key"] == TAX_ID
    assert (body["start"]["org"], body["start"]["sensitive"], body["start"]["ccpa_category"]) == (
        "lin-bank", True, "identifiers")
    flow = next(edge for edge in body["edges"] if edge["target"] == CRM)
    assert (flow["source"], flow["relationship"], flow["known_from"], flow["evidence"]) == (
        TAX_ID, "FLOWS_TO", "Apex", "apex:TaxSync line 12")
    assert (flow["consent_checked"], flow["opt_out_checked"], flow["unchecked"]) == (False, False, True)
    assert {node["key"] for node in body["nodes"]} >= {TAX_ID, CRM, BORROWER}


def test_direction_and_depth_default_to_both_ways_two_hops(api: APIClient, lineage_bank: OrgConnection):
    body = api.get(lineage_url(TAX_ID)).json()

    assert (body["direction"], body["depth"]) == ("both", 2)
    assert {node["hop"] for node in body["nodes"]} >= {0, 1, 2}


@pytest.mark.parametrize(("query", "parameter"), [
    ("", "node"),
    ("?node=", "node"),
    (f"?node={quote(TAX_ID)}&depth=0", "depth"),
    (f"?node={quote(TAX_ID)}&depth=6", "depth"),
    (f"?node={quote(TAX_ID)}&depth=two", "depth"),
    (f"?node={quote(TAX_ID)}&direction=sideways", "direction"),
])
def test_a_missing_or_bad_parameter_is_a_400_naming_it(api: APIClient, lineage_graph: object, query: str,
                                                       parameter: str):
    response = api.get(f"{LINEAGE}{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert list(body["errors"]) == [parameter]
    assert parameter in body["detail"]


def test_an_unknown_node_is_a_404_problem_naming_it(api: APIClient, lineage_graph: object):
    response = api.get(lineage_url("field:00D000000000LINAAA:Borrower__c.Nothing__c"))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "Borrower__c.Nothing__c" in response.json()["detail"]


@pytest.mark.parametrize("node", ["   ", "field:\x00", "é" * 1000])
def test_any_text_that_is_no_key_is_a_404_not_a_400(api: APIClient, lineage_graph: object, node: str):
    assert api.get(lineage_url(node)).status_code == 404


def test_an_anonymous_request_is_a_401(lineage_graph: object):
    assert APIClient().get(lineage_url(TAX_ID)).status_code == 401


@pytest.mark.parametrize("person", [privacy_officer, auditor, admin])
def test_every_role_may_read_lineage(lineage_bank: OrgConnection, person):
    assert token_client(person(), scopes=("catalog:read",)).get(lineage_url(TAX_ID)).status_code == 200


def test_a_login_with_no_role_is_refused(lineage_graph: object):
    client = APIClient()
    client.force_login(user_in_role("nobody", None))

    assert client.get(lineage_url(TAX_ID)).status_code == 403


def test_a_token_without_the_catalog_read_scope_is_refused_saying_which(lineage_graph: object):
    response = token_client(privacy_officer(), scopes=("dsar:read",)).get(lineage_url(TAX_ID))

    assert response.status_code == 403
    assert "catalog:read" in response.json()["detail"]


def test_a_revoked_token_is_a_401(lineage_graph: object):
    issued = accounts.issue_token(privacy_officer(), ["catalog:read"])
    accounts.revoke_token(issued.token)

    assert bearer_client(issued.secret).get(lineage_url(TAX_ID)).status_code == 401


def test_the_schema_documents_the_operation_its_parameters_and_its_answers(api: APIClient):
    operation = api.get("/api/schema/?format=json").json()["paths"]["/api/v1/lineage/"]["get"]

    parameters = {each["name"]: each for each in operation["parameters"]}
    assert parameters["node"]["required"] is True
    assert parameters["depth"]["schema"]["minimum"] == 1
    assert parameters["depth"]["schema"]["maximum"] == 5
    assert set(parameters["direction"]["schema"]["enum"]) == {"upstream", "downstream", "both"}
    assert {"200", "400", "401", "403", "404", "429"} <= set(operation["responses"])


def test_each_node_links_to_its_own_page_as_reverse_would(api: APIClient, lineage_bank: OrgConnection):
    body = api.get(lineage_url(BORROWER, depth="3")).json()

    def expected(node: dict[str, str]) -> str:
        if node["kind"] in ("system", "integration"):
            return url_or_empty(f"{node['kind']}-detail", node["key"])
        if node["kind"] == "field":
            return url_or_empty("catalog-field", "lin-bank", *node["name"].split("."))
        return url_or_empty("catalog-object", "lin-bank", node["name"])

    assert {node["kind"] for node in body["nodes"]} == {"object", "field", "system", "integration"}
    assert [node["url"] or "" for node in body["nodes"]] == [expected(node) for node in body["nodes"]]
