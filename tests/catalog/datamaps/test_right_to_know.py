"""A named consumer's right-to-know response (§1798.110) as JSON and PDF, and their deletion preview (§1798.105(c)),
through the API: categories collected, sources, purposes, recipients by category, the specific pieces when asked;
every place holding their data and whom to tell. Each is a look-up the audit log records."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.datamaps.disclosures import MUST_TELL
from harvesters.models import OrgConnection
from tests.catalog.datamaps.consumers import (
    DELETION_PREVIEW,
    EXPORT,
    ZORA_EMAIL,
    ZORA_PHONE_OTHERWISE,
    ZORA_STREET,
    body,
    dsar_client,
)

pytestmark = pytest.mark.django_db(transaction=True)


def exported(format_name: str, **given: Any) -> Any:
    response = dsar_client().post(EXPORT, body(emails=[ZORA_EMAIL], format=format_name, **given), format="json")
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"].startswith('attachment; filename="right-to-know-')
    assert "no-store" in response["Cache-Control"]
    return response


def test_the_json_response_says_what_was_collected_where_from_why_and_who_received_it(demo: OrgConnection):
    answer = exported("json").json()

    assert answer["format"] == "recordkeeper.right-to-know/1"
    categories = {each["category"]: each for each in answer["categories"]}
    assert "Contact" in categories["identifiers"]["objects"]
    assert answer["sources"][0].startswith("The business's Salesforce records of the consumer (")
    assert answer["purposes"]
    roles = {group["role"]: group for group in answer["recipients"]}
    assert roles
    assert all(group["words"] and group["recipients"] for group in roles.values())
    assert all(each["categories"] for group in roles.values() for each in group["recipients"])
    assert answer["specific_pieces"] is None  # not asked for
    event = AuditEvent.objects.get(action=AuditAction.CONSUMER_LOOKED_UP)
    assert (event.object_key, event.details["export"]) == (answer["subject_key"], "json")


def test_the_json_response_holds_the_specific_pieces_when_asked(live_demo: OrgConnection):
    answer = exported("json", include_values=True).json()

    pieces = {(each["sobject"], each["field"]): each["value"] for each in answer["specific_pieces"]}
    assert pieces[("Account", "PersonMailingStreet")] == ZORA_STREET


def test_the_pdf_response_has_each_section_of_the_law_and_the_values_when_asked(live_demo: OrgConnection):
    response = exported("pdf", include_values=True)

    assert response["Content-Type"] == "application/pdf"
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages]
    text = " ".join(pages)
    for section in ("1. Categories of personal information we collected", "2. Where it came from",
                    "3. Why we collect it", "4. Who we disclosed it to", "5. The specific pieces we hold"):
        assert section in pages[1]  # the contents
        assert text.count(section) == 2
    assert "§1798.110" in pages[0]
    assert ZORA_STREET in text
    assert all(f"Page {number} of {len(pages)}" in page for number, page in enumerate(pages[1:], start=2))


def test_a_format_not_offered_is_a_400_naming_it(demo: OrgConnection):
    response = dsar_client().post(EXPORT, body(emails=[ZORA_EMAIL], format="docx"), format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"format"}


def test_the_deletion_preview_names_every_place_holding_their_data_and_whom_to_tell(demo: OrgConnection):
    response = dsar_client().post(DELETION_PREVIEW, body(phones=[ZORA_PHONE_OTHERWISE]), format="json")

    assert response.status_code == 200, response.content
    preview = response.json()
    held = {(each["kind"], each["name"]) for each in preview["held_in"]}
    assert ("salesforce", "Contact") in held
    assert any(kind == "system" for kind, _ in held)
    assert preview["to_tell"]
    assert all(each["role"] in ("service_provider", "contractor", "third_party") for each in preview["to_tell"])
    assert any(each["why"] == MUST_TELL for each in preview["to_tell"])
    systems = {each["system_key"] for each in preview["to_tell"] + preview["role_undeclared"]}
    assert systems <= {each["key"] for each in preview["held_in"]}
    event = AuditEvent.objects.get(action=AuditAction.CONSUMER_LOOKED_UP)
    assert (event.object_key, event.details["purpose"]) == (preview["subject_key"], "deletion preview")
