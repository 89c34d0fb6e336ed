"""The inventory API: an org's objects and fields, filtered and paged, each answer checked by role and scope."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from harvesters.models import OrgConnection
from lineage.queries import inventory
from tests.catalog.accounts.people import auditor, privacy_officer, token_client, user_in_role
from tests.conftest import register_offline_org

pytestmark = pytest.mark.django_db
FIELDS = "/api/v1/orgs/inv-bank/fields/"


@pytest.fixture
def api() -> APIClient:
    return token_client(privacy_officer(), scopes=("catalog:read",))


def listed(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [f"{row['object']}.{row['name']}" for row in response.json()["results"]]


def test_an_orgs_objects_are_listed_with_their_field_counts(api: APIClient, bank: OrgConnection):
    body = api.get("/api/v1/orgs/inv-bank/objects/").json()

    assert body["count"] == 3
    contact = body["results"][0]
    assert (contact["name"], contact["field_count"], contact["personal_field_count"],
            contact["sensitive_field_count"]) == (
        "Contact", 4, 3, 1)
    assert (contact["record_count"], contact["internal_sharing_model"]) == (1200, "Private")


def test_objects_are_paged_with_links_to_the_next_and_previous_page(api: APIClient, bank: OrgConnection):
    first = api.get("/api/v1/orgs/inv-bank/objects/?page_size=2").json()
    second = api.get(first["next"]).json()

    assert (first["count"], len(first["results"]), first["previous"]) == (3, 2, None)
    assert [row["name"] for row in second["results"]] == ["acme__Score__c"]
    assert second["next"] is None
    assert "page=" not in second["previous"]


def test_an_objects_detail_is_read_by_its_name(api: APIClient, bank: OrgConnection):
    body = api.get("/api/v1/orgs/inv-bank/objects/Loan_Application__c/").json()

    assert (body["label"], body["custom"], body["field_count"]) == ("Loan Application", True, 2)
    assert body["key_prefix"] is None


@pytest.mark.parametrize(("query", "expected"), [
    ("object=Contact&sensitive=true", ["Contact.Tax_Id__c"]),
    ("ccpa_category=customer_records", ["Loan_Application__c.Income__c"]),
    ("sensitive=true&encrypted=false", ["Contact.Tax_Id__c"]),
    ("encrypted=true", ["Loan_Application__c.Income__c"]),
    ("unclassified=true", ["Contact.Department", "Loan_Application__c.Status__c"]),
    ("custom=true&namespace=acme", ["acme__Score__c.acme__Value__c"]),
    ("search=tax%20id", ["Contact.Tax_Id__c"]),
])
def test_each_field_filter_narrows_the_list(api: APIClient, bank: OrgConnection, query: str, expected: list[str]):
    assert listed(api.get(f"{FIELDS}?{query}")) == expected


def test_the_field_list_counts_every_page(api: APIClient, bank: OrgConnection):
    body = api.get(f"{FIELDS}?page=3&page_size=3").json()

    assert body["count"] == 7
    assert [row["name"] for row in body["results"]] == ["acme__Value__c"]


def test_a_count_that_stopped_at_the_cap_says_it_is_a_lower_bound_and_links_on(api: APIClient, bank: OrgConnection,
                                                                              monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(inventory, "COUNT_CAP", 2)  # four custom fields: counting stops at two

    capped = api.get(f"{FIELDS}?custom=true&page_size=1").json()
    exact = api.get(f"{FIELDS}?namespace=acme").json()
    unfiltered = api.get(FIELDS).json()

    assert (capped["count"], capped["count_is_lower_bound"], len(capped["results"])) == (2, True, 1)
    assert "page=2" in capped["next"]
    assert (exact["count"], exact["count_is_lower_bound"]) == (1, False)
    assert (unfiltered["count"], unfiltered["count_is_lower_bound"]) == (7, False)  # counted in the indexes, whole


def test_a_fields_detail_shows_the_rules_that_decided_its_category_and_sensitivity(api: APIClient,
                                                                                    bank: OrgConnection):
    body = api.get("/api/v1/orgs/inv-bank/objects/Contact/fields/Tax_Id__c/").json()

    assert (body["ccpa_category"], body["classification_rule"]) == ("identifiers", "tax id: identifiers")
    assert (body["sensitive"], body["sensitivity_rule"], body["encrypted"]) == (
        True, "SSN or tax id: CPRA (ae)(1)(A)", False)
    assert body["help_text"] == "Nine digits"


@pytest.mark.parametrize(("query", "parameter"), [
    ("sensitive=maybe", "sensitive"),
    ("encrypted=1", "encrypted"),
    ("ccpa_category=shoe_size", "ccpa_category"),
    ("search=" + "x" * 101, "search"),
    ("page_size=501", "page_size"),
    ("page=0", "page"),
])
def test_a_bad_filter_is_a_400_problem_naming_the_parameter(api: APIClient, bank: OrgConnection, query: str,
                                                            parameter: str):
    response = api.get(f"{FIELDS}?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == [parameter]


@pytest.mark.parametrize(("path", "named"), [
    ("/api/v1/orgs/nobody/objects/", "nobody"),
    ("/api/v1/orgs/nobody/fields/", "nobody"),
    ("/api/v1/orgs/inv-bank/objects/Nothing__c/", "Nothing__c"),
    ("/api/v1/orgs/inv-bank/objects/Contact/fields/Nothing__c/", "Contact.Nothing__c"),
    ("/api/v1/orgs/inv-bank/objects/Nothing__c/fields/Email/", "Nothing__c.Email"),
])
def test_an_unknown_org_object_or_field_is_a_404_problem_naming_it(api: APIClient, bank: OrgConnection, path: str,
                                                                   named: str):
    response = api.get(path)

    assert response.status_code == 404
    assert named in response.json()["detail"]


def test_a_page_past_the_last_is_a_404_problem(api: APIClient, bank: OrgConnection):
    assert api.get(f"{FIELDS}?page=2").status_code == 404


def test_an_org_never_harvested_has_no_objects_or_fields(api: APIClient, bank: OrgConnection):
    register_offline_org("fresh", "https://fresh.my.salesforce.com")

    assert api.get("/api/v1/orgs/fresh/objects/").json()["count"] == 0
    assert api.get("/api/v1/orgs/fresh/fields/").json()["count"] == 0


def test_an_anonymous_request_is_a_401(bank: OrgConnection):
    assert APIClient().get(FIELDS).status_code == 401


def test_a_token_without_catalog_read_is_a_403_naming_the_scope(bank: OrgConnection):
    response = token_client(privacy_officer(), scopes=("dsar:read",)).get(FIELDS)

    assert response.status_code == 403
    assert "catalog:read" in response.json()["detail"]


def test_a_login_without_a_role_is_a_403(bank: OrgConnection):
    assert token_client(user_in_role("nobody-in-particular", None)).get(FIELDS).status_code == 403


def test_an_auditor_reads_objects_and_fields(bank: OrgConnection):
    client = token_client(auditor(), scopes=("catalog:read",))

    assert client.get("/api/v1/orgs/inv-bank/objects/Contact/").status_code == 200
    assert listed(client.get(f"{FIELDS}?encrypted=true")) == ["Loan_Application__c.Income__c"]


def test_the_schema_documents_the_filters_and_every_answer_of_the_inventory(api: APIClient, bank: OrgConnection):
    paths = token_client(privacy_officer("schema-reader")).get("/api/schema/?format=json").json()["paths"]

    fields = paths["/api/v1/orgs/{alias}/fields/"]["get"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(fields["responses"])
    assert {"object", "ccpa_category", "sensitive", "encrypted", "unclassified", "custom", "namespace", "search",
            "page", "page_size"} <= {parameter["name"] for parameter in fields["parameters"]}
    for path in ("/api/v1/orgs/{alias}/objects/{name}/", "/api/v1/orgs/{alias}/objects/{name}/fields/{field}/"):
        assert {"200", "401", "403", "404", "429"} <= set(paths[path]["get"]["responses"]), path
