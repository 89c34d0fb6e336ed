"""Integration manifests: the demo's systems outside Salesforce, validated strictly, in the real Neo4j graph."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

import salesforce_simulator
from harvesters.client import OrgClient, OrgCredentials
from harvesters.manifests import (
    ConsumerIdField,
    ManifestError,
    consumer_id_fields,
    flow_integration_name,
    load_manifest,
    manifest_chunks,
)
from harvesters.schema import list_objects, schema_chunk, summary_records
from lineage import (
    Graph,
    GraphWriter,
    IntegrationKind,
    IntegrationRecord,
    OrgRecord,
    bootstrap_schema,
    field_key,
    integration_key,
    org_key,
    purge_org,
    system_key,
)
from salesforce_simulator import Simulator

DEMO_MANIFESTS = Path(salesforce_simulator.__file__).parent / "orgs" / "demo" / "manifests"
DEMO_FILE = "golden_poppy_integrations.yaml"
DEMO_ORG_ID = "00D8d0GoldPoppyECB"
STAMPS = {"last_seen", "run_id", "first_seen", "observed_runs"}
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def demo_manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEMO_MANIFESTS / DEMO_FILE).read_text())
    return loaded


def write_manifest(directory: Path, content: dict[str, Any] | str, name: str = DEMO_FILE) -> Path:
    path = directory / name
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
    return path


def flow(content: dict[str, Any], system: str, index: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = content["systems"][system]["flows"][index]
    return found


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as raised:
        load_manifest(path)
    return raised.value.problems


# --- the format ------------------------------------------------------------------------------------


def test_the_demo_manifest_loads_every_system_flow_and_consent_event():
    manifest = load_manifest(DEMO_MANIFESTS / DEMO_FILE)

    assert manifest.salesforce_org_id == DEMO_ORG_ID
    systems = {system.key: system for system in manifest.systems}
    assert set(systems) == {"core_banking", "trading_platform", "mobile_app", "data_enrichment", "email_service",
                            "dsar_portal", "website"}
    assert [f.id for f in systems["core_banking"].flows] == [
        "transaction_history_pull", "nightly_balance_upsert", "address_change_notification", "customer_change_events"]
    assert [e.id for e in systems["mobile_app"].consent_events] == ["evt-7f3c2a91", "evt-91b0d4e2"]
    assert systems["mobile_app"].recipient_role is None  # first party: not a CCPA recipient


def test_the_demo_manifest_is_one_chunk_without_errors_and_spends_no_api_call(demo_org: Simulator):
    chunks = list(manifest_chunks(DEMO_MANIFESTS, DEMO_ORG_ID))

    assert len(chunks) == 1
    assert chunks[0].errors == []
    assert demo_org.api_usage == 0


def test_the_fields_holding_other_systems_ids_for_a_consumer_are_read_from_the_orgs_valid_manifests(tmp_path: Path):
    write_manifest(tmp_path, demo_manifest())
    write_manifest(tmp_path, "systems: [broken", name="broken.yaml")
    other_org = demo_manifest()
    other_org["salesforce_org_id"] = "00D000000000OTHAAA"
    other_org["systems"]["core_banking"]["consumer_id_field"] = "Contact.Other_Id__c"
    write_manifest(tmp_path, other_org, name="other_org.yaml")

    declared = consumer_id_fields(tmp_path, DEMO_ORG_ID)

    assert declared == (ConsumerIdField("Account", "Core_Customer_Number__c", "core_banking"),
                        ConsumerIdField("Account", "Mobile_App_User_Id__c", "mobile_app"))
    assert consumer_id_fields(None, DEMO_ORG_ID) == ()


def test_a_flow_names_the_salesforce_integration_that_moves_its_data():
    [chunk] = manifest_chunks(DEMO_MANIFESTS, DEMO_ORG_ID)
    integrations = {node.key: node for node in chunk.nodes if isinstance(node, IntegrationRecord)}

    sync = integrations[manifest_integration(DEMO_ORG_ID, "trading_platform.nightly_customer_sync")]

    assert sync.attributes["via"] == "ApexClass:TradingPlatformNightlySync"
    assert sync.attributes["via_integration"] == integration_key(DEMO_ORG_ID, IntegrationKind.APEX_CLASS,
                                                                 "TradingPlatformNightlySync")


Mutation = Callable[[dict[str, Any]], None]


def _set(path: list[str | int], value: object) -> Mutation:
    def mutate(content: dict[str, Any]) -> None:
        target: Any = content
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return mutate


def _delete(path: list[str | int]) -> Mutation:
    def mutate(content: dict[str, Any]) -> None:
        target: Any = content
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]
    return mutate


def _rename_key(path: list[str | int], old: str, new: str) -> Mutation:
    def mutate(content: dict[str, Any]) -> None:
        target: Any = content
        for step in path:
            target = target[step]
        target[new] = target.pop(old)
    return mutate


def _duplicate_first_flow(content: dict[str, Any]) -> None:
    flows = content["systems"]["core_banking"]["flows"]
    flows.append(copy.deepcopy(flows[0]))


def _share_a_host(content: dict[str, Any]) -> None:
    content["systems"]["trading_platform"]["hosts"] = ["api.core-banking.example.com"]


CORE: list[str | int] = ["systems", "core_banking"]
DSAR_FLOW: list[str | int] = ["systems", "dsar_portal", "flows", 0]
MATEO: list[str | int] = ["systems", "mobile_app", "consent_events", 0]
WEBSITE_SIGNAL: list[str | int] = ["systems", "website", "opt_out_preference_signal"]
INVALID: dict[str, tuple[Mutation, str]] = {
    "a role outside the vocabulary": (
        _set([*CORE, "role"], "vendor"),
        "systems.core_banking.role: 'vendor' is not one of first_party, service_provider, contractor, third_party"),
    "a required key missing": (
        _delete(["systems", "trading_platform", "flows", 0, "opt_out_checked"]),
        "systems.trading_platform.flows[0].opt_out_checked: missing (required)"),
    "a misspelt key": (
        _rename_key(["systems", "email_service", "flows", 0], "consent_checked", "consent_check"),
        "systems.email_service.flows[0].consent_check: unknown key"),
    "a flag written as text": (
        _set(["systems", "data_enrichment", "flows", 0, "consent_checked"], "yes"),
        "systems.data_enrichment.flows[0].consent_checked: expected true or false, got 'yes'"),
    "a field that is not Object.Field": (
        _set(["systems", "email_service", "flows", 0, "fields", 0], "Contact Email"),
        "systems.email_service.flows[0].fields[0]: 'Contact Email' is not Object.Field or Object.*"),
    "no fields": (
        _set(["systems", "email_service", "flows", 0, "fields"], []),
        "systems.email_service.flows[0].fields: must not be empty"),
    "a field listed twice": (
        _set(["systems", "email_service", "flows", 0, "fields"], ["Contact.Email", "Contact.Email"]),
        "systems.email_service.flows[0].fields[1]: field 'Contact.Email' appears twice"),
    "a URL where a host belongs": (
        _set(["systems", "dsar_portal", "hosts", 0], "https://privacy-portal.dsar-vendor.example.com/hooks"),
        "systems.dsar_portal.hosts[0]: 'https://privacy-portal.dsar-vendor.example.com/hooks' is not a host name"),
    "one host in two systems": (
        _share_a_host,
        "systems.trading_platform.hosts[0]: host 'api.core-banking.example.com' is already a host of "
        "systems.core_banking"),
    "a flow id used twice": (
        _duplicate_first_flow, "systems.core_banking.flows[4]: flow id 'transaction_history_pull' appears twice"),
    "a direction outside the vocabulary": (
        _set([*DSAR_FLOW, "direction"], "both"),
        "systems.dsar_portal.flows[0].direction: 'both' is not one of inbound, outbound"),
    "a webhook silent on signatures": (
        _delete([*DSAR_FLOW, "signature_validation"]),
        "systems.dsar_portal.flows[0].signature_validation: missing (required for a webhook"),
    "a timestamp without a time zone": (
        _set([*MATEO, "recorded_at"], "2026-11-14T19:22:05"),
        "systems.mobile_app.consent_events[0].recorded_at: '2026-11-14T19:22:05' has no time zone"),
    "a relay before the choice": (
        _set([*MATEO, "relayed_at"], datetime(2026, 11, 13, tzinfo=UTC)),
        "systems.mobile_app.consent_events[0].relayed_at: is earlier than recorded_at"),
    "a retention that is not a duration": (
        _set([*CORE, "retention", "period"], "7 years"),
        "systems.core_banking.retention.period: '7 years' is not an ISO 8601 duration"),
    "a country YAML read as false": (
        _set([*CORE, "country"], False), "systems.core_banking.country: got false: quote the country code"),
    "an unknown time zone": (
        _set([*CORE, "flows", 0, "schedule", "timezone"], "Pacific/Nowhere"),
        "systems.core_banking.flows[0].schedule.timezone: 'Pacific/Nowhere' is not an IANA time zone"),
    "a request type outside the vocabulary": (
        _set([*DSAR_FLOW, "request_types"], ["access"]),
        "systems.dsar_portal.flows[0].request_types[0]: 'access' is not one of know, delete, correct, opt_out, limit"),
    "verification of a request the flow does not take": (
        _set([*DSAR_FLOW, "verifies_identity_for"], ["know", "opt_out"]),
        "systems.dsar_portal.flows[0].verifies_identity_for[1]: 'opt_out' is not one of the flow's request_types"),
    "what consumers were told, on a flow that collects nothing": (
        _set(["systems", "trading_platform", "flows", 0, "disclosed_purposes"], ["Marketing"]),
        "systems.trading_platform.flows[0].disclosed_purposes: only an inbound flow collects data"),
    "a signal relayed that is not detected": (
        _set(WEBSITE_SIGNAL, {"detected": False, "relayed": True}),
        "systems.website.opt_out_preference_signal.relayed: a signal the system does not detect cannot be relayed"),
    "a signal's handling silent on the relay": (
        _delete([*WEBSITE_SIGNAL, "relayed"]), "systems.website.opt_out_preference_signal.relayed: missing (required)"),
    "a consumer id kept where the consents source does not read": (
        _set([*CORE, "consumer_id_field"], "Case.Customer_No__c"),
        "systems.core_banking.consumer_id_field: 'Case.Customer_No__c' is not a field of a consumer's Individual, "
        "Account, Contact or Lead"),
    "a consumer id that names no field": (
        _set([*CORE, "consumer_id_field"], "Account"), "systems.core_banking.consumer_id_field: 'Account' is not"),
    "a future format version": (_set(["manifest_version"], 2), "manifest_version: 2 is not supported"),
    "no org id": (_delete(["salesforce_org_id"]), "salesforce_org_id: missing (required)"),
}


@pytest.mark.parametrize("mistake", INVALID, ids=list(INVALID))
def test_an_invalid_manifest_is_rejected_with_the_file_and_key_path(tmp_path: Path, mistake: str):
    mutate, expected = INVALID[mistake]
    content = demo_manifest()
    mutate(content)

    problems = problems_of(write_manifest(tmp_path, content))

    assert any(problem.startswith(f"{DEMO_FILE}: {expected}") for problem in problems), problems


def test_every_mistake_in_a_file_is_reported_at_once(tmp_path: Path):
    content = demo_manifest()
    _set([*CORE, "role"], "vendor")(content)
    _set([*DSAR_FLOW, "direction"], "both")(content)

    problems = problems_of(write_manifest(tmp_path, content))

    assert len(problems) == 2, problems


def test_a_key_written_twice_is_rejected_with_its_line(tmp_path: Path):
    text = (DEMO_MANIFESTS / DEMO_FILE).read_text().replace(
        "    role: third_party\n", "    role: third_party\n    role: service_provider\n", 1)

    problems = problems_of(write_manifest(tmp_path, text))

    assert len(problems) == 1
    assert problems[0].startswith(f"{DEMO_FILE}: line ")
    assert "duplicate key 'role'" in problems[0]


def test_broken_yaml_is_rejected_with_its_line(tmp_path: Path):
    problems = problems_of(write_manifest(tmp_path, "manifest_version: 1\nsystems: {core: [unclosed\n"))

    assert len(problems) == 1
    assert problems[0].startswith(f"{DEMO_FILE}: line ")


def test_a_bad_manifest_is_rejected_whole_and_the_others_still_load(tmp_path: Path):
    write_manifest(tmp_path, (DEMO_MANIFESTS / DEMO_FILE).read_text())
    broken = demo_manifest()
    broken["systems"] = {"ledger": {**broken["systems"]["core_banking"], "role": "vendor",
                                    "hosts": ["ledger.example.com"]}}
    write_manifest(tmp_path, broken, name="another_estate.yaml")

    bad, good = manifest_chunks(tmp_path, DEMO_ORG_ID)  # name order: another_estate, golden_poppy_integrations

    assert (bad.nodes, bad.edges) == ([], [])
    assert bad.errors == ["another_estate.yaml: systems.ledger.role: 'vendor' is not one of first_party, "
                          "service_provider, contractor, third_party"]
    assert good.errors == []
    assert len(good.nodes) > 0


def test_two_files_cannot_claim_one_host(tmp_path: Path):
    write_manifest(tmp_path, (DEMO_MANIFESTS / DEMO_FILE).read_text())
    write_manifest(tmp_path, (DEMO_MANIFESTS / DEMO_FILE).read_text(), name="zz_copy.yaml")

    first, second = manifest_chunks(tmp_path, DEMO_ORG_ID)

    assert first.errors == []
    assert "zz_copy.yaml: systems.core_banking.hosts[0]: host 'api.core-banking.example.com' is already declared " \
           f"by {DEMO_FILE}#core_banking" in second.errors
    assert second.nodes == []


def test_a_folder_that_does_not_exist_is_an_error_naming_it(tmp_path: Path):
    [chunk] = manifest_chunks(tmp_path / "absent", DEMO_ORG_ID)

    assert chunk.errors == [f"{tmp_path / 'absent'}: the manifest folder does not exist: no manifests harvested"]
    assert chunk.nodes == []


def test_an_org_without_a_manifest_folder_is_a_warning(tmp_path: Path):
    [chunk] = manifest_chunks(None, DEMO_ORG_ID)

    assert chunk.warnings == ["manifests: no manifest folder is set for this org (add_org --manifest-dir)"]
    assert chunk.errors == []


def test_a_manifest_of_another_org_is_skipped_with_a_warning(tmp_path: Path):
    other = demo_manifest()
    other["salesforce_org_id"] = "00D000000000001AAA"
    write_manifest(tmp_path, other)

    [chunk] = manifest_chunks(tmp_path, DEMO_ORG_ID)

    assert (chunk.nodes, chunk.edges, chunk.errors) == ([], [], [])
    assert len(chunk.warnings) == 1
    assert "is for org 00D000000000001AAA" in chunk.warnings[0]


# --- in the graph ----------------------------------------------------------------------------------


def demo_client(org: Simulator) -> OrgClient:
    given = org.credentials()
    return OrgClient(OrgCredentials(login_url=org.base_url, api_version="61.0", auth_flow="client_credentials",
                                    client_id=given["consumer_key"] or "", client_secret=given["consumer_secret"] or "",
                                    ca_bundle=org.ca_bundle))


@pytest.fixture(scope="module")
def demo_graph(demo_simulator: Simulator, graph: Graph) -> Iterator[str]:
    """The demo org's schema (as the schema harvest writes it), then its manifests: yields the org id."""
    org_id = demo_simulator.org.id
    purge_org(graph, org_key(org_id))
    bootstrap_schema(graph)
    client = demo_client(demo_simulator)
    summaries = list_objects(client) or []
    writer = GraphWriter(graph, "schema-run", org_key(org_id), T0)
    nodes, edges = summary_records(org_id, summaries)
    writer.write_chunk([OrgRecord(org_id=org_id, evidence="test"), *nodes], edges)
    names = [summary["name"] for summary in summaries]
    for start in range(0, len(names), 25):
        chunk = schema_chunk(client, org_id, names[start:start + 25])
        writer.write_chunk(chunk.nodes, chunk.edges)
    write_manifests(graph, org_id, "manifest-run-1")
    yield org_id
    purge_org(graph, org_key(org_id))


