"""Exports of the demo org's record for auditors, downloaded through the API as a user would (the real harvest of the
simulator over HTTPS, real Neo4j): JSON with its signature inside, a zip of the CSV, XLSX or PDF beside its
signature document; each reopened (csv, openpyxl, pypdf), each checked by `manage.py verify_ropa`, each audited."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.records import exports, services
from catalog.records.ico import ico_table
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import admin, auditor, privacy_officer, token_client
from tests.catalog.records.signed_exports import private_key_text

pytestmark = pytest.mark.django_db(transaction=True)  # the demo's harvest runs are bookkept, then flushed

EXPORT = "/api/v1/processing-activities/export/"
REASON = "Annual CCPA audit, ticket 118"
NOT_VERIFIED = 1


@pytest.fixture(autouse=True)
def signing_key(settings):
    settings.ROPA_SIGNING_KEY = private_key_text(4)
    settings.ROPA_VERIFY_KEYS = []


@pytest.fixture
def api() -> APIClient:
    return token_client(auditor(), scopes=("catalog:read",))


def downloaded(api: APIClient, kind: str, **params: str) -> tuple[str, bytes]:
    response = api.get(EXPORT, {"org": "demo", "format": kind, "reason": REASON, **params})
    assert response.status_code == 200, response.content[:500]
    name = response["Content-Disposition"].split('filename="')[1].rstrip('"')
    return name, b"".join(response.streaming_content)  # type: ignore[attr-defined]


def unzipped(content: bytes, folder: Path) -> Path:
    """The zip a user downloads, unpacked: the export's path (its .sig.json beside it)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        archive.extractall(folder)
    export = next(name for name in names if not name.endswith(".sig.json"))
    assert sorted(names) == sorted([export, f"{export}.sig.json"])
    return folder / export


def verify_ropa(path: Path) -> str:
    out = io.StringIO()
    call_command("verify_ropa", str(path), stdout=out)
    return out.getvalue()


def tampered(path: Path, at: int) -> None:
    content = bytearray(path.read_bytes())
    content[at] ^= 0x01
    path.write_bytes(bytes(content))


def test_the_json_export_holds_every_activity_with_the_evidence_of_each_statement(demo: OrgConnection,
                                                                                   api: APIClient, tmp_path: Path):
    name, content = downloaded(api, "json")

    body = json.loads(content)
    record = services.record_of("demo")
    assert name.startswith("ropa-demo-")
    assert name.endswith(".json")
    assert body["format"] == exports.BODY_FORMAT
    assert body["record"]["org"] == "demo"
    assert [each["key"] for each in body["activities"]] == [each.activity.key for each in record.activities]
    analytics = next(each for each in body["activities"] if each["key"] == "analytics")
    assert analytics["recipients"][0]["evidence"][0]["artefact"]
    assert all(proof["artefact"] for each in analytics["personal_information"] for proof in each["evidence"])
    assert body["ropa_signature"]["export"] == {"kind": "json", "org": "demo", "as_of": body["record"]["as_of"][:10],
                                                "snapshot": None}
    (tmp_path / name).write_bytes(content)
    assert "VERIFIED" in verify_ropa(tmp_path / name)


def test_an_export_as_of_a_date_is_the_record_as_of_the_end_of_that_day(demo: OrgConnection, api: APIClient):
    _, content = downloaded(api, "json", as_of="2099-01-01")
    live = json.loads(content)

    _, content = downloaded(api, "json", as_of="2020-01-01")
    past = json.loads(content)

    assert past["record"]["as_of"].startswith("2020-01-01T23:59:59")
    assert past["record"]["live"] is False
    assert past["activities"] == []  # nothing of the demo was harvested then
    assert past["ropa_signature"]["export"]["as_of"] == "2020-01-01"
    assert live["record"]["live"] is True


def test_the_csv_export_has_a_row_per_activity_and_statement_kind_with_its_evidence(demo: OrgConnection,
                                                                                   api: APIClient, tmp_path: Path):
    _, content = downloaded(api, "csv")
    export = unzipped(content, tmp_path)

    rows = list(csv.DictReader(io.StringIO(export.read_text())))
    record = services.record_of("demo")
    assert tuple(rows[0]) == exports.CSV_COLUMNS
    assert {(row["activity_key"], row["statement"]) for row in rows} == {
        (each.activity.key, line.kind) for each in record.activities for line in exports.activity_lines(each)}
    assert len(rows) == len({(row["activity_key"], row["statement"]) for row in rows})
    recipients = next(row for row in rows if (row["activity_key"], row["statement"]) == ("analytics", "recipients"))
    assert "api.enrichment-vendor.example.com" in recipients["values"]
    assert "manifest:" in recipients["evidence"]
    assert export.suffix == ".csv"


