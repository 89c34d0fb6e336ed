"""Exports in Debian's Chromium, on the demo org harvested for real: an auditor filters the field search to the
sensitive fields not encrypted, says why, and exports them by keyboard; the CSV arrives as a download holding exactly
those fields, and the audit log holds the export with the auditor, the filters and the reason. Screenshots kept."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from catalog.accounts import roles
from catalog.accounts.models import AuditAction, AuditEvent
from harvesters.models import OrgConnection
from lineage import Graph
from salesforce_simulator import Simulator
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.catalog.inventory.demo_harvest import harvest_demo_schema

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed

TAX_ID = ("Loan_Application__c", "Tax_Id__c")


@pytest.fixture
def demo(demo_org: Simulator, graph: Graph) -> OrgConnection:
    return harvest_demo_schema(demo_org, graph)


def test_an_auditor_exports_the_filtered_field_list_and_the_download_arrives(browser_page: BrowserPage,
                                                                             demo: OrgConnection):
    user_in_role("audrey", roles.AUDITOR)
    page = browser_page.page
    browser_page.open("/catalog/demo/fields/")
    log_in(browser_page, "audrey", PASSWORD)

    page.get_by_label("Sensitive", exact=True).select_option(label="Sensitive only")
    page.get_by_label("Encrypted", exact=True).select_option(label="Not encrypted")
    expect(page).to_have_url(re.compile(r"\?sensitive=true&encrypted=false$"))
    shown = page.locator("#field-results tbody tr").count()
    export = page.get_by_role("form", name="Export these fields")
    expect(export.locator('input[type="hidden"][name="encrypted"]')).to_have_value("false")
    reason = export.get_by_label("Why are you exporting them?")
    reason.focus()
    reason.press_sequentially("Annual CCPA audit, ticket 118")
    browser_page.screenshot("export-fields-form")

    with page.expect_download() as arriving:
        page.keyboard.press("Enter")
    download = arriving.value

    assert re.fullmatch(r"recordkeeper-fields-demo-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"), newline="")))
    assert len(rows) == shown
    assert TAX_ID in [(row["object"], row["field"]) for row in rows]
    assert {(row["sensitive"], row["encrypted"]) for row in rows} == {("true", "false")}
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.actor_name, event.object_key, event.reason) == ("audrey", "demo", "Annual CCPA audit, ticket 118")
    assert event.details["filters"] == {"sensitive": True, "encrypted": False}
    expect(page.get_by_role("heading", name="Fields of demo")).to_be_visible()  # the page stays where it was

    browser_page.open("/catalog/demo/fields/export/?sensitive=true&encrypted=false")
    expect(page.get_by_role("status")).to_contain_text(f"{shown} field")
    browser_page.screenshot("export-fields-page")
    assert browser_page.console_errors == [], browser_page.console_errors
