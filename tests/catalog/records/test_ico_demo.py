"""The demo org's record in the UK ICO template (a real harvest: the simulator over HTTPS, real Neo4j): the coverage
report's counts are what its activities hold, a privacy officer's entry moves a question from needs input to
answered, and the report is read through the API and on a page by an auditor, never by a token without
catalog:read or by nobody."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from catalog.accounts.tokens import CATALOG_WRITE, DSAR_READ
from catalog.records import regulator_api, services
from catalog.records.activities import UNASSIGNED_KEY
from catalog.records.ico import ANSWERED, NEEDS_INPUT, PARTLY, QUESTIONS, Coverage, coverage
from catalog.records.regulator_api import EVIDENCE_SHOWN
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import auditor, privacy_officer, token_client
from tests.catalog.page_checks import csp_problems

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed


def counts(report: Coverage, key: str) -> tuple[int, int, int]:
    found = next(each for each in report.questions if each.question.key == key)
    return found.answered, found.partly, found.needs_input


def test_the_coverage_counts_are_what_the_demo_orgs_activities_hold(demo: OrgConnection):
    record = services.record_of("demo")
    activities = len(record.activities)

    report = coverage(record)

    assert report.total == len(QUESTIONS) * activities
    assert counts(report, "ico_1_1") == (0, 0, activities)  # nobody has named the controller yet
    assert counts(report, "ico_1_7") == (0, 0, activities)  # no field of the record names a department
    assert counts(report, "ico_2_1") == (activities - 1, 0, 1)  # every activity is a purpose but the unassigned one
    with_basis = sum(1 for each in record.activities if not _owned(each, "legal_basis").needs_input)
    assert counts(report, "ico_8_1") == (with_basis, 0, activities - with_basis)
    assert with_basis >= 4  # Analytics, Marketing, Credit Decisioning and Fraud Prevention carry DataUseLegalBasis
    assert counts(report, "ico_7_1") == (0, activities, 0)  # measured, but organisational measures are not


def test_the_brokerage_partner_is_the_demo_orgs_third_party_and_analytics_profiles(demo: OrgConnection):
    rows = {row.activity_key: dict(zip([each.key for each in QUESTIONS], row.answers, strict=True))
            for row in coverage(services.record_of("demo")).rows}

    brokerage = rows["brokerage-account-servicing-and-partner-marketing"]
    assert brokerage["ico_4_2"].status == ANSWERED
    assert brokerage["ico_4_2"].text.startswith("Yes: Quillstone Brokerage Platform (third party, US)")
    assert rows["analytics"]["ico_9_1"].status == ANSWERED
    assert "person_match" in rows["analytics"]["ico_9_1"].text
    assert rows["analytics"]["ico_8_1"].text == "Consent"
    assert rows[UNASSIGNED_KEY]["ico_10_1"].status == NEEDS_INPUT
    assert rows["analytics"]["ico_6_1"].status == PARTLY  # the vendor's 30 days, not the org's own period


def test_filling_the_controller_moves_its_questions_from_needs_input_to_answered_for_every_activity(
        demo: OrgConnection):
    before = coverage(services.record_of("demo"))
    services.edit_org_record("demo", {"controller": "Golden Poppy Bank, 1 Poppy Way, privacy@goldenpoppy.example"},
                             reason="from the annual report", actor=privacy_officer())

    after = coverage(services.record_of("demo"))

    activities = len(after.rows)
    assert counts(before, "ico_1_1") == counts(before, "ico_1_2") == (0, 0, activities)
    assert counts(after, "ico_1_1") == counts(after, "ico_1_2") == (activities, 0, 0)
    assert after.needs_input == before.needs_input - 2 * activities


def test_an_auditor_reads_the_coverage_report_through_the_api(demo: OrgConnection):
    answer = token_client(auditor()).get("/api/v1/processing-activities/ico-coverage/", {"org": "demo"})

    body = answer.json()
    assert answer.status_code == 200, body
    assert body["org"] == "demo"
    assert len(body["questions"]) == 42
    assert body["totals"]["total"] == 42 * body["activity_count"] == len(body["rows"]) * 42
    analytics = next(row for row in body["rows"] if row["activity_key"] == "analytics")
    purposes = next(each for each in analytics["answers"] if each["question"] == "ico_2_1")
    assert purposes["status"] == ANSWERED
    assert purposes["evidence"][0]["artefact"].startswith("DataUsePurpose:")
    answers = [each for row in body["rows"] for each in row["answers"]]
    assert all(len(each["evidence"]) == min(each["evidence_count"], EVIDENCE_SHOWN) for each in answers)


def test_a_line_with_more_evidence_than_shown_lists_the_first_and_counts_them_all(
        demo: OrgConnection, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(regulator_api, "EVIDENCE_SHOWN", 2)  # the demo's lines hold a few each, not 25

    body = token_client(auditor()).get("/api/v1/processing-activities/ico-coverage/", {"org": "demo"}).json()

    answers = [each for row in body["rows"] for each in row["answers"]]
    assert any(each["evidence_count"] > 2 for each in answers)  # the rest is in the activity's own detail
    assert all(len(each["evidence"]) == min(each["evidence_count"], 2) for each in answers)


@pytest.mark.parametrize("path", ["/api/v1/processing-activities/ico-coverage/",
                                  "/api/v1/processing-activities/ccpa-disclosures/"])
def test_a_token_without_catalog_read_gets_a_403_and_nobody_a_401(path: str):
    denied = token_client(auditor(), (DSAR_READ, CATALOG_WRITE)).get(path, {"org": "demo"})
    anonymous = APIClient().get(path, {"org": "demo"})

    assert denied.status_code == 403
    assert denied.json()["detail"] == "This token lacks the catalog:read scope."
    assert anonymous.status_code == 401


@pytest.mark.parametrize(("query", "status", "named"), [
    ({}, 400, "org"), ({"org": "nowhere"}, 404, "nowhere"), ({"org": "demo", "as_of": "yesterday"}, 400, "as_of"),
    ({"org": "demo", "as_of": "2026-02-30"}, 400, "as_of"),
])
def test_a_missing_or_unknown_org_or_a_bad_as_of_is_named(demo: OrgConnection, query: dict[str, str], status: int,
                                                           named: str):
    for path in ("/api/v1/processing-activities/ico-coverage/", "/api/v1/processing-activities/ccpa-disclosures/"):
        answer = token_client(auditor(f"auditor-{path[-6:-1]}")).get(path, query)

        assert answer.status_code == status, answer.content
        assert named in answer.content.decode()


def test_an_auditor_opens_the_coverage_page_from_the_orgs_record(demo: OrgConnection):
    client = Client()
    client.force_login(auditor())

    record_page = client.get("/records/demo/").content.decode()
    page = client.get("/records/demo/ico-coverage/")

    html = page.content.decode()
    assert 'href="/records/demo/ico-coverage/"' in record_page
    assert 'href="/records/demo/ccpa-disclosures/"' in record_page
    assert page.status_code == 200
    assert "<caption>Each question of the ICO template" in html
    assert '<th scope="row"><code>ico_15_1</code>' in html
    assert not csp_problems(html)


def _owned(row: services.ActivityRecord, name: str) -> services.Shown:
    return next(each for each in row.owned if each.name == name)
