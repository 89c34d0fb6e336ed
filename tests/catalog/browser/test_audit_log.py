"""A privacy officer reads the audit log in Debian's Chromium: every event newest first, narrowed by the filters
through HTMX (the address follows, so Back and a copied link work), a bad date said in words in place, a harvest
start followed to its run and back; an auditor is refused. Screenshots of the log and of its error are kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from catalog.accounts import audit, roles
from catalog.accounts.models import AuditAction
from harvesters import runs
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.conftest import register_offline_org

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed


def log_in_at(browser_page: BrowserPage, path: str, username: str) -> None:
    browser_page.open(path)
    page = browser_page.page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_privacy_officer_filters_the_audit_log_and_follows_a_harvest_start(browser_page: BrowserPage):
    user_in_role("olivia", roles.PRIVACY_OFFICER)
    org = register_offline_org("golden-poppy")
    run = runs.request_harvest(org, full=True, origin="schedule")
    audit.record(AuditAction.CLASSIFICATION_OVERRIDDEN, actor_name="omar", object_type="field",
                 object_key="field:00D.Contact.TaxId__c", reason="A tax id is sensitive personal information")
    page = browser_page.page

    log_in_at(browser_page, "/audit/", "olivia")
    expect(page.get_by_role("heading", name="Audit log", exact=True)).to_be_visible()
    events = page.get_by_role("table")
    expect(events.get_by_role("row")).to_have_count(4)  # the header, the override, the harvest, the login
    expect(events.get_by_role("row").nth(1)).to_contain_text("Logged in")
    browser_page.screenshot("audit-log")

    page.get_by_label("Started a harvest").check()
    page.get_by_role("button", name="Show events").click()
    expect(page).to_have_url(f"{browser_page.base_url}/audit/?action=harvest_started")
    expect(events.get_by_role("row")).to_have_count(2)

    page.get_by_label("From").fill("last tuesday")
    page.get_by_role("button", name="Show events").click()
    expect(page.get_by_role("alert")).to_contain_text("From: Enter a date like 2026-11-28")
    browser_page.screenshot("audit-log-bad-date")
    page.get_by_label("From").fill("")
    page.get_by_role("button", name="Show events").click()
    expect(events.get_by_role("row")).to_have_count(2)

    page.get_by_role("link", name=str(run.uid)).click()
    expect(page).to_have_url(f"{browser_page.base_url}/harvests/{run.pk}/")
    page.go_back()
    expect(page).to_have_url(f"{browser_page.base_url}/audit/?action=harvest_started")
    expect(page.get_by_label("Started a harvest")).to_be_checked()
    assert browser_page.console_errors == []


def test_an_auditor_is_refused_the_audit_log(browser_page: BrowserPage):
    user_in_role("aaron", roles.AUDITOR)

    log_in_at(browser_page, "/audit/", "aaron")

    expect(browser_page.page.get_by_role("heading", level=1)).to_have_text("You cannot open this page")
    expect(browser_page.page.get_by_role("navigation", name="Main")).not_to_contain_text("Audit log")
