"""A privacy officer's first visit, in Debian's Chromium: the login page, a wrong password, the dashboard with
the orgs and their harvests (followed live by HTMX), the password page, the error pages, logging out; then the
same by keyboard alone. Every page is screenshot and none breaks the Content-Security-Policy."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.accounts import roles
from catalog.navigation import nav_items
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.conftest import register_offline_org

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed


def golden_poppy_harvested() -> OrgConnection:
    org = register_offline_org("golden-poppy", org_id="00D000000000GPB", edition="Enterprise Edition")
    finished = timezone.now() - timedelta(hours=2)
    HarvestRun.objects.create(org=org, full=True, status=RunStatus.SUCCEEDED, finished_at=finished,
                              started_at=finished - timedelta(minutes=4), api_used_before=1200, api_used_after=1257)
    return org


def log_in(browser_page: BrowserPage, username: str, password: str) -> None:
    page = browser_page.page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_privacy_officer_logs_in_sees_the_orgs_and_logs_out(browser_page: BrowserPage, services_up: None):
    golden_poppy_harvested()
    user_in_role("officer", roles.PRIVACY_OFFICER)
    page = browser_page.page

    browser_page.open("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Log in to Recordkeeper")).to_be_visible()
    browser_page.screenshot("login")

    log_in(browser_page, "officer", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
    browser_page.screenshot("login-wrong-password")

    log_in(browser_page, "officer", PASSWORD)
    expect(page).to_have_url(f"{browser_page.base_url}/")
    row = page.locator("#org-harvests").get_by_role("row", name=re.compile("golden-poppy"))  # not the figures' rows
    expect(row).to_contain_text("Succeeded")
    expect(row).to_contain_text("57 Salesforce API calls")
    browser_page.screenshot("dashboard")

    page.get_by_text("officer", exact=True).click()
    browser_page.screenshot("dashboard-user-menu-open")
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    browser_page.screenshot("password-change")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_label("Old password")).to_have_attribute("aria-invalid", "true")
    browser_page.screenshot("password-change-refused")

    browser_page.open("/no-such-page/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    browser_page.screenshot("not-found")

    page.get_by_text("officer", exact=True).click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{browser_page.base_url}/accounts/login/")
    browser_page.open("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))

    browser_page.open("/healthz")  # anonymous too, and answered by the test env's real Neo4j
    assert json.loads(page.locator("body").inner_text())["checks"]["neo4j"]["ok"] is True
    assert browser_page.errors_besides("/no-such-page/") == []  # the one answer expected to be an error


def test_the_keyboard_alone_reaches_the_skip_link_the_navigation_and_logs_out(browser_page: BrowserPage):
    officer = user_in_role("officer", roles.PRIVACY_OFFICER)
    page = browser_page.page
    browser_page.open("/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()  # the login form takes the focus when it opens
    page.keyboard.type("officer")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    browser_page.screenshot("dashboard-skip-link-focused")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    browser_page.open("/")
    built = [item.label for item in nav_items(officer, "/") if item.url]  # an area still to come is no link
    reached = [tab_to_next(browser_page) for _ in range(len(built) + 3)]
    assert reached == ["Skip to main content", "Recordkeeper", *built, "officer"]
    assert built[:2] == ["Dashboard", "Harvests"]
    page.keyboard.press("Enter")  # opens the user menu
    page.keyboard.press("Tab")
    assert focused_text(browser_page) == "Change password"
    page.keyboard.press("Tab")
    assert focused_text(browser_page) == "Log out"
    browser_page.screenshot("dashboard-keyboard-on-log-out")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{browser_page.base_url}/accounts/login/")
    assert browser_page.console_errors == []


def test_the_dashboard_follows_a_running_harvest_without_a_reload(browser_page: BrowserPage):
    org = golden_poppy_harvested()
    run = HarvestRun.objects.create(org=org, full=False, status=RunStatus.RUNNING, started_at=timezone.now(),
                                    chunks_total=9, chunks_done=4)
    user_in_role("officer", roles.PRIVACY_OFFICER)
    page = browser_page.page
    browser_page.open("/")
    log_in(browser_page, "officer", PASSWORD)
    expect(page.get_by_text("4 of 9 steps")).to_be_visible()
    browser_page.screenshot("dashboard-harvest-running")

    HarvestRun.objects.filter(pk=run.pk).update(chunks_done=7)

    expect(page.get_by_text("7 of 9 steps")).to_be_visible(timeout=20_000)  # HTMX polls every 5 seconds
    assert browser_page.console_errors == []


def test_a_first_look_without_orgs_or_without_a_role_is_explained_in_words(browser_page: BrowserPage):
    user_in_role("officer", roles.PRIVACY_OFFICER)
    user_in_role("newcomer", None)
    page = browser_page.page

    browser_page.open("/")
    log_in(browser_page, "officer", PASSWORD)
    expect(page.get_by_text("No Salesforce org is connected yet.")).to_be_visible()
    browser_page.screenshot("dashboard-no-orgs")

    page.get_by_text("officer", exact=True).click()
    page.get_by_role("button", name="Log out").click()
    log_in(browser_page, "newcomer", PASSWORD)
    expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
    browser_page.screenshot("forbidden")
    assert browser_page.errors_besides("status of 403") == []  # the one answer expected to be an error


def tab_to_next(browser_page: BrowserPage) -> str:
    browser_page.page.keyboard.press("Tab")
    return focused_text(browser_page)


def focused_text(browser_page: BrowserPage) -> str:
    text: str = browser_page.page.evaluate("document.activeElement.innerText.trim()")
    return text
