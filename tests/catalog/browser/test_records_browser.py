"""The record of processing in Debian's Chromium, over the demo org harvested whole: a privacy officer opens an
activity, follows an evidence link to the flow behind it, fills a field that needs input with the keyboard alone,
and exports the record as a signed PDF that verify_ropa checks; an auditor sees the same activity with no form, and
exports a frozen snapshot of the record from its page. Every page is screenshot."""

from __future__ import annotations

import re
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from catalog.accounts import roles
from catalog.records import services, snapshots
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import PASSWORD, user_in_role
from tests.catalog.browser.conftest import BrowserPage
from tests.catalog.browser.test_login_and_dashboard import log_in
from tests.catalog.records.conftest import demo  # noqa: F401 - the demo org harvested with its purposes

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads what the test committed


def test_a_privacy_officer_follows_an_activitys_evidence_fills_what_needs_input_and_exports_the_pdf(
    browser_page: BrowserPage, demo: OrgConnection, tmp_path: Path  # noqa: F811
):
    user_in_role("officer", roles.PRIVACY_OFFICER)
    page = browser_page.page
    browser_page.open("/records/")
    log_in(browser_page, "officer", PASSWORD)

    page.get_by_role("link", name="demo").click()
    expect(page.get_by_role("heading", name="Record of processing activities: demo")).to_be_visible()
    browser_page.screenshot("records-org")
    page.get_by_role("link", name="Analytics", exact=True).click()
    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    browser_page.screenshot("records-activity")

    recipients = page.locator("section", has=page.get_by_role("heading", name="Recipients"))
    recipients.locator("summary").first.click()
    recipients.get_by_role("link", name=re.compile(r"Customer_Enrichment_On_Create")).first.click()
    expect(page.get_by_role("heading", name="Customer Enrichment On Create", level=1)).to_be_visible()
    browser_page.screenshot("records-evidence-flow")
    page.go_back()

    fill_with_the_keyboard(browser_page, "Joint controllers", "None: Golden Poppy decides alone")

    expect(page.get_by_text("“Analytics” is saved.")).to_be_visible()
    owned = {each.name: each for each in services.activity_of("demo", "analytics").owned}
    assert (owned["joint_controllers"].value, owned["joint_controllers"].answered_by) == (
        "None: Golden Poppy decides alone", services.PRIVACY_OFFICER)
    browser_page.screenshot("records-activity-filled")

    exported = export_the_pdf(browser_page, tmp_path)
    names = zipfile.ZipFile(exported).namelist()
    assert any(name.endswith(".pdf") for name in names)
    assert any(name.endswith(".pdf.sig.json") for name in names)
    call_command("verify_ropa", str(exported), stdout=StringIO())  # raises CommandError unless it verifies
    assert not browser_page.console_errors


def export_the_pdf(browser_page: BrowserPage, folder: Path) -> Path:
    """From the org's record page: the PDF format (the default), a reason, Export; the downloaded zip."""
    page = browser_page.page
    page.get_by_role("link", name="demo").first.click()
    page.get_by_label("Why are you exporting it?").fill("annual CCPA audit")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Export").click()
    saved = folder / downloading.value.suggested_filename
    downloading.value.save_as(saved)
    return saved


def fill_with_the_keyboard(browser_page: BrowserPage, label: str, text: str) -> None:
    """Tab from the top of the page to the field, type, tab to the reason, and send the form with Enter."""
    page = browser_page.page
    field = page.get_by_label(label)
    page.keyboard.press("Tab")
    for _ in range(200):  # every focusable element before the field, in page order
        if field.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(field).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Why (kept in the audit log)")).to_be_focused()
    page.keyboard.type("checked with legal")
    page.keyboard.press("Enter")


def test_an_auditor_reads_the_activity_and_is_offered_no_form(browser_page: BrowserPage,
                                                              demo: OrgConnection):  # noqa: F811
    user_in_role("reader", roles.AUDITOR)
    page = browser_page.page
    browser_page.open("/records/demo/analytics/")
    log_in(browser_page, "reader", PASSWORD)

    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    expect(page.get_by_text("Fill in or change these fields")).to_have_count(0)
    answer = browser_page.post_form("/records/demo/analytics/edit/", {"joint_controllers": "x"})
    assert answer.status == 403
    browser_page.screenshot("records-activity-auditor")


def test_an_auditor_exports_a_frozen_snapshot_as_a_workbook_from_its_page(browser_page: BrowserPage,
                                                                         demo: OrgConnection,  # noqa: F811
                                                                         tmp_path: Path):
    snapshot = snapshots.take_snapshot("demo", reason="before the vendor change",
                                       actor=user_in_role("officer", roles.PRIVACY_OFFICER))
    user_in_role("reader", roles.AUDITOR)
    page = browser_page.page
    browser_page.open(f"/records/demo/snapshots/{snapshot.id}/")
    log_in(browser_page, "reader", PASSWORD)

    expect(page.get_by_role("heading", name="Export it for auditors, signed")).to_be_visible()
    page.get_by_label("Format").select_option("xlsx")
    page.get_by_label("Why are you exporting it?").fill("year-end audit file")
    browser_page.screenshot("records-snapshot-export")
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Export").click()
    saved = tmp_path / downloading.value.suggested_filename
    downloading.value.save_as(saved)

    assert saved.name == f"{snapshots.file_name(snapshot).removesuffix('.json')}.xlsx.zip"
    out = StringIO()
    call_command("verify_ropa", str(saved), stdout=out)  # raises CommandError unless it verifies
    assert f"snapshot {snapshot.id}" in out.getvalue()
    assert not browser_page.console_errors
