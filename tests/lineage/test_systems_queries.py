"""Systems and integrations read from the graph: the demo org harvested with its manifests (the simulator over HTTPS,
real Neo4j) and a partner org that gives one of the demo's systems another role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lineage import Graph, IntegrationKind, integration_key, system_key
from lineage.graph import named_in
from lineage.queries.pages import PageRequest
from lineage.queries.systems import (
    COUNT_SYSTEMS,
    LIST_SYSTEMS,
    IntegrationFilter,
    SystemFilter,
    SystemRoleForOrg,
    integration_detail,
    list_integrations,
    list_systems,
    system_detail,
)
from salesforce_simulator import Simulator
from tests.lineage.plan_cache import engine_types
from tests.lineage.systems_orgs import (
    CORE_BANKING,
    PARTNER_ORG_KEY,
    PARTNER_SYNC,
    demo_harvested,
    purge_partner_org,
    write_partner_org,
)

ALL = PageRequest(size=500)
pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed


@pytest.fixture
def demo(graph: Graph, demo_simulator: Simulator) -> Iterator[str]:
    """The demo org's key, harvested, beside the partner org."""
    key = demo_harvested(graph, demo_simulator)
    write_partner_org(graph)
    yield key
    purge_partner_org(graph)


def test_a_shared_system_has_each_orgs_own_role_and_country(graph: Graph, demo: str):
    core = system_detail(graph, system_key(CORE_BANKING))

    assert core is not None
    assert set(core.roles) == {
        SystemRoleForOrg(demo, "service_provider", "US", "manifest:golden_poppy_integrations.yaml#core_banking"),
        SystemRoleForOrg(PARTNER_ORG_KEY, "third_party", "DE", "partner test org")}
    assert {demo, PARTNER_ORG_KEY} <= set(core.observed_by)
    assert core.name == "Tallyforge Core"


def test_filtered_by_org_a_system_shows_only_that_orgs_role(graph: Graph, demo: str):
    partner = list_systems(graph, SystemFilter(org_key=PARTNER_ORG_KEY), ALL)
    demo_third_parties = list_systems(graph, SystemFilter(org_key=demo, role="third_party"), ALL)

    assert [(row.host, row.roles) for row in partner.rows] == [
        (CORE_BANKING, (SystemRoleForOrg(PARTNER_ORG_KEY, "third_party", "DE", "partner test org"),))]
    assert partner.rows[0].integration_count == 1  # the partner's own sync, not the demo's integrations
    assert CORE_BANKING not in {row.host for row in demo_third_parties.rows}
    assert "api.trading-platform.example.com" in {row.host for row in demo_third_parties.rows}


def test_systems_no_manifest_declares_have_an_unknown_role(graph: Graph, demo: str):
    unknown = list_systems(graph, SystemFilter(org_key=demo, role="unknown"), ALL)

    assert "salesforce-email" in {row.host for row in unknown.rows}  # the balance alert flow's email
    assert all(row.roles == () for row in unknown.rows)


def test_systems_are_filtered_by_country_and_search_and_paged(graph: Graph, demo: str):
    in_germany = list_systems(graph, SystemFilter(country="de"), ALL)
    searched = list_systems(graph, SystemFilter(org_key=demo, search="CORE-BANKING"), ALL)
    first, second = (list_systems(graph, SystemFilter(org_key=demo), PageRequest(number=n, size=2)) for n in (1, 2))

    assert [row.host for row in in_germany.rows] == [CORE_BANKING]
    assert {row.host for row in searched.rows} == {CORE_BANKING, "legacy.core-banking.example.com"}
    assert first.total == second.total >= 9
    assert len(first.rows) == len(second.rows) == 2
    assert [row.host for row in first.rows + second.rows] == sorted(row.host for row in first.rows + second.rows)


def test_a_systems_detail_lists_the_integrations_that_reach_it_and_the_fields_that_flow_there(
    graph: Graph, demo: str
):
    core = system_detail(graph, system_key(CORE_BANKING))

    assert core is not None
    reaching = {(ref.org_key, ref.kind, ref.name): ref for ref in core.integrations}
    assert (PARTNER_ORG_KEY, "apex_class", "PartnerCoreSync") in reaching
    assert (demo, "apex_class", "CoreBankingTransactionSync") in reaching
    assert reaching[(PARTNER_ORG_KEY, "apex_class", "PartnerCoreSync")].consent_checked is False
    assert core.integration_count == len(core.integrations)
    partner_flow = next(flow for flow in core.flows if flow.org_key == PARTNER_ORG_KEY)
    assert (partner_flow.sobject, partner_flow.field, partner_flow.outbound, partner_flow.vias) == (
        "Contact", "Email", True, (PARTNER_SYNC,))
    assert partner_flow.consent_checked is False
    demo_flows = [(flow.sobject, flow.field, flow.outbound) for flow in core.flows if flow.org_key == demo]
    assert len(demo_flows) == len(set(demo_flows))  # a field moved by two integrations is one row
    assert core.flow_count >= len(core.flows) > 1


def test_an_unknown_or_retired_system_or_integration_is_none(graph: Graph, demo: str):
    assert system_detail(graph, system_key("nowhere.example.com")) is None
    assert integration_detail(graph, "integration:00D000000000NONAAA:flow:Nothing") is None