def write_manifests(graph: Graph, org_id: str, run_id: str) -> int:
    """Write every manifest chunk; returns the edges skipped for want of an endpoint."""
    writer = GraphWriter(graph, run_id, org_key(org_id), T0)
    skipped = 0
    for chunk in manifest_chunks(DEMO_MANIFESTS, org_id):
        assert chunk.errors == []
        skipped += writer.write_chunk(chunk.nodes, chunk.edges).skipped
    return skipped


def manifest_integration(org_id: str, name: str) -> str:
    return integration_key(org_id, IntegrationKind.MANIFEST, f"golden_poppy_integrations#{name}")


def test_the_dsar_intake_webhook_is_sent_to_without_signature_validation(demo_graph: str, graph: Graph):
    rows = graph.read("MATCH (:Integration {key: $via})-[s:SENDS_TO]->(:System {key: $portal}) "
                      "RETURN s.channel AS channel, s.signature_validated AS validated, s.evidence AS evidence",
                      via=manifest_integration(demo_graph, "dsar_portal.dsar_intake_webhook"),
                      portal=system_key("privacy-portal.dsar-vendor.example.com"))

    assert rows == [{"channel": "webhook", "validated": False,
                     "evidence": f"manifest:{DEMO_FILE}#dsar_portal/dsar_intake_webhook"}]


