"""A small org whose data moves in every way the lineage explorer follows, written with the real writers.

    intake.lineage.test --manifest flow--> Borrower__c.Email --flow (checked)--> email.lineage.test
    manifest intake#webform --WRITES--> Borrower__c
    Borrower__c.Tax_Id__c --Apex flow (NOT checked)--> crm-sync.lineage.test; Apex TaxSync READS it, SENDS_TO crm-sync
    connected app Core Sync ACCESSED Borrower__c (event log), SENDS_TO core.lineage.test
    Borrower__c.Email --flow Old_Export--> old.lineage.test, retired by a later full run (both nodes stay live)
    Borrower__c.Department: no lineage of its own
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lineage import (
    INTEGRATIONS,
    AccessEdge,
    FieldRecord,
    FlowEdge,
    Graph,
    GraphWriter,
    HasFieldEdge,
    HasObjectEdge,
    IntegrationKind,
    IntegrationRecord,
    OrgRecord,
    ReadsEdge,
    SendsToEdge,
    SObjectRecord,
    SystemRecord,
    WritesEdge,
    bootstrap_schema,
    field_key,
    org_key,
    purge_org,
    sobject_key,
    system_key,
)

ORG_ID = "00D000000000LINAAA"
ORG_KEY = org_key(ORG_ID)
EVIDENCE = "lineage test org"

BORROWER = sobject_key(ORG_ID, "Borrower__c")
EMAIL = field_key(ORG_ID, "Borrower__c", "Email")
TAX_ID = field_key(ORG_ID, "Borrower__c", "Tax_Id__c")
DEPARTMENT = field_key(ORG_ID, "Borrower__c", "Department")
INTAKE, MAIL, CRM, CORE, OLD = (system_key(host) for host in (
    "intake.lineage.test", "email.lineage.test", "crm-sync.lineage.test", "core.lineage.test", "old.lineage.test"))


def _integration(kind: IntegrationKind, name: str) -> IntegrationRecord:
    return IntegrationRecord(org_id=ORG_ID, kind=kind, name=name, evidence=f"{kind.value}:{name}")


def records(*, with_old_export: bool) -> tuple[list[Any], list[Any]]:
    org = OrgRecord(org_id=ORG_ID, evidence=EVIDENCE)
    borrower = SObjectRecord(org_id=ORG_ID, name="Borrower__c", display_label="Borrower", evidence=EVIDENCE)
    email = FieldRecord(org_id=ORG_ID, sobject="Borrower__c", name="Email", type="email", display_label="Email",
                        ccpa_category="identifiers", evidence=EVIDENCE)
    tax_id = FieldRecord(org_id=ORG_ID, sobject="Borrower__c", name="Tax_Id__c", type="string", display_label="Tax ID",
                         ccpa_category="identifiers", sensitive=True, evidence=EVIDENCE)
    department = FieldRecord(org_id=ORG_ID, sobject="Borrower__c", name="Department", type="string", evidence=EVIDENCE)
    systems = {host: SystemRecord(host=host, name=f"{host} system", evidence=EVIDENCE) for host in (
        "intake.lineage.test", "email.lineage.test", "crm-sync.lineage.test", "core.lineage.test", "old.lineage.test")}
    welcome = _integration(IntegrationKind.FLOW, "Welcome_Email")
    old_export = _integration(IntegrationKind.FLOW, "Old_Export")
    tax_sync = _integration(IntegrationKind.APEX_CLASS, "TaxSync")
    webform = _integration(IntegrationKind.MANIFEST, "intake#webform")
    core_sync = _integration(IntegrationKind.CONNECTED_APP, "Core Sync")
    nodes = [org, borrower, email, tax_id, department, *systems.values(), welcome, old_export, tax_sync, webform,
             core_sync]
    at = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)

    def system(host: str) -> Any:
        return systems[host].ref

    edges: list[Any] = [
        HasObjectEdge(source=org.ref, target=borrower.ref, evidence=EVIDENCE),
        *(HasFieldEdge(source=borrower.ref, target=each.ref, evidence="describe:Borrower__c")
          for each in (email, tax_id, department)),
        FlowEdge(source=system("intake.lineage.test"), target=email.ref, via=webform.key, consent_checked=True,
                 opt_out_checked=True, evidence="manifest intake.yaml#webform"),
        FlowEdge(source=email.ref, target=system("email.lineage.test"), via=welcome.key, consent_checked=True,
                 opt_out_checked=True, consent_check="HasOptedOutOfEmail = false", evidence="flow:Welcome_Email v3"),
        FlowEdge(source=tax_id.ref, target=system("crm-sync.lineage.test"), via=tax_sync.key, consent_checked=False,
                 opt_out_checked=False, evidence="apex:TaxSync line 12"),
        ReadsEdge(source=tax_sync.ref, target=tax_id.ref, evidence="apex:TaxSync line 8"),
        SendsToEdge(source=tax_sync.ref, target=system("crm-sync.lineage.test"), evidence="apex:TaxSync line 12"),
        WritesEdge(source=webform.ref, target=borrower.ref, evidence="manifest intake.yaml#webform"),
        AccessEdge(source=core_sync.ref, target=borrower.ref, requests=12, rows=340, first_accessed_at=at,
                   last_accessed_at=at, evidence="EventLogFile:0AT000000000001"),
        SendsToEdge(source=core_sync.ref, target=system("core.lineage.test"), evidence="connected app Core Sync"),
    ]
    if with_old_export:
        edges.append(FlowEdge(source=email.ref, target=system("old.lineage.test"), via=old_export.key,
                              consent_checked=False, evidence="flow:Old_Export v1"))
    return nodes, edges


def write_lineage_org(graph: Graph) -> None:
    """Write the org afresh, then a second full run that no longer sees the Old_Export flow edge (it is retired)."""
    bootstrap_schema(graph)
    purge_org(graph, ORG_KEY)
    first = GraphWriter(graph, "lineage-test-1", ORG_KEY, datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
    first.write_chunk(*records(with_old_export=True))
    second = GraphWriter(graph, "lineage-test-2", ORG_KEY, datetime(2026, 11, 21, 1, 0, tzinfo=UTC))
    second.write_chunk(*records(with_old_export=False))
    second.retire_unseen(INTEGRATIONS)
