"""Harvesting the demo org's integrations into the real Neo4j graph, through the simulator over HTTPS.

The demo org's failure patterns must show as data: unchecked FLOWS_TO edges, a controller without
sharing or field-level security, and (the negative case) a callout that is gated by consent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from harvesters.chunk import Chunk
from harvesters.integrations import SALESFORCE_EMAIL_HOST, integration_chunks, tooling
from harvesters.schema import list_objects, schema_chunk, summary_records
from lineage import GraphWriter, OrgRecord, org_key, purge_org
from lineage.graph import Graph
from salesforce_simulator import Simulator
from salesforce_simulator.generator import generate_org
from tests.harvesters.simulated import simulated_client as client_for

RUN = "integrations-test-run"
FINANCIAL_ACCOUNT = "FinServ__FinancialAccount__c"


def write(graph: Graph, org_id: str, chunks: Iterator[Chunk], run_id: str = RUN) -> list[Chunk]:
    writer = GraphWriter(graph, run_id, org_key(org_id), datetime.now(UTC))
    landed = []
    for chunk in chunks:
        writer.write_chunk(chunk.nodes, chunk.edges)
        landed.append(chunk)
    return landed


@pytest.fixture(scope="module")
def harvested(demo_simulator: Simulator, graph: Graph) -> list[Chunk]:
    """The demo org's schema, then its integrations, in a graph purged of the org first."""
    org_id = demo_simulator.org.id
    purge_org(graph, org_key(org_id))
    client = client_for(demo_simulator)
    summaries = list_objects(client) or []
    nodes, edges = summary_records(org_id, summaries)
    writer = GraphWriter(graph, "schema-run", org_key(org_id), datetime.now(UTC))
    writer.write_chunk([OrgRecord(org_id=org_id, evidence="test"), *nodes], edges)
    names = [summary["name"] for summary in summaries]
    for start in range(0, len(names), 25):
        chunk = schema_chunk(client, org_id, names[start:start + 25])
        writer.write_chunk(chunk.nodes, chunk.edges)
    return write(graph, org_id, integration_chunks(client, org_id))


def flows_to(graph: Graph, org_id: str, host: str, via: str) -> dict[str, dict[str, Any]]:
    rows = graph.read("MATCH (f:Field)-[r:FLOWS_TO {via: $via}]->(:System {key: $system}) "
                      "RETURN f.sobject + '.' + f.name AS field, properties(r) AS r",
                      via=f"integration:{org_id}:{via}", system=f"system:{host}")
    return {row["field"]: row["r"] for row in rows}


def integration(graph: Graph, org_id: str, kind_and_name: str) -> dict[str, Any]:
    rows = graph.read("MATCH (i:Integration {key: $key}) RETURN properties(i) AS i",
                      key=f"integration:{org_id}:{kind_and_name}")
    assert len(rows) == 1, f"{kind_and_name} not in the graph"
    found: dict[str, Any] = rows[0]["i"]
    return found


def test_the_harvest_lands_without_errors(harvested: list[Chunk]):
    assert harvested
    assert [error for chunk in harvested for error in chunk.errors] == []


