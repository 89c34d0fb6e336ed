"""The lineage query: a node's paths up and down, hop by hop to the depth asked, retired edges left out, cut at the
node and edge caps, each edge read the way its data moves and saying how it is known."""

from __future__ import annotations

import pytest
from neo4j import GraphDatabase

from lineage import Graph
from lineage.queries.lineage import SEARCH, Direction, Lineage, find_nodes, lineage_of, node_of
from tests.lineage.lineage_org import (
    BORROWER,
    CORE,
    CRM,
    DEPARTMENT,
    EMAIL,
    INTAKE,
    MAIL,
    OLD,
    TAX_ID,
    write_lineage_org,
)


@pytest.fixture(scope="module")
def lineage_graph(graph: Graph) -> Graph:
    write_lineage_org(graph)
    return graph


def walk(graph: Graph, key: str, direction: Direction, depth: int, **caps: int) -> Lineage:
    found = lineage_of(graph, key, direction, depth, **caps)
    assert found is not None
    return found


def keys(lineage: Lineage) -> set[str]:
    return {node.key for node in lineage.nodes}


def edge(lineage: Lineage, source: str, target: str):
    return next(each for each in lineage.edges if (each.source, each.target) == (source, target))


def test_one_hop_downstream_of_a_field_reaches_its_flows_its_readers_and_its_object(lineage_graph: Graph):
    found = walk(lineage_graph, TAX_ID, Direction.DOWNSTREAM, 1)

    reader = "integration:00D000000000LINAAA:apex_class:TaxSync"
    assert keys(found) == {TAX_ID, CRM, reader, BORROWER}
    assert found.nodes[0] == found.start
    assert (found.start.name, found.start.label, found.start.sensitive) == ("Borrower__c.Tax_Id__c", "Tax ID", True)
    read = edge(found, TAX_ID, reader)  # stored TaxSync -> Tax_Id__c, given the way the data moves
    assert (read.relationship, read.phrase, read.known_from) == ("READS", "is read by", "Apex")
    assert edge(found, TAX_ID, BORROWER).known_from == "schema"
    assert not found.truncated


def test_a_deeper_walk_follows_the_object_to_the_app_that_uses_it_and_the_system_it_sends_to(lineage_graph: Graph):
    two = walk(lineage_graph, TAX_ID, Direction.DOWNSTREAM, 2)
    three = walk(lineage_graph, TAX_ID, Direction.DOWNSTREAM, 3)

    app = "integration:00D000000000LINAAA:connected_app:Core Sync"
    assert app in keys(two)
    assert CORE not in keys(two)
    assert CORE in keys(three)
    used = edge(three, BORROWER, app)
    assert (used.relationship, used.known_from, used.evidence) == ("ACCESSED", "event log",
                                                                   "EventLogFile:0AT000000000001")
    assert {node.key: node.hop for node in three.nodes}[CORE] == 3


def test_upstream_walks_against_the_data_and_never_downstream(lineage_graph: Graph):
    found = walk(lineage_graph, EMAIL, Direction.UPSTREAM, 2)

    webform = "integration:00D000000000LINAAA:manifest:intake#webform"
    assert {INTAKE, BORROWER, webform} <= keys(found)
    assert MAIL not in keys(found)
    assert edge(found, INTAKE, EMAIL).known_from == "manifest"
    assert edge(found, webform, BORROWER).relationship == "WRITES"
    assert all(node.hop <= 0 for node in found.nodes)


def test_both_ways_puts_upstream_at_negative_hops_and_downstream_at_positive_ones(lineage_graph: Graph):
    found = walk(lineage_graph, EMAIL, Direction.BOTH, 1)

    hops = {node.key: node.hop for node in found.nodes}
    assert (hops[EMAIL], hops[INTAKE], hops[MAIL]) == (0, -1, 1)


def test_each_flow_says_how_it_is_known_and_whether_consent_and_opt_out_were_checked(lineage_graph: Graph):
    found = walk(lineage_graph, BORROWER, Direction.DOWNSTREAM, 2)

    unchecked = edge(found, TAX_ID, CRM)
    assert (unchecked.known_from, unchecked.consent_checked, unchecked.opt_out_checked, unchecked.unchecked) == (
        "Apex", False, False, True)
    checked = edge(found, EMAIL, MAIL)
    assert (checked.known_from, checked.via_name, checked.consent_check, checked.unchecked) == (
        "flow", "Welcome_Email", "HasOptedOutOfEmail = false", False)
    assert edge(found, TAX_ID, "integration:00D000000000LINAAA:apex_class:TaxSync").consent_checked is None


def test_an_object_leads_to_its_fields_with_lineage_but_not_to_the_rest(lineage_graph: Graph):
    found = walk(lineage_graph, BORROWER, Direction.DOWNSTREAM, 1)

    assert {EMAIL, TAX_ID} <= keys(found)
    assert DEPARTMENT not in keys(found)


def test_a_reached_object_does_not_lead_to_its_other_fields(lineage_graph: Graph):
    found = walk(lineage_graph, TAX_ID, Direction.DOWNSTREAM, 3)

    assert BORROWER in keys(found)
    assert EMAIL not in keys(found)
    assert MAIL not in keys(found)


def test_a_retired_edge_is_left_out_though_both_its_nodes_are_live(lineage_graph: Graph):
    found = walk(lineage_graph, EMAIL, Direction.DOWNSTREAM, 5)

    assert node_of(lineage_graph, OLD) is not None
    assert OLD not in keys(found)
    assert MAIL in keys(found)


