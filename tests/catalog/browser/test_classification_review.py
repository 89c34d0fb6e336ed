"""Classification review in Debian's Chromium, on the demo org harvested for real: a privacy officer overrides a
field's classification on its page, with a reason, and sees it shown as an override there and on the review page;
an auditor sees the override but no control, and posting the form anyway (with a valid CSRF token) or the API is a
403. Every page is screenshot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from catalog.accounts import roles
from catalog.classification.models import ClassificationOverride
from harvesters.models import OrgConnection
from lineage import Graph
from salesforce_simulator import Simulator
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.catalog.inventory.demo_harvest import harvest_demo_schema

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed

FIELD_PAGE = "/catalog/demo/objects/Loan_Application__c/fields/Loan_Type__c/"
REASON = "The loan product a consumer applied for is commercial information about them"


@pytest.fixture
def demo(demo_org: Simulator, graph: Graph) -> OrgConnection:
    return harvest_demo_schema(demo_org, graph)


def test_a_privacy_officer_overrides_a_classification_and_an_auditor_can_neither_see_nor_post_the_control(
    browser_page: BrowserPage, demo: OrgConnection
):
    user_in_role("officer", roles.PRIVACY_OFFICER)
    user_in_role("auditor", roles.AUDITOR)
    page = browser_page.page

    browser_page.open(FIELD_PAGE)
    log_in(browser_page, "officer", PASSWORD)
    panel = page.locator(".override-panel")
    expect(panel.get_by_role("heading", name="Classification review")).to_be_visible()
    expect(panel).to_contain_text("no override is in force")
    page.get_by_label("CCPA category").select_option(label="Commercial information")
    page.get_by_label("Reason", exact=True).fill(REASON)
    browser_page.screenshot("classification-override-form")
    page.get_by_role("button", name="Save the override").click()

    expect(page.get_by_text("Loan_Application__c.Loan_Type__c is overridden")).to_be_visible()
    expect(panel.locator(".override-badge")).to_have_text("Overridden")
    expect(panel).to_contain_text(REASON)
    expect(panel).to_contain_text("officer")
    expect(page.locator(".classification")).to_contain_text("Commercial information")
    browser_page.screenshot("classification-overridden-field")

    page.get_by_role("link", name="Every override of demo").click()
    expect(page.get_by_role("heading", name="Classification review of demo")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Loan_Application__c.Loan_Type__c"))
    expect(row).to_contain_text("Live")
    expect(row).to_contain_text(REASON)
    browser_page.screenshot("classification-review")

    page.get_by_text("officer", exact=True).click()
    page.get_by_role("button", name="Log out").click()
    browser_page.open(FIELD_PAGE)
    log_in(browser_page, "auditor", PASSWORD)
    expect(panel.locator(".override-badge")).to_have_text("Overridden")
    expect(page.get_by_role("button", name="Save the override")).to_have_count(0)
    expect(page.get_by_label("Reason", exact=True)).to_have_count(0)
    browser_page.screenshot("classification-auditor-field")

    form_post = browser_page.post_form(f"{FIELD_PAGE}override/", {"ccpa_category": "not_personal",
                                                                 "reason": "An auditor tries anyway"})
    api_post = page.request.post(f"{browser_page.base_url}/api/v1/orgs/demo/overrides/", headers={
        "X-CSRFToken": browser_page.csrf_token()}, data={"object": "Loan_Application__c", "field": "Loan_Type__c",
                                    "ccpa_category": "not_personal", "reason": "An auditor tries anyway"})

    assert form_post.status == 403
    assert (api_post.status, api_post.headers["content-type"]) == (403, "application/problem+json")
    assert "edit catalog" in api_post.json()["detail"]
    assert list(ClassificationOverride.objects.values_list("reason", flat=True)) == [REASON]
    assert browser_page.errors_besides("/override") == []