def test_the_ico_export_is_the_uk_templates_columns_with_a_row_per_activity(demo: OrgConnection, api: APIClient,
                                                                          tmp_path: Path):
    _, content = downloaded(api, "ico")
    export = unzipped(content, tmp_path)

    rows = list(csv.reader(io.StringIO(export.read_text())))
    header, body = ico_table(services.record_of("demo"))
    assert export.name.endswith(".ico.csv")
    assert rows[0] == header
    assert [row[:2] for row in rows[1:]] == [row[:2] for row in body]
    assert json.loads((tmp_path / f"{export.name}.sig.json").read_text())["export"]["kind"] == "ico"


def test_a_privacy_officers_words_that_look_like_a_formula_stay_text_in_the_csv_and_the_workbook(
        demo: OrgConnection, api: APIClient, tmp_path: Path):
    services.edit_activity("demo", "analytics", {"joint_controllers": "=HYPERLINK(\"http://evil.example\",\"x\")"},
                           reason="a test of formula injection", actor=privacy_officer())

    _, content = downloaded(api, "csv")
    rows = list(csv.DictReader(io.StringIO(unzipped(content, tmp_path / "csv").read_text())))
    _, content = downloaded(api, "xlsx")
    workbook = load_workbook(unzipped(content, tmp_path / "xlsx"))

    joint = next(row for row in rows if (row["activity_key"], row["statement"]) == ("analytics", "joint_controllers"))
    assert joint["values"].startswith("'=HYPERLINK")
    cell = next(row[1] for row in workbook["Analytics"].iter_rows(min_row=3) if row[0].value == "Joint controllers")
    assert (cell.value, cell.data_type) == ("=HYPERLINK(\"http://evil.example\",\"x\")", "s")


def test_the_workbook_has_a_summary_sheet_and_one_sheet_per_activity_with_frozen_headers_and_filters(
        demo: OrgConnection, api: APIClient, tmp_path: Path):
    _, content = downloaded(api, "xlsx")

    workbook = load_workbook(unzipped(content, tmp_path))
    record = services.record_of("demo")
    assert workbook.sheetnames == ["Summary", *exports.sheet_titles(each.activity.name for each in record.activities)]
    summary = workbook["Summary"]
    assert (summary.freeze_panes, summary.auto_filter.ref[:3]) == ("A4", "A3:")
    assert [cell.value for cell in summary[3]][:4] == ["Activity", "Sheet", "Origin", "Regime"]
    assert [cell.value for cell in summary["A"][3:3 + len(record.activities)]] == [
        each.activity.name for each in record.activities]
    analytics = workbook["Analytics"]
    assert (analytics.freeze_panes, analytics.auto_filter.ref[:3]) == ("A3", "A2:")
    assert [cell.value for cell in analytics[2]] == [label for label, _ in exports.ACTIVITY_COLUMNS]
    assert analytics.column_dimensions["B"].width == 60
    statements = [row[0].value for row in analytics.iter_rows(min_row=3)]
    assert {"Purpose", "Recipient", "Regime", "Joint controllers"} <= set(statements)


def test_the_pdf_has_text_on_every_page_and_its_cover_carries_the_digest_its_json_export_embeds(
        demo: OrgConnection, api: APIClient, tmp_path: Path):
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)  # past: the same record each time
    as_of = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    _, content = downloaded(api, "pdf", as_of=as_of)
    export = unzipped(content, tmp_path)
    _, content = downloaded(api, "json", as_of=as_of)

    pages = [page.extract_text() for page in PdfReader(export).pages]
    record = services.record_of("demo", moment)
    assert len(pages) >= 3 + len(record.activities)  # cover, contents, a page per activity, the appendix
    assert all(text.strip() for text in pages)
    cover = " ".join(pages[0].split())
    assert "demo" in cover
    assert f"SHA-256 {json.loads(content)['ropa_signature']['sha256']}" in cover
    assert "Contents" in pages[1]
    assert all(each.activity.name in " ".join(pages) for each in record.activities)
    appendix = next(number for number, text in enumerate(pages) if "Each statement's evidence" in text)
    assert appendix >= 2 + len(record.activities)
    assert all(" ".join(text.split()).startswith("Ref. Artefact Graph paths") for text in pages[appendix + 1:])
    sidecar = json.loads((tmp_path / f"{export.name}.sig.json").read_text())
    digest = AuditEvent.objects.get(action=AuditAction.EXPORTED, details__format="pdf").details["sha256"]
    assert sidecar["sha256"] == digest  # the file's own digest, as the audit log keeps it


