"""The catalog pages in Debian's Chromium, on the demo org harvested for real: a privacy officer finds the unencrypted
tax id through search and through filters (HTMX updating the list and the address in place), opens its page and
reads the rule that decided it and that it is not encrypted; the filters are reached and used by keyboard alone,
and work with JavaScript off. Every page is screenshot."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from catalog.accounts import roles
from harvesters.models import OrgConnection
from lineage import Graph
from salesforce_simulator import Simulator
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import VIEWPORT, BrowserPage, screenshot_dir
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.catalog.inventory.demo_harvest import harvest_demo_schema

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed

TAX_ID = "Loan_Application__c.Tax_Id__c"
FILTER_IDS = ["id_search", "id_object", "id_ccpa_category", "id_namespace", "id_sensitive", "id_encrypted",
              "id_unclassified", "id_custom"]


@pytest.fixture
def demo(demo_org: Simulator, graph: Graph) -> OrgConnection:
    return harvest_demo_schema(demo_org, graph)


@pytest.fixture
def officer() -> None:
    user_in_role("officer", roles.PRIVACY_OFFICER)


def result_row(page: Page, name: str) -> Locator:
    return page.locator("#field-results").get_by_role("row", name=re.compile(re.escape(name)))


def test_a_privacy_officer_finds_the_unencrypted_tax_id_by_search_and_filters_and_reads_why(
    browser_page: BrowserPage, demo: OrgConnection, officer: None
):
    page = browser_page.page
    browser_page.open("/catalog/")
    log_in(browser_page, "officer", PASSWORD)
    expect(page.get_by_role("heading", name="Catalog", exact=True)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("demo"))).to_contain_text("Search its fields")
    browser_page.screenshot("catalog-index")

    page.get_by_role("link", name="demo", exact=True).click()
    expect(page.get_by_role("heading", name="Objects of demo")).to_be_visible()
    page.get_by_label("Search the objects by name or label").fill("loan")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Loan_Application__c", exact=True)).to_be_visible()
    browser_page.screenshot("catalog-org")

    page.get_by_role("link", name="Search and filter all its fields").click()
    expect(page.get_by_role("heading", name="Fields of demo")).to_be_visible()
    browser_page.screenshot("catalog-fields")
    page.evaluate("window.sameDocument = true")  # a reload would forget it: htmx must update the list in place

    page.get_by_label("Search", exact=True).fill("tax id")
    page.get_by_role("button", name="Show fields").click()
    expect(result_row(page, TAX_ID)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/catalog/demo/fields/\?search=tax(\+|%20)id$"))
    browser_page.screenshot("catalog-fields-searched")

    page.get_by_label("Search", exact=True).fill("")
    page.get_by_label("Object", exact=True).fill("Loan_Application__c")
    page.get_by_label("Sensitive", exact=True).select_option(label="Sensitive only")
    page.get_by_label("Encrypted", exact=True).select_option(label="Not encrypted")
    expect(page).to_have_url(re.compile(r"/catalog/demo/fields/\?object=Loan_Application__c&sensitive=true&encrypted=false$"))
    expect(page.locator("#field-results tbody tr")).to_have_count(1)
    expect(result_row(page, TAX_ID)).to_contain_text("Not encrypted")
    assert page.evaluate("window.sameDocument") is True
    browser_page.screenshot("catalog-fields-filtered")

    page.get_by_role("link", name=TAX_ID).click()
    expect(page.get_by_role("heading", name=re.compile("Tax ID"))).to_be_visible()
    expect(page.locator(".rule").first).to_contain_text("Decided by the rule government_id: name word `tax id`")
    expect(page.locator(".rule").nth(1)).to_contain_text("Made sensitive by the rule government_id")
    expect(page.locator(".encryption")).to_contain_text("Not encrypted")
    expect(page.get_by_role("article", name="Salesforce's own classification")).to_contain_text("Restricted")
    browser_page.screenshot("catalog-field")

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Loan_Application__c").click()
    expect(page.get_by_role("heading", name=re.compile("Loan_Application__c"))).to_be_visible()
    browser_page.screenshot("catalog-object")
    assert browser_page.console_errors == [], browser_page.console_errors


def test_the_filters_are_reached_and_used_by_keyboard_alone(browser_page: BrowserPage, demo: OrgConnection,
                                                            officer: None):
    page = browser_page.page
    browser_page.open("/catalog/demo/fields/")
    log_in(browser_page, "officer", PASSWORD)

    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
        if reached[-1] == "Show fields":
            break
    assert [each for each in reached if each in FILTER_IDS] == FILTER_IDS
    assert reached[-1] == "Show fields"

    page.locator("#id_search").focus()
    page.keyboard.type("tax id")
    page.keyboard.press("Enter")
    expect(result_row(page, TAX_ID)).to_be_visible()
    expect(page.locator("#id_search")).to_be_focused()  # the swapped section keeps the focus where it was
    browser_page.screenshot("catalog-fields-keyboard")


@pytest.fixture
def no_script_page(browser: Browser, live_server: object) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)  # type: ignore[arg-type]
    yield context.new_page()
    context.close()


def test_the_filters_work_with_javascript_off_and_a_bad_value_is_named(no_script_page: Page, live_server: object,
                                                                       demo: OrgConnection, officer: None):
    page = no_script_page
    page.goto(f"{live_server}/catalog/demo/fields/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_label("Sensitive", exact=True).select_option(label="Sensitive only")
    page.get_by_label("Encrypted", exact=True).select_option(label="Not encrypted")
    page.get_by_label("Object", exact=True).fill("Loan_Application__c")
    page.get_by_role("button", name="Show fields").click()
    expect(page).to_have_url(re.compile(r"sensitive=true&encrypted=false"))
    expect(result_row(page, TAX_ID)).to_be_visible()

    page.goto(f"{live_server}/catalog/demo/fields/?encrypted=sometimes")
    expect(page.get_by_role("alert")).to_contain_text("Encrypted: “sometimes” is not a choice here")
    page.screenshot(path=str(screenshot_dir() / "catalog-fields-bad-filter.png"), full_page=True)
