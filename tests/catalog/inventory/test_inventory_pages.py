"""The catalog pages: the orgs with their counts, an org's objects searched, its fields searched and filtered with
the API's filters (a bad value named in the form, never a 500), one object, and one field with the rules that
decided its classification beside Salesforce's, its encryption, and the integrations that read or write it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from catalog.accounts import roles
from harvesters.models import OrgConnection
from lineage import (
    AccessEdge,
    FlowEdge,
    Graph,
    GraphWriter,
    IntegrationKind,
    IntegrationRecord,
    ReadsEdge,
    SystemRecord,
    WritesEdge,
)
from lineage.queries import inventory
from tests.catalog.accounts.people import auditor, privacy_officer, token_client, user_in_role
from tests.catalog.page_checks import csp_problems
from tests.conftest import register_offline_org
from tests.lineage.queries.inventory_org import FIELDS, OBJECTS, ORG_ID, ORG_KEY

pytestmark = pytest.mark.django_db

FIELD_PAGE = "/catalog/inv-bank/objects/Contact/fields/Tax_Id__c/"
PAGES = ["/catalog/", "/catalog/inv-bank/", "/catalog/inv-bank/fields/", "/catalog/inv-bank/objects/Contact/",
         FIELD_PAGE]


@pytest.fixture
def officer(client: Client) -> Client:
    client.force_login(privacy_officer())
    return client


@pytest.fixture
def auditor_client(client: Client) -> Client:
    client.force_login(auditor())
    return client


@pytest.fixture
def tax_id_integrations(bank: OrgConnection, inventory_graph: Graph) -> None:
    """An Apex class reading Contact.Tax_Id__c and sending it to a tax-check service without a consent check, a
    flow writing the whole Contact object, and a connected app the event logs saw using Contact."""
    tax_id = next(each for each in FIELDS if (each.sobject, each.name) == ("Contact", "Tax_Id__c"))
    contact = next(each for each in OBJECTS if each.name == "Contact")
    evidence = "integrations (inventory test org)"
    verifier = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.APEX_CLASS, name="TaxIdVerifier",
                                 evidence=evidence)
    intake = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.FLOW, name="Contact_Intake", evidence=evidence)
    service = SystemRecord(host="taxcheck.inventory-test.example", name="TaxCheck", evidence=evidence)
    app = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.CONNECTED_APP, name="Mobile Banking",
                            evidence=evidence)
    seen = datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
    edges = [ReadsEdge(source=verifier.ref, target=tax_id.ref, evidence=evidence),
             WritesEdge(source=intake.ref, target=contact.ref, evidence=evidence),
             AccessEdge(source=app.ref, target=contact.ref, evidence="EventLogFile:inventory-test", requests=3, rows=12,
                        first_accessed_at=seen, last_accessed_at=seen),
             FlowEdge(source=tax_id.ref, target=service.ref, via=verifier.key, consent_checked=False,
                      opt_out_checked=True, evidence=evidence)]
    GraphWriter(inventory_graph, "inventory-pages-test", ORG_KEY, datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
                ).write_chunk([verifier, intake, service, app], edges)


def listed_fields(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/catalog/inv-bank/objects/[^"]+">([\w.]+)</a>', page)


# --- who may see them --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, bank: OrgConnection, path: str):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.parametrize("path", PAGES)
def test_a_login_without_a_role_may_not_see_the_catalog(client: Client, bank: OrgConnection, path: str):
    client.force_login(user_in_role("newcomer", None))

    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", [roles.PRIVACY_OFFICER, roles.AUDITOR])
@pytest.mark.parametrize("path", PAGES)
def test_every_catalog_page_opens_for_a_privacy_officer_and_an_auditor_within_the_security_policy(
    client: Client, bank: OrgConnection, role: str, path: str
):
    client.force_login(user_in_role(role.replace(" ", "-"), role))

    response = client.get(path)

    assert response.status_code == 200
    page = response.content.decode()
    assert csp_problems(page) == []
    assert '<a href="/catalog/" aria-current="page">Catalog</a>' in page


@pytest.mark.parametrize("path", ["/catalog/nowhere/", "/catalog/nowhere/fields/",
                                  "/catalog/inv-bank/objects/Nothing__c/",
                                  "/catalog/inv-bank/objects/Contact/fields/Nothing__c/",
                                  "/catalog/inv-bank/objects/Broker_Partner__c/",  # a lookup's placeholder
                                  "/catalog/inv-bank/objects/Bad%20Name/fields/x/"])
def test_an_unknown_org_object_or_field_is_the_not_found_page(officer: Client, bank: OrgConnection, path: str):
    response = officer.get(path)

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# --- the orgs and their objects ----------------------------------------------------------------------------


def test_the_index_lists_each_org_with_its_objects_fields_personal_sensitive_and_unencrypted_fields(
    officer: Client, bank: OrgConnection
):
    page = officer.get("/catalog/").content.decode()

    row = page.split('<a href="/catalog/inv-bank/">inv-bank</a>')[1].split("</tr>")[0]
    assert re.findall(r'<td class="number">(\d+)</td>', row) == ["3", "7", "5", "2", "1"]
    assert '<a href="/catalog/inv-bank/fields/">Search its fields</a>' in row
    assert '<a href="/systems/">systems outside Salesforce</a>' in page


def test_an_org_never_harvested_says_so_and_offers_a_start_to_whoever_may_start_one(client: Client):
    register_offline_org("fresh-bank")
    client.force_login(privacy_officer())
    officer_index = client.get("/catalog/").content.decode()
    officer_org = client.get("/catalog/fresh-bank/").content.decode()
    client.force_login(auditor())
    auditor_org = client.get("/catalog/fresh-bank/").content.decode()

    assert "No harvest of this org yet." in officer_index
    assert '<a href="/harvests/?org=fresh-bank">Start one</a>' in officer_index
    assert "No harvest of fresh-bank yet." in officer_org
    assert 'href="/harvests/?org=fresh-bank">start one on the Harvests page</a>' in officer_org
    assert "No harvest of fresh-bank yet." in auditor_org
    assert "/harvests/?org=" not in auditor_org


def test_no_org_connected_says_how_to_connect_one(officer: Client):
    page = officer.get("/catalog/").content.decode()

    assert "No Salesforce org is connected yet." in page


def test_an_orgs_objects_are_listed_with_their_counts_and_searched_by_name_or_label(officer: Client,
                                                                                      bank: OrgConnection):
    every = officer.get("/catalog/inv-bank/").content.decode()
    by_label = officer.get("/catalog/inv-bank/", {"search": "credit"}).content.decode()
    none = officer.get("/catalog/inv-bank/", {"search": "zebra"}).content.decode()

    assert re.findall(r'<th scope="row"><a href="[^"]+">(\w+)</a>', every) == [
        "Contact", "Loan_Application__c", "acme__Score__c"]
    assert "Broker_Partner__c" not in every
    assert re.findall(r'<th scope="row"><a href="[^"]+">(\w+)</a>', by_label) == ["acme__Score__c"]
    assert "No object of inv-bank has “zebra” in its name or label." in none


def test_an_objects_page_shows_its_facts_and_its_fields(officer: Client, bank: OrgConnection):
    page = officer.get("/catalog/inv-bank/objects/Contact/").content.decode()

    assert "4: 3 personal, 1 sensitive" in page
    assert "Private inside the company" in page
    assert re.findall(r'<th scope="row"><a href="[^"]+">(\w+)</a>', page) == [
        "Birthdate", "Department", "Email", "Tax_Id__c"]


# --- the field search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ({"object": "Contact", "sensitive": "true"}, ["Contact.Tax_Id__c"]),
    ({"ccpa_category": "customer_records"}, ["Loan_Application__c.Income__c"]),
    ({"sensitive": "true", "encrypted": "false"}, ["Contact.Tax_Id__c"]),
    ({"encrypted": "true"}, ["Loan_Application__c.Income__c"]),
    ({"unclassified": "true"}, ["Contact.Department", "Loan_Application__c.Status__c"]),
    ({"custom": "true", "namespace": "acme"}, ["acme__Score__c.acme__Value__c"]),
    ({"search": "tax id"}, ["Contact.Tax_Id__c"]),
])
def test_each_filter_of_the_field_search_narrows_the_list(officer: Client, bank: OrgConnection,
                                                          query: dict[str, str], expected: list[str]):
    response = officer.get("/catalog/inv-bank/fields/", query)

    assert response.status_code == 200
    assert listed_fields(response.content.decode()) == expected


def test_the_field_search_form_is_labelled_grouped_and_keeps_the_chosen_filters(officer: Client,
                                                                                 bank: OrgConnection):
    page = officer.get("/catalog/inv-bank/fields/", {"sensitive": "true", "search": "tax"}).content.decode()

    assert "<legend>Filter the fields</legend>" in page
    for name in ("search", "object", "ccpa_category", "namespace", "sensitive", "encrypted", "unclassified",
                 "custom"):
        assert f'<label for="id_{name}">' in page, name
    assert '<option value="true" selected>Sensitive only</option>' in page
    assert '<option value="" selected>Any category</option>' in page
    assert "---------" not in page
    assert 'value="tax"' in page
    assert "1 field matches these filters." in page
    assert 'hx-push-url="true"' in page


@pytest.mark.parametrize(("query", "message"), [
    ({"sensitive": "maybe"}, "Sensitive: “maybe” is not a choice here: choose Any, Sensitive only or Not sensitive."),
    ({"ccpa_category": "shoe_size"}, "CCPA category: “shoe_size” is not a CCPA category: choose one from the list."),
    ({"namespace": "x" * 16}, "Namespace: Ensure this value has at most 15 characters"),
    ({"page_size": "0"}, "Page size: A whole number from 1 to 500."),
    ({"page": "first"}, "Page: A whole number from 1."),
])
def test_a_bad_filter_is_a_400_whose_form_names_it(officer: Client, bank: OrgConnection, query: dict[str, str],
                                                   message: str):
    response = officer.get("/catalog/inv-bank/fields/", query)

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert "No fields are shown until the filters are corrected." in page


def test_htmx_gets_the_results_alone_at_an_address_of_the_filters_given_even_for_a_bad_filter(
    officer: Client, bank: OrgConnection
):
    good = officer.get("/catalog/inv-bank/fields/", {"search": "", "encrypted": "true", "custom": ""},
                       headers={"HX-Request": "true"})
    bad = officer.get("/catalog/inv-bank/fields/", {"custom": "perhaps"}, headers={"HX-Request": "true"})

    assert good.status_code == 200
    assert good.content.decode().lstrip().startswith('<div id="field-results">')
    assert good["HX-Push-Url"] == "/catalog/inv-bank/fields/?encrypted=true"
    assert "<html" not in good.content.decode()
    assert listed_fields(good.content.decode()) == ["Loan_Application__c.Income__c"]
    assert bad.status_code == 200  # htmx swaps 2xx answers only
    assert "Custom: “perhaps” is not a choice here" in bad.content.decode()


def test_the_fields_are_paged_by_the_apis_rules_keeping_the_filters(officer: Client, bank: OrgConnection):
    first = officer.get("/catalog/inv-bank/fields/", {"custom": "true", "page_size": "2"}).content.decode()
    last = officer.get("/catalog/inv-bank/fields/", {"custom": "true", "page_size": "2", "page": "2"})
    beyond = officer.get("/catalog/inv-bank/fields/", {"custom": "true", "page_size": "2", "page": "3"})
    far_beyond = officer.get("/catalog/inv-bank/objects/Contact/", {"page": str(2**63 - 1)})

    assert listed_fields(first) == ["Contact.Tax_Id__c", "Loan_Application__c.Income__c"]
    assert "Page 1 of 2" in first
    assert 'href="?custom=true&amp;page_size=2&amp;page=2" rel="next"' in first
    assert listed_fields(last.content.decode()) == ["Loan_Application__c.Status__c", "acme__Score__c.acme__Value__c"]
    assert beyond.status_code == 404
    assert far_beyond.status_code == 404  # not a SKIP the graph engine refuses


def test_a_count_that_stopped_at_the_cap_says_more_than_and_pages_on(officer: Client, bank: OrgConnection,
                                                                     monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(inventory, "COUNT_CAP", 2)  # four custom fields: counting stops at two

    first = officer.get("/catalog/inv-bank/fields/", {"custom": "true", "page_size": "1"}).content.decode()
    last = officer.get("/catalog/inv-bank/fields/", {"custom": "true", "page_size": "1", "page": "4"}).content.decode()

    assert "More than 2 fields match these filters, 1 to 1 shown." in first
    assert "Page 1 of more than 2" in first
    assert 'href="?custom=true&amp;page_size=1&amp;page=2" rel="next"' in first
    assert "4 fields match these filters, 4 to 4 shown." in last
    assert 'rel="next"' not in last


def test_filters_matching_nothing_say_so_and_offer_to_clear_them(officer: Client, bank: OrgConnection):
    page = officer.get("/catalog/inv-bank/fields/", {"namespace": "nobody"}).content.decode()

    assert "No field of inv-bank matches these filters." in page
    assert '<a href="/catalog/inv-bank/fields/">clear them all</a>' in page


# --- one field ---------------------------------------------------------------------------------------------


def test_a_fields_page_says_which_rules_decided_it_beside_salesforces_classification(officer: Client,
                                                                                      bank: OrgConnection):
    page = officer.get(FIELD_PAGE).content.decode()

    assert "<strong>Identifiers</strong>" in page
    assert "Decided by the rule <code>tax id</code>: identifiers" in page
    assert "<strong>Sensitive personal information</strong> (CPRA)" in page
    assert "Made sensitive by the rule <code>SSN or tax id</code>: CPRA (ae)(1)(A)" in page
    assert '<strong class="warning">Not encrypted</strong>' in page
    assert "though it holds sensitive personal information" in page
    assert "The customer&#x27;s US taxpayer id" in page
    assert "Nine digits" in page
    assert "Salesforce's own classification" in page


def test_salesforces_classification_and_compliance_groups_are_shown(officer: Client, bank: OrgConnection):
    page = officer.get("/catalog/inv-bank/objects/Contact/fields/Email/").content.decode()

    assert "<dt>Data sensitivity level</dt><dd>Confidential</dd>" in page
    assert "<dt>Compliance groups</dt><dd>PII, CCPA</dd>" in page


def test_a_fields_page_lists_the_integrations_reading_writing_or_sending_it(officer: Client, bank: OrgConnection,
                                                                            tax_id_integrations: None):
    page = officer.get(FIELD_PAGE).content.decode()

    body = page.split('<table class="field-integrations">')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = body.split("</tr>")[:-1]
    cells = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
             for row in rows]
    assert cells == [
        ["Contact_Intake", "Flow", "Writes its whole object, Contact", "Not a transfer", "Not a transfer"],
        ["Mobile Banking", "Connected app", "Seen in the event logs using its whole object, Contact", "Not a transfer",
         "Not a transfer"],
        ["TaxIdVerifier", "Apex class", "Reads this field", "Not a transfer", "Not a transfer"],
        ["TaxIdVerifier", "Apex class", "Sends its data to TaxCheck", "No", "Yes"],
    ]
    verifier = f"integration:{ORG_ID}:apex_class:TaxIdVerifier"
    assert f'<a href="/integrations/{verifier}/">TaxIdVerifier</a>' in page
    assert '<a href="/systems/system:taxcheck.inventory-test.example/">TaxCheck</a>' in page
    assert f'<a href="/lineage/?node=field%3A{ORG_ID}%3AContact.Tax_Id__c">' in page


def test_a_field_no_integration_touches_says_so(officer: Client, bank: OrgConnection):
    page = officer.get("/catalog/inv-bank/objects/acme__Score__c/fields/acme__Value__c/").content.decode()

    assert "No harvested integration reads or writes this field or its object" in page


def test_the_api_field_detail_lists_the_same_integrations(bank: OrgConnection, tax_id_integrations: None):
    api = token_client(auditor(), scopes=("catalog:read",))

    body = api.get("/api/v1/orgs/inv-bank/objects/Contact/fields/Tax_Id__c/").json()

    sent = next(each for each in body["integrations"] if each["access"] == "FLOWS_TO")
    assert sent == {"key": f"integration:{ORG_ID}:apex_class:TaxIdVerifier", "kind": "apex_class",
                    "name": "TaxIdVerifier", "access": "FLOWS_TO", "reaches": "field",
                    "target_key": "system:taxcheck.inventory-test.example", "target_name": "TaxCheck",
                    "consent_checked": False, "opt_out_checked": True}
    assert {(each["name"], each["access"], each["reaches"]) for each in body["integrations"]} == {
        ("Contact_Intake", "WRITES", "object"), ("Mobile Banking", "ACCESSED", "object"),
        ("TaxIdVerifier", "READS", "field"),
        ("TaxIdVerifier", "FLOWS_TO", "field")}
    assert body["more_integrations"] is False


# --- the demo org as a harvest writes it -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_on_the_harvested_demo_org_search_and_filters_find_the_unencrypted_tax_id(client: Client,
                                                                                  harvested_demo: OrgConnection):
    client.force_login(privacy_officer())

    searched = client.get("/catalog/demo/fields/", {"search": "tax id"}).content.decode()
    filtered = client.get("/catalog/demo/fields/", {"sensitive": "true", "encrypted": "false",
                                                    "object": "Loan_Application__c"}).content.decode()
    encrypted = client.get("/catalog/demo/fields/", {"sensitive": "true", "encrypted": "true",
                                                     "object": "Loan_Application__c"}).content.decode()
    field = client.get("/catalog/demo/objects/Loan_Application__c/fields/Tax_Id__c/").content.decode()

    assert "Loan_Application__c.Tax_Id__c" in listed_demo_fields(searched)
    assert listed_demo_fields(filtered) == ["Loan_Application__c.Tax_Id__c"]
    assert "Loan_Application__c.Applicant_SSN__c" in listed_demo_fields(encrypted)
    assert "Loan_Application__c.Tax_Id__c" not in listed_demo_fields(encrypted)
    assert "Decided by the rule <code>government_id</code>: name word `tax id`" in field
    assert "Made sensitive by the rule <code>government_id</code>" in field
    assert '<strong class="warning">Not encrypted</strong>' in field
    assert "<dt>Compliance groups</dt><dd>PII, GLBA, CCPA</dd>" in field


def listed_demo_fields(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/catalog/demo/objects/[^"]+">([\w.]+)</a>', page)
