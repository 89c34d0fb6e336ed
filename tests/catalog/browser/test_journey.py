"""The whole journey through the pages, in Debian's Chromium, as the people it is for would take it, against a live
server with the real worker, Neo4j and the demo org served by the simulator over HTTPS. Set-up only connects the
org and creates the two users; everything after goes through the pages.

A privacy officer logs in, starts a full harvest of the demo org on the harvests page and follows its progress to
the end without a reload; finds the unencrypted tax-id field with the search box and the filters; opens its lineage
from the field's page and follows the table to the system its data reaches; comes back and overrides the field's
classification with a reason, sees it shown as an override and finds it in the audit log; logs out. An auditor then
opens the same field: the override is shown but no control to change it, and posting the override form anyway (with
the auditor's own CSRF token) is refused with a 403. Every main page is screenshot (journey-*.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Frame, Locator, Page, expect

from catalog.accounts import roles
from harvesters.models import OrgConnection
from lineage import Graph, org_key, purge_org
from salesforce_simulator import Simulator
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.catalog.browser.test_catalog_browser import TAX_ID, result_row
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.harvesters.worker_runs import connect

pytestmark = pytest.mark.django_db(transaction=True)  # the live server and the worker read what set-up committed

CORE_BANKING_HOST = "api.core-banking.example.com"
REASON = "A sole proprietor's EIN or ITIN is also a customer record under § 1798.80(e): kept with the loan file"
HARVEST_TIMEOUT_MS = 300_000  # the worker harvests every source of the demo org; HTMX polls every 2 seconds


@pytest.fixture
def demo_connected(demo_org: Simulator, graph: Graph, worker: str) -> Iterator[OrgConnection]:
    """The demo org connected as `demo`, never harvested (its graph purged before and after), and the two users."""
    purge_org(graph, org_key(demo_org.org.id))
    user_in_role("officer", roles.PRIVACY_OFFICER)
    user_in_role("auditor", roles.AUDITOR)
    yield connect("demo", demo_org)
    purge_org(graph, org_key(demo_org.org.id))


def test_a_privacy_officer_harvests_finds_traces_and_overrides_the_tax_id_and_an_auditor_cannot_override_it(
    browser_page: BrowserPage, demo_connected: OrgConnection
):
    log_in_at_the_dashboard(browser_page, "officer")
    harvest_the_demo_org_following_its_progress(browser_page)
    find_the_unencrypted_tax_id_by_search_and_filters(browser_page)
    field_page = browser_page.page.url
    follow_its_lineage_to_the_system_it_reaches(browser_page)
    override_form = come_back_and_override_its_classification(browser_page, field_page)
    find_the_override_and_the_harvest_in_the_audit_log(browser_page)
    log_out(browser_page, "officer")

    see_the_override_as_an_auditor_without_a_control_and_be_refused_posting_one(browser_page, field_page,
                                                                               override_form)
    assert browser_page.console_errors == [], browser_page.console_errors


def log_in_at_the_dashboard(browser_page: BrowserPage, username: str) -> None:
    page = browser_page.page
    browser_page.open("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    log_in(browser_page, username, PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    browser_page.screenshot("journey-dashboard-before-harvest")


def harvest_the_demo_org_following_its_progress(browser_page: BrowserPage) -> None:
    """Start a full harvest on the harvests page; the run's page follows it to its end by HTMX alone."""
    page = browser_page.page
    main_navigation(page).get_by_role("link", name="Harvests", exact=True).click()
    expect(page.get_by_role("heading", name="Harvests", exact=True)).to_be_visible()
    expect(page.get_by_text("No harvest yet.")).to_be_visible()
    browser_page.screenshot("journey-harvests-empty")

    page.get_by_label("Org to harvest").select_option("demo")
    page.get_by_role("radio", name=re.compile("Full")).check()
    page.get_by_role("button", name="Start harvest").click()
    expect(page.get_by_text("The full harvest of demo has started.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"{re.escape(browser_page.base_url)}/harvests/\d+/$"))
    run = page.url.rstrip("/").rsplit("/", 1)[-1]
    browser_page.screenshot("journey-harvest-started")

    loads: list[str] = []
    page.on("framenavigated", lambda frame: note_load(frame, loads))
    progress = page.locator("#run-progress")
    expect(progress.locator(".status")).to_have_text("Succeeded", timeout=HARVEST_TIMEOUT_MS)
    assert loads == []  # followed to its end without a reload
    expect(progress).not_to_have_attribute("hx-trigger", re.compile(".*"))  # and the polling stopped
    expect(progress).to_contain_text(re.compile(r"(\d+) of \1 steps done"))
    expect(progress).to_contain_text(re.compile(r"\d+ calls? of the org's daily limit \d+"))
    expect(progress.locator(".run-errors")).to_have_count(0)
    browser_page.screenshot("journey-harvest-finished")

    main_navigation(page).get_by_role("link", name="Harvests", exact=True).click()
    row = page.get_by_role("row", name=re.compile(f"Run {run}"))
    expect(row).to_contain_text("demo")
    expect(row).to_contain_text("Succeeded")
    browser_page.screenshot("journey-harvests-list")


def find_the_unencrypted_tax_id_by_search_and_filters(browser_page: BrowserPage) -> None:
    """From the dashboard and the catalog to the demo org's fields; the search box by keyboard alone, then the filters
    (HTMX updating the list and the address in place); the field's page says the rule that decided it and that it is
    unencrypted."""
    page = browser_page.page
    main_navigation(page).get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("#org-harvests").get_by_role("row", name=re.compile("demo"))).to_contain_text("Succeeded")
    browser_page.screenshot("journey-dashboard")
    main_navigation(page).get_by_role("link", name="Catalog", exact=True).click()
    expect(page.get_by_role("heading", name="Catalog", exact=True)).to_be_visible()
    browser_page.screenshot("journey-catalog")
    page.get_by_role("link", name="demo", exact=True).click()
    expect(page.get_by_role("heading", name="Objects of demo")).to_be_visible()
    browser_page.screenshot("journey-catalog-demo")
    page.get_by_role("link", name="Search and filter all its fields").click()
    expect(page.get_by_role("heading", name="Fields of demo")).to_be_visible()
    page.evaluate("window.sameDocument = true")  # a reload would forget it: HTMX must update the list in place

    tab_until_focused(page, page.get_by_label("Search", exact=True))
    page.keyboard.type("tax id")
    page.keyboard.press("Enter")
    expect(result_row(page, TAX_ID)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/catalog/demo/fields/\?search=tax(\+|%20)id$"))
    browser_page.screenshot("journey-fields-searched")

    page.get_by_label("Sensitive", exact=True).select_option(label="Sensitive only")
    expect(page).to_have_url(re.compile(r"&sensitive=true$"))  # the list is swapped before the next filter
    page.get_by_label("Encrypted", exact=True).select_option(label="Not encrypted")
    expect(page).to_have_url(re.compile(r"\?search=tax(\+|%20)id&sensitive=true&encrypted=false$"))
    expect(page.locator("#field-results tbody tr")).to_have_count(1)
    expect(result_row(page, TAX_ID)).to_contain_text("Not encrypted")
    assert page.evaluate("window.sameDocument") is True
    browser_page.screenshot("journey-fields-filtered")

    page.get_by_role("link", name=TAX_ID).click()
    expect(page.get_by_role("heading", name=re.compile("Tax ID"))).to_be_visible()
    expect(page.locator(".rule").first).to_contain_text("Decided by the rule government_id")
    expect(page.locator(".encryption")).to_contain_text("Not encrypted")
    expect(page.get_by_role("article", name="Salesforce's own classification")).to_contain_text("Restricted")
    browser_page.screenshot("journey-field")


def follow_its_lineage_to_the_system_it_reaches(browser_page: BrowserPage) -> None:
    """The field's lineage downstream, three hops: its object, the connected app the event logs saw using it, and the
    system that app sends to; the accessible table's link opens the system's page."""
    page = browser_page.page
    page.get_by_role("link", name="Follow its data in the lineage explorer").click()
    expect(page.get_by_role("heading", name=f"Lineage of {TAX_ID}")).to_be_visible()
    page.get_by_label("Direction").select_option("downstream")
    page.get_by_label("Depth (hops)").select_option("3")
    page.get_by_role("button", name="Show lineage").click()
    expect(page).to_have_url(re.compile(r"direction=downstream.*depth=3"))
    expect(page.locator("#lineage-graph")).to_have_attribute("data-ready", "true")
    browser_page.screenshot("journey-lineage")

    table = page.get_by_role("table")
    for source, relationship, target in ((TAX_ID, "is a field of", "Loan_Application__c"),
                                         ("Loan_Application__c", "is used by", "Tallyforge Core Banking Sync"),
                                         ("Tallyforge Core Banking Sync", "sends to", CORE_BANKING_HOST)):
        row = table.get_by_role("row").filter(has=page.get_by_role("link", name=source, exact=True)).filter(
            has=page.get_by_role("link", name=target, exact=True))
        expect(row.first).to_contain_text(relationship)

    table.get_by_role("link", name=CORE_BANKING_HOST, exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/systems/"))
    expect(page.get_by_role("navigation", name="breadcrumb")).to_contain_text(CORE_BANKING_HOST)
    browser_page.screenshot("journey-system")


def come_back_and_override_its_classification(browser_page: BrowserPage, field_page: str) -> str:
    """Back to the field's page; the override form is filled and sent by keyboard. Returns the form's address."""
    page = browser_page.page
    for _ in range(5):  # Back through the system's page and the explorer's
        if page.url == field_page:
            break
        page.go_back()
    expect(page).to_have_url(field_page)
    panel = page.locator(".override-panel")
    expect(panel).to_contain_text("no override is in force")
    override_form = panel.locator("form").first.get_attribute("action")
    assert override_form is not None

    page.get_by_label("CCPA category").select_option(label="Customer records")
    page.get_by_label("Reason", exact=True).fill(REASON)
    browser_page.screenshot("journey-override-form")
    tab_until_focused(page, page.get_by_role("button", name="Save the override"))
    page.keyboard.press("Enter")

    expect(page.get_by_text(f"{TAX_ID} is overridden")).to_be_visible()
    expect(panel.locator(".override-badge")).to_have_text("Overridden")
    expect(panel.locator(".override-reason")).to_have_text(REASON)
    expect(panel).to_contain_text("officer")
    expect(page.locator(".classification")).to_contain_text("Customer records")
    browser_page.screenshot("journey-field-overridden")
    return override_form


def find_the_override_and_the_harvest_in_the_audit_log(browser_page: BrowserPage) -> None:
    page = browser_page.page
    main_navigation(page).get_by_role("link", name="Audit log", exact=True).click()
    events = page.get_by_role("table")
    override = events.get_by_role("row").filter(has_text="Overrode a classification")
    expect(override).to_have_count(1)
    expect(override).to_contain_text(REASON)
    expect(override).to_contain_text("officer")
    expect(events.get_by_role("row").filter(has_text="Started a harvest")).to_contain_text("officer")
    browser_page.screenshot("journey-audit-log")


def log_out(browser_page: BrowserPage, username: str) -> None:
    page = browser_page.page
    page.get_by_label(f"Your account, {username}").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{browser_page.base_url}/accounts/login/")


def see_the_override_as_an_auditor_without_a_control_and_be_refused_posting_one(
    browser_page: BrowserPage, field_page: str, override_form: str
) -> None:
    page = browser_page.page
    page.goto(field_page)
    log_in(browser_page, "auditor", PASSWORD)
    panel = page.locator(".override-panel")
    expect(panel.locator(".override-badge")).to_have_text("Overridden")
    expect(panel.locator(".override-reason")).to_have_text(REASON)
    expect(page.get_by_role("button", name="Save the override")).to_have_count(0)
    expect(page.get_by_label("Reason", exact=True)).to_have_count(0)
    browser_page.screenshot("journey-field-auditor")

    posted = browser_page.post_form(override_form, {"ccpa_category": "not_personal",
                                                    "reason": "An auditor tries anyway"})

    assert posted.status == 403
    page.reload()
    expect(panel.locator(".override-reason")).to_have_text(REASON)  # the refused post changed nothing
    expect(page.locator(".classification")).to_contain_text("Customer records")


def main_navigation(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


def tab_until_focused(page: Page, target: Locator, most: int = 60) -> None:
    """Press Tab, as a keyboard user does, until `target` has the focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{most} presses of Tab never reached {target}")


def note_load(frame: Frame, loads: list[str]) -> None:
    if frame.parent_frame is None:
        loads.append(frame.url)