def test_flow_emailing_balance_without_consent_flows_to_the_email_system_unchecked(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    flows = flows_to(graph, demo_simulator.org.id, SALESFORCE_EMAIL_HOST, "flow:Balance_Alert_Email")

    for name in ("FinServ__Balance__c", "FinServ__FinancialAccountNumber__c"):
        edge = flows[f"{FINANCIAL_ACCOUNT}.{name}"]
        assert edge["consent_checked"] is False
        assert edge["opt_out_checked"] is False
        assert edge["evidence"] == "tooling:Flow/3018d00BalAlertAEB"
    assert "Account.PersonEmail" in flows


def test_apex_transaction_pull_sends_account_numbers_to_core_banking_without_an_opt_out_check(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    org_id = demo_simulator.org.id
    flows = flows_to(graph, org_id, "api.core-banking.example.com", "apex_class:CoreBankingTransactionSync")
    reads = graph.read("MATCH (:Integration {key: $key})-[r:READS]->(f:Field) RETURN f.name AS name",
                       key=f"integration:{org_id}:apex_class:CoreBankingTransactionSync")

    assert flows[f"{FINANCIAL_ACCOUNT}.FinServ__FinancialAccountNumber__c"]["opt_out_checked"] is False
    assert flows[f"{FINANCIAL_ACCOUNT}.FinServ__FinancialAccountNumber__c"]["consent_checked"] is False
    assert "consent_check" not in flows[f"{FINANCIAL_ACCOUNT}.FinServ__FinancialAccountNumber__c"]
    assert "FinServ__FinancialAccountNumber__c" in {row["name"] for row in reads}
    assert integration(graph, org_id, "apex_class:CoreBankingTransactionSync")["opt_out_checked"] is False


def test_transactions_pulled_from_core_banking_flow_into_the_transaction_fields(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    rows = graph.read("MATCH (:System {key: 'system:api.core-banking.example.com'})-[r:FLOWS_TO]->(f:Field) "
                      "WHERE r.via ENDS WITH ':CoreBankingTransactionSync' RETURN f.name AS name")

    assert {"FinServ__Amount__c", "Merchant_Name__c"} <= {row["name"] for row in rows}


def test_lightning_balances_read_through_a_controller_without_sharing_or_field_security(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    org_id = demo_simulator.org.id
    component = integration(graph, org_id, "component:accountBalances")
    reads = graph.read("MATCH (:Integration {key: $key})-[r:READS]->(f:Field {name: $name}) "
                       "RETURN r.enforces_security AS enforced",
                       key=f"integration:{org_id}:component:accountBalances", name="FinServ__FinancialAccountNumber__c")

    assert component["controllers"] == ["AccountBalanceController"]
    assert component["without_sharing"] is True
    assert component["enforces_security"] is False
    assert integration(graph, org_id, "apex_class:AccountBalanceController")["sharing"] == "without"
    assert [row["enforced"] for row in reads] == [False]


def test_the_aura_consent_component_reads_in_user_mode_with_sharing(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    component = integration(graph, demo_simulator.org.id, "component:ConsentPreferences")

    assert component["framework"] == "aura"
    assert component["without_sharing"] is False
    assert component["enforces_security"] is True


def test_enrichment_callout_gated_by_consent_is_consent_checked(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    org_id = demo_simulator.org.id
    by_flow = flows_to(graph, org_id, "api.enrichment-vendor.example.com", "flow:Customer_Enrichment_On_Create")
    by_apex = flows_to(graph, org_id, "api.enrichment-vendor.example.com", "apex_class:DataEnrichmentService")

    for flows in (by_flow, by_apex):
        assert flows["Contact.Email"]["consent_checked"] is True
        assert flows["Contact.Email"]["opt_out_checked"] is True
    apex_edge = by_apex["Contact.Email"]
    assert (apex_edge["consent_check_method"], apex_edge["consent_check_line"]) == ("consentedContacts", 40)
    assert apex_edge["consent_check"] == "if (processingAllowed && optedIn.contains(customer.IndividualId))"
    assert integration(graph, org_id, "flow:Customer_Enrichment_On_Create")["consent_checks"] == [
        "HasOptedOutProcessing", "HasOptedOutProfiling", "PrivacyConsentStatus"]


def test_nightly_trading_sync_shares_customers_ignoring_the_processing_opt_out(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    org_id = demo_simulator.org.id
    flows = flows_to(graph, org_id, "api.trading-platform.example.com", "apex_class:TradingPlatformNightlySync")
    sync = integration(graph, org_id, "apex_class:TradingPlatformNightlySync")

    for field in ("Account.PersonBirthdate", "Account.PersonEmail", f"{FINANCIAL_ACCOUNT}.FinServ__Balance__c"):
        assert flows[field]["opt_out_checked"] is False
    assert sync["consent_checks"] == ["HasOptedOutSolicit"]  # marketing opt-outs only
    assert (sync["consent_check"], sync["consent_check_method"]) == (
        "WHERE PersonIndividual.HasOptedOutSolicit = false", "start")
    assert sync["sharing"] == "without"


def test_outbound_message_fields_flow_to_core_banking_without_a_visible_gate(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    flows = flows_to(graph, demo_simulator.org.id, "api.core-banking.example.com",
                     "outbound_message:Core Banking Address Change")

    assert {"Contact.Email", "Contact.MailingStreet", "Contact.MobilePhone"} <= set(flows)
    assert all(edge["consent_checked"] is False for edge in flows.values())


def test_card_freeze_push_goes_through_the_external_service_to_the_mobile_backend(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    flows = flows_to(graph, demo_simulator.org.id, "mobile-api.goldenpoppy.test",
                     "flow:Card_Freeze_Push_Notification")

    assert set(flows) == {"FinServ__Card__c.Card_Last_Four__c", "FinServ__Card__c.FinServ__AccountHolder__c"}


def test_change_data_capture_members_read_their_objects(harvested: list[Chunk], graph: Graph,
                                                        demo_simulator: Simulator):
    rows = graph.read("MATCH (i:Integration {kind: 'cdc_channel', org_id: $org})-[:READS]->(o:SObject) "
                      "RETURN o.name AS name", org=demo_simulator.org.id)

    assert {row["name"] for row in rows} == {"Contact", FINANCIAL_ACCOUNT, "Individual"}


def test_an_inactive_plain_http_remote_site_is_recorded_but_sends_nowhere(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    org_id = demo_simulator.org.id
    site = integration(graph, org_id, "remote_site:MarketQuotes")
    sends = graph.read("MATCH (:Integration {key: $key})-[:SENDS_TO]->(s) RETURN s.key AS key",
                       key=f"integration:{org_id}:remote_site:MarketQuotes")

    assert (site["active"], site["plain_http"]) == (False, True)
    assert sends == []


def test_endpoints_meet_on_one_system_per_host_without_role_or_country(
    harvested: list[Chunk], graph: Graph, demo_simulator: Simulator
):
    rows = graph.read("MATCH (i:Integration {org_id: $org})-[:SENDS_TO]->(s:System {host: $host}) "
                      "RETURN i.kind AS kind, s.role AS role, s.country AS country",
                      org=demo_simulator.org.id, host="api.core-banking.example.com")

    assert {row["kind"] for row in rows} == {"named_credential", "apex_class", "connected_app", "outbound_message"}
    assert {(row["role"], row["country"]) for row in rows} == {(None, None)}  # the manifests say those


def test_the_whole_integrations_harvest_spends_a_handful_of_calls(demo_org: Simulator):
    list(integration_chunks(client_for(demo_org), demo_org.org.id))

    assert demo_org.api_usage <= 5  # 13 listings in 3 Composite calls, 8 Metadata retrievals in 1


def test_an_incremental_harvest_of_an_unchanged_org_lists_and_writes_nothing(demo_org: Simulator):
    chunks = list(integration_chunks(client_for(demo_org), demo_org.org.id,
                                     since=demo_org.org.now + timedelta(days=1)))

    assert chunks == []
    assert demo_org.api_usage == 3  # the listings only


def test_a_second_harvest_changes_nothing(harvested: list[Chunk], graph: Graph, demo_simulator: Simulator):
    org_id = demo_simulator.org.id
    before = integration_snapshot(graph, org_id)

    write(graph, org_id, integration_chunks(client_for(demo_simulator), org_id), run_id="second-run")

    assert integration_snapshot(graph, org_id) == before


def integration_snapshot(graph: Graph, org_id: str) -> set[tuple[str, str]]:
    rows = graph.read("MATCH (i:Integration {org_id: $org})-[r]-(other) RETURN r.key AS key, properties(r) AS props",
                      org=org_id)
    stamps = {"last_seen", "run_id", "first_seen"}
    return {(row["key"], repr(sorted((k, v) for k, v in row["props"].items() if k not in stamps))) for row in rows}


def harvested_names(chunks: list[Chunk]) -> set[str]:
    return {node.key.split(":", 2)[2] for chunk in chunks for node in chunk.nodes
            if node.key.startswith("integration:")}


def test_an_incremental_harvest_takes_only_what_changed_since_the_last_run(demo_org: Simulator):
    since = datetime(2026, 10, 1, tzinfo=UTC)  # only the Recordkeeper connected app changed after this

    chunks = list(integration_chunks(client_for(demo_org), demo_org.org.id, since=since))

    assert harvested_names(chunks) == {"connected_app:Recordkeeper"}
    assert demo_org.api_usage == 4


def test_a_changed_apex_class_brings_the_flows_that_may_call_it_along(demo_org: Simulator):
    since = datetime(2026, 8, 31, tzinfo=UTC)  # TradingPlatformNightlySync changed on 2026-09-01

    names = harvested_names(list(integration_chunks(client_for(demo_org), demo_org.org.id, since=since)))

    assert "apex_class:TradingPlatformNightlySync" in names
    assert {"flow:Balance_Alert_Email", "flow:Customer_Enrichment_On_Create"} <= names
    assert "apex_class:DataEnrichmentService" not in names


def test_a_tooling_type_the_org_refuses_is_reported_and_the_rest_lands(demo_org: Simulator,
                                                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(tooling.LISTINGS, "ExternalCredential", "SELECT Id, NoSuchField FROM ExternalCredential")

    chunks = list(integration_chunks(client_for(demo_org), demo_org.org.id))

    errors = [error for chunk in chunks for error in chunk.errors]
    assert len(errors) == 1
    assert errors[0].startswith("tooling ExternalCredential:")
    assert "flow:Balance_Alert_Email" in harvested_names(chunks)
    assert not any(name.startswith("external_credential:") for name in harvested_names(chunks))


def test_a_generated_org_of_400_integrations_costs_a_call_per_25_retrievals(tmp_path: Path):
    # 200 named credentials and 200 outbound messages; the other Tooling types do not exist there.
    with Simulator(generate_org(objects=5, fields=5, integrations=200, consumers=0), state_dir=tmp_path) as org:
        chunks = list(integration_chunks(client_for(org), org.org.id))

        assert [error for chunk in chunks for error in chunk.errors] == []
        assert len(harvested_names(chunks)) == 400
        assert org.api_usage == 3 + 200 // 25  # listings, then the outbound messages' Metadata
