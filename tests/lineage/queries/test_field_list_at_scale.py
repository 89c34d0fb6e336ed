"""How the field list reaches its answer at an org's size: the narrowest index a filter can seek, the org's fields
in index order, counts in the indexes; whichever way, the same rows, order and total as the general query."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, LiteralString

import pytest
from neo4j import GraphDatabase, Record, ResultSummary, Session

from lineage import Graph, field_key
from lineage.graph import named_in
from lineage.queries import inventory
from lineage.queries.dashboard import inventory_figures
from lineage.queries.inventory import (
    COUNT_FIELDS,
    LIST_FIELDS,
    FieldFilter,
    PageRequest,
    field_queries,
    list_fields,
)
from tests.lineage.plan_cache import engine_types
from tests.lineage.queries.inventory_org import ORG_ID, ORG_KEY, write_inventory_org

# An override makes Department sensitive identifiers and Email not personal; Birthdate is retired.
_OVERRIDES_AND_A_RETIREMENT = (
    "MATCH (d:Field {org_key: $org_key, sobject: 'Contact', name: 'Department'}) "
    "SET d.override_at = datetime(), d.override_sensitive = true, d.override_ccpa_category = 'identifiers', "
    "  d.override_category_kept = false "
    "WITH 1 AS done MATCH (e:Field {org_key: $org_key, sobject: 'Contact', name: 'Email'}) "
    "SET e.override_at = datetime(), e.override_ccpa_category = null, e.override_category_kept = false "
    "WITH 1 AS done MATCH (b:Field {org_key: $org_key, sobject: 'Contact', name: 'Birthdate'}) "
    "SET b.retired_at = datetime()"
)

FILTERS = [
    FieldFilter(),
    FieldFilter(sobject="Contact"),
    FieldFilter(sobject="Contact", sensitive=True),
    FieldFilter(sensitive=True),
    FieldFilter(sensitive=False),
    FieldFilter(sensitive=True, encrypted=False),
    FieldFilter(ccpa_category="identifiers"),
    FieldFilter(ccpa_category="identifiers", search="tax"),
    FieldFilter(unclassified=False),
    FieldFilter(unclassified=True),
    FieldFilter(custom=True),
    FieldFilter(custom=False),
    FieldFilter(encrypted=True),
    FieldFilter(encrypted=False),
    FieldFilter(namespace="acme"),
    FieldFilter(search="e"),
    FieldFilter(search="tax id"),
    FieldFilter(search="no such name"),
    FieldFilter(search="e", custom=False),
    FieldFilter(encrypted=False, unclassified=True, custom=True),
    FieldFilter(sensitive=True, namespace="acme"),
    FieldFilter(ccpa_category="identifiers", custom=False),
]
# Every filter that can be sought in an index of its own (the org's every field is read only when none can).
NARROWING = [FieldFilter(sensitive=True), FieldFilter(ccpa_category="identifiers"), FieldFilter(unclassified=False),
             FieldFilter(sobject="Contact"), FieldFilter(encrypted=True), FieldFilter(custom=False),
             FieldFilter(namespace="acme"), FieldFilter(search="tax")]


@pytest.fixture(scope="module")
def overridden_org(graph: Graph) -> Iterator[Graph]:
    write_inventory_org(graph)
    graph.write(_OVERRIDES_AND_A_RETIREMENT, org_key=ORG_KEY)
    yield graph
    write_inventory_org(graph)  # the inventory org as the other modules expect it


def general_answer(graph: Graph, parameters: dict[str, Any]) -> tuple[int, list[str]]:
    total = graph.read(COUNT_FIELDS, **parameters)[0]["total"]
    return total, [row["field"]["key"] for row in graph.read(LIST_FIELDS, **parameters)]


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
@pytest.mark.parametrize(("skip", "limit"), [(0, 50), (1, 2)])
def test_every_way_to_a_page_answers_what_the_general_query_answers(overridden_org: Graph, filters: FieldFilter,
                                                                     skip: int, limit: int):
    parameters = {"org_key": ORG_KEY, **filters.parameters(), "skip": skip, "limit": limit, "count_limit": 100}
    queries = field_queries(filters)

    total = overridden_org.read(queries.count, **parameters)[0]["total"]
    sorted_rows = [row["field"]["key"] for row in overridden_org.read(queries.page, **parameters)]
    ordered_rows = [row["field"]["key"] for row in overridden_org.read(queries.page_in_index_order, **parameters)]

    assert (total, sorted_rows) == general_answer(overridden_org, parameters)
    assert ordered_rows == sorted_rows


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_the_list_answers_what_the_general_query_answers_whichever_index_it_reads(overridden_org: Graph,
                                                                                 filters: FieldFilter):
    page = list_fields(overridden_org, ORG_KEY, filters, PageRequest(size=50))

    parameters = {"org_key": ORG_KEY, **filters.parameters(), "skip": 0, "limit": 50}
    listed = [field_key(ORG_ID, row.object, row.name) for row in page.rows]
    assert (page.total, listed) == general_answer(overridden_org, parameters)


def test_of_the_indexes_two_filters_can_seek_the_list_reads_the_one_holding_fewer_fields(overridden_org: Graph):
    filters = FieldFilter(sensitive=True, namespace="acme")  # three sensitive fields; one field in the namespace
    parameters = {"org_key": ORG_KEY, **filters.parameters()}

    chosen = inventory._fewest_candidates(overridden_org, filters, parameters)
    sought = _index_details(overridden_org, field_queries(filters, chosen).count, {**parameters, "count_limit": 100})

    assert any("namespace" in each for each in sought)
    assert not any("sensitive" in each for each in sought)


def test_an_override_and_a_retirement_are_what_the_narrowed_lists_show(overridden_org: Graph):
    def names(**filters: Any) -> list[str]:
        page = list_fields(overridden_org, ORG_KEY, FieldFilter(**filters), PageRequest(size=100))
        return [f"{row.object}.{row.name}" for row in page.rows]

    assert names(sensitive=True) == ["Contact.Department", "Contact.Tax_Id__c", "Loan_Application__c.Income__c"]
    assert names(ccpa_category="identifiers") == ["Contact.Department", "Contact.Tax_Id__c"]
    assert names(unclassified=False) == ["Contact.Department", "Contact.Tax_Id__c", "Loan_Application__c.Income__c",
                                         "acme__Score__c.acme__Value__c"]
    assert list_fields(overridden_org, ORG_KEY, FieldFilter(), PageRequest()).total == 6


def test_the_dashboards_figures_are_the_field_lists_totals(overridden_org: Graph):
    figures = inventory_figures(overridden_org, [ORG_KEY])[ORG_KEY]

    def total(**filters: Any) -> int:
        return list_fields(overridden_org, ORG_KEY, FieldFilter(**filters), PageRequest()).total

    assert figures.fields == total() == 6
    assert figures.personal_fields == total(unclassified=False) == 4
    assert figures.sensitive_fields == total(sensitive=True) == 3
    assert figures.sensitive_encrypted == total(sensitive=True, encrypted=True) == 1


def test_a_page_of_the_orgs_fields_is_read_in_index_order_not_sorted_whole(overridden_org: Graph):
    operators = overridden_org.plan(LIST_FIELDS, org_key=ORG_KEY, **FieldFilter().parameters(), skip=0, limit=50)

    assert "NodeIndexSeek" in operators
    # The only sort is of the page's rows, after the LIMIT; none before it (a Top would read every field).
    assert "Top" not in operators
    assert operators.index("Sort") < operators.index("Limit")  # the plan lists operators from the result down


@pytest.mark.parametrize("filters", NARROWING, ids=repr)
def test_a_narrowing_filter_seeks_its_own_index_not_the_orgs_every_field(overridden_org: Graph,
                                                                          filters: FieldFilter):
    parameters = {"org_key": ORG_KEY, **filters.parameters(), "skip": 0, "limit": 50, "count_limit": 100}
    queries = field_queries(filters)

    for query in (queries.count, queries.page):
        sought = _index_details(overridden_org, query, parameters)
        assert sought
        assert not any("sobject IS NOT NULL" in each for each in sought)  # the org's every field


def test_a_search_seeks_the_text_index_of_names_and_labels(overridden_org: Graph):
    parameters = {"org_key": ORG_KEY, **FieldFilter(search="no such name").parameters(), "count_limit": 100}

    sought = _index_details(overridden_org, field_queries(FieldFilter(search="no such name")).count, parameters)

    assert sought == ["TEXT INDEX f:Field(search_text) WHERE search_text CONTAINS $filter.search"]


def test_a_filtered_total_stops_counting_at_the_cap_and_says_more_match(overridden_org: Graph,
                                                                       monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(inventory, "COUNT_CAP", 2)

    def page(number: int) -> tuple[int, bool, list[str]]:
        found = list_fields(overridden_org, ORG_KEY, FieldFilter(custom=True), PageRequest(number=number, size=1))
        return found.total, found.more_than_total, [row.name for row in found.rows]

    few = list_fields(overridden_org, ORG_KEY, FieldFilter(namespace="acme"), PageRequest(size=1))

    assert page(1) == (2, True, ["Tax_Id__c"])  # four custom fields: counting stopped at two
    assert page(3) == (3, True, ["Status__c"])  # a page past the cap is counted to its end, and one more
    assert page(4) == (4, False, ["acme__Value__c"])
    assert (few.total, few.more_than_total) == (1, False)
    assert list_fields(overridden_org, ORG_KEY, FieldFilter(), PageRequest(size=1, number=6)).total == 6


def test_the_unfiltered_total_stops_at_the_cap_too_reading_no_more_fields_than_it_counts(
    overridden_org: Graph, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(inventory, "COUNT_CAP", 2)

    found = list_fields(overridden_org, ORG_KEY, FieldFilter(), PageRequest(size=1))
    counted = _profile(overridden_org, field_queries(FieldFilter()).count, org_key=ORG_KEY, count_limit=3,
                       **FieldFilter().parameters())

    assert (found.total, found.more_than_total) == (2, True)
    assert counted.records[0]["total"] == 3
    assert all(rows <= 4 for _, rows in _operators(counted.summary.profile))  # the cap and one more, not the org


@contextmanager
def _session(graph: Graph) -> Iterator[Session]:
    config = graph.config
    with (GraphDatabase.driver(config.uri, auth=(config.user, config.password)) as driver,
          driver.session(database=graph.database) as session):
        yield session


@dataclass(frozen=True)
class _Profiled:
    records: list[Record]
    summary: ResultSummary


def _profile(graph: Graph, query: LiteralString, **parameters: Any) -> _Profiled:
    with _session(graph) as session:
        result = session.run("PROFILE " + query, parameters)
        records = list(result)
        return _Profiled(records, result.consume())


def _operators(plan: Any) -> list[tuple[str, int]]:
    """Each operator of a profiled plan with the rows it gave."""
    here = (str(plan.get("operatorType", "")).split("@")[0], int(plan.get("rows", 0)))
    return [here, *(each for child in plan.get("children", []) for each in _operators(child))]


def _index_details(graph: Graph, query: LiteralString, parameters: dict[str, Any]) -> list[str]:
    """What each index operator of the query's plan seeks or scans."""
    with _session(graph) as session:
        plan = session.run("EXPLAIN " + query, parameters).consume().plan
    found: list[str] = []
    pending = [plan or {}]
    while pending:
        step = pending.pop()
        if "Index" in str(step.get("operatorType", "")):
            found.append(str(step.get("args", {}).get("Details", "")))
        pending += step.get("children", [])
    return found


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_whatever_the_mix_of_filters_each_query_sends_the_types_the_unfiltered_one_does_so_it_is_planned_once(
        filters: FieldFilter):
    queries = field_queries(filters)
    for query in (queries.count, queries.page, queries.page_in_index_order):
        sent = named_in(query, {"org_key": ORG_KEY, **filters.parameters(), "skip": 0, "limit": 50,
                                "count_limit": 1001})
        unfiltered = named_in(query, {"org_key": ORG_KEY, **FieldFilter().parameters(), "skip": 950, "limit": 500,
                                      "count_limit": 2})

        assert engine_types(sent) == engine_types(unfiltered)
