"""A consumer's data map in Debian's Chromium, over the demo org harvested whole: a privacy officer opens Data maps,
looks Zora Quinn up by her phone written otherwise, sees the trading platform among her recipients with her gap
marked, and downloads her right-to-know response as a PDF. No address the browser asks for holds her phone. Every
page is screenshot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from catalog.accounts import roles
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.catalog.datamaps.consumers import REASON, ZORA_PHONE_OTHERWISE
from tests.catalog.records.conftest import demo  # noqa: F401 - the demo org harvested with its purposes

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed


def test_a_privacy_officer_looks_up_a_named_consumer_sees_her_recipients_and_gap_and_downloads_the_pdf(
    browser_page: BrowserPage, demo: OrgConnection, tmp_path: Path  # noqa: F811
):
    user_in_role("officer", roles.PRIVACY_OFFICER)
    page = browser_page.page
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    browser_page.open("/")
    log_in(browser_page, "officer", PASSWORD)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Data maps").click()
    expect(page.get_by_role("heading", name="Look up a consumer")).to_be_visible()
    page.get_by_label("Phone number").fill(ZORA_PHONE_OTHERWISE)
    page.get_by_label("Why are you looking them up?").fill(REASON)
    browser_page.screenshot("data-map-look-up")
    page.get_by_role("button", name="Look up").click()

    expect(page.get_by_role("heading", name="Data map of a consumer")).to_be_visible()
    gaps = page.locator("section", has=page.get_by_role("heading", name=re.compile(r"^Gaps \(\d+\)$")))
    expect(gaps.locator("li.gap").first).to_contain_text("opted out of processing")
    went = page.locator("section", has=page.get_by_role("heading", name="Where their data went"))
    expect(went.get_by_role("img")).to_be_visible()
    trading = went.get_by_role("row").filter(has_text="api.trading-platform.example.com").first
    expect(trading).to_contain_text("Gap:")
    browser_page.screenshot("data-map-result")

    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download PDF").click()
    saved = tmp_path / downloading.value.suggested_filename
    downloading.value.save_as(saved)

    text = " ".join(page_of.extract_text() for page_of in PdfReader(saved).pages)
    assert saved.name.endswith(".pdf")
    assert "Right to know" in text
    assert "Who we disclosed it to" in text
    digits = re.sub(r"\D", "", ZORA_PHONE_OTHERWISE)
    assert addresses
    assert not [each for each in addresses if digits in re.sub(r"\D", "", each) or "555" in each]
    assert not browser_page.console_errors
