"""A frozen snapshot of the demo org's record exported in every format, through the API and its page as a user would:
each the record the snapshot froze (a privacy officer's later edit is in the live record, not in the snapshot's
files), signed naming the snapshot so `verify_ropa` passes and fails on a changed byte, audited; a snapshot changed
behind the product's back is never signed anew."""

from __future__ import annotations

import io
import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.records import exports, services, snapshots
from catalog.records.models import RecordSnapshot
from catalog.records.signing import ExportSubject
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import admin, auditor, privacy_officer, token_client
from tests.catalog.records.test_exports import tampered, unzipped, verify_ropa

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed

REASON = "Year-end audit file, ticket 207"
LATER_WORDS = "Rewritten after the snapshot"


@pytest.fixture
def frozen(demo: OrgConnection) -> tuple[RecordSnapshot, services.RecordOfProcessing]:
    """A snapshot of the demo record as of a moment just past, the record as it stood then, and a privacy officer's
    edit made after it (so the live record differs from the frozen one)."""
    officer, moment = privacy_officer(), timezone.now()
    snapshot = snapshots.take_snapshot("demo", reason="before the vendor change", actor=officer, as_of=moment)
    then = services.record_of("demo", moment)
    services.edit_activity("demo", "analytics", {"description": LATER_WORDS}, reason="new DPIA", actor=officer)
    return snapshot, then


def exported(snapshot: RecordSnapshot, kind: str, client: APIClient | None = None,
             **params: str) -> tuple[str, bytes]:
    response = (client or token_client(auditor(), scopes=("catalog:read",))).get(
        f"/api/v1/processing-activities/snapshots/{snapshot.id}/download/",
        {"format": kind, "reason": REASON, **params})
    assert response.status_code == 200, response.content[:500]
    name = response["Content-Disposition"].split('filename="')[1].rstrip('"')
    return name, b"".join(response.streaming_content)  # type: ignore[attr-defined]


def written(record: services.RecordOfProcessing, kind: str) -> bytes:
    """The file a writer makes of `record` (for the formats that hold no moment of their own)."""
    out = io.BytesIO()
    exports.WRITERS[kind](record, ExportSubject(kind=kind, org="demo"), "file", out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["csv", "ico"])
def test_a_snapshots_csv_is_byte_for_byte_the_record_it_froze_not_the_live_one(frozen, tmp_path: Path, kind: str):
    snapshot, then = frozen

    _, content = exported(snapshot, kind)

    export = unzipped(content, tmp_path)
    assert export.read_bytes() == written(then, kind)
    assert export.read_bytes() != written(services.record_of("demo", snapshot.as_of), kind)  # the edit came later
    assert LATER_WORDS not in export.read_text()
    assert export.name == f"ropa-demo-{snapshot.as_of.astimezone(UTC).date()}-snapshot-{snapshot.id}." + (
        "ico.csv" if kind == "ico" else "csv")


def test_a_snapshots_workbook_has_the_sheets_and_statements_of_the_record_it_froze(frozen, tmp_path: Path):
    snapshot, then = frozen

    _, content = exported(snapshot, "xlsx")

    workbook = load_workbook(unzipped(content, tmp_path), read_only=True)
    titles = exports.sheet_titles(each.activity.name for each in then.activities)
    assert workbook.sheetnames == [exports.SUMMARY_SHEET, *titles]
    analytics = workbook[titles[[each.activity.key for each in then.activities].index("analytics")]]
    rows = {row[0]: row[1] for row in analytics.iter_rows(min_row=3, values_only=True)}
    frozen_description = next(each for each in then.activities if each.activity.key == "analytics").owned[0]
    assert rows["Description of the processing"] == (frozen_description.value or exports.NEEDS_INPUT_TEXT)
    assert LATER_WORDS not in rows.values()


def test_a_snapshots_pdf_cover_carries_the_digest_it_was_frozen_with_and_names_it(frozen, tmp_path: Path):
    snapshot, then = frozen

    _, content = exported(snapshot, "pdf")

    pages = [page.extract_text() for page in PdfReader(unzipped(content, tmp_path)).pages]
    cover = " ".join(pages[0].split())
    assert f"SHA-256 {snapshot.sha256}" in cover  # the frozen body read back is the body that was signed
    assert str(snapshot.id) in cover
    assert all(each.activity.name in " ".join(pages) for each in then.activities)
    assert LATER_WORDS not in " ".join(pages)