def test_the_walk_stops_at_the_node_cap_and_says_so(lineage_graph: Graph):
    found = walk(lineage_graph, BORROWER, Direction.BOTH, 5, max_nodes=3)

    assert len(found.nodes) == 3
    assert found.truncated
    assert {each.source for each in found.edges} | {each.target for each in found.edges} <= keys(found)


def test_the_walk_stops_at_the_edge_cap_and_says_so(lineage_graph: Graph):
    found = walk(lineage_graph, BORROWER, Direction.BOTH, 5, max_edges=2)

    assert len(found.edges) == 2
    assert found.truncated
    assert not walk(lineage_graph, BORROWER, Direction.BOTH, 5).truncated


@pytest.mark.parametrize("depth", [0, 6, -1])
def test_a_depth_outside_one_to_five_is_refused(lineage_graph: Graph, depth: int):
    with pytest.raises(ValueError, match="depth must be 1 to 5"):
        lineage_of(lineage_graph, EMAIL, Direction.BOTH, depth)


@pytest.mark.parametrize("key", ["field:00D000000000LINAAA:Borrower__c.Nothing__c", "org:00D000000000LINAAA",
                                 "nonsense", ""])
def test_a_key_of_no_live_object_field_system_or_integration_has_no_lineage(lineage_graph: Graph, key: str):
    assert lineage_of(lineage_graph, key, Direction.BOTH, 2) is None


def test_a_field_with_no_lineage_of_its_own_reaches_only_its_object(lineage_graph: Graph):
    found = walk(lineage_graph, DEPARTMENT, Direction.BOTH, 1)

    assert keys(found) == {DEPARTMENT, BORROWER}


def test_a_system_nothing_sends_to_has_no_upstream(lineage_graph: Graph):
    found = walk(lineage_graph, INTAKE, Direction.UPSTREAM, 3)

    assert (keys(found), found.edges) == ({INTAKE}, ())


def test_a_field_labelled_exactly_so_is_found_first_among_many_more_holding_the_text(lineage_graph: Graph):
    crowd = {"org_key": "org:00DCROWD", "fields": [
        {"key": f"field:00DCROWD:Crowd__c.Tax_Id_{n:03}__c", "name": f"Tax_Id_{n:03}__c", "label": f"Tax ID {n:03}"}
        for n in range(300)]}
    lineage_graph.write("UNWIND $fields AS f CREATE (:Field {key: f.key, org_key: $org_key, sobject: 'Crowd__c', "
                        "name: f.name, display_label: f.label, search_text: toLower(f.name + '\\n' + f.label)})",
                        **crowd)
    # The field written after the crowd, as in a graph where other orgs were harvested first.
    lineage_graph.write("MATCH (f:Field {key: $key}) DETACH DELETE f", key=TAX_ID)
    write_lineage_org(lineage_graph)
    try:
        found = find_nodes(lineage_graph, "Tax ID")
    finally:
        lineage_graph.write("MATCH (f:Field {org_key: $org_key}) DELETE f", org_key=crowd["org_key"])

    # 300 fields of another org hold "tax id" in their labels and 20 are suggested: those labelled so come first.
    exact = [node.key for node in found if (node.label or "").lower() == "tax id"]
    assert TAX_ID in exact
    assert [node.key for node in found][:len(exact)] == exact


def test_nodes_are_found_by_part_of_their_name_or_label_exact_names_first(lineage_graph: Graph):
    assert [node.key for node in find_nodes(lineage_graph, "borrower__c.tax_id__c")][:1] == [TAX_ID]
    assert TAX_ID in {node.key for node in find_nodes(lineage_graph, "Tax ID")}
    assert [node.key for node in find_nodes(lineage_graph, "crm-sync.lineage")] == [CRM]
    assert find_nodes(lineage_graph, "   ") == ()


def test_a_field_is_found_by_its_objects_name_across_the_dot_or_by_its_own(lineage_graph: Graph):
    def found(text: str) -> set[str]:
        return {node.key for node in find_nodes(lineage_graph, text)}

    assert {EMAIL, TAX_ID, DEPARTMENT} <= found("rrower__")  # in the object's name
    assert {EMAIL, TAX_ID, DEPARTMENT} <= found("borrower__c.")
    assert found("ower__c.tax_") == {TAX_ID}  # across the dot
    assert TAX_ID in found("x_id__")  # in the field's own name
    assert found("zq404x") == set()


def test_a_name_search_seeks_the_fields_text_index_not_every_field(lineage_graph: Graph):
    config = lineage_graph.config
    with (GraphDatabase.driver(config.uri, auth=(config.user, config.password)) as driver,
          driver.session(database=lineage_graph.database) as session):
        plan = session.run("EXPLAIN " + SEARCH, text="zq404x", after_dot=None, limit=20).consume().plan
    details: list[str] = []
    pending = [plan or {}]
    while pending:
        step = pending.pop()
        operator = str(step.get("operatorType", "")).split("@")[0]
        details.append(f"{operator} {step.get('args', {}).get('Details', '')}")
        pending += step.get("children", [])

    assert any(each.startswith("NodeIndexContainsScan") and "search_text" in each for each in details)
    assert not any(each.startswith("NodeByLabelScan") and ":Field" in each for each in details)
