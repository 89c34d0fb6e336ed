"""The overrides' API under /api/v1/orgs/{alias}/overrides/: a privacy officer makes and withdraws them; an auditor
and a token without catalog:write get 403; bad input is a 400 naming the field; an unknown field a 404 naming it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.classification.models import ClassificationOverride
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import auditor, privacy_officer, token_client

pytestmark = pytest.mark.django_db
OVERRIDES = "/api/v1/orgs/review-bank/overrides/"
EMPLOYER = {"object": "Contact", "field": "Department", "ccpa_category": "professional_information",
            "sensitive": False, "reason": "Holds the customer's employer"}


@pytest.fixture
def officer_api() -> APIClient:
    return token_client(privacy_officer(), scopes=("catalog:read", "catalog:write"))


def test_a_privacy_officer_overrides_a_field_and_every_field_answer_shows_it(officer_api: APIClient,
                                                                             review_bank: OrgConnection):
    response = officer_api.post(OVERRIDES, EMPLOYER, format="json")
    field = officer_api.get("/api/v1/orgs/review-bank/objects/Contact/fields/Department/").json()
    found = officer_api.get("/api/v1/orgs/review-bank/fields/?ccpa_category=professional_information").json()

    assert response.status_code == 201, response.content
    made = response.json()
    assert {"object": "Contact", "field": "Department", "ccpa_category": "professional_information",
            "sensitive": False, "status": "live", "created_by": "olivia-officer",
            "harvested_ccpa_category": None, "withdrawn_at": None}.items() <= made.items()
    assert (field["ccpa_category"], field["overridden"], field["harvested_ccpa_category"]) == (
        "professional_information", True, None)
    assert (field["override_by"], field["override_reason"]) == ("olivia-officer", "Holds the customer's employer")
    assert [(row["name"], row["overridden"]) for row in found["results"]] == [("Department", True)]
    assert AuditEvent.objects.get(action=AuditAction.CLASSIFICATION_OVERRIDDEN).token_key


def test_overrides_are_listed_filtered_and_read_one_at_a_time(officer_api: APIClient, review_bank: OrgConnection):
    first = officer_api.post(OVERRIDES, EMPLOYER, format="json").json()
    officer_api.post(f"{OVERRIDES}{first['id']}/withdraw/", {"reason": "Not needed"}, format="json")
    officer_api.post(OVERRIDES, {"object": "Contact", "field": "Email", "sensitive": True, "reason": "Private"},
                     format="json")
    reader = token_client(auditor(), scopes=("catalog:read",))

    everything = reader.get(OVERRIDES).json()
    live = reader.get(f"{OVERRIDES}?status=live").json()
    past = reader.get(f"{OVERRIDES}?status=past&search=depart").json()
    one = reader.get(f"{OVERRIDES}{first['id']}/").json()

    assert [row["field"] for row in everything["results"]] == ["Email", "Department"]
    assert [(row["field"], row["ccpa_category"]) for row in live["results"]] == [("Email", None)]
    assert [row["field"] for row in past["results"]] == ["Department"]
    assert (one["status"], one["withdrawal_reason"], one["withdrawn_by"]) == ("withdrawn", "Not needed",
                                                                              "olivia-officer")


def test_withdrawing_through_the_api_gives_back_the_harvested_classification(officer_api: APIClient,
                                                                             review_bank: OrgConnection):
    made = officer_api.post(OVERRIDES, EMPLOYER, format="json").json()

    withdrawn = officer_api.post(f"{OVERRIDES}{made['id']}/withdraw/", {"reason": "Wrong field"}, format="json")
    again = officer_api.post(f"{OVERRIDES}{made['id']}/withdraw/", {"reason": "Twice"}, format="json")
    field = officer_api.get("/api/v1/orgs/review-bank/objects/Contact/fields/Department/").json()

    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    assert (again.status_code, again["Content-Type"]) == (409, "application/problem+json")
    assert (field["ccpa_category"], field["overridden"]) == (None, False)


def test_an_auditor_may_read_overrides_but_gets_a_403_problem_making_one(review_bank: OrgConnection):
    client = token_client(auditor(), scopes=("catalog:read", "catalog:write"))

    listed = client.get(OVERRIDES)
    refused = client.post(OVERRIDES, EMPLOYER, format="json")

    assert listed.status_code == 200
    assert (refused.status_code, refused["Content-Type"]) == (403, "application/problem+json")
    assert "edit catalog" in refused.json()["detail"]
    assert not ClassificationOverride.objects.exists()


def test_a_token_without_catalog_write_gets_a_403_naming_the_scope(review_bank: OrgConnection):
    client = token_client(privacy_officer(), scopes=("catalog:read",))

    refused = client.post(OVERRIDES, EMPLOYER, format="json")

    assert refused.status_code == 403
    assert "catalog:write" in refused.json()["detail"]
    assert not ClassificationOverride.objects.exists()


def test_an_anonymous_request_is_a_401(review_bank: OrgConnection):
    assert APIClient().post(OVERRIDES, EMPLOYER, format="json").status_code == 401
    assert APIClient().get(OVERRIDES).status_code == 401


@pytest.mark.parametrize(("path", "body", "named"), [
    (OVERRIDES, {**EMPLOYER, "field": "Shoe_Size__c"}, "Contact.Shoe_Size__c"),
    (OVERRIDES, {**EMPLOYER, "object": "Nothing__c"}, "Nothing__c.Department"),
    ("/api/v1/orgs/nobody/overrides/", EMPLOYER, "nobody"),
    (f"{OVERRIDES}999999/withdraw/", {"reason": "why"}, "999999"),
])
def test_an_unknown_org_field_or_override_is_a_404_problem_naming_it(officer_api: APIClient,
                                                                     review_bank: OrgConnection, path: str,
                                                                     body: dict[str, str], named: str):
    response = officer_api.post(path, body, format="json")

    assert (response.status_code, response["Content-Type"]) == (404, "application/problem+json")
    assert named in response.json()["detail"]


@pytest.mark.parametrize(("body", "named"), [
    ({**EMPLOYER, "ccpa_category": "shoe_size"}, "ccpa_category"),
    ({**EMPLOYER, "reason": "   "}, "reason"),
    ({key: value for key, value in EMPLOYER.items() if key != "reason"}, "reason"),
    ({**EMPLOYER, "sensitive": "perhaps"}, "sensitive"),
    ({"object": "Contact", "field": "Department", "reason": "nothing changes"}, "ccpa_category"),
])
def test_a_bad_override_is_a_400_problem_naming_the_field(officer_api: APIClient, review_bank: OrgConnection,
                                                          body: dict[str, str], named: str):
    response = officer_api.post(OVERRIDES, body, format="json")

    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")
    assert list(response.json()["errors"]) == [named]
    assert not ClassificationOverride.objects.exists()


def test_a_bad_filter_is_a_400_naming_it(officer_api: APIClient, review_bank: OrgConnection):
    response = officer_api.get(f"{OVERRIDES}?status=sometimes")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_an_auditor_gets_a_403_withdrawing_an_override_and_it_stays_live(officer_api: APIClient,
                                                                         review_bank: OrgConnection):
    made = officer_api.post(OVERRIDES, EMPLOYER, format="json").json()
    client = token_client(auditor(), scopes=("catalog:read", "catalog:write"))

    refused = client.post(f"{OVERRIDES}{made['id']}/withdraw/", {"reason": "I disagree"}, format="json")

    assert refused.status_code == 403
    assert ClassificationOverride.objects.get().status == "live"
