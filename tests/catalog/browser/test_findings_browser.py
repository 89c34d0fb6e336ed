"""The findings in Debian's Chromium, over the demo org harvested whole and evaluated: a privacy officer opens
Findings, narrows them to the trading partner with no contract, reads its evidence path drawn as a graph, opens the
lineage explorer from a step of it and finds the path outlined there, then accepts the risk by keyboard alone and
downloads the auditors' PDF. No page says anything against the Content-Security-Policy. Every page is screenshot."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from catalog.accounts import roles
from catalog.findings import services
from catalog.findings.models import Finding, FindingState
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.catalog.records.conftest import demo  # noqa: F401 - the demo org harvested with its purposes

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed

NO_CONTRACT = "A recipient of personal information has no contract on file with the terms the CCPA requires"


def test_a_privacy_officer_follows_a_findings_evidence_into_the_explorer_accepts_its_risk_and_exports(
    browser_page: BrowserPage, demo: OrgConnection, tmp_path: Path  # noqa: F811
):
    services.evaluate(demo)
    user_in_role("officer", roles.PRIVACY_OFFICER)
    page = browser_page.page
    browser_page.open("/")
    log_in(browser_page, "officer", PASSWORD)
    expect(page.get_by_role("heading", name="Findings not resolved")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Findings").click()
    page.get_by_label("Rule").select_option(label=NO_CONTRACT)
    page.get_by_role("button", name="Show findings").click()
    expect(page.locator("table.findings-table tbody tr")).to_have_count(1)
    browser_page.screenshot("findings-list")

    page.get_by_role("link", name=NO_CONTRACT).click()
    expect(page.get_by_role("heading", name=NO_CONTRACT)).to_be_visible()
    expect(page.locator("#lineage-graph")).to_have_attribute("data-ready", "true")
    outlined = page.evaluate("window.recordkeeperLineage.nodes('[evidence = \"yes\"]').length")
    assert outlined == len(Finding.objects.get(rule_id="recipient-without-contract").path)
    browser_page.screenshot("finding-detail")

    page.get_by_role("link", name=re.compile(r"^Quillstone Brokerage Platform")).click()
    expect(page.get_by_role("status").filter(has_text="the evidence path of")).to_be_visible()
    expect(page.locator("#lineage-graph")).to_have_attribute("data-ready", "true")
    assert page.evaluate("window.recordkeeperLineage.nodes('[evidence = \"yes\"]').length") >= 1
    browser_page.screenshot("finding-in-explorer")
    page.go_back()

    expires = (timezone.localdate() + timedelta(days=90)).isoformat()
    page.get_by_label("Why does the business accept this risk?").focus()
    page.keyboard.type("Partner agreement under renegotiation, LEG-22")
    page.keyboard.press("Tab")
    page.keyboard.type("Chief Privacy Officer")
    page.get_by_label("Accepted until").fill(expires)  # a date input takes its value whole, as its picker gives it
    page.get_by_label("Accepted until").press("Enter")
    expect(page.get_by_text(re.compile(r"Finding \d+ is now accepted risk\."))).to_be_visible()
    assert Finding.objects.get(rule_id="recipient-without-contract").state == FindingState.ACCEPTED_RISK
    browser_page.screenshot("finding-accepted")

    page.get_by_role("link", name="Findings", exact=True).first.click()
    page.get_by_label("Why are you exporting them?").fill("Quarterly CCPA audit, ticket 118")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download PDF").click()
    saved = tmp_path / downloading.value.suggested_filename
    downloading.value.save_as(saved)
    text = " ".join(each.extract_text() for each in PdfReader(saved).pages)
    assert "Findings report" in text
    assert "Accepted risk until" in text
    assert browser_page.console_errors == []