def test_the_dsar_webhook_flows_from_the_portal_into_case_fields(demo_graph: str, graph: Graph):
    rows = graph.read("MATCH (:System {key: $portal})-[r:FLOWS_TO {via: $via}]->(f:Field) RETURN f.name AS name",
                      portal=system_key("privacy-portal.dsar-vendor.example.com"),
                      via=manifest_integration(demo_graph, "dsar_portal.dsar_intake_webhook"))

    assert {row["name"] for row in rows} == {"SuppliedName", "SuppliedEmail", "SuppliedPhone", "Reason",
                                             "Description"}


def test_the_trading_platforms_nightly_sync_flows_to_a_third_party_without_an_opt_out_check(
    demo_graph: str, graph: Graph
):
    rows = graph.read("MATCH (:Field {key: $email})-[r:FLOWS_TO {via: $via}]->(s:System)"
                      "<-[d:HAS_SYSTEM]-(:Org {key: $org}) "
                      "RETURN s.key AS system, d.role AS role, r.opt_out_checked AS opt_out, "
                      "r.consent_checked AS consent",
                      email=field_key(demo_graph, "Account", "PersonEmail"), org=org_key(demo_graph),
                      via=manifest_integration(demo_graph, "trading_platform.nightly_customer_sync"))

    assert rows == [{"system": system_key("api.trading-platform.example.com"), "role": "third_party",
                     "opt_out": False, "consent": False}]


