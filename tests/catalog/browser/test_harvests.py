"""The harvests pages in Debian's Chromium: a privacy officer starts a harvest of a small simulated org, which the
real worker runs, and watches it finish on the run's page without a reload; a second start while a run is in
the way is refused in words; an auditor sees the runs but no start control. Every page is screenshot."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Frame, expect

from catalog.accounts import roles
from harvesters.connections import register_org
from harvesters.models import HarvestRun, RunStatus
from lineage import Graph, org_key, purge_org
from salesforce_simulator import Simulator
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.harvesters.worker_runs import connect, small_generated_org

pytestmark = pytest.mark.django_db(transaction=True)  # the live server and the worker read what the test committed


@pytest.fixture
def small_org(graph: Graph) -> Iterator[Simulator]:
    """A generated org of a few objects served by the simulator; its graph is purged before and after."""
    with small_generated_org(seed=905, objects=6) as running:
        purge_org(graph, org_key(running.org.id))
        yield running
        purge_org(graph, org_key(running.org.id))


def test_a_privacy_officer_starts_a_harvest_and_watches_it_finish_without_a_reload(
    browser_page: BrowserPage, small_org: Simulator, worker: str
):
    connect("small-bank", small_org)
    user_in_role("officer", roles.PRIVACY_OFFICER)
    page = browser_page.page

    browser_page.open("/harvests/")
    log_in(browser_page, "officer", PASSWORD)
    expect(page.get_by_role("heading", name="Harvests", exact=True)).to_be_visible()
    expect(page.get_by_text("No harvest yet.")).to_be_visible()
    browser_page.screenshot("harvests-empty")

    page.get_by_label("Org to harvest").select_option("small-bank")
    page.get_by_role("radio", name=re.compile("Full")).check()
    page.get_by_role("button", name="Start harvest").click()
    expect(page.get_by_text("The full harvest of small-bank has started.")).to_be_visible()
    run = HarvestRun.objects.get(org__alias="small-bank")
    expect(page).to_have_url(f"{browser_page.base_url}/harvests/{run.pk}/")
    browser_page.screenshot("harvest-started")

    loads: list[str] = []
    page.on("framenavigated", lambda frame: _note_load(frame, loads))
    status = page.locator("#run-progress .status")
    expect(status).to_have_text("Succeeded", timeout=180_000)  # HTMX polls every 2 seconds
    assert loads == []  # followed to its end by HTMX alone
    expect(page.locator("#run-progress")).not_to_have_attribute("hx-trigger", re.compile(".*"))
    run.refresh_from_db()
    expect(page.get_by_text(f"{run.chunks_done} of {run.chunks_total} steps done")).to_be_visible()
    assert run.api_calls
    assert run.api_daily_limit  # read from the answers' Sforce-Limit-Info header
    expect(page.get_by_text(f"{run.api_calls} calls of the org's daily limit {run.api_daily_limit}")).to_be_visible()
    browser_page.screenshot("harvest-finished")

    page.get_by_role("link", name="Harvests", exact=True).first.click()
    row = page.get_by_role("row", name=re.compile(f"Run {run.pk}"))
    expect(row).to_contain_text("small-bank")
    expect(row).to_contain_text("Succeeded")
    browser_page.screenshot("harvests-list")
    assert browser_page.console_errors == []


def _note_load(frame: Frame, loads: list[str]) -> None:
    if frame.parent_frame is None:
        loads.append(frame.url)


def test_a_second_start_is_refused_in_words_and_an_auditor_sees_no_start_control(browser_page: BrowserPage):
    org = register_org("busy-bank", login_url="https://127.0.0.1:9", instance_url="https://127.0.0.1:9",
                       auth_flow="session_id", session_id="00D!session")  # never contacted: no worker runs here
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
