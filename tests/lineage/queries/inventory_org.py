"""A small org's schema as a harvest writes it, for the inventory queries and API: objects, fields of every kind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lineage import (
    FieldRecord,
    Graph,
    GraphWriter,
    HasFieldEdge,
    HasObjectEdge,
    OrgRecord,
    SObjectRecord,
    bootstrap_schema,
    org_key,
    purge_org,
)

ORG_ID = "00D000000000INVAAA"
ORG_KEY = org_key(ORG_ID)
EVIDENCE = "describe (inventory test org)"


def _field(sobject: str, name: str, **values: Any) -> FieldRecord:
    return FieldRecord(org_id=ORG_ID, sobject=sobject, name=name, type=values.pop("type", "string"),
                       evidence=EVIDENCE, **values)


OBJECTS = (
    SObjectRecord(org_id=ORG_ID, name="Contact", display_label="Contact", evidence=EVIDENCE, record_count=1200,
                  internal_sharing_model="Private", external_sharing_model="Private", key_prefix="003"),
    SObjectRecord(org_id=ORG_ID, name="Loan_Application__c", display_label="Loan Application", custom=True,
                  evidence=EVIDENCE, record_count=40, internal_sharing_model="ReadWrite"),
    SObjectRecord(org_id=ORG_ID, name="acme__Score__c", display_label="Credit Score", custom=True,
                  namespace="acme", evidence=EVIDENCE),
)
FIELDS = (
    _field("Contact", "Email", type="email", display_label="Email", ccpa_category="identifiers",
           classification_rule="email type: identifiers", security_classification="Confidential",
           compliance_groups=("PII", "CCPA")),
    _field("Contact", "Birthdate", type="date", display_label="Birthdate", ccpa_category="protected_characteristics",
           classification_rule="age: protected characteristics"),
    _field("Contact", "Tax_Id__c", custom=True, display_label="Tax ID", ccpa_category="identifiers",
           sensitive=True, classification_rule="tax id: identifiers", sensitivity_rule="SSN or tax id: CPRA (ae)(1)(A)",
           description="The customer's US taxpayer id", help_text="Nine digits"),
    _field("Contact", "Department", display_label="Department"),
    _field("Loan_Application__c", "Income__c", type="currency", custom=True, display_label="Annual income",
           ccpa_category="customer_records", sensitive=True, encrypted=True, classification_rule="income",
           sensitivity_rule="financial account: CPRA (ae)(1)(B)"),
    _field("Loan_Application__c", "Status__c", type="picklist", custom=True, display_label="Status",
           picklist_values=("Draft", "Submitted")),
    _field("acme__Score__c", "acme__Value__c", type="double", custom=True, namespace="acme",
           display_label="Score value", ccpa_category="inferences", classification_rule="score: inferences"),
)


def write_inventory_org(graph: Graph) -> None:
    """Write the org afresh: three objects, seven fields (five personal, two sensitive, one encrypted)."""
    bootstrap_schema(graph)
    purge_org(graph, ORG_KEY)
    now = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    org = OrgRecord(org_id=ORG_ID, evidence=EVIDENCE)
    edges: list[Any] = [HasObjectEdge(source=org.ref, target=sobject.ref, evidence=EVIDENCE) for sobject in OBJECTS]
    placeholder = SObjectRecord(org_id=ORG_ID, name="Broker_Partner__c", custom=True, placeholder=True,
                                evidence="lookup Loan_Application__c.Broker__c")  # a lookup's target, not listed
    by_name = {sobject.name: sobject for sobject in OBJECTS}
    edges += [HasFieldEdge(source=by_name[each.sobject].ref, target=each.ref, evidence=EVIDENCE) for each in FIELDS]
    GraphWriter(graph, "inventory-test", ORG_KEY, now).write_chunk([org, *OBJECTS, placeholder, *FIELDS], edges)