def test_the_enrichment_flow_is_gated_by_the_declared_analytics_purpose_and_is_no_finding(
    demo_graph: str, graph: Graph
):
    via = manifest_integration(demo_graph, "data_enrichment.person_match")
    gates = graph.read("MATCH (:Integration {key: $via})-[g:GATED_BY]->(p:Purpose) "
                       "RETURN p.name AS purpose, p.declared AS declared", via=via)
    unchecked = graph.read("MATCH ()-[r:FLOWS_TO {via: $via}]->() WHERE r.consent_checked = false "
                           "OR r.opt_out_checked = false RETURN count(r) AS n", via=via)
    returned = graph.read("MATCH (:System {key: $vendor})-[:FLOWS_TO {via: $via}]->(f:Field) "
                          "RETURN f.sobject + '.' + f.name AS field", via=via,
                          vendor=system_key("api.enrichment-vendor.example.com"))

    assert gates == [{"purpose": "Analytics", "declared": True}]
    assert unchecked == [{"n": 0}]
    assert {row["field"] for row in returned} == {"Customer_Insight__c.Employer__c",
                                                  "Customer_Insight__c.Income_Band__c",
                                                  "Customer_Insight__c.Household_Size__c"}


def test_a_flow_without_a_consent_check_serves_its_declared_purpose_and_is_gated_by_none(
    demo_graph: str, graph: Graph
):
    via = manifest_integration(demo_graph, "core_banking.transaction_history_pull")
    served = graph.read("MATCH (:Integration {key: $via})-[s:SERVES]->(p:Purpose) "
                        "RETURN p.name AS purpose, p.declared AS declared, s.evidence AS evidence", via=via)
    gates = graph.read("MATCH (:Integration {key: $via})-[:GATED_BY]->(p) RETURN p.name AS purpose", via=via)

    assert served == [{"purpose": "Account servicing", "declared": True,
                       "evidence": f"manifest:{DEMO_FILE}#core_banking/transaction_history_pull"}]
    assert gates == []


