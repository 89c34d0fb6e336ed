"""A small org written as a harvest writes it, for the export tests: fields of every kind (some labels a spreadsheet
would read as formulas, one with a comma, quotes and a line break), and three systems its integrations reach."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from harvesters.models import OrgConnection
from lineage import (
    FieldRecord,
    Graph,
    GraphWriter,
    HasFieldEdge,
    HasObjectEdge,
    HasSystemEdge,
    IntegrationKind,
    IntegrationRecord,
    OrgRecord,
    SendsToEdge,
    SObjectRecord,
    SystemRecord,
    SystemRole,
    bootstrap_schema,
    org_key,
    purge_org,
)
from tests.conftest import register_offline_org

ORG_ID = "00D000000000EXPAAA"
ORG_KEY = org_key(ORG_ID)
ALIAS = "exp-bank"
EVIDENCE = "describe (export test org)"
VAULT, ADS, MYSTERY = "vault.exp-test.example", "ads.exp-test.example", "mystery.exp-test.example"
# Labels a spreadsheet would run as a formula: the export must make each plain text.
FORMULA_LABELS = {"Formula__c": '=HYPERLINK("https://evil.example","open")', "Plus__c": "+SUM(1,2)",
                  "Minus__c": "-2+3", "At__c": "@cmd", "Tab__c": "\tTabbed", "Cr__c": "\rReturned"}
AWKWARD_LABEL = 'Name, "legal"\nsecond line'


def _field(sobject: str, name: str, **values: Any) -> FieldRecord:
    return FieldRecord(org_id=ORG_ID, sobject=sobject, name=name, type=values.pop("type", "string"),
                       evidence=EVIDENCE, **values)


OBJECTS = tuple(SObjectRecord(org_id=ORG_ID, name=name, display_label=name, custom=name.endswith("__c"),
                              namespace="fin" if name.startswith("fin__") else None, evidence=EVIDENCE)
                for name in ("Account", "Contact", "Loan__c", "fin__Score__c"))
FIELDS = (
    _field("Account", "Name", display_label=AWKWARD_LABEL, ccpa_category="customer_records",
           classification_rule="name: customer records"),
    _field("Account", "Phone", type="phone", display_label="Phone", ccpa_category="identifiers",
           classification_rule="phone type: identifiers"),
    _field("Contact", "Email", type="email", display_label="Email", ccpa_category="identifiers",
           classification_rule="email type: identifiers", security_classification="Confidential",
           compliance_groups=("PII", "CCPA")),
    _field("Contact", "Tax_Id__c", custom=True, display_label="Tax ID", ccpa_category="identifiers", sensitive=True,
           classification_rule="tax id: identifiers", sensitivity_rule="government_id: CPRA (ae)(1)(A)"),
    _field("Contact", "Department", display_label="Department"),
    *(_field("Contact", name, custom=True, display_label=label) for name, label in FORMULA_LABELS.items()),
    _field("Loan__c", "Income__c", type="currency", custom=True, display_label="Annual income",
           ccpa_category="customer_records", sensitive=True, encrypted=True, classification_rule="income",
           sensitivity_rule="financial account: CPRA (ae)(1)(B)"),
    _field("Loan__c", "Status__c", type="picklist", custom=True, display_label="Status"),
    _field("fin__Score__c", "fin__Value__c", type="double", custom=True, namespace="fin", display_label="Score",
           ccpa_category="inferences", classification_rule="score: inferences"),
)


def _integration(name: str, consent: bool | None, opt_out: bool | None) -> IntegrationRecord:
    attributes = {key: value for key, value in (("consent_checked", consent), ("opt_out_checked", opt_out))
                  if value is not None}
    return IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.APEX_CLASS, name=name, evidence=EVIDENCE,
                             attributes=attributes)


def write_export_org(graph: Graph) -> None:
    """The org afresh: four objects, 14 fields, and its systems — the vault a US service provider checked for consent
    and opt-out, the ad network a German third party with no check, and a host nobody declared."""
    bootstrap_schema(graph)
    purge_org(graph, ORG_KEY)
    org = OrgRecord(org_id=ORG_ID, evidence=EVIDENCE)
    by_name = {sobject.name: sobject for sobject in OBJECTS}
    vault, ads, mystery = (SystemRecord(host=host, name=name, evidence=EVIDENCE)
                           for host, name in ((VAULT, "Vault"), (ADS, "Ad network"), (MYSTERY, None)))
    vault_sync = _integration("VaultSync", True, True)
    ads_push = _integration("AdsPush", False, False)
    mystery_call = _integration("MysteryCall", None, None)
    edges: list[Any] = [
        *(HasObjectEdge(source=org.ref, target=sobject.ref, evidence=EVIDENCE) for sobject in OBJECTS),
        *(HasFieldEdge(source=by_name[each.sobject].ref, target=each.ref, evidence=EVIDENCE) for each in FIELDS),
        HasSystemEdge(source=org.ref, target=vault.ref, role=SystemRole.SERVICE_PROVIDER, country="US",
                      evidence=EVIDENCE),
        HasSystemEdge(source=org.ref, target=ads.ref, role=SystemRole.THIRD_PARTY, country="DE", evidence=EVIDENCE),
        SendsToEdge(source=vault_sync.ref, target=vault.ref, channel="callout", evidence=EVIDENCE),
        SendsToEdge(source=ads_push.ref, target=ads.ref, channel="callout", evidence=EVIDENCE),
        SendsToEdge(source=mystery_call.ref, target=mystery.ref, channel="callout", evidence=EVIDENCE),
    ]
    nodes = [org, *OBJECTS, *FIELDS, vault, ads, mystery, vault_sync, ads_push, mystery_call]
    GraphWriter(graph, "export-test", ORG_KEY, datetime(2026, 11, 20, 1, 0, tzinfo=UTC)).write_chunk(nodes, edges)


def purge_export_org(graph: Graph) -> None:
    purge_org(graph, ORG_KEY)


def connect_export_org() -> OrgConnection:
    return register_offline_org(ALIAS, "https://exp-bank.my.salesforce.com", org_id=ORG_ID)
