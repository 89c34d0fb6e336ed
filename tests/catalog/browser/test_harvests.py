"""The harvests pages in Debian's Chromium: a second start while a run is in the way is refused in words; an auditor
sees the runs but no start control. Every page is screenshot. (A harvest started here and followed by HTMX to its end
is a step of the whole journey, test_journey.py.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from catalog.accounts import roles
from harvesters.models import HarvestRun, RunStatus
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.conftest import register_offline_org

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed


def test_a_second_start_is_refused_in_words_and_an_auditor_sees_no_start_control(browser_page: BrowserPage):
    org = register_offline_org("busy-bank")  # never contacted: no worker runs here
    running = HarvestRun.objects.create(org=org, full=False, status=RunStatus.RUNNING, chunks_total=4,
                                        chunks_done=1)
    user_in_role("officer", roles.PRIVACY_OFFICER)
    user_in_role("auditor", roles.AUDITOR)
    page = browser_page.page

    browser_page.open("/harvests/")
    log_in(browser_page, "officer", PASSWORD)
    page.get_by_label("Org to harvest").select_option("busy-bank")
    page.get_by_role("button", name="Start harvest").click()
    expect(page.get_by_role("alert")).to_contain_text(f"busy-bank already has a harvest running (run {running.pk}")
    expect(page.get_by_role("link", name=f"Follow run {running.pk}")).to_be_visible()
    browser_page.screenshot("harvest-start-refused")

    page.get_by_text("officer", exact=True).click()
    page.get_by_role("button", name="Log out").click()
    browser_page.open("/harvests/")
    log_in(browser_page, "auditor", PASSWORD)
    expect(page.get_by_role("row", name=re.compile(f"Run {running.pk}"))).to_contain_text("Running")
    expect(page.get_by_role("button", name="Start harvest")).to_have_count(0)
    browser_page.screenshot("harvests-auditor")
    assert browser_page.errors_besides("/harvests/start/") == []  # the refused start answers 409
