"""The lineage explorer in Debian's Chromium, on the demo org as a harvest writes it (schema, integrations and event
logs; the simulator over HTTPS, real Neo4j): a privacy officer finds the unencrypted tax-id field by typing part of
its name, opens its lineage graph and follows it to the system it reaches, then clicks that system through to its
page. The graph, the table and the system's page are screenshot; the console says nothing against the CSP.

What the harvested demo graph links Loan_Application__c.Tax_Id__c to: one report export read it (an event log, no
system at the end), and its object Loan_Application__c is used by three connected apps (event logs), each of which
sends to a system. So the path the test follows is the field's own object, three hops downstream:
Tax_Id__c -is a field of-> Loan_Application__c -is used by-> Tallyforge Core Banking Sync -sends to->
api.core-banking.example.com.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from catalog.accounts import roles
from catalog.navigation import url_or_empty
from harvesters import runs
from harvesters.models import OrgConnection, RunStatus
from lineage import Graph, field_key, org_key, purge_org, system_key
from salesforce_simulator import Simulator
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.harvesters.worker_runs import connect

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed

CORE_BANKING = system_key("api.core-banking.example.com")


@pytest.fixture
def demo_with_lineage(demo_org: Simulator, graph: Graph) -> OrgConnection:
    """The demo org harvested in this process: its schema, integrations and event logs (no consents: not needed)."""
    purge_org(graph, org_key(demo_org.org.id))
    connection = connect("demo", demo_org)
    run = runs.harvest_now(runs.request_harvest(connection, full=True, sources=["schema", "integrations", "logs"]),
                           max_attempts=8)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    connection.refresh_from_db()
    return connection


def test_a_privacy_officer_follows_the_tax_id_to_the_core_banking_system_and_opens_its_page(
    browser_page: BrowserPage, demo_with_lineage: OrgConnection
):
    tax_id = field_key(demo_with_lineage.org_id, "Loan_Application__c", "Tax_Id__c")
    user_in_role("officer", roles.PRIVACY_OFFICER)
    page = browser_page.page

    browser_page.open("/lineage/")
    log_in(browser_page, "officer", PASSWORD)
    expect(page.get_by_role("heading", name="Lineage", exact=True)).to_be_visible()
    page.get_by_label("Field, object or system").fill("tax_id")  # HTMX suggests as the officer types
    page.get_by_role("link", name="Loan_Application__c.Tax_Id__c", exact=True).click()
    expect(page.get_by_role("heading", name="Lineage of Loan_Application__c.Tax_Id__c")).to_be_visible()

    page.get_by_label("Direction").select_option("downstream")
    page.get_by_label("Depth (hops)").select_option("3")
    page.get_by_role("button", name="Show lineage").click()
    expect(page).to_have_url(re.compile(rf"key={re.escape(quote(tax_id, safe=''))}.*direction=downstream.*depth=3"))
    expect(page.get_by_label("Field, object or system")).to_have_value("Loan_Application__c.Tax_Id__c")
    graph = page.locator("#lineage-graph")
    expect(graph).to_have_attribute("data-ready", "true")
    expect(page.locator("#lineage-graph-loading")).to_be_hidden()
    browser_page.screenshot("lineage-tax-id-graph")

    table = page.get_by_role("table")
    for source, relationship, target in (
        ("Loan_Application__c.Tax_Id__c", "is a field of", "Loan_Application__c"),
        ("Loan_Application__c", "is used by", "Tallyforge Core Banking Sync"),
        ("Tallyforge Core Banking Sync", "sends to", "api.core-banking.example.com"),
    ):
        row = table.get_by_role("row").filter(has=page.get_by_role("link", name=source, exact=True)).filter(
            has=page.get_by_role("link", name=target, exact=True))
        expect(row.first).to_contain_text(relationship)
    expect(table.get_by_role("row").filter(has_text="is used by").first).to_contain_text("event log")
    page.locator("#edges-title").scroll_into_view_if_needed()
    browser_page.screenshot("lineage-tax-id-table")

    graph.scroll_into_view_if_needed()
    box = graph.bounding_box()
    assert box is not None
    where = page.evaluate("key => window.recordkeeperLineage.getElementById(key).renderedPosition()", CORE_BANKING)
    page.mouse.click(box["x"] + where["x"], box["y"] + where["y"])
    system_page = url_or_empty("system-detail", CORE_BANKING)  # helper 4's page; the explorer centred on it before
    expected = system_page or f"/lineage/?node={quote(CORE_BANKING, safe='')}"
    expect(page).to_have_url(re.compile(re.escape(f"{browser_page.base_url}{expected}")))
    expect(page.get_by_text("api.core-banking.example.com").first).to_be_visible()
    browser_page.screenshot("lineage-tax-id-system")
    assert browser_page.console_errors == []