def test_integrations_are_listed_per_org_with_their_checks_and_hosts(graph: Graph, demo: str):
    page = list_integrations(graph, IntegrationFilter(org_key=demo), ALL)
    by_name = {row.name: row for row in page.rows}

    assert page.total == len(page.rows) > 30
    assert {row.org_key for row in page.rows} == {demo}
    enrichment = by_name["DataEnrichmentService"]
    assert (enrichment.consent_checked, enrichment.opt_out_checked, enrichment.unchecked) == (True, True, False)
    core_sync = by_name["CoreBankingTransactionSync"]
    assert (core_sync.consent_checked, core_sync.unchecked) == (False, True)
    assert core_sync.systems == (CORE_BANKING,)
    assert by_name["Customer_Enrichment_On_Create"].consent_checked is True  # its flow consults the consent fields
    assert by_name["Balance_Alert_Email"].consent_checked is False
    assert by_name["CoreBanking"].consent_checked is None  # a named credential: no code to tell
    assert by_name["CoreBanking"].endpoint == f"https://{CORE_BANKING}"


def test_integrations_are_filtered_by_kind_checks_and_search(graph: Graph, demo: str):
    unchecked_apex = list_integrations(graph, IntegrationFilter(org_key=demo, kind="apex_class",
                                                                consent_checked=False), ALL)
    opted_out = list_integrations(graph, IntegrationFilter(org_key=demo, opt_out_checked=True), ALL)
    searched = list_integrations(graph, IntegrationFilter(search="core banking"), ALL)

    assert {row.kind for row in unchecked_apex.rows} == {"apex_class"}
    assert "CoreBankingTransactionSync" in {row.name for row in unchecked_apex.rows}
    assert "DataEnrichmentService" not in {row.name for row in unchecked_apex.rows}
    assert {row.opt_out_checked for row in opted_out.rows} == {True}
    assert {"CoreBanking", "Core Banking Address Change"} <= {row.name for row in searched.rows}  # by label or name


def test_an_integrations_detail_has_its_systems_purposes_and_the_fields_it_reads_and_writes(graph: Graph, demo: str):
    org_id = demo.removeprefix("org:")
    sync = integration_detail(graph, integration_key(org_id, IntegrationKind.APEX_CLASS, "CoreBankingTransactionSync"))
    relay = integration_detail(graph, integration_key(org_id, IntegrationKind.MANIFEST,
                                               "golden_poppy_integrations#mobile_app.consent_relay"))

    assert sync is not None
    assert relay is not None
    assert [ref.host for ref in sync.sends_to] == [CORE_BANKING]
    assert sync.sends_to[0].channel == "callout"
    assert sync.write_count == len(sync.writes) > 0
    assert any(ref.field and ref.sobject == "FinServ__FinancialAccountTransaction__c" for ref in sync.writes)
    assert sync.evidence == "tooling:ApexClass/01p8d00CoreSyncAEC"
    assert ("sharing", "with") in sync.attributes
    assert relay.purposes
    assert relay.purposes[0].check == "consent_checked declared in manifest"
    assert (relay.consent_checked, relay.opt_out_checked) == (True, True)


def test_an_integration_shows_the_purpose_it_serves_though_no_consent_check_gates_it(graph: Graph, demo: str):
    org_id = demo.removeprefix("org:")
    pull = integration_detail(graph, integration_key(org_id, IntegrationKind.MANIFEST,
                                              "golden_poppy_integrations#core_banking.transaction_history_pull"))
    relay = integration_detail(graph, integration_key(org_id, IntegrationKind.MANIFEST,
                                               "golden_poppy_integrations#mobile_app.consent_relay"))

    assert pull is not None
    assert relay is not None
    assert ([ref.name for ref in pull.serves], pull.purposes) == (["Account servicing"], ())
    assert [ref.name for ref in relay.serves] == [ref.name for ref in relay.purposes] == ["Honouring privacy choices"]


def test_a_partner_integration_reads_its_field_and_flags_no_check(graph: Graph, demo: str):
    sync = integration_detail(graph, PARTNER_SYNC)

    assert sync is not None
    assert [(ref.sobject, ref.field, ref.ccpa_category) for ref in sync.reads] == [("Contact", "Email", "identifiers")]
    assert sync.unchecked
    assert sync.endpoint == f"https://{CORE_BANKING}/partner"


def test_a_page_far_past_the_last_is_empty_without_asking_the_engine_for_it(graph: Graph, demo: str):
    far = PageRequest(number=9223372036854775807, size=50)  # its SKIP is past what the engine takes

    systems = list_systems(graph, SystemFilter(org_key=demo), far)
    integrations = list_integrations(graph, IntegrationFilter(org_key=demo), far)

    assert (systems.rows, integrations.rows) == ((), ())
    assert systems.total > 0
    assert integrations.total > 0


@pytest.mark.parametrize("filters", [SystemFilter(org_key="org:00D000000000001AAA"), SystemFilter(role="unknown"),
                                     SystemFilter(country="de", search="core banking")], ids=repr)
def test_whatever_the_systems_filters_the_lists_queries_send_the_same_types_so_each_is_planned_once(
        filters: SystemFilter):
    for query in (COUNT_SYSTEMS, LIST_SYSTEMS):
        sent = named_in(query, {**filters.parameters(), "skip": 0, "limit": 50})
        unfiltered = named_in(query, {**SystemFilter().parameters(), "skip": 100, "limit": 2})

        assert engine_types(sent) == engine_types(unfiltered)


@pytest.mark.parametrize("filters", [IntegrationFilter(org_key="org:00D000000000001AAA", kind="apex_class"),
                                     IntegrationFilter(consent_checked=False, opt_out_checked=True, search="core")],
                         ids=repr)
def test_whatever_the_integrations_filters_they_travel_as_one_map(filters: IntegrationFilter):
    assert engine_types(filters.parameters()) == engine_types(IntegrationFilter().parameters()) == {"filter": "dict"}