@pytest.mark.parametrize("kind", ["pdf", "xlsx", "csv", "ico"])
def test_every_format_of_a_snapshot_verifies_naming_the_snapshot_and_a_changed_byte_does_not(
        frozen, tmp_path: Path, kind: str):
    snapshot, _ = frozen
    _, content = exported(snapshot, kind)
    export = unzipped(content, tmp_path)

    assert f"snapshot {snapshot.id}" in verify_ropa(export)
    signed = json.loads((tmp_path / f"{export.name}.sig.json").read_text())
    assert signed["export"] == {"kind": kind, "org": "demo", "as_of": snapshot.as_of.astimezone(UTC).date().isoformat(),
                                "snapshot": str(snapshot.id)}
    tampered(export, export.stat().st_size // 2)
    with pytest.raises(CommandError, match="NOT VERIFIED"):
        verify_ropa(export)


def test_a_snapshots_json_is_the_file_signed_when_it_was_frozen(frozen, tmp_path: Path):
    snapshot, _ = frozen

    name, content = exported(snapshot, "json")

    assert content.decode() == snapshot.signed_export
    assert name == snapshots.file_name(snapshot)
    (tmp_path / name).write_bytes(content)
    assert f"snapshot {snapshot.id}" in verify_ropa(tmp_path / name)


def test_a_snapshot_export_is_audited_with_the_snapshot_the_format_both_digests_and_why(frozen):
    snapshot, then = frozen
    reader = auditor("ann-auditor")

    exported(snapshot, "csv", token_client(reader, scopes=("catalog:read",)))

    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.actor_name, event.object_type, event.object_key, event.reason) == (
        reader.username, "record_snapshot", str(snapshot.id), REASON)
    assert (event.details["format"], event.details["org"], event.details["origin"]) == ("csv", "demo", "API")
    assert event.details["snapshot_sha256"] == snapshot.sha256
    assert event.details["activities"] == len(then.activities)
    assert len(event.details["sha256"]) == 64
    assert event.token_key


def tamper_with(snapshot: RecordSnapshot) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_recordsnapshot SET signed_export = replace(signed_export, 'Analytics', "
                       "'Analytic5') WHERE id = %s", [snapshot.id.hex])


@pytest.mark.parametrize("kind", ["pdf", "json"])
def test_a_snapshot_changed_behind_the_products_back_is_a_409_and_never_signed_anew(frozen, kind: str):
    snapshot, _ = frozen
    tamper_with(snapshot)

    answer = token_client(auditor(), scopes=("catalog:read",)).get(
        f"/api/v1/processing-activities/snapshots/{snapshot.id}/download/", {"format": kind, "reason": REASON})

    assert answer.status_code == 409
    assert "not as it was signed" in answer.json()["detail"]
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


@pytest.mark.parametrize(("query", "named"), [
    ({"format": "pdf"}, {"reason"}), ({"format": "pdf", "reason": "  "}, {"reason"}),
    ({"format": "docx", "reason": REASON}, {"format"}), ({"format": "exe"}, {"format", "reason"}),
    ({"format": "pdf", "reason": "x" * 501}, {"reason"})])
def test_a_snapshot_export_with_a_bad_format_or_reason_is_a_400_naming_each_and_nothing_is_exported(
        frozen, query: dict[str, str], named: set[str]):
    snapshot, _ = frozen

    answer = token_client(auditor(), scopes=("catalog:read",)).get(
        f"/api/v1/processing-activities/snapshots/{snapshot.id}/download/", query)

    assert answer.status_code == 400
    assert set(answer.json()["errors"]) == named
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_a_snapshot_that_is_not_there_is_a_404_and_a_role_or_token_that_may_not_export_is_refused(frozen):
    snapshot, _ = frozen
    query = {"format": "csv", "reason": REASON}
    route = f"/api/v1/processing-activities/snapshots/{snapshot.id}/download/"

    missing = token_client(auditor(), scopes=("catalog:read",)).get(
        "/api/v1/processing-activities/snapshots/00000000-0000-4000-8000-000000000000/download/", query)
    assert missing.status_code == 404
    assert token_client(auditor("ann-auditor"), scopes=("catalog:write",)).get(route, query).status_code == 403
    assert token_client(admin(), scopes=("catalog:read",)).get(route, query).status_code == 403
    assert APIClient().get(route, query).status_code == 401
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


# --- the snapshot's page -----------------------------------------------------------------------------------------


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_auditor_exports_a_snapshot_as_a_pdf_from_its_page(frozen, tmp_path: Path):
    snapshot, _ = frozen
    page_url = f"/records/demo/snapshots/{snapshot.id}/"
    reader = signed_in(auditor())

    page = reader.get(page_url).content.decode()
    answer = reader.post(f"{page_url}download/", {"format": "pdf", "reason": REASON})

    assert '<select name="format"' in page
    assert all(f'value="{kind}"' in page for kind in exports.FORMATS)
    assert answer.status_code == 200
    export = unzipped(b"".join(answer.streaming_content), tmp_path)  # type: ignore[attr-defined]
    assert f"snapshot {snapshot.id}" in verify_ropa(export)
    assert AuditEvent.objects.get(action=AuditAction.EXPORTED).details["origin"] == "web page"


def test_the_snapshot_pages_export_with_a_reason_too_long_for_the_audit_log_comes_back_naming_it(frozen):
    snapshot, _ = frozen

    answer = signed_in(auditor()).post(f"/records/demo/snapshots/{snapshot.id}/download/",
                                       {"format": "csv", "reason": "x" * 600})

    assert answer.status_code == 400
    assert 'href="#export_reason"' in answer.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_the_snapshot_pages_export_of_a_changed_snapshot_says_why_it_is_not_exported(frozen):
    snapshot, _ = frozen
    tamper_with(snapshot)

    answer = signed_in(auditor()).post(f"/records/demo/snapshots/{snapshot.id}/download/",
                                       {"format": "xlsx", "reason": REASON})

    assert answer.status_code == 409
    assert "not as it was signed" in answer.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()