def test_every_flow_that_declares_a_purpose_serves_it_whatever_its_consent_check(demo_graph: str, graph: Graph):
    declared = {(flow_integration_name(load_manifest(DEMO_MANIFESTS / DEMO_FILE), system, flow), flow.purpose)
                for system in load_manifest(DEMO_MANIFESTS / DEMO_FILE).systems for flow in system.flows
                if flow.purpose}
    rows = graph.read("MATCH (i:Integration {org_key: $org})-[:SERVES]->(p:Purpose) RETURN i.name AS flow, "
                      "p.name AS purpose", org=org_key(demo_graph))

    assert {(row["flow"], row["purpose"]) for row in rows} == declared
    assert {purpose for _, purpose in declared} >= {"Account servicing", "Analytics", "Marketing", "Fraud prevention"}


def test_only_the_mobile_opt_out_relayed_after_24_hours_is_late(demo_graph: str, graph: Graph):
    rows = graph.read("MATCH (e:Integration {org_key: $org, manifest_entry: 'consent_event'})-[:SENDS_TO]->"
                      "(:System {key: $app}) RETURN e.event_id AS event, e.subject_record AS subject, "
                      "e.relay_delay_hours AS hours, e.relayed_within_sla AS on_time ORDER BY event",
                      org=org_key(demo_graph), app=system_key("mobile-api.goldenpoppy.test"))

    assert rows == [
        {"event": "evt-7f3c2a91", "subject": "Individual:0PK8d00MateoAlvGEE", "hours": 31.81, "on_time": False},
        {"event": "evt-91b0d4e2", "subject": "Individual:0PK8d00GraceLiuGEE", "hours": 0.03, "on_time": True},
    ]


