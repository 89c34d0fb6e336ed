"""The rules no seeded scenario names, on the demo org: the trading sync's marketing-only flag is no gate on sharing
with a third party; the connected apps with api and refresh_token read the objects holding sensitive data; a field a
privacy officer makes sensitive while the org classifies it Confidential is classification drift (and is no longer
once the override is withdrawn); an app's inbound flow that stops validating consent is found after the next
harvest of a copy of the org's manifests; and the findings that rest on what a manifest declares (an opt-out demanding
verification, a signal not relayed while data is sold, a purpose not disclosed) resolve once it declares the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.classification import services as classification
from catalog.findings import services
from catalog.findings.models import Finding, FindingState
from harvesters.models import HarvestRun, OrgConnection
from tests.catalog.accounts.people import privacy_officer
from tests.catalog.records.conftest import edit_manifest, harvest

pytestmark = pytest.mark.django_db(transaction=True)

ORG = "00D8d0GoldPoppyECB"
TRADING_SYNC = f"integration:{ORG}:apex_class:TradingPlatformNightlySync"
APPLICANT = f"field:{ORG}:Loan_Application__c.Applicant__c"  # Confidential in the org's classification


def findings_of(org: OrgConnection, rule_id: str) -> dict[str, Finding]:
    return {each.target: each for each in Finding.objects.filter(org=org, rule_id=rule_id)}


def test_a_marketing_only_flag_is_no_gate_on_sending_to_a_third_party(demo: OrgConnection):
    services.evaluate(demo)

    [finding] = findings_of(demo, "third-party-without-consent-gate").values()

    assert finding.target == TRADING_SYNC
    assert "it checks only HasOptedOutSolicit" in finding.detail
    assert finding.knowledge == ["declared", "inferred"]


def test_connected_apps_with_api_and_refresh_token_that_read_sensitive_objects_are_found(demo: OrgConnection):
    services.evaluate(demo)

    found = findings_of(demo, "connected-app-broad-scope")

    assert {each.target_name for each in found.values()} == {
        "GPB Mobile Banking", "Tallyforge Core Banking Sync", "Recordkeeper"}
    assert all({"Loan_Application__c", "KYC_Check__c"} <= set(each.sobjects) for each in found.values())


def test_a_field_made_sensitive_while_the_org_calls_it_confidential_drifts_until_the_override_goes(
        demo: OrgConnection):
    services.evaluate(demo)
    assert findings_of(demo, "classification-drift") == {}
    officer = privacy_officer()
    override = classification.override_field(demo.alias, "Loan_Application__c", "Applicant__c", sensitive=True,
                                             reason="Holds the applicant's government id in free text",
                                             actor=officer)
    try:
        services.evaluate(demo)
        drifted = findings_of(demo, "classification-drift")
        assert list(drifted) == [APPLICANT]
        assert "a privacy officer's override" in drifted[APPLICANT].detail
        assert "Confidential" in drifted[APPLICANT].detail
    finally:  # the demo graph is shared by the session's tests: its mirror goes with the override
        classification.withdraw_override(override, reason="Test over", actor=officer)

    services.evaluate(demo)
    assert findings_of(demo, "classification-drift")[APPLICANT].state == FindingState.RESOLVED


DECLARED = ("opt-out-request-demands-verification", "opt-out-signal-not-relayed", "purpose-not-disclosed-at-collection")


def test_findings_resting_on_the_manifest_follow_it_from_one_harvest_to_the_next(
        harvested_twice_setup: tuple[OrgConnection, Path]):
    org, manifests = harvested_twice_setup
    harvest(org)
    services.evaluate(org)
    assert findings_of(org, "app-writes-without-consent-validation") == {}
    assert {rule_id: len(findings_of(org, rule_id)) for rule_id in DECLARED} == dict.fromkeys(DECLARED, 1)

    # The app's consent relay stops validating consent...
    edit_manifest(manifests, "purpose: Honouring privacy choices\n        consent_checked: true\n"
                             "        opt_out_checked: true",
                  "purpose: Honouring privacy choices\n        consent_checked: false\n"
                  "        opt_out_checked: false")
    # ...while the three patterns only a manifest can show are fixed there.
    edit_manifest(manifests, "        verifies_identity_for: [opt_out, limit]\n", "")  # only finds the consumer
    edit_manifest(manifests, "disclosed_purposes: [Account servicing,",  # the notice now says so
                  "disclosed_purposes: [Brokerage account servicing and partner marketing, Account servicing,")
    edit_manifest(manifests, "role: third_party", "role: service_provider")  # no sale left for a signal to stop
    next_run = HarvestRun.objects.get(uid=harvest(org))
    services.evaluate(org, run=next_run)  # what the run's own evaluation does

    [finding] = findings_of(org, "app-writes-without-consent-validation").values()
    assert finding.target.endswith("#mobile_app.consent_relay")
    assert f"integration:{ORG}:apex_class:MobileConsentService" in {step["key"] for step in finding.path}
    for rule_id in DECLARED:
        [fixed] = findings_of(org, rule_id).values()
        assert (fixed.state, fixed.resolved_by_run) == (FindingState.RESOLVED, next_run), rule_id