@pytest.mark.parametrize("kind", ["pdf", "xlsx", "csv", "ico"])
def test_a_downloaded_export_verifies_with_verify_ropa_and_fails_on_a_tampered_byte(
        demo: OrgConnection, api: APIClient, tmp_path: Path, kind: str):
    _, content = downloaded(api, kind)
    export = unzipped(content, tmp_path)

    assert f"VERIFIED: {export}" in verify_ropa(export)
    tampered(export, export.stat().st_size // 2)
    with pytest.raises(CommandError, match="digest mismatch") as failed:
        verify_ropa(export)
    assert failed.value.returncode == NOT_VERIFIED


def test_verify_ropa_checks_the_downloaded_zip_as_it_is_and_fails_on_a_tampered_byte(demo: OrgConnection,
                                                                                      api: APIClient, tmp_path: Path):
    name, content = downloaded(api, "xlsx")
    download = tmp_path / name
    download.write_bytes(content)

    assert f"VERIFIED: {download}" in verify_ropa(download)
    tampered(download, len(content) // 3)  # inside the workbook's compressed bytes
    with pytest.raises(CommandError, match="NOT VERIFIED") as failed:
        verify_ropa(download)
    assert failed.value.returncode == NOT_VERIFIED


def test_a_downloaded_json_export_with_a_tampered_byte_fails_verify_ropa(demo: OrgConnection, api: APIClient,
                                                                         tmp_path: Path):
    name, content = downloaded(api, "json")
    export = tmp_path / name
    export.write_bytes(content.replace(b'"Analytics"', b'"Analytict"', 1))

    with pytest.raises(CommandError, match="NOT VERIFIED") as failed:
        verify_ropa(export)
    assert failed.value.returncode == NOT_VERIFIED


# --- who may, and what is kept -----------------------------------------------------------------------------------


def test_each_export_writes_one_audit_event_with_who_the_org_the_format_the_date_and_why(demo: OrgConnection):
    officer = privacy_officer()
    client = token_client(officer, scopes=("catalog:read",))

    response = client.get(EXPORT, {"org": "demo", "format": "xlsx", "as_of": "2026-11-01",
                                   "reason": "Regulator's request; reply to jane.doe@example.com"})

    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.actor_name, event.object_type, event.object_key) == (officer.username, "record", "demo")
    assert (event.details["format"], event.details["org"], event.details["origin"]) == ("xlsx", "demo", "API")
    assert event.details["as_of"].startswith("2026-11-01T23:59:59")
    assert event.reason.startswith("Regulator's request")
    assert "jane.doe@example.com" not in event.reason
    assert event.token_key


def test_an_auditor_exports_but_a_token_without_catalog_read_or_a_role_without_export_may_not(demo: OrgConnection):
    query = {"org": "demo", "format": "json", "reason": REASON}

    assert token_client(auditor(), scopes=("catalog:read",)).get(EXPORT, query).status_code == 200
    assert token_client(auditor("ann-auditor"), scopes=("catalog:write",)).get(EXPORT, query).status_code == 403
    assert token_client(admin(), scopes=("catalog:read",)).get(EXPORT, query).status_code == 403
    assert APIClient().get(EXPORT, query).status_code == 401
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED).count() == 1


@pytest.mark.parametrize(("query", "named"), [
    ({"org": "demo", "format": "pdf"}, {"reason"}),
    ({"org": "demo", "format": "pdf", "reason": "   "}, {"reason"}),
    ({"org": "demo", "format": "docx", "reason": REASON}, {"format"}),
    ({"org": "demo", "reason": REASON}, {"format"}),
    ({"format": "pdf", "reason": REASON}, {"org"}),
    ({"org": "demo", "format": "pdf", "reason": REASON, "as_of": "yesterday"}, {"as_of"}),
    ({"org": "demo", "format": "exe"}, {"format", "reason"}),
])
def test_a_missing_or_bad_parameter_is_a_400_naming_it_and_nothing_is_exported(api: APIClient, query, named):
    response = api.get(EXPORT, query)

    assert (response.status_code, response["Content-Type"]) == (400, "application/problem+json")
    assert set(response.json()["errors"]) == named
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_an_org_not_connected_is_a_404_and_nothing_is_exported(api: APIClient):
    assert api.get(EXPORT, {"org": "nowhere", "format": "json", "reason": REASON}).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


# --- sheet names -------------------------------------------------------------------------------------------------


def test_sheet_names_keep_to_excels_length_and_characters_and_are_unique():
    names = ["Fraud Prevention", "fraud prevention", "Credit: decisioning [v2] / scoring?*",
             "A purpose whose name is far longer than thirty-one characters", "History", "'Quoted'", "Summary", ""]

    titles = exports.sheet_titles(names)

    assert titles[:2] == ["Fraud Prevention", "fraud prevention (2)"]
    assert titles[2] == "Credit- decisioning -v2- - scor"
    assert all(len(each) <= 31 for each in titles)
    assert not any(set(each) & set("[]:*?/\\") for each in titles)
    assert len({each.casefold() for each in [*titles, "Summary"]}) == len(titles) + 1
    assert titles[4] == "History (2)"
    assert titles[5:8] == ["Quoted", "Summary (2)", "Activity"]


def test_a_reason_too_long_for_the_pdf_is_cut_after_a_whole_item_saying_how_many_follow():
    names = [f"Gen{n:05d}__c.Field_{n:03d}__c" for n in range(200)]
    reason = ", ".join(names)

    shown = exports.pdf_reason(reason)

    listed, more = shown.split(" … and ")
    assert listed.split(", ") == names[:len(listed.split(", "))]
    assert more == f"{200 - len(listed.split(', '))} more (the JSON export lists them all)"
    assert len(listed) <= exports.PDF_TEXT_LIMIT
    assert exports.pdf_reason("a short reason, whole") == "a short reason, whole"
