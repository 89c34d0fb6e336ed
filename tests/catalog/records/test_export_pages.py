"""The export form on an org's record page: shown to the roles that may export, posted with a format and a reason it
downloads the signed export (audited as from the web page); without a reason it comes back naming it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.test import Client

from catalog.accounts.models import AuditAction, AuditEvent
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import admin, auditor
from tests.catalog.records.signed_exports import private_key_text

pytestmark = pytest.mark.django_db(transaction=True)  # the demo's harvest runs are bookkept, then flushed

RECORD = "/records/demo/"
EXPORT = "/records/demo/export/"


@pytest.fixture(autouse=True)
def signing_key(settings):
    settings.ROPA_SIGNING_KEY = private_key_text(4)


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def logged_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


def test_the_record_page_offers_the_export_form_to_an_auditor_and_not_to_a_role_that_may_not_export(
        demo: OrgConnection, client: Client):
    page = logged_in(client, auditor()).get(RECORD).content.decode()
    assert 'action="/records/demo/export/"' in page
    assert 'name="reason"' in page

    page = logged_in(Client(), admin()).get(RECORD).content.decode()
    assert "/records/demo/export/" not in page


def test_posting_the_form_downloads_the_zip_of_the_export_and_its_signature_audited_as_from_the_page(
        demo: OrgConnection, client: Client):
    response = logged_in(client, auditor()).post(EXPORT, {"format": "csv", "reason": "Quarterly review"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(streamed(response))) as archive:
        names = sorted(archive.namelist())
    assert names[0].endswith(".csv")
    assert names[1] == f"{names[0]}.sig.json"
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.details["format"], event.details["origin"], event.reason) == ("csv", "web page", "Quarterly review")


def test_the_form_posted_as_of_a_date_exports_the_record_as_of_that_day(demo: OrgConnection, client: Client):
    response = logged_in(client, auditor()).post(EXPORT, {"format": "json", "reason": "Audit", "as_of": "2020-01-01"})

    body = json.loads(streamed(response))
    assert body["record"]["as_of"].startswith("2020-01-01T23:59:59")


@pytest.mark.parametrize(("posted", "named"), [
    ({"format": "pdf"}, "Why are you exporting"),
    ({"format": "docx", "reason": "Audit"}, "Format"),
    ({"format": "pdf", "reason": "Audit", "as_of": "last week"}, "As of"),
])
def test_the_form_without_a_reason_or_with_a_bad_choice_comes_back_naming_it_and_exports_nothing(
        demo: OrgConnection, client: Client, posted, named):
    response = logged_in(client, auditor()).post(EXPORT, posted)

    assert response.status_code == 400
    assert named in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_a_role_that_may_not_export_gets_the_403_page(demo: OrgConnection, client: Client):
    assert logged_in(client, admin()).post(EXPORT, {"format": "pdf", "reason": "Audit"}).status_code == 403
