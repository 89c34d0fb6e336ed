"""The findings pages: the list (the API's filters, a bad one a 400 naming it), a finding with its evidence path as
the explorer's graph reads it and its lifecycle forms (a privacy officer's; an auditor sees none and is refused), the
explorer outlining a finding's path, the dashboard's counts, and the auditors' report (CSV and PDF, a reason each,
audited)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from catalog.accounts import roles
from catalog.accounts.models import AuditAction, AuditEvent
from catalog.findings import services
from catalog.findings.models import Finding, FindingState
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import user_in_role

pytestmark = pytest.mark.django_db(transaction=True)

NO_CONTRACT = "recipient-without-contract"


@pytest.fixture
def evaluated(demo: OrgConnection) -> OrgConnection:
    services.evaluate(demo)
    return demo


def signed_in(role: str, name: str) -> Client:
    client = Client()
    client.force_login(user_in_role(name, role))
    return client


@pytest.fixture
def officer() -> Client:
    return signed_in(roles.PRIVACY_OFFICER, "olga")


@pytest.fixture
def auditor() -> Client:
    return signed_in(roles.AUDITOR, "aldo")


def body(response: Any) -> bytes:  # the test client's response to a streamed download
    return b"".join(response.streaming_content)


def the_finding(org: OrgConnection, rule_id: str = NO_CONTRACT) -> Finding:
    return Finding.objects.get(org=org, rule_id=rule_id)


def test_the_list_ranks_findings_by_exposure_and_counts_the_live_ones_per_org(evaluated: OrgConnection,
                                                                              auditor: Client):
    response = auditor.get("/findings/")
    html = response.content.decode()

    assert response.status_code == 200
    table = html.split('class="findings-table"')[1]
    listed = [int(each.split("/")[0]) for each in table.split('<th scope="row"><a href="/findings/')[1:]]
    exposures = [Finding.objects.get(pk=pk).exposure_high for pk in listed]
    assert sorted(listed) == sorted(Finding.objects.values_list("pk", flat=True))
    assert exposures == sorted(exposures, reverse=True)
    assert f'<td class="number">{Finding.objects.count()}</td>' in html  # the org's count of findings not resolved
    assert "Findings report" in html  # an auditor may export


def test_a_filter_narrows_the_list_and_a_bad_one_is_a_400_naming_it(evaluated: OrgConnection, auditor: Client):
    narrowed = auditor.get("/findings/?rule=opt-out-relayed-late").content.decode()
    bad = auditor.get("/findings/?severity=urgent")

    assert "1 finding match" in narrowed
    assert bad.status_code == 400
    assert "There is a problem with the filters" in bad.content.decode()
    assert "Severity" in bad.content.decode()


def test_a_finding_page_draws_its_evidence_path_for_the_explorers_graph(evaluated: OrgConnection, auditor: Client):
    finding = the_finding(evaluated)

    response = auditor.get(f"/findings/{finding.pk}/")
    html = response.content.decode()
    data = json.loads(html.split('id="lineage-data" type="application/json">')[1].split("</script>")[0])

    assert response.status_code == 200
    assert [node["key"] for node in data["nodes"]] == [step["key"] for step in finding.path]
    assert data["evidence"] == [step["key"] for step in finding.path]
    assert len(data["edges"]) == len(finding.path) - 1
    assert all(f"finding={finding.pk}" in node["url"] for node in data["nodes"])
    assert "Cal. Civ. Code §1798.100(d)" in html
    assert "Change its state" not in html  # an auditor changes nothing


def test_an_auditor_cannot_change_a_findings_state_through_the_page(evaluated: OrgConnection, auditor: Client):
    finding = the_finding(evaluated)

    response = auditor.post(f"/findings/{finding.pk}/acknowledge/", {"acknowledge-note": "seen"})

    assert response.status_code == 403
    assert the_finding(evaluated).state == FindingState.OPEN


def test_a_privacy_officer_accepts_a_risk_on_the_page_and_a_bad_expiry_is_said(evaluated: OrgConnection,
                                                                               officer: Client):
    finding = the_finding(evaluated)
    url = f"/findings/{finding.pk}/accept-risk/"
    given = {"accept-risk-justification": "Partner renegotiating, LEG-22", "accept-risk-owner": "CPO"}

    refused = officer.post(url, {**given, "accept-risk-expires_on": "2020-01-01"})
    accepted = officer.post(url, {**given, "accept-risk-expires_on": str(timezone.localdate() + timedelta(days=60))},
                            follow=True)

    assert refused.status_code == 400
    assert "The expiry must fall after today" in refused.content.decode()
    assert accepted.status_code == 200
    assert f"Finding {finding.pk} is now accepted risk." in accepted.content.decode()
    assert the_finding(evaluated).risk_owner == "CPO"
    assert AuditEvent.objects.filter(action=AuditAction.FINDING_STATE_CHANGED, actor_name="olga").count() == 1


def test_an_unknown_change_or_finding_is_a_404(evaluated: OrgConnection, officer: Client):
    finding = the_finding(evaluated)

    assert officer.post(f"/findings/{finding.pk}/delete/", {}).status_code == 404
    assert officer.get("/findings/999999/").status_code == 404


def test_the_explorer_outlines_a_findings_evidence_path(evaluated: OrgConnection, auditor: Client):
    finding = the_finding(evaluated)
    system = next(step["key"] for step in finding.path if step["label"] == "System")

    html = auditor.get("/lineage/", {"node": system, "finding": finding.pk}).content.decode()
    data = json.loads(html.split('id="lineage-data" type="application/json">')[1].split("</script>")[0])

    assert data["evidence"] == [step["key"] for step in finding.path]
    assert "the evidence path of" in html
    assert f'href="/findings/{finding.pk}/"' in html


def test_the_dashboard_counts_each_orgs_findings_not_resolved(evaluated: OrgConnection, auditor: Client):
    live = Finding.objects.exclude(state=FindingState.RESOLVED).count()

    html = auditor.get("/").content.decode()

    assert "Findings not resolved" in html
    assert f'<td class="number">{live}</td>' in html


def test_the_report_is_a_csv_or_a_pdf_of_the_filtered_findings_once_a_reason_is_given(evaluated: OrgConnection,
                                                                                      auditor: Client):
    unreasoned = auditor.post("/findings/export/", {"format": "csv", "rule": NO_CONTRACT, "reason": ""})
    as_csv = auditor.post("/findings/export/", {"format": "csv", "rule": NO_CONTRACT, "reason": "Audit 2026-Q4"})
    as_pdf = auditor.post("/findings/export/", {"format": "pdf", "reason": "Audit 2026-Q4"})

    assert unreasoned.status_code == 400
    rows = list(csv.DictReader(io.StringIO(body(as_csv).decode())))
    assert [row["rule"] for row in rows] == [NO_CONTRACT]
    assert rows[0]["citations"].startswith("Cal. Civ. Code §1798.100(d)")
    assert "manifest:golden_poppy_integrations.yaml#trading_platform" in rows[0]["evidence"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body(as_pdf))).pages)
    assert "Findings report" in text
    assert f"Finding {the_finding(evaluated).pk}" in text
    exported = AuditEvent.objects.filter(action=AuditAction.EXPORTED, object_type="findings")
    assert sorted(event.details["format"] for event in exported) == ["csv", "pdf"]
    assert {event.reason for event in exported} == {"Audit 2026-Q4"}
