"""Frozen snapshots of the demo org's record: taken with a reason and audited, signed so the downloaded file verifies
and any changed byte does not, never changed or deleted, checked for integrity when read, and compared with the live
record exactly as two dates are."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.records.models import FrozenError, RecordSnapshot
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import auditor, privacy_officer, token_client

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed

SNAPSHOTS = "/api/v1/processing-activities/snapshots/"


def taken(client: APIClient, **extra: str) -> dict[str, Any]:
    answer = client.post(SNAPSHOTS, {"org": "demo", "reason": "year-end audit", **extra}, format="json")
    assert answer.status_code == 201, answer.content
    body: dict[str, Any] = answer.json()
    return body


def test_a_snapshot_is_taken_with_its_reason_intact_and_audited(demo: OrgConnection):
    officer = privacy_officer()

    snapshot = taken(token_client(officer))

    assert (snapshot["org"], snapshot["reason"], snapshot["taken_by"], snapshot["intact"]) == (
        "demo", "year-end audit", officer.username, True)
    assert "analytics" in {each["key"] for each in snapshot["record"]["activities"]}
    event = AuditEvent.objects.get(action=AuditAction.RECORD_FROZEN)
    assert (event.object_key, event.reason, event.details["sha256"]) == (
        snapshot["id"], "year-end audit", snapshot["sha256"])
    listed = token_client(auditor(), scopes=("catalog:read",)).get(SNAPSHOTS, {"org": "demo"}).json()
    assert [each["id"] for each in listed["results"]] == [snapshot["id"]]


def test_the_downloaded_snapshot_verifies_and_a_changed_byte_does_not(demo: OrgConnection, tmp_path: Path):
    snapshot = taken(token_client(privacy_officer()))
    answer = token_client(auditor()).get(f"{SNAPSHOTS}{snapshot['id']}/download/", {"reason": "sent to the regulator"})
    assert answer.status_code == 200
    content = b"".join(answer.streaming_content)  # type: ignore[attr-defined]
    file = tmp_path / "snapshot.json"
    file.write_bytes(content)

    call_command("verify_ropa", str(file), stdout=StringIO())
    tampered = bytearray(content)
    tampered[len(tampered) // 3] ^= 0x01
    file.write_bytes(bytes(tampered))
    with pytest.raises(CommandError, match="NOT VERIFIED"):
        call_command("verify_ropa", str(file), stdout=StringIO(), stderr=StringIO())
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED, object_key=snapshot["id"]).count() == 1


def test_a_snapshot_changed_behind_the_products_back_is_shown_not_intact(demo: OrgConnection):
    snapshot = taken(token_client(privacy_officer()))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_recordsnapshot SET signed_export = replace(signed_export, 'Analytics', "
                       "'Analytic5') WHERE id = %s", [snapshot["id"].replace("-", "")])

    read = token_client(auditor(), scopes=("catalog:read",)).get(f"{SNAPSHOTS}{snapshot['id']}/").json()

    assert read["intact"] is False
    assert "SHA-256" in read["check"]


def test_a_snapshot_is_never_changed_or_deleted(demo: OrgConnection):
    snapshot = RecordSnapshot.objects.get(id=taken(token_client(privacy_officer()))["id"])

    snapshot.reason = "something else"
    with pytest.raises(FrozenError):
        snapshot.save()
    with pytest.raises(FrozenError):
        snapshot.delete()
    with pytest.raises(FrozenError):
        RecordSnapshot.objects.filter(id=snapshot.id).update(reason="x")


def test_a_snapshot_of_now_compared_with_now_is_unchanged(demo: OrgConnection):
    snapshot = taken(token_client(privacy_officer()))

    diff = token_client(auditor(), scopes=("catalog:read",)).get(
        "/api/v1/processing-activities/diff/", {"org": "demo", "since": f"snapshot:{snapshot['id']}"}).json()

    assert (diff["unchanged"], diff["added"], diff["removed"], diff["changed"]) == (True, [], [], [])


@pytest.mark.parametrize(("body", "named"), [({"org": "demo"}, "reason"), ({"org": "demo", "reason": "  "}, "reason"),
                                             ({"reason": "x"}, "org"),
                                             ({"org": "demo", "reason": "x", "as_of": "someday"}, "as_of")])
def test_a_snapshot_without_a_reason_or_with_a_bad_date_is_a_400_naming_it(demo: OrgConnection,
                                                                          body: dict[str, str], named: str):
    answer = token_client(privacy_officer()).post(SNAPSHOTS, body, format="json")

    assert answer.status_code == 400
    assert named in answer.json()["errors"]
    assert not RecordSnapshot.objects.exists()


def test_an_auditor_downloads_but_cannot_take_one_and_a_download_needs_a_reason(demo: OrgConnection):
    snapshot = taken(token_client(privacy_officer()))
    reader = token_client(auditor())

    assert reader.post(SNAPSHOTS, {"org": "demo", "reason": "x"}, format="json").status_code == 403
    no_reason = reader.get(f"{SNAPSHOTS}{snapshot['id']}/download/")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["errors"]
    assert token_client(privacy_officer("otto-officer"), scopes=("catalog:read",)).post(
        SNAPSHOTS, {"org": "demo", "reason": "x"}, format="json").status_code == 403
    assert APIClient().get(SNAPSHOTS, {"org": "demo"}).status_code == 401
    assert reader.get(f"{SNAPSHOTS}not-a-snapshot/").status_code == 404


def test_a_privacy_officer_freezes_the_record_from_its_page_and_an_auditor_downloads_it(demo: OrgConnection):
    officer, reader = Client(), Client()
    officer.force_login(privacy_officer())
    reader.force_login(auditor())

    answer = officer.post("/records/demo/snapshots/", {"reason": "before the vendor change"})

    snapshot = RecordSnapshot.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/records/demo/snapshots/{snapshot.id}/"
    page = reader.get(answer["Location"]).content.decode()
    assert "before the vendor change" in page
    assert "<strong>Yes</strong>" in page
    download = reader.post(f"/records/demo/snapshots/{snapshot.id}/download/",
                           {"format": "json", "reason": "audit file"})
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode() == snapshot.signed_export  # type: ignore[attr-defined]
    assert reader.post("/records/demo/snapshots/", {"reason": "x"}).status_code == 403


def test_a_diff_from_a_snapshot_the_org_does_not_have_is_a_404_naming_it(demo: OrgConnection):
    missing = "snapshot:00000000-0000-4000-8000-000000000000"

    answer = token_client(auditor(), scopes=("catalog:read",)).get(
        "/api/v1/processing-activities/diff/", {"org": "demo", "since": missing})

    assert answer.status_code == 404
    assert "00000000-0000-4000-8000-000000000000" in answer.json()["detail"]
