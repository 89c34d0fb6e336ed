"""A finding's lifecycle: evaluated after every harvest, resolved by the run whose graph no longer shows it and
reopened by one that shows it again; acknowledged, accepted as a risk until an expiry (then reopened) or reopened by a
privacy officer; every change in the finding's history and the audit log; an auditor may read but not change it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.findings import services
from catalog.findings.models import Evaluation, Finding, FindingState
from harvesters.models import HarvestRun, OrgConnection
from tests.catalog.accounts.people import auditor, privacy_officer, token_client
from tests.catalog.records.conftest import edit_manifest, harvest
from tests.conftest import register_offline_org

pytestmark = pytest.mark.django_db(transaction=True)

TRADING_CONTRACT = "contract: {dpa_signed: false, agreement: Brokerage referral and data-sharing agreement 2025-08}"
SIGNED = "contract: {dpa_signed: true, signed_on: 2026-11-20}"
NO_CONTRACT = "recipient-without-contract"


def the_finding(org: OrgConnection, rule_id: str) -> Finding:
    return Finding.objects.get(org=org, rule_id=rule_id)


@pytest.fixture
def officer_api() -> APIClient:
    return token_client(privacy_officer(), scopes=("catalog:read", "catalog:write"))


def test_a_harvest_evaluates_the_rules_and_a_fixed_pattern_resolves_its_finding_citing_the_run(
        harvested_twice_setup: tuple[OrgConnection, Path], settings):
    settings.FINDINGS_EVALUATE_AFTER_HARVEST = True
    org, manifests = harvested_twice_setup
    harvest(org)
    first_run = HarvestRun.objects.filter(org=org).latest("created_at")
    found = the_finding(org, NO_CONTRACT)
    assert (found.state, found.first_seen_run) == (FindingState.OPEN, first_run)

    edit_manifest(manifests, TRADING_CONTRACT, SIGNED)
    harvest(org)
    fixing_run = HarvestRun.objects.filter(org=org).latest("created_at")

    resolved = the_finding(org, NO_CONTRACT)
    evaluation = Evaluation.objects.get(harvest_run=fixing_run)
    assert (resolved.state, resolved.resolved_by_run) == (FindingState.RESOLVED, fixing_run)
    assert evaluation.fixed == [resolved.pk]
    assert resolved.pk not in evaluation.recurring
    assert f"harvest run {fixing_run.pk}" in resolved.events.last().note  # type: ignore[union-attr]

    edit_manifest(manifests, SIGNED, TRADING_CONTRACT)
    harvest(org)
    back = the_finding(org, NO_CONTRACT)
    assert back.state == FindingState.OPEN
    assert Evaluation.objects.filter(org=org).latest("started_at").recurring == [back.pk]


def test_an_accepted_risk_past_its_expiry_reopens(demo: OrgConnection):
    services.evaluate(demo)
    finding = the_finding(demo, NO_CONTRACT)
    officer = privacy_officer()
    services.accept_risk(finding, actor=officer, justification="Partner is renegotiating its agreement",
                         owner="Head of Partnerships", expires_on=timezone.localdate() + timedelta(days=30))

    assert services.reopen_expired_risks(timezone.now() + timedelta(days=29)) == []
    assert services.reopen_expired_risks(timezone.now() + timedelta(days=32)) == [finding.pk]
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN
    assert (finding.risk_owner, finding.risk_expires_on) == ("", None)
    assert "expired" in finding.events.last().note  # type: ignore[union-attr]


def test_a_privacy_officer_acknowledges_accepts_and_reopens_through_the_api_and_each_change_is_audited(
        demo: OrgConnection, officer_api: APIClient):
    services.evaluate(demo)
    finding = the_finding(demo, NO_CONTRACT)
    url = f"/api/v1/findings/{finding.pk}/"
    expires = (timezone.localdate() + timedelta(days=90)).isoformat()

    acknowledged = officer_api.post(url + "acknowledge/", {"note": "Legal is on it"}, format="json")
    accepted = officer_api.post(url + "accept-risk/", {"justification": "GLBA-covered data (§1798.145(e))",
                                                       "owner": "CPO", "expires_on": expires}, format="json")
    reopened = officer_api.post(url + "reopen/", {"note": "The exemption does not cover marketing"}, format="json")

    assert [acknowledged.status_code, accepted.status_code, reopened.status_code] == [200, 200, 200]
    assert accepted.json()["risk_owner"] == "CPO"
    assert [(each["from_state"], each["to_state"]) for each in reopened.json()["events"]] == [
        ("", "open"), ("open", "acknowledged"), ("acknowledged", "accepted_risk"), ("accepted_risk", "open")]
    audited = AuditEvent.objects.filter(action=AuditAction.FINDING_STATE_CHANGED, object_key=str(finding.pk))
    assert [event.details["to"] for event in audited.order_by("at", "pk")] == [
        "open", "acknowledged", "accepted_risk", "open"]
    assert audited.filter(actor_name="olivia-officer").count() == 3


def test_an_auditor_reads_findings_but_cannot_change_their_state(demo: OrgConnection):
    services.evaluate(demo)
    finding = the_finding(demo, NO_CONTRACT)
    api = token_client(auditor(), scopes=("catalog:read", "catalog:write"))

    listed = api.get("/api/v1/findings/?org=demo&rule=recipient-without-contract")
    refused = api.post(f"/api/v1/findings/{finding.pk}/acknowledge/", {}, format="json")

    assert listed.status_code == 200
    assert [each["id"] for each in listed.json()["results"]] == [finding.pk]
    assert refused.status_code == 403
    assert "edit catalog" in refused.json()["detail"]
    finding.refresh_from_db()
    assert finding.state == FindingState.OPEN


@pytest.mark.parametrize(("action", "body", "field"), [
    ("accept-risk", {"justification": "x", "owner": "CPO", "expires_on": "2020-01-01"}, "expires_on"),
    ("accept-risk", {"justification": "x", "owner": "CPO", "expires_on": "next week"}, "expires_on"),
    ("accept-risk", {"justification": "   ", "owner": "CPO", "expires_on": "2099-01-01"}, "justification"),
    ("accept-risk", {"justification": "x", "expires_on": "2099-01-01"}, "owner"),
    ("reopen", {}, "note"),
])
def test_a_lifecycle_change_with_a_bad_value_is_a_400_naming_the_field(
        demo: OrgConnection, officer_api: APIClient, action: str, body: dict[str, str], field: str):
    services.evaluate(demo)
    finding = the_finding(demo, NO_CONTRACT)

    response = officer_api.post(f"/api/v1/findings/{finding.pk}/{action}/", body, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]


def test_a_change_its_state_does_not_allow_is_a_409_and_an_unknown_finding_a_404(demo: OrgConnection,
                                                                                   officer_api: APIClient):
    services.evaluate(demo)
    finding = the_finding(demo, NO_CONTRACT)

    conflict = officer_api.post(f"/api/v1/findings/{finding.pk}/reopen/", {"note": "why not"}, format="json")
    missing = officer_api.get("/api/v1/findings/not-a-finding/")

    assert conflict.status_code == 409
    assert "open" in conflict.json()["detail"]
    assert missing.status_code == 404


def test_findings_are_filtered_by_severity_state_system_and_object_and_ranked_by_exposure(
        demo: OrgConnection, officer_api: APIClient):
    services.evaluate(demo)

    everything = officer_api.get("/api/v1/findings/?org=demo&page_size=100").json()["results"]
    trading = officer_api.get("/api/v1/findings/?system=system:api.trading-platform.example.com").json()["results"]
    loans = officer_api.get("/api/v1/findings/?object=Loan_Application__c").json()["results"]
    medium = officer_api.get("/api/v1/findings/?severity=medium").json()["results"]
    bad = officer_api.get("/api/v1/findings/?state=closed")

    exposures = [float(each["exposure"]["high"]) for each in everything]
    assert exposures == sorted(exposures, reverse=True)
    assert {each["rule"] for each in trading} == {"opted-out-consumers-moved", "third-party-without-consent-gate",
                                                  NO_CONTRACT, "purpose-not-disclosed-at-collection"}
    assert all("Loan_Application__c" in each["objects"] for each in loans)
    assert "field:00D8d0GoldPoppyECB:Loan_Application__c.Tax_Id__c" in {each["target"] for each in loans}
    assert {each["rule"] for each in medium} == {"opt-out-relayed-late", "connected-app-broad-scope",
                                                 "opt-out-request-demands-verification"}
    assert bad.status_code == 400


def test_an_org_no_harvest_has_reached_has_no_graph_to_evaluate():
    never = register_offline_org("never-harvested")

    with pytest.raises(services.NotHarvestedError, match="never-harvested"):
        services.evaluate(never)
    assert not Evaluation.objects.filter(org=never).exists()
