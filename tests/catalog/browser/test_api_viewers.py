"""Swagger UI and ReDoc in Debian's Chromium, as a logged-in user opens them: every request either viewer makes stays
on this server (no CDN, no vendor's logo), and the console reports nothing against the Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Request, expect

from catalog.accounts import roles
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage, screenshot_dir
from tests.catalog.browser.test_login_and_dashboard import log_in

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed

THIS_MACHINE = {"localhost", "127.0.0.1"}  # the live server's names


@pytest.mark.parametrize(("path", "shown"), [("/api/docs/", "#swagger-ui .info"), ("/api/redoc/", ".api-content")])
def test_the_api_viewers_ask_nothing_of_another_machine_and_break_no_content_security_policy(
    browser_page: BrowserPage, path: str, shown: str
):
    user_in_role("officer", roles.PRIVACY_OFFICER)
    page = browser_page.page
    elsewhere: list[str] = []
    page.on("request", lambda request: elsewhere.extend([request.url] if asks_another_machine(request) else []))

    browser_page.open(f"/accounts/login/?next={path}")  # the docs answer an anonymous visitor 401, not a redirect
    log_in(browser_page, "officer", PASSWORD)
    expect(page.locator(shown)).to_contain_text("Recordkeeper API", timeout=30_000)  # after the schema's fetch
    page.wait_for_load_state("networkidle")  # the viewers fetch the schema and lay it out after the load
    name = f"api-viewer-{path.strip('/').replace('/', '-')}"
    page.screenshot(path=str(screenshot_dir() / f"{name}.png"))  # the first screen: the whole is metres long

    assert elsewhere == []
    assert browser_page.console_errors == []


def asks_another_machine(request: Request) -> bool:
    address = urlsplit(request.url.removeprefix("blob:"))  # a blob: address names the page that made it
    return address.scheme != "data" and address.hostname not in THIS_MACHINE
