"""The export controls on the pages: under the field search and the system list, a small form carrying the list's
filters and asking why, posting without JavaScript; the CSV comes back as an attachment, audited as from the web
page; a missing reason or a bad filter is the export page naming it (400); only roles that may export see or use it;
the audit log's page shows and filters exports."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from catalog.accounts.models import AuditAction, AuditEvent
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import admin, auditor, privacy_officer
from tests.catalog.exports.csv_files import csv_rows
from tests.catalog.page_checks import csp_problems
from tests.lineage.queries.export_org import ADS, ALIAS

pytestmark = pytest.mark.django_db
SEARCH = f"/catalog/{ALIAS}/fields/"
EXPORT = f"/catalog/{ALIAS}/fields/export/"
SYSTEM_EXPORT = "/systems/export/"


@pytest.fixture
def auditor_client(client: Client) -> Client:
    client.force_login(auditor("avery"))
    return client


def export_form(html: str) -> str:
    found = re.search(r'<form method="post" action="[^"]*/export/" class="export-form".*?</form>', html, re.S)
    assert found, "the export form is on the page"
    return found.group(0)


def test_the_field_search_carries_its_filters_into_a_labelled_export_form(auditor_client: Client,
                                                                         export_bank: OrgConnection):
    html = auditor_client.get(f"{SEARCH}?sensitive=true&encrypted=false&search=").content.decode()

    form = export_form(html)
    assert f'action="{EXPORT}"' in form
    assert '<input type="hidden" name="sensitive" value="true">' in form
    assert '<input type="hidden" name="encrypted" value="false">' in form
    assert 'name="search"' not in form  # an empty filter is no filter
    assert re.search(r'<label for="export_reason">Why are you exporting them\?', form)
    assert re.search(r'<input type="text" name="reason"[^>]*required[^>]*id="export_reason"', form)
    assert "csrfmiddlewaretoken" in form
    assert ">Export CSV</button>" in form
    assert "hx-" not in form  # a plain POST: the download must not be swapped into the page
    assert csp_problems(html) == []


def test_posting_the_form_downloads_the_filtered_fields_and_audits_it_as_from_the_web_page(
        auditor_client: Client, export_bank: OrgConnection):
    response = auditor_client.post(EXPORT, {"sensitive": "true", "encrypted": "false", "reason": "Quarterly review"})

    assert response["Content-Disposition"].startswith(f'attachment; filename="recordkeeper-fields-{ALIAS}-')
    assert [(row["object"], row["field"]) for row in csv_rows(response)] == [("Contact", "Tax_Id__c")]
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (event.actor_name, event.reason, event.token_key) == ("avery", "Quarterly review", "")
    assert (event.details["origin"], event.details["filters"]) == ("web page", {"sensitive": True, "encrypted": False})


def test_a_missing_reason_is_the_export_page_naming_it_and_nothing_is_exported(auditor_client: Client,
                                                                              export_bank: OrgConnection):
    response = auditor_client.post(EXPORT, {"sensitive": "true", "reason": "   "})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert '<a href="#export_reason">Why are you exporting them?: Say why you are exporting' in html
    assert '<input type="hidden" name="sensitive" value="true">' in html  # the filters kept for the retry
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_the_export_page_says_what_would_be_exported_in_words(auditor_client: Client, export_bank: OrgConnection):
    response = auditor_client.get(f"{EXPORT}?ccpa_category=identifiers&custom=true")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Export the fields of exp-bank</h1>" in html
    assert "<dt>CCPA category</dt><dd>Identifiers</dd>" in html
    assert "<dt>Custom</dt><dd>yes</dd>" in html
    assert "<strong>1 field</strong> will be exported." in html
    assert f'href="{SEARCH}?ccpa_category=identifiers&amp;custom=true">Back to the field search</a>' in html
    assert csp_problems(html) == []


def test_a_bad_filter_is_the_export_page_naming_it(auditor_client: Client, export_bank: OrgConnection):
    response = auditor_client.post(EXPORT, {"encrypted": "sometimes", "reason": "Quarterly review"})

    assert response.status_code == 400
    assert "Encrypted: Select a valid choice." in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_an_unknown_org_is_the_404_page(auditor_client: Client, export_bank: OrgConnection):
    assert auditor_client.post("/catalog/no-such-bank/fields/export/", {"reason": "x"}).status_code == 404


def test_a_privacy_officer_may_export_from_the_page(client: Client, export_bank: OrgConnection):
    client.force_login(privacy_officer())

    assert "Export CSV" in client.get(SEARCH).content.decode()
    assert client.post(EXPORT, {"reason": "RoPA annex"}).status_code == 200


def test_an_admin_sees_no_export_form_and_a_post_anyway_is_a_403(client: Client, export_bank: OrgConnection):
    client.force_login(admin())

    assert "export-form" not in client.get(SEARCH).content.decode()
    assert "export-form" not in client.get("/systems/").content.decode()
    assert client.post(EXPORT, {"reason": "curious"}).status_code == 403
    assert client.post(SYSTEM_EXPORT, {"reason": "curious"}).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_someone_not_logged_in_is_sent_to_the_login_page(client: Client, export_bank: OrgConnection):
    for path in (EXPORT, SYSTEM_EXPORT):
        response = client.post(path, {"reason": "anonymous"})

        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/")


def test_the_system_list_exports_its_filtered_systems(auditor_client: Client, export_bank: OrgConnection):
    html = auditor_client.get(f"/systems/?org={ALIAS}&role=third_party").content.decode()
    form = export_form(html)
    assert f'<input type="hidden" name="org" value="{ALIAS}">' in form

    response = auditor_client.post(SYSTEM_EXPORT, {"org": ALIAS, "role": "third_party", "reason": "Recipients"})

    assert [(row["host"], row["role"], row["integration"]) for row in csv_rows(response)] == [
        (ADS, "third_party", "AdsPush")]
    assert AuditEvent.objects.get(action=AuditAction.EXPORTED).object_type == "systems"


def test_the_audit_log_page_shows_an_export_with_its_filters_and_filters_by_it(client: Client,
                                                                              export_bank: OrgConnection):
    officer = privacy_officer("olivia")
    client.force_login(officer)
    client.post(EXPORT, {"sensitive": "true", "reason": "Board pack"})

    html = client.get("/audit/?action=exported").content.decode()

    assert re.search(r'<input type="checkbox" name="action" value="exported"[^>]*checked', html)
    assert "<th scope=\"row\">Exported</th>" in html
    assert "Board pack" in html
    assert "<dt>filters</dt><dd>sensitive: yes</dd>" in html
    assert '<th scope="row">Logged in</th>' not in html  # the filter keeps exports alone
