"""The systems and integrations API over the harvested demo org and a partner org that gives the demo's core banking
host another role: filters, details by graph key, and every answer checked by role and scope."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from harvesters.models import OrgConnection
from lineage import IntegrationKind, integration_key
from tests.catalog.accounts.people import auditor, privacy_officer, token_client, user_in_role
from tests.conftest import register_offline_org
from tests.lineage.systems_orgs import CORE_BANKING, PARTNER_SYNC

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed
Orgs = tuple[OrgConnection, OrgConnection]


@pytest.fixture
def api() -> APIClient:
    return token_client(auditor(), scopes=("catalog:read",))


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_a_shared_system_is_listed_with_each_orgs_role_named_by_alias(api: APIClient, two_orgs: Orgs):
    body = ok(api.get(f"/api/v1/systems/?search={CORE_BANKING}"))

    [core] = body["results"]
    assert {(role["org"], role["role"], role["country"]) for role in core["roles"]} == {
        ("demo", "service_provider", "US"), ("partner", "third_party", "DE")}
    assert core["key"] == f"system:{CORE_BANKING}"
    assert body["count"] == 1


@pytest.mark.parametrize(("query", "expected", "absent"), [
    ("org=partner", {CORE_BANKING}, set()),
    ("org=partner&role=service_provider", set(), {CORE_BANKING}),
    ("org=demo&role=third_party", {"api.trading-platform.example.com"}, {CORE_BANKING}),
    ("org=demo&role=unknown", {"salesforce-email"}, {CORE_BANKING}),
    ("country=de", {CORE_BANKING}, {"api.trading-platform.example.com"}),
])
def test_systems_are_filtered_by_org_role_and_country(api: APIClient, two_orgs: Orgs, query: str,
                                                      expected: set[str], absent: set[str]):
    hosts = {row["host"] for row in ok(api.get(f"/api/v1/systems/?{query}&page_size=100"))["results"]}

    assert expected <= hosts
    assert not absent & hosts


def test_a_systems_detail_lists_the_integrations_of_every_org_that_reach_it(api: APIClient, two_orgs: Orgs):
    body = ok(api.get(f"/api/v1/systems/system:{CORE_BANKING}/"))

    reaching = {(row["org"], row["name"]) for row in body["integrations"]}
    assert {("partner", "PartnerCoreSync"), ("demo", "CoreBankingTransactionSync")} <= reaching
    assert any(flow["org_key"] == "org:00D000000000PRTAAA" and flow["field"] == "Email" for flow in body["flows"])


def test_integrations_are_filtered_by_org_kind_and_checks(api: APIClient, two_orgs: Orgs):
    unchecked = ok(api.get("/api/v1/integrations/?org=demo&kind=apex_class&consent_checked=false&page_size=100"))
    searched = ok(api.get("/api/v1/integrations/?search=partnercoresync"))

    names = {row["name"]: row for row in unchecked["results"]}
    assert "CoreBankingTransactionSync" in names
    assert "DataEnrichmentService" not in names
    assert names["CoreBankingTransactionSync"]["unchecked"] is True
    assert {row["kind"] for row in unchecked["results"]} == {"apex_class"}
    assert [(row["org"], row["systems"]) for row in searched["results"]] == [("partner", [CORE_BANKING])]


def test_an_integration_is_read_by_its_key_even_with_a_hash_in_its_name(api: APIClient, two_orgs: Orgs):
    demo, _ = two_orgs
    key = integration_key(demo.org_id, IntegrationKind.MANIFEST, "golden_poppy_integrations#mobile_app.consent_relay")

    body = ok(api.get(f"/api/v1/integrations/{quote(key)}/"))
    partner = ok(api.get(f"/api/v1/integrations/{PARTNER_SYNC}/"))

    assert (body["org"], body["consent_checked"], body["opt_out_checked"]) == ("demo", True, True)
    assert body["purposes"]
    assert [row["name"] for row in body["serves"]] == ["Honouring privacy choices"]
    assert [(row["sobject"], row["field"]) for row in partner["reads"]] == [("Contact", "Email")]
    assert partner["unchecked"] is True


@pytest.mark.parametrize(("path", "named"), [
    ("/api/v1/systems/?role=boss", "role"),
    ("/api/v1/systems/?country=USA", "country"),
    ("/api/v1/integrations/?kind=carrier_pigeon", "kind"),
    ("/api/v1/integrations/?consent_checked=maybe", "consent_checked"),
    ("/api/v1/integrations/?opt_out_checked=1", "opt_out_checked"),
    ("/api/v1/integrations/?page_size=0", "page_size"),
    ("/api/v1/systems/?page=first", "page"),
])
def test_a_bad_filter_is_a_400_naming_it(api: APIClient, two_orgs: Orgs, path: str, named: str):
    response = api.get(path)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == [named]


@pytest.mark.parametrize("path", ["/api/v1/systems/system:nowhere.example.com/",
                                  "/api/v1/integrations/integration:00D000000000NONAAA:flow:Gone/",
                                  "/api/v1/systems/?page=9", "/api/v1/integrations/?page=9223372036854775807"])
def test_an_unknown_key_or_a_page_past_the_end_is_a_404_problem(api: APIClient, two_orgs: Orgs, path: str):
    response = api.get(path)

    assert response.status_code == 404
    assert response.json()["status"] == 404
    assert response.json()["detail"]


def test_an_org_never_harvested_or_never_connected_has_no_systems_or_integrations(api: APIClient, two_orgs: Orgs):
    register_offline_org("fresh", "https://fresh.my.salesforce.com")

    assert ok(api.get("/api/v1/systems/?org=fresh"))["count"] == 0
    assert ok(api.get("/api/v1/integrations/?org=fresh"))["count"] == 0
    assert ok(api.get("/api/v1/systems/?org=nowhere"))["count"] == 0  # as the harvest runs' org filter


@pytest.mark.parametrize("path", ["/api/v1/systems/", f"/api/v1/systems/system:{CORE_BANKING}/",
                                  "/api/v1/integrations/", f"/api/v1/integrations/{PARTNER_SYNC}/"])
def test_every_endpoint_is_checked_by_role_and_scope(two_orgs: Orgs, path: str):
    anonymous = APIClient().get(path)
    without_scope = token_client(privacy_officer(), scopes=("dsar:read",)).get(path)
    roleless = APIClient()
    roleless.force_login(user_in_role("nobody", None))

    assert anonymous.status_code == 401
    assert without_scope.status_code == 403
    assert "catalog:read" in without_scope.json()["detail"]
    assert roleless.get(path).status_code == 403
    assert token_client(privacy_officer("p2"), scopes=("catalog:read",)).get(path).status_code == 200
