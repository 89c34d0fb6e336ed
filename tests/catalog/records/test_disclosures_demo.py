"""The demo org's CCPA disclosures (a real harvest: the simulator over HTTPS, real Neo4j): the enrichment vendor
under contractors for Analytics, the brokerage partner under sold or shared, the org's own mobile backend under
neither, the vendors' retention per category, every line with its evidence; through the API and on a page."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.records.disclosures import RecipientLine, disclosures_of
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import auditor, token_client
from tests.catalog.page_checks import csp_problems

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed

ENRICHMENT = "Fathomly Person Match"
BROKERAGE = "Quillstone Brokerage Platform"


def lines_to(lines: tuple[RecipientLine, ...], recipient: str) -> dict[str, RecipientLine]:
    return {each.category: each for each in lines if recipient in each.recipients}


def test_the_enrichment_vendor_is_disclosed_under_contractors_for_analytics(demo: OrgConnection):
    made = disclosures_of("demo")

    to_vendor = lines_to(made.disclosed_for_business_purpose, ENRICHMENT)
    assert "identifiers" in to_vendor
    assert {each.role for each in to_vendor.values()} == {"contractor"}
    assert "Analytics" in to_vendor["identifiers"].activities
    assert any((proof.artefact or "").startswith("manifest:") for proof in to_vendor["identifiers"].evidence)


def test_the_brokerage_partner_is_shared_with_and_the_orgs_own_backend_is_no_disclosure(demo: OrgConnection):
    made = disclosures_of("demo")

    shared = lines_to(made.sold_or_shared, BROKERAGE)
    everyone = {name for each in (*made.disclosed_for_business_purpose, *made.sold_or_shared,
                                  *made.undeclared_recipients) for name in each.recipients}
    assert {"identifiers", "customer_records"} <= set(shared)
    assert "cross-context behavioural advertising" in shared["identifiers"].reason
    assert not any("mobile" in name.casefold() for name in everyone)  # first party: the business itself


def test_each_category_collected_has_its_purposes_retention_and_evidence(demo: OrgConnection):
    made = disclosures_of("demo")

    collected = {each.category for each in made.collected}
    assert collected == {each.category for each in made.purposes} == {each.category for each in made.retention}
    assert all(each.evidence for each in made.collected)
    purposes = {each.category: each for each in made.purposes}
    assert "Analytics" in purposes["inferences"].said
    retention = {each.category: each for each in made.retention}
    assert any(text.startswith(f"{ENRICHMENT}: P30D") for text in retention["identifiers"].said)
    assert made.window_start < made.as_of


def test_an_auditor_reads_the_disclosures_through_the_api_and_on_a_page(demo: OrgConnection):
    user = auditor()
    answer = token_client(user).get("/api/v1/processing-activities/ccpa-disclosures/", {"org": "demo"})
    client = Client()
    client.force_login(user)

    page = client.get("/records/demo/ccpa-disclosures/")

    body = answer.json()
    assert answer.status_code == 200, body
    assert any(ENRICHMENT in each["recipients"] and each["role"] == "contractor"
               for each in body["disclosed_for_business_purpose"])
    identifiers = next(each for each in body["collected"] if each["category"] == "identifiers")
    assert identifiers["evidence_count"] > len(identifiers["evidence"]) == 25  # a category's can be every field
    html = page.content.decode()
    assert page.status_code == 200
    assert "<caption>Categories disclosed to service providers and contractors</caption>" in html
    assert '<th scope="row">Contractors</th>' in html
    assert not csp_problems(html)


def test_a_bad_as_of_on_the_disclosures_page_is_named_and_the_disclosures_shown_as_of_now(demo: OrgConnection):
    client = Client()
    client.force_login(auditor())

    page = client.get("/records/demo/ccpa-disclosures/", {"as_of": "last spring"})

    html = page.content.decode()
    assert page.status_code == 400
    assert 'aria-invalid="true"' in html
    assert "As of: a date such as 2026-11-01" in html
    assert ENRICHMENT in html  # the disclosures as of now