def test_each_systems_handling_of_opt_out_preference_signals_is_an_integration_sent_to_it(
        demo_graph: str, graph: Graph):
    rows = graph.read("MATCH (g:Integration {org_key: $org, manifest_entry: 'opt_out_preference_signal'})"
                      "-[s:SENDS_TO]->(h:System) RETURN g.system AS system, g.signal_detected AS detected, "
                      "g.signal_relayed AS relayed, g.via_integration AS via, s.channel AS channel, h.host AS host "
                      "ORDER BY system", org=org_key(demo_graph))

    assert rows == [
        {"system": "mobile_app", "detected": True, "relayed": True,
         "via": integration_key(demo_graph, IntegrationKind.APEX_CLASS, "MobileConsentService"),
         "channel": "opt_out_preference_signal", "host": "mobile-api.goldenpoppy.test"},
        {"system": "website", "detected": True, "relayed": False, "via": None,
         "channel": "opt_out_preference_signal", "host": "www.goldenpoppy.test"},
    ]


def test_an_intake_says_which_requests_it_takes_and_verifies_and_a_collecting_flow_what_it_disclosed(
        demo_graph: str, graph: Graph):
    rows = graph.read("MATCH (m:Integration {org_key: $org, manifest_entry: 'flow'}) "
                      "WHERE m.request_types IS NOT NULL OR m.disclosed_purposes IS NOT NULL "
                      "RETURN split(m.name, '#')[1] AS flow, m.request_types AS takes, "
                      "m.verifies_identity_for AS verifies, m.disclosed_purposes AS disclosed ORDER BY flow",
                      org=org_key(demo_graph))

    assert rows == [
        {"flow": "core_banking.nightly_balance_upsert", "takes": None, "verifies": None,
         "disclosed": ["Account servicing", "Fraud prevention", "Regulatory reporting"]},
        {"flow": "dsar_portal.dsar_intake_webhook", "takes": ["know", "delete", "correct"],
         "verifies": ["know", "delete", "correct"], "disclosed": None},
        {"flow": "dsar_portal.opt_out_request_form", "takes": ["opt_out", "limit"], "verifies": ["opt_out", "limit"],
         "disclosed": None},
    ]


