"""The orgs the systems, integrations and dashboard tests read: the demo org harvested with its manifests (through
the simulator over HTTPS), and a partner org, written as a harvest writes it, that calls the demo's core banking
host as a third party in Germany where the demo org calls it a service provider in the US."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import salesforce_simulator
from harvesters import runs
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from lineage import (
    FieldRecord,
    FlowEdge,
    Graph,
    GraphWriter,
    HasFieldEdge,
    HasObjectEdge,
    HasSystemEdge,
    IntegrationKind,
    IntegrationRecord,
    OrgRecord,
    ReadsEdge,
    SendsToEdge,
    SObjectRecord,
    SystemRecord,
    SystemRole,
    bootstrap_schema,
    org_key,
    purge_org,
    system_key,
)
from salesforce_simulator import Simulator
from tests.conftest import connect_simulated_org, register_offline_org

DEMO_MANIFESTS = Path(salesforce_simulator.__file__).parent / "orgs" / "demo" / "manifests"
DEMO_SOURCES = ["schema", "integrations", "manifests"]
CORE_BANKING = "api.core-banking.example.com"  # the demo's service provider (US), the partner's third party (DE)
PARTNER_ORG_ID = "00D000000000PRTAAA"
PARTNER_ORG_KEY = org_key(PARTNER_ORG_ID)
PARTNER_SYNC = f"integration:{PARTNER_ORG_ID}:apex_class:PartnerCoreSync"
EVIDENCE = "partner test org"

_harvested: dict[str, str] = {}  # the demo org's key → the run id whose graph this session holds


def demo_harvested(graph: Graph, simulator: Simulator) -> str:
    """The demo org's key, its schema, integrations and manifests harvested once a session (again if another test
    purged the org meanwhile). Call it from a test of the test database (its run's rows are flushed with it)."""
    key = org_key(simulator.org.id)
    if key in _harvested and graph.read("MATCH (r:HarvestRun {key: $run}) RETURN r", run=f"run:{_harvested[key]}"):
        return key
    purge_org(graph, key)
    simulator.reset()
    connection = connect_simulated_org("systems-demo", simulator, manifest_dir=str(DEMO_MANIFESTS))
    run = runs.harvest_now(runs.request_harvest(connection, full=True, sources=DEMO_SOURCES), max_attempts=8)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    _harvested[key] = str(run.uid)
    HarvestRun.objects.filter(org=connection).delete()
    OrgConnection.objects.filter(pk=connection.pk).delete()
    return key


def connect_demo(simulator: Simulator, alias: str = "demo") -> OrgConnection:
    """The demo org's connection under `alias`, its id known (as after a harvest), for pages and the API."""
    return register_offline_org(alias, simulator.base_url, org_id=simulator.org.id)


def connect_partner(alias: str = "partner") -> OrgConnection:
    return register_offline_org(alias, "https://partner.my.salesforce.com", org_id=PARTNER_ORG_ID)


def partner_records(*, with_ssn: bool = True) -> tuple[list[Any], list[Any]]:
    """The partner org's nodes and edges: Contact with an email and (unless left out) an unencrypted SSN, and one
    unchecked Apex sync sending the email to the core banking host, which the partner calls a third party."""
    org = OrgRecord(org_id=PARTNER_ORG_ID, evidence=EVIDENCE)
    contact = SObjectRecord(org_id=PARTNER_ORG_ID, name="Contact", evidence=EVIDENCE)
    email = FieldRecord(org_id=PARTNER_ORG_ID, sobject="Contact", name="Email", type="email",
                        ccpa_category="identifiers", evidence=EVIDENCE)
    fields = [email]
    if with_ssn:
        fields.append(FieldRecord(org_id=PARTNER_ORG_ID, sobject="Contact", name="SSN__c", type="string", custom=True,
                                  ccpa_category="identifiers", sensitive=True, evidence=EVIDENCE))
    system = SystemRecord(host=CORE_BANKING, evidence=EVIDENCE)
    sync = IntegrationRecord(org_id=PARTNER_ORG_ID, kind=IntegrationKind.APEX_CLASS, name="PartnerCoreSync",
                             evidence=EVIDENCE, attributes={"consent_checked": False, "opt_out_checked": False,
                                                            "endpoint": f"https://{CORE_BANKING}/partner"})
    edges: list[Any] = [
        HasObjectEdge(source=org.ref, target=contact.ref, evidence=EVIDENCE),
        *(HasFieldEdge(source=contact.ref, target=each.ref, evidence=EVIDENCE) for each in fields),
        HasSystemEdge(source=org.ref, target=system.ref, role=SystemRole.THIRD_PARTY, country="DE", evidence=EVIDENCE),
        SendsToEdge(source=sync.ref, target=system.ref, channel="callout", evidence=EVIDENCE),
        ReadsEdge(source=sync.ref, target=email.ref, evidence=EVIDENCE),
        FlowEdge(source=email.ref, target=system.ref, via=sync.key, consent_checked=False, opt_out_checked=False,
                 evidence=EVIDENCE),
    ]
    return [org, contact, *fields, system, sync], edges


def write_partner_org(graph: Graph, *, now: datetime | None = None, run_id: str = "partner-run-1",
                      with_ssn: bool = True) -> None:
    """Write the partner org afresh (its earlier writes purged)."""
    bootstrap_schema(graph)
    purge_org(graph, PARTNER_ORG_KEY)
    write_partner_run(graph, now=now, run_id=run_id, with_ssn=with_ssn)


def purge_partner_org(graph: Graph) -> None:
    """Remove the partner org's nodes and edges, and its observations of shared systems."""
    purge_org(graph, PARTNER_ORG_KEY)


def write_partner_run(graph: Graph, *, now: datetime | None = None, run_id: str, with_ssn: bool = True) -> None:
    """One more harvest of the partner org, as a full run writes it (nodes and edges stamped with `run_id`)."""
    nodes, edges = partner_records(with_ssn=with_ssn)
    GraphWriter(graph, run_id, PARTNER_ORG_KEY, now or datetime.now(UTC)).write_chunk(nodes, edges)


__all__ = ["CORE_BANKING", "PARTNER_ORG_ID", "PARTNER_ORG_KEY", "PARTNER_SYNC", "connect_demo", "connect_partner",
           "demo_harvested", "partner_records", "purge_partner_org", "system_key", "write_partner_org",
           "write_partner_run"]
