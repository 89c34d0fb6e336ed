"""POST /api/v1/data-maps/ for DSAR tooling: a named consumer of the demo org found by email, by a phone written
otherwise and by a Salesforce id, with their records, recipients and gap; nobody found a 404 that says nothing of
anyone else; bad input a 400 naming its field, never echoing it; 401 without a token, 403 without dsar:read or a role
that may look consumers up; every look-up in the audit log; every answer no-store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.accounts.tokens import CATALOG_READ, CATALOG_WRITE, DSAR_READ, DSAR_WRITE
from harvesters.models import OrgConnection
from lineage import Graph
from tests.catalog.accounts.people import auditor, privacy_officer, token_client
from tests.catalog.datamaps.consumers import (
    AMARA_EMAIL,
    LOOKUP,
    MATEO_EMAIL,
    NOBODY_EMAIL,
    REASON,
    ZORA_CONTACT,
    ZORA_EMAIL,
    ZORA_PHONE_OTHERWISE,
    body,
    dsar_client,
)
from tests.catalog.datamaps.test_lookup import two_people_sharing_a_phone  # noqa: F401 - a household's shared phone

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed

PROBLEM_KEYS = {"type", "status", "title", "detail", "errors"}


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    answer: dict[str, Any] = response.json()
    return answer


def found(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize("given", [
    {"emails": [ZORA_EMAIL.upper()]}, {"phones": [ZORA_PHONE_OTHERWISE]}, {"record_ids": [ZORA_CONTACT]},
    {"external_ids": [{"system": "core_banking", "value": "C-100231"}]},
    {"external_ids": [{"system": "mobile_app", "value": "gp-7f3a91"}]},
], ids=["email", "phone", "salesforce-id", "core-banking-customer-number", "mobile-app-user-id"])
def test_a_named_consumer_is_found_by_email_by_a_phone_written_otherwise_by_a_salesforce_id_and_an_external_id(
    demo: OrgConnection, given: dict[str, Any]
):
    answer = found(dsar_client().post(LOOKUP, body(**given), format="json"))

    assert answer["matched_by"] == [f"{next(iter(given))}.0"]
    held = {each["sobject"]: each for each in answer["records"]}
    assert ZORA_CONTACT in held["Contact"]["record_ids"]
    assert answer["categories"]
    assert answer["values"] is None  # not asked for


def test_every_identifier_of_a_consumer_finds_the_same_subject(demo: OrgConnection):
    client = dsar_client()

    keys = {found(client.post(LOOKUP, body(**given), format="json"))["subject_key"]
            for given in ({"emails": [ZORA_EMAIL]}, {"phones": [ZORA_PHONE_OTHERWISE]}, {"record_ids": [ZORA_CONTACT]},
                          {"emails": [ZORA_EMAIL], "phones": [ZORA_PHONE_OTHERWISE]})}

    assert len(keys) == 1


@pytest.mark.parametrize(("email", "gap"), [(ZORA_EMAIL, "sync_ignores_processing_opt_out"),
                                            (MATEO_EMAIL, "opt_out_late"), (AMARA_EMAIL, "flow_against_opt_out")],
                         ids=["zora-processing-opt-out", "mateo-late-mobile-opt-out", "amara-marketing-opt-out"])
def test_a_named_consumers_map_has_their_recipients_consents_and_gap(demo: OrgConnection, email: str, gap: str):
    answer = found(dsar_client().post(LOOKUP, body(emails=[email]), format="json"))

    assert gap in {each["kind"] for each in answer["gaps"]}
    assert all(each["summary"] and each["evidence"] for each in answer["gaps"])
    assert answer["recipients"]
    assert all(each["evidence"] for each in answer["recipients"])
    assert any(each["status"] == "opt_out" for each in answer["consents"])


def test_the_look_up_is_in_the_audit_log_with_who_when_the_subject_key_and_the_reason(demo: OrgConnection):
    answer = found(dsar_client().post(LOOKUP, body(emails=[ZORA_EMAIL]), format="json"))

    event = AuditEvent.objects.get(action=AuditAction.CONSUMER_LOOKED_UP)
    assert (event.actor_name, event.object_type, event.object_key, event.reason) == (
        "dsar-tool", "subject", answer["subject_key"], REASON)
    assert event.token_key
    assert event.details["matched_by"] == ["emails.0"]
    assert event.at.isoformat().replace("+00:00", "Z") == answer["looked_up_at"]
    assert ZORA_EMAIL not in str(event.details)


def test_a_map_as_of_a_moment_is_the_graph_then_and_the_audit_entry_names_the_moment(demo: OrgConnection):
    client = dsar_client()
    moment = datetime.now(UTC).replace(microsecond=0)

    answer = found(client.post(LOOKUP, body(emails=[ZORA_EMAIL], as_of=moment.isoformat()), format="json"))
    before_the_harvest = client.post(LOOKUP, body(emails=[ZORA_EMAIL], as_of="2016-01-01"), format="json")

    assert answer["as_of"] == moment.isoformat().replace("+00:00", "Z")
    assert problem(before_the_harvest, 404)["detail"] == "No consumer matches these identifiers."
    asked = [event.details.get("as_of") for event in
             AuditEvent.objects.filter(action=AuditAction.CONSUMER_LOOKED_UP).order_by("at")]
    assert asked == [moment.isoformat(), "2016-01-01T23:59:59.999999+00:00"]


def test_an_unknown_consumer_is_a_404_that_says_nothing_of_anyone_else(demo: OrgConnection):
    response = dsar_client().post(LOOKUP, body(emails=[NOBODY_EMAIL], record_ids=[ZORA_CONTACT[:-3] + "XXX"]),
                                  format="json")

    answer = problem(response, 404)
    assert set(answer) == PROBLEM_KEYS
    assert answer["detail"] == "No consumer matches these identifiers."
    assert answer["errors"] == {}
    event = AuditEvent.objects.get(action=AuditAction.CONSUMER_LOOKED_UP)
    assert (event.object_key, event.details["outcome"], event.reason) == ("", "not found", REASON)


@pytest.mark.parametrize(("given", "field"), [
    ({"emails": [ZORA_EMAIL, "zora at example dot com"]}, "emails.1"),
    ({"phones": ["call me maybe"]}, "phones.0"),
    ({"record_ids": ["0038d0Zora"]}, "record_ids.0"),
    ({"external_ids": [{"system": "core banking!", "value": "C-1"}]}, "external_ids.0"),
    ({"emails": ["x" * 321]}, "emails.0"),
    ({"emails": "zora.quinn@example.com"}, "emails"),
    ({"phone_region": "USA", "phones": [ZORA_PHONE_OTHERWISE]}, "phone_region"),
], ids=["email", "phone", "record-id", "external-system", "too-long", "not-a-list", "region"])
def test_a_malformed_identifier_is_a_400_naming_its_field_and_never_its_value(given: dict[str, Any], field: str):
    response = dsar_client().post(LOOKUP, body(**given), format="json")

    answer = problem(response, 400)
    assert set(answer["errors"]) == {field}
    for value in (v for each in given.values() for v in (each if isinstance(each, list) else [each])):
        assert str(value) not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.CONSUMER_LOOKED_UP).exists()


@pytest.mark.parametrize(("sent", "field"), [
    ({"emails": [ZORA_EMAIL]}, "reason"),
    ({"emails": [ZORA_EMAIL], "reason": "   "}, "reason"),
    ({"reason": REASON}, "identifiers"),
    ({"reason": REASON, "email": ZORA_EMAIL}, "email"),
    ({"reason": REASON, "emails": [ZORA_EMAIL], "include_values": "perhaps"}, "include_values"),
    ({"reason": REASON, "emails": [ZORA_EMAIL], "as_of": "last tuesday"}, "as_of"),
    ({"reason": REASON, "emails": [ZORA_EMAIL], "as_of": "2026-02-30"}, "as_of"),
], ids=["no-reason", "blank-reason", "no-identifier", "unknown-field", "include-values", "as-of", "no-such-day"])
def test_a_look_up_missing_what_it_needs_is_a_400_naming_it(sent: dict[str, Any], field: str):
    answer = problem(dsar_client().post(LOOKUP, sent, format="json"), 400)

    assert field in answer["errors"]


def test_no_token_is_a_401():
    response = APIClient().post(LOOKUP, body(emails=[ZORA_EMAIL]), format="json")

    problem(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_without_dsar_read_is_a_403_whatever_else_it_holds():
    client = token_client(privacy_officer(), scopes=(CATALOG_READ, CATALOG_WRITE, DSAR_WRITE))

    answer = problem(client.post(LOOKUP, body(emails=[ZORA_EMAIL]), format="json"), 403)

    assert answer["detail"] == "This token lacks the dsar:read scope."


def test_an_auditor_looks_consumers_up_only_when_granted(graph: Graph):
    reader = auditor()
    client = token_client(reader, scopes=(DSAR_READ,))

    refused = problem(client.post(LOOKUP, body(emails=[NOBODY_EMAIL]), format="json"), 403)
    reader.user_permissions.add(Permission.objects.get(codename="lookup_consumer"))
    granted = client.post(LOOKUP, body(emails=[NOBODY_EMAIL]), format="json")

    assert refused["detail"] == "Your role does not allow this (lookup consumer)."
    assert granted.status_code == 404


def test_every_answer_is_no_store(demo: OrgConnection):
    client = dsar_client()

    answers = [client.post(LOOKUP, body(emails=[ZORA_EMAIL]), format="json"),
               client.post(LOOKUP, body(emails=[NOBODY_EMAIL]), format="json"),
               client.post(LOOKUP, body(emails=["not an email"]), format="json")]

    assert [each.status_code for each in answers] == [200, 404, 400]
    assert all("no-store" in each["Cache-Control"] for each in answers)


def test_two_people_sharing_a_phone_are_a_409_listing_what_matched_each_never_merged(
    two_people_sharing_a_phone: None,  # noqa: F811 - the fixture imported above
):
    response = dsar_client().post(LOOKUP, body(phones=["(707) 555-0110"], emails=["ines.moreau@example.com"]),
                                  format="json")

    answer = problem(response, 409)
    assert sorted(each["matched_by"] for each in answer["matches"]) == [["emails.0", "phones.0"], ["phones.0"]]
    assert len({each["subject_key"] for each in answer["matches"]}) == 2
    event = AuditEvent.objects.get(action=AuditAction.CONSUMER_LOOKED_UP)
    assert (event.details["outcome"], len(event.details["subjects"])) == ("ambiguous", 2)