def test_a_whole_object_flow_reads_the_object_and_expands_through_its_fields(demo_graph: str, graph: Graph):
    via = manifest_integration(demo_graph, "core_banking.customer_change_events")
    rows = graph.read("MATCH (i:Integration {key: $via})-[:READS]->(o:SObject)-[:HAS_FIELD]->(f:Field) "
                      "RETURN o.name AS object, count(f) AS fields, i.whole_objects AS declared", via=via)

    assert {row["object"] for row in rows} == {"Contact", "FinServ__FinancialAccount__c"}
    assert all(row["fields"] > 5 for row in rows)
    assert rows[0]["declared"] == ["Contact", "FinServ__FinancialAccount__c"]


def test_each_host_of_a_system_is_a_system_node_the_org_declares_with_its_role_and_country(
    demo_graph: str, graph: Graph
):
    keys = [system_key(h) for h in ("api.core-banking.example.com", "legacy.core-banking.example.com",
                                    "mobile-api.goldenpoppy.test")]
    rows = graph.read("MATCH (:Org {key: $org})-[d:HAS_SYSTEM]->(s:System) WHERE s.key IN $keys "
                      "RETURN s.host AS host, s.name AS name, d.role AS role, d.country AS country, "
                      "d.evidence AS evidence ORDER BY host", org=org_key(demo_graph), keys=keys)
    on_the_nodes = graph.read("MATCH (s:System) WHERE s.key IN $keys AND (s.role IS NOT NULL OR s.country IS NOT NULL) "
                              "RETURN s.key AS key", keys=keys)

    assert rows == [
        {"host": "api.core-banking.example.com", "name": "Tallyforge Core", "role": "service_provider",
         "country": "US", "evidence": f"manifest:{DEMO_FILE}#core_banking"},
        {"host": "legacy.core-banking.example.com", "name": "Tallyforge Core", "role": "service_provider",
         "country": "US", "evidence": f"manifest:{DEMO_FILE}#core_banking"},
        # the business's own system: declared, but nobody's recipient (a records-of-processing query skips it)
        {"host": "mobile-api.goldenpoppy.test", "name": "Golden Poppy mobile banking (iOS, Android) and its backend",
         "role": "first_party", "country": "US", "evidence": f"manifest:{DEMO_FILE}#mobile_app"},
    ]
    assert on_the_nodes == []  # another org may give the same system another role: it is the org's to say


def snapshot(graph: Graph, org_id: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    nodes = graph.read("MATCH (n) WHERE n.org_key = $org OR $org IN n.observed_by "
                       "RETURN n.key AS key, properties(n) AS props", org=org_key(org_id))
    edges = graph.read("MATCH ()-[r {org_key: $org}]->() RETURN r.key AS key, properties(r) AS props",
                       org=org_key(org_id))
    return ({(row["key"], _stable(row["props"])) for row in nodes},
            {(row["key"], _stable(row["props"])) for row in edges})


def _stable(props: dict[str, Any]) -> str:
    return repr(sorted((k, v) for k, v in props.items() if k not in STAMPS))


def test_writing_the_manifests_again_changes_nothing_and_every_declared_field_lands(demo_graph: str, graph: Graph):
    before = snapshot(graph, demo_graph)

    skipped = write_manifests(graph, demo_graph, "manifest-run-2")

    assert skipped == 0  # every field the demo manifest names exists in the org
    assert snapshot(graph, demo_graph) == before
