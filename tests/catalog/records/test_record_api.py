"""The records' API over the demo org's record: activities listed and read as of a date, the human-owned fields
edited by a privacy officer with an audit event, and every answer checked by role and scope."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from catalog.accounts.models import AuditAction, AuditEvent
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import auditor, privacy_officer, token_client

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed

ANALYTICS = "/api/v1/processing-activities/demo/analytics/"


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_the_list_has_each_activity_with_its_regime_and_what_it_still_needs(demo: OrgConnection):
    body = ok(token_client(auditor(), scopes=("catalog:read",)).get("/api/v1/processing-activities/?org=demo"))

    rows = {row["key"]: row for row in body["results"]}
    assert rows["analytics"]["regime"] == "CCPA/CPRA"
    assert rows["analytics"]["org"] == "demo"
    assert "joint_controllers" in rows["analytics"]["needs_input"]
    assert body["count"] == len(rows)


def test_an_activity_has_every_statement_with_its_evidence(demo: OrgConnection):
    body = ok(token_client(auditor(), scopes=("catalog:read",)).get(ANALYTICS))

    recipients = {each["value"]["host"]: each for each in body["recipients"]}
    vendor = recipients["api.enrichment-vendor.example.com"]
    assert vendor["value"]["role"] == "contractor"
    assert any(proof["artefact"].startswith("manifest:") for proof in vendor["evidence"])
    assert {row["name"]: row["answered_by"] for row in body["owned"]}["joint_controllers"] == "needs input"


def test_a_privacy_officer_fills_a_field_and_the_change_is_audited(demo: OrgConnection):
    officer = privacy_officer()

    body = ok(token_client(officer).patch(ANALYTICS, {"joint_controllers": "None", "reason": "legal review"},
                                          format="json"))

    shown = {row["name"]: row for row in body["owned"]}
    assert (shown["joint_controllers"]["value"], shown["joint_controllers"]["answered_by"]) == (
        "None", "privacy officer")
    event = AuditEvent.objects.get(action=AuditAction.RECORD_EDITED)
    assert (event.actor_name, event.object_key, event.reason) == (officer.username, "demo/analytics", "legal review")
    assert event.details["changed"] == ["joint_controllers"]


def test_an_edit_that_changes_nothing_is_answered_and_not_audited(demo: OrgConnection):
    answer = token_client(privacy_officer()).patch(ANALYTICS, {"reason": "only a reason"}, format="json")

    assert answer.status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.RECORD_EDITED).exists()


def test_the_records_own_fields_are_filled_through_the_org(demo: OrgConnection):
    client = token_client(privacy_officer())

    body = ok(client.patch("/api/v1/orgs/demo/record/", {"controller": "Golden Poppy Bank, privacy@example.com"},
                           format="json"))

    shown = {row["name"]: row for row in body["owned"]}
    assert shown["controller"]["answered_by"] == "privacy officer"
    assert shown["dpo"]["answered_by"] == "needs input"


@pytest.mark.parametrize(("path", "body", "field"), [
    (ANALYTICS, {"bogus": "x"}, "bogus"),
    (ANALYTICS, {"joint_controllers": "x" * 4001}, "joint_controllers"),
    ("/api/v1/orgs/demo/record/", {"description": "an activity's field"}, "description"),
])
def test_a_bad_edit_is_a_400_naming_the_field(demo: OrgConnection, path: str, body: dict[str, str], field: str):
    answer = token_client(privacy_officer()).patch(path, body, format="json")

    assert answer.status_code == 400, answer.content
    assert field in answer.json()["errors"]


@pytest.mark.parametrize("as_of", ["yesterday", "2026-13-01", "2026-02-30", "2026-11-01T25:00", "2026-11-01T"])
def test_a_bad_as_of_is_a_400_naming_it(demo: OrgConnection, as_of: str):
    answer = token_client(auditor(), scopes=("catalog:read",)).get(f"{ANALYTICS}?as_of={as_of}")

    assert answer.status_code == 400
    assert "as_of" in answer.json()["errors"]


def test_as_of_a_date_before_any_harvest_the_org_had_no_activity(demo: OrgConnection):
    body = ok(token_client(auditor(), scopes=("catalog:read",)).get(
        "/api/v1/processing-activities/?org=demo&as_of=2001-01-01"))

    assert body["count"] == 0


@pytest.mark.parametrize("path", ["/api/v1/processing-activities/demo/no-such-activity/",
                                  "/api/v1/processing-activities/nobody/analytics/", "/api/v1/orgs/nobody/record/"])
def test_what_is_not_there_is_a_404_naming_it(demo: OrgConnection, path: str):
    answer = token_client(auditor(), scopes=("catalog:read",)).get(path)

    assert answer.status_code == 404
    assert answer.json()["detail"]


def test_an_auditor_reads_but_cannot_edit(demo: OrgConnection):
    client = token_client(auditor())

    assert client.get(ANALYTICS).status_code == 200
    assert client.patch(ANALYTICS, {"joint_controllers": "x"}, format="json").status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.RECORD_EDITED).exists()


def test_a_token_without_the_scope_is_refused(demo: OrgConnection):
    assert token_client(privacy_officer(), scopes=("dsar:read",)).get(ANALYTICS).status_code == 403
    reader = token_client(privacy_officer("otto-officer"), scopes=("catalog:read",))
    assert reader.patch(ANALYTICS, {"joint_controllers": "x"}, format="json").status_code == 403


def test_anonymous_requests_are_401(demo: OrgConnection):
    anonymous = APIClient()

    assert anonymous.get("/api/v1/processing-activities/").status_code == 401
    assert anonymous.patch(ANALYTICS, {"joint_controllers": "x"}, format="json").status_code == 401
