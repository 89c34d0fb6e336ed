"""The records' pages over the demo org's record: the org's activities and its own fields, one activity with its
evidence linked to the graph's pages, the forms a privacy officer fills, and nothing an auditor can change."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.records import services
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import auditor, privacy_officer
from tests.catalog.page_checks import csp_problems

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_orgs_record_lists_its_activities_and_says_what_needs_input(demo: OrgConnection):
    page = signed_in(auditor()).get("/records/demo/")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/records/demo/analytics/"' in html
    assert "Personal information with no known purpose" in html
    assert "Needs input" in html
    assert "Fill in or change" not in html  # an auditor gets no form
    assert not csp_problems(html)


def test_an_activity_shows_its_evidence_linked_to_the_integrations_and_systems(demo: OrgConnection):
    page = signed_in(auditor()).get("/records/demo/analytics/")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/systems/system:api.enrichment-vendor.example.com/"' in html
    assert 'href="/integrations/integration:' in html
    assert "manifest:golden_poppy_integrations.yaml#data_enrichment/person_match" in html
    assert "CCPA/CPRA" in html


def test_a_privacy_officer_fills_a_needs_input_field_from_the_page(demo: OrgConnection):
    officer = signed_in(privacy_officer())

    answer = officer.post("/records/demo/analytics/edit/", {"joint_controllers": "None", "reason": "legal review"})

    assert answer.status_code == 302
    assert answer["Location"] == "/records/demo/analytics/"
    shown = {each.name: each for each in services.activity_of("demo", "analytics").owned}
    assert (shown["joint_controllers"].value, shown["joint_controllers"].answered_by) == ("None", "privacy officer")
    assert AuditEvent.objects.filter(action=AuditAction.RECORD_EDITED, object_key="demo/analytics").exists()


def test_a_field_too_long_is_shown_on_the_form_with_a_400(demo: OrgConnection):
    answer = signed_in(privacy_officer()).post("/records/demo/analytics/edit/", {"description": "x" * 4001})

    assert answer.status_code == 400
    assert "Ensure this value has at most 4000 characters" in answer.content.decode()


def test_an_auditor_posting_an_edit_anyway_gets_a_403(demo: OrgConnection):
    answer = signed_in(auditor()).post("/records/demo/analytics/edit/", {"joint_controllers": "x"})

    assert answer.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.RECORD_EDITED).exists()


def test_a_bad_as_of_date_says_so_and_shows_the_record_as_of_now(demo: OrgConnection):
    page = signed_in(auditor()).get("/records/demo/?as_of=someday")

    assert page.status_code == 400
    assert "As of: a date such as 2026-11-01" in page.content.decode()


def test_anonymous_visitors_go_to_the_login_page():
    assert Client().get("/records/").status_code == 302
