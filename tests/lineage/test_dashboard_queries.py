"""The dashboard's figures read from the graph: the demo org harvested with its manifests (the simulator over HTTPS,
real Neo4j) and a partner org sharing its core banking host under another role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lineage import INTEGRATIONS, SCHEMA, Graph, GraphWriter
from lineage.queries.dashboard import (
    Changes,
    SystemsByRole,
    Window,
    changes,
    inventory_figures,
    systems_by_role,
)
from lineage.queries.inventory import FieldFilter, list_fields
from lineage.queries.pages import PageRequest
from salesforce_simulator import Simulator
from tests.lineage.systems_orgs import (
    PARTNER_ORG_KEY,
    demo_harvested,
    partner_records,
    purge_partner_org,
    write_partner_org,
)

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed
ONE = PageRequest(size=1)
T1 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=1)


@pytest.fixture
def demo(graph: Graph, demo_simulator: Simulator) -> Iterator[str]:
    key = demo_harvested(graph, demo_simulator)
    write_partner_org(graph, now=T1)
    yield key
    purge_partner_org(graph)


def test_the_demo_orgs_counts_agree_with_the_field_list_they_link_to(graph: Graph, demo: str):
    figures = inventory_figures(graph, [demo])[demo]

    def counted(**filters: Any) -> int:
        return list_fields(graph, demo, FieldFilter(**filters), ONE).total

    assert figures.fields == counted() > 500
    assert figures.personal_fields == figures.fields - counted(unclassified=True)
    assert figures.sensitive_fields == counted(sensitive=True) > 0
    assert figures.sensitive_unencrypted == counted(sensitive=True, encrypted=False) >= 1  # the loan's tax id
    assert figures.objects > 20


def test_figures_of_many_orgs_come_from_one_query_each_org_its_own(graph: Graph, demo: str):
    figures = inventory_figures(graph, [demo, PARTNER_ORG_KEY])

    assert (figures[PARTNER_ORG_KEY].objects, figures[PARTNER_ORG_KEY].fields) == (1, 2)
    assert (figures[PARTNER_ORG_KEY].personal_fields, figures[PARTNER_ORG_KEY].sensitive_fields) == (2, 1)
    assert figures[PARTNER_ORG_KEY].sensitive_unencrypted == 1
    assert figures[demo].fields > figures[PARTNER_ORG_KEY].fields


def test_a_privacy_officers_override_is_what_the_figures_count(graph: Graph, demo: str):
    graph.write("MATCH (f:Field {key: $key}) SET f.override_at = datetime(), f.override_sensitive = true, "
                "f.override_ccpa_category = 'identifiers'", key="field:00D000000000PRTAAA:Contact.Email")

    partner = inventory_figures(graph, [PARTNER_ORG_KEY])[PARTNER_ORG_KEY]

    assert (partner.sensitive_fields, partner.sensitive_encrypted) == (2, 0)


def test_systems_are_counted_by_the_role_each_org_gives_them(graph: Graph, demo: str):
    counted = systems_by_role(graph, [demo, PARTNER_ORG_KEY])

    # The demo's manifest: five service providers, a contractor, a third party, its own mobile backend and website;
    # the Recordkeeper callback host and Salesforce's email service are declared by nobody.
    assert counted[demo] == SystemsByRole(service_provider=5, contractor=1, third_party=1, unknown=2, first_party=2)
    assert counted[PARTNER_ORG_KEY] == SystemsByRole(third_party=1)  # the same core banking host
    assert counted[demo].recipients == 9


def test_an_org_with_nothing_in_the_graph_counts_zero(graph: Graph, demo: str):
    nobody = "org:00D000000000NOBODY"

    assert inventory_figures(graph, [nobody])[nobody].fields == 0
    assert systems_by_role(graph, [nobody])[nobody] == SystemsByRole()


def test_what_a_harvest_added_is_what_was_first_seen_since_the_previous_one(graph: Graph, demo: str):
    first = changes(graph, [Window(PARTNER_ORG_KEY, since=T1 - timedelta(hours=1), until=T1 + timedelta(hours=1))])

    assert first[PARTNER_ORG_KEY] == Changes(objects_added=1, fields_added=2, systems_added=1, integrations_added=1)


def test_what_a_full_harvest_retired_is_counted_in_its_window_only(graph: Graph, demo: str):
    nodes, edges = partner_records(with_ssn=False)
    writer = GraphWriter(graph, "partner-run-2", PARTNER_ORG_KEY, T2)
    writer.write_chunk(nodes, edges)
    writer.retire_unseen(SCHEMA | INTEGRATIONS)

    second = changes(graph, [Window(PARTNER_ORG_KEY, since=T1 + timedelta(hours=1), until=T2 + timedelta(hours=1))])
    before = changes(graph, [Window(PARTNER_ORG_KEY, since=T1 - timedelta(hours=1), until=T1 + timedelta(hours=1))])

    assert second[PARTNER_ORG_KEY] == Changes(fields_retired=1)
    assert before[PARTNER_ORG_KEY].fields_retired == 0


def test_no_orgs_ask_the_graph_nothing(graph: Graph):
    assert (inventory_figures(graph, []), systems_by_role(graph, []), changes(graph, [])) == ({}, {}, {})
