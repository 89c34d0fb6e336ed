"""Every seeded scenario of the demo org (salesforce_simulator/orgs/demo.yaml, `scenarios:`), scenario by scenario:
each failure yields its finding, with the evidence the scenario names and the consumers it affects; each negative
case yields none. A scenario this table does not know fails, so a new one cannot go unchecked."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from catalog.findings import services
from catalog.findings.models import Finding, FindingState
from harvesters.models import OrgConnection
from lineage import Graph
from lineage.queries.findings import AffectedCounter
from lineage.rules import Audience, rule_named
from salesforce_simulator import Simulator
from tests.catalog.datamaps.consumers import subject_holding

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed

ORG = "00D8d0GoldPoppyECB"
PROCESSING_OPT_OUT = "HasOptedOutProcessing"


def integration(kind: str, name: str) -> str:
    return f"integration:{ORG}:{kind}:{name}"


def manifest(entry: str) -> str:
    return integration("manifest", f"golden_poppy_integrations#{entry}")


def field(name: str) -> str:
    return f"field:{ORG}:{name}"


@dataclass(frozen=True)
class Expected:
    """The finding a failure yields: its rule and target, and the scenario's refs its evidence must show (each ref
    with the graph key that stands for it)."""

    rule: str
    target: str
    evidence: dict[str, str]
    opted_out_of_processing: bool = False  # its consumers are exactly those who opted out of processing


FAILURES = {
    "apex_transaction_pull_ignores_processing_opt_out": Expected(
        "opted-out-consumers-moved", integration("apex_class", "CoreBankingTransactionSync"), {
            "ApexClass:CoreBankingTransactionSync": integration("apex_class", "CoreBankingTransactionSync"),
            "Manifest:golden_poppy_integrations#core_banking/transaction_history_pull":
                manifest("core_banking.transaction_history_pull")},
        opted_out_of_processing=True),
    "flow_emails_balance_without_consent": Expected(
        "financial-data-emailed-without-consent-check", integration("flow", "Balance_Alert_Email"), {
            "Flow:Balance_Alert_Email": integration("flow", "Balance_Alert_Email"),
            "Field:FinServ__FinancialAccount__c.FinServ__Balance__c":
                field("FinServ__FinancialAccount__c.FinServ__Balance__c"),
            "Field:FinServ__FinancialAccount__c.FinServ__FinancialAccountNumber__c":
                field("FinServ__FinancialAccount__c.FinServ__FinancialAccountNumber__c")}),
    "dsar_webhook_without_signature_validation": Expected(
        "dsar-intake-without-signature-validation", integration("apex_class", "DsarIntakeWebhook"), {
            "Manifest:golden_poppy_integrations#dsar_portal/dsar_intake_webhook":
                manifest("dsar_portal.dsar_intake_webhook"),
            "ApexClass:DsarIntakeWebhook": integration("apex_class", "DsarIntakeWebhook")}),
    "report_export_without_audit_entry": Expected(
        "report-export-without-audit-entry", f"report:org:{ORG}:00O8d0AcctTaxIdECJ", {
            "EventLog:ReportExport@-3": integration("report_export", "00O8d0AcctTaxIdECJ/4kUw0cGpB1Exp001"),
            "Field:Loan_Application__c.Tax_Id__c": field("Loan_Application__c.Tax_Id__c"),
            "Field:FinServ__FinancialAccount__c.FinServ__FinancialAccountNumber__c":
                field("FinServ__FinancialAccount__c.FinServ__FinancialAccountNumber__c")}),
    "lightning_balances_without_sharing_or_fls": Expected(
        "component-reads-without-sharing", integration("component", "accountBalances"), {
            "LightningComponentBundle:accountBalances": integration("component", "accountBalances"),
            "ApexClass:AccountBalanceController": integration("apex_class", "AccountBalanceController")}),
    "trading_sync_ignores_processing_opt_out": Expected(
        "opted-out-consumers-moved", integration("apex_class", "TradingPlatformNightlySync"), {
            "ApexClass:TradingPlatformNightlySync": integration("apex_class", "TradingPlatformNightlySync"),
            "Manifest:golden_poppy_integrations#trading_platform/nightly_customer_sync":
                manifest("trading_platform.nightly_customer_sync")},
        opted_out_of_processing=True),
    "mobile_opt_out_reached_salesforce_late": Expected(
        "opt-out-relayed-late", manifest("mobile_app.consent_events.evt-7f3c2a91"), {
            "Manifest:golden_poppy_integrations#mobile_app/evt-7f3c2a91":
                manifest("mobile_app.consent_events.evt-7f3c2a91")}),
    "opt_out_request_demands_identity_verification": Expected(
        "opt-out-request-demands-verification", manifest("dsar_portal.opt_out_request_form"), {
            "Manifest:golden_poppy_integrations#dsar_portal/opt_out_request_form":
                manifest("dsar_portal.opt_out_request_form"),
            "ApexClass:DsarIntakeWebhook": integration("apex_class", "DsarIntakeWebhook")}),
    "website_drops_opt_out_preference_signal": Expected(
        "opt-out-signal-not-relayed", manifest("website.opt_out_preference_signal"), {
            "Manifest:golden_poppy_integrations#website/opt_out_preference_signal":
                manifest("website.opt_out_preference_signal"),
            "Manifest:golden_poppy_integrations#trading_platform/nightly_customer_sync":
                manifest("trading_platform.nightly_customer_sync")}),
    "balances_sold_for_a_purpose_not_disclosed": Expected(
        "purpose-not-disclosed-at-collection", manifest("trading_platform.nightly_customer_sync"), {
            "Manifest:golden_poppy_integrations#core_banking/nightly_balance_upsert":
                manifest("core_banking.nightly_balance_upsert"),
            "Manifest:golden_poppy_integrations#trading_platform/nightly_customer_sync":
                manifest("trading_platform.nightly_customer_sync"),
            "Field:FinServ__FinancialAccount__c.FinServ__Balance__c":
                field("FinServ__FinancialAccount__c.FinServ__Balance__c"),
            "Field:FinServ__FinancialAccount__c.FinServ__FinancialAccountNumber__c":
                field("FinServ__FinancialAccount__c.FinServ__FinancialAccountNumber__c")}),
}
# The sensitive-fields scenario names two fields: a finding each.
SENSITIVE_FIELDS = ("Loan_Application__c.Tax_Id__c", "FinServ__FinancialAccount__c.FinServ__FinancialAccountNumber__c")

# What each negative case must not be reported as: (rule, target).
NEGATIVES = {
    "enrichment_callout_gated_by_consent": [
        (rule_id, target) for rule_id in ("opted-out-consumers-moved", "recipient-without-contract")
        for target in (integration("apex_class", "DataEnrichmentService"),
                       integration("flow", "Customer_Enrichment_On_Create"), f"recipient:org:{ORG}:data_enrichment")],
    "ssn_field_encrypted": [("sensitive-data-unencrypted", field("Loan_Application__c.Applicant_SSN__c")),
                            ("sensitive-data-unencrypted", field("KYC_Check__c.Id_Document_Number__c"))],
    "report_export_with_audit_entry": [("report-export-without-audit-entry", f"report:org:{ORG}:00O8d0RegQtrExtESE")],
    "mobile_opt_out_relayed_on_time": [("opt-out-relayed-late", manifest("mobile_app.consent_events.evt-91b0d4e2"))],
    "requests_to_know_and_delete_verified": [("opt-out-request-demands-verification",
                                              manifest("dsar_portal.dsar_intake_webhook"))],
    "mobile_app_relays_opt_out_preference_signal": [("opt-out-signal-not-relayed",
                                                     manifest("mobile_app.opt_out_preference_signal"))],
    "change_events_serve_a_disclosed_purpose": [("purpose-not-disclosed-at-collection",
                                                 manifest("core_banking.customer_change_events"))],
}


@pytest.fixture
def findings(demo: OrgConnection) -> dict[tuple[str, str], Finding]:
    services.evaluate(demo)
    return {(each.rule_id, each.target): each for each in Finding.objects.filter(org=demo)}


def test_every_scenario_of_the_demo_org_is_checked_here(demo_simulator: Simulator):
    failures = {name for name, each in demo_simulator.org.scenarios.items() if each.kind == "failure"}
    negatives = {name for name, each in demo_simulator.org.scenarios.items() if each.kind == "negative"}

    assert failures == {*FAILURES, "sensitive_fields_without_encryption"}
    assert negatives == set(NEGATIVES)


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_a_seeded_failure_yields_its_finding_with_its_evidence(name: str, findings: dict[tuple[str, str], Finding],
                                                               demo_simulator: Simulator):
    expected, scenario = FAILURES[name], demo_simulator.org.scenarios[name]
    finding = findings.get((expected.rule, expected.target))

    assert finding is not None, f"{name}: no {expected.rule} finding about {expected.target}"
    assert finding.state == FindingState.OPEN
    assert set(expected.evidence) <= set(scenario.refs)  # the table names only what the scenario names
    shown = {step["key"] for step in finding.path}
    assert set(expected.evidence.values()) <= shown, f"{name}: {sorted(shown)}"
    assert all(step["evidence"] for step in finding.path if step["label"] == "Integration")


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_a_seeded_failure_counts_the_consumers_it_names(name: str, findings: dict[tuple[str, str], Finding],
                                                        demo_simulator: Simulator, graph: Graph):
    expected, scenario = FAILURES[name], demo_simulator.org.scenarios[name]
    finding = findings[(expected.rule, expected.target)]
    rule = rule_named(finding.rule_id)
    assert rule is not None
    named = {subject_holding(each) for each in scenario.extra.get("subjects", [])}

    if rule.audience == Audience.NONE:  # who sent forged requests cannot be read from the graph: one violation
        assert finding.consumers is None
        assert finding.exposure_low == services.PER_VIOLATION
        return
    keys = set(AffectedCounter(graph, f"org:{ORG}").subjects(rule.audience, finding.sobjects, rule.opt_outs,
                                                            sorted(named), limit=100_000))
    if rule.audience != Audience.NAMED:
        assert named <= keys
    if expected.opted_out_of_processing:  # exactly the Individuals the org definition marks as opted out
        opted_out = {subject_holding(row["Id"]) for row in demo_simulator.org.records("Individual")
                     if row.get(PROCESSING_OPT_OUT) and not row.get("IsDeleted")}
        assert keys == opted_out
    if rule.audience == Audience.NAMED:
        assert keys == named
    bound = finding.records if finding.rule_id == "report-export-without-audit-entry" else None
    assert finding.consumers == (min(len(keys), bound) if bound is not None else len(keys))
    assert finding.exposure_low == finding.consumers * services.PER_VIOLATION
    assert finding.exposure_high == finding.consumers * services.PER_INTENTIONAL_VIOLATION


def test_the_report_export_counts_the_rows_it_exported(findings: dict[tuple[str, str], Finding]):
    finding = findings[("report-export-without-audit-entry", f"report:org:{ORG}:00O8d0AcctTaxIdECJ")]

    assert finding.records == 61  # ROW_COUNT of the report's run in demo.yaml's event logs
    assert finding.consumers == 61
    assert "identifiers" in finding.sensitive_categories


@pytest.mark.parametrize("name", SENSITIVE_FIELDS)
def test_each_restricted_field_stored_in_clear_is_a_finding(name: str, findings: dict[tuple[str, str], Finding],
                                                           demo_simulator: Simulator):
    assert f"Field:{name}" in demo_simulator.org.scenarios["sensitive_fields_without_encryption"].refs
    finding = findings.get(("sensitive-data-unencrypted", field(name)))

    assert finding is not None
    assert finding.knowledge == ["literal"]
    assert field(name) in {step["key"] for step in finding.path}


@pytest.mark.parametrize("name", sorted(NEGATIVES))
def test_a_negative_case_yields_no_finding(name: str, findings: dict[tuple[str, str], Finding]):
    reported = [each for each in NEGATIVES[name] if each in findings]

    assert NEGATIVES[name]
    assert reported == []
