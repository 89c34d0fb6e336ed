"""Browser tests: Playwright driving Debian's own Chromium, headless, against a live server of the test database.

Nothing downloads a browser: the binary is CHROMIUM_PATH, else `chromium` on the PATH (`make test` and .ci/run
install Debian's package when it is missing). Screenshots go to SCREENSHOT_DIR (default .local/test/screenshots).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import APIResponse, Browser, ConsoleMessage, Page, Playwright, sync_playwright

REPO = Path(__file__).resolve().parents[3]
VIEWPORT = {"width": 1280, "height": 800}  # a laptop


def chromium_path() -> str:
    """Debian's Chromium: the tests fail, never skip, without it."""
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Debian's chromium is not installed: apt-get install chromium (make test installs it)")
    return found


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR", REPO / ".local" / "test" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="package")
def playwright_running() -> Iterator[Playwright]:
    # Playwright's sync API keeps an event loop in this thread; Django refuses ORM calls beside a running loop
    # unless told the code is synchronous, which a test's set-up is. Package-scoped, so the switch is off again
    # for every later test and the processes they start (check --deploy refuses it: async.E001).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as running:
        yield running
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="package")
def browser(playwright_running: Playwright) -> Iterator[Browser]:
    launched = playwright_running.chromium.launch(executable_path=chromium_path(), headless=True)
    yield launched
    launched.close()


@dataclass
class BrowserPage:
    """A page of a fresh browser context, with what its console said against the Content-Security-Policy."""

    page: Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base_url}{path}")

    def screenshot(self, name: str) -> Path:
        path = screenshot_dir() / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def csrf_token(self) -> str:
        return next(cookie["value"] for cookie in self.page.context.cookies() if cookie["name"] == "csrftoken")

    def post_form(self, path: str, fields: dict[str, str]) -> APIResponse:
        """Post a form as this page's user, with their CSRF token, whether or not the page shows the form."""
        return self.page.request.post(f"{self.base_url}{path}",
                                      form={"csrfmiddlewaretoken": self.csrf_token(), **fields})

    def note(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} at {message.location.get('url', '')}")

    def errors_besides(self, expected_url_part: str) -> list[str]:
        return [error for error in self.console_errors if expected_url_part not in error]


@pytest.fixture
def browser_page(browser: Browser, live_server: object) -> Iterator[BrowserPage]:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    page = context.new_page()
    opened = BrowserPage(page, str(live_server))
    page.on("console", opened.note)
    page.on("pageerror", lambda error: opened.console_errors.append(str(error)))
    yield opened
    context.close()

