"""The dashboard's figures and the systems pages in Debian's Chromium: after a harvest of the demo org with its
manifests, a privacy officer follows "sensitive fields not encrypted" to the field search, then a system to the
integrations that reach it and back. Every page is screenshot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from catalog.accounts import roles
from harvesters import runs
from harvesters.models import OrgConnection, RunStatus
from lineage import Graph, org_key, purge_org
from salesforce_simulator import Simulator
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.conftest import connect_simulated_org
from tests.lineage.systems_orgs import CORE_BANKING, DEMO_MANIFESTS, DEMO_SOURCES

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed


@pytest.fixture
def harvested_demo(demo_org: Simulator, graph: Graph) -> OrgConnection:
    """The demo org connected as `demo` and fully harvested with its manifests."""
    purge_org(graph, org_key(demo_org.org.id))
    connection = connect_simulated_org("demo", demo_org, manifest_dir=str(DEMO_MANIFESTS))
    run = runs.harvest_now(runs.request_harvest(connection, full=True, sources=DEMO_SOURCES), max_attempts=8)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    connection.refresh_from_db()
    return connection


def test_a_privacy_officer_follows_the_dashboard_to_unencrypted_fields_and_a_system_to_its_integrations(
    browser_page: BrowserPage, harvested_demo: OrgConnection
):
    user_in_role("officer", roles.PRIVACY_OFFICER)
    page = browser_page.page

    browser_page.open("/")
    log_in(browser_page, "officer", PASSWORD)
    figures = page.locator("section", has=page.get_by_role("heading", name="What the orgs hold"))
    expect(figures).to_be_visible()
    expect(figures.get_by_text("First harvest: nothing to compare with yet.")).to_be_visible()
    expect(figures.get_by_role("link", name=re.compile(r"service provider"))).to_be_visible()
    browser_page.screenshot("dashboard-figures")

    figures.get_by_role("link", name=re.compile(r"sensitive fields? not encrypted")).click()
    expect(page).to_have_url(re.compile(r"/catalog/demo/fields/\?sensitive=true&encrypted=false"))
    expect(page.get_by_text("Tax_Id__c").first).to_be_visible()
    browser_page.screenshot("dashboard-unencrypted-sensitive-fields")

    page.go_back()
    figures.get_by_role("link", name=re.compile(r"\d+ service providers?")).click()
    expect(page.get_by_role("heading", name="Systems", exact=True)).to_be_visible()
    expect(page.get_by_label("Role")).to_have_value("service_provider")
    browser_page.screenshot("systems-service-providers")

    page.get_by_role("link", name="Tallyforge Core").first.click()
    expect(page.get_by_role("heading", name="Tallyforge Core")).to_be_visible()
    expect(page.get_by_text(CORE_BANKING).first).to_be_visible()
    integrations = page.locator("section", has=page.get_by_role("heading", name=re.compile("Integrations that send")))
    expect(integrations.get_by_text("Unchecked: no consent or opt-out check found").first).to_be_visible()
    browser_page.screenshot("system-detail")

    integrations.get_by_role("link", name="CoreBankingTransactionSync").click()
    expect(page.get_by_role("heading", name="CoreBankingTransactionSync")).to_be_visible()
    expect(page.get_by_text("this integration moves data and no consent or opt-out check was found")).to_be_visible()
    browser_page.screenshot("integration-detail")

    page.get_by_role("link", name="Tallyforge Core").click()
    expect(page.get_by_role("heading", name="Tallyforge Core")).to_be_visible()

    page.goto(f"{browser_page.base_url}/integrations/")
    page.get_by_label("Consent checked").select_option("false")  # HTMX swaps the results in place
    expect(page).to_have_url(re.compile(r"consent_checked=false"))
    expect(page.get_by_text("Unchecked: no consent or opt-out check found").first).to_be_visible()
    browser_page.screenshot("integrations-unchecked")
    assert browser_page.console_errors == []
