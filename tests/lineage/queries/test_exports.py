"""The exports' read queries: every row of the filtered list, in its order, read in keyset pages (whatever the
filter's source of candidates), with the columns an auditor's file needs; the systems with their roles and the
integrations that reach them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lineage import Graph
from lineage.queries.exports import count_exported_fields, exported_fields, exported_systems, field_page_query
from lineage.queries.inventory import FieldFilter, PageRequest, list_fields
from lineage.queries.systems import SystemFilter, SystemRoleForOrg
from tests.lineage.queries.export_org import ADS, MYSTERY, ORG_KEY, VAULT, purge_export_org, write_export_org

FILTERS = [
    FieldFilter(),
    FieldFilter(sobject="Contact"),
    FieldFilter(sobject="Contact", custom=True),
    FieldFilter(sensitive=True),
    FieldFilter(sensitive=False, encrypted=False),
    FieldFilter(ccpa_category="identifiers"),
    FieldFilter(unclassified=False),
    FieldFilter(unclassified=True),
    FieldFilter(custom=True, namespace="fin"),
    FieldFilter(search="NA"),
]


@pytest.fixture(scope="module")
def org_graph(graph: Graph) -> Iterator[Graph]:
    write_export_org(graph)
    yield graph
    purge_export_org(graph)


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_the_export_pages_through_exactly_the_filtered_list_in_its_order_and_counts_it(org_graph: Graph,
                                                                                      filters: FieldFilter):
    listed = list_fields(org_graph, ORG_KEY, filters, PageRequest(size=500)).rows
    exported = list(exported_fields(org_graph, ORG_KEY, filters, page_size=2))  # pages of two: many keyset steps

    assert [(row.object, row.name) for row in exported] == [(row.object, row.name) for row in listed]
    assert [(row.ccpa_category, row.sensitive, row.encrypted, row.overridden) for row in exported] == [
        (row.ccpa_category, row.sensitive, row.encrypted, row.overridden) for row in listed]
    assert count_exported_fields(org_graph, ORG_KEY, filters) == len(exported)
    assert listed, "each filter matches some field of the test org"


def test_a_page_that_ends_the_list_exactly_is_followed_by_one_empty_read(org_graph: Graph):
    every = list(exported_fields(org_graph, ORG_KEY, FieldFilter(), page_size=7))

    assert len(every) == 14
    assert len({(row.object, row.name) for row in every}) == 14


def test_an_exported_field_carries_its_rules_salesforce_classification_and_when_it_was_seen(org_graph: Graph):
    email = next(row for row in exported_fields(org_graph, ORG_KEY, FieldFilter(search="email")))

    assert (email.classification_rule, email.security_classification, email.compliance_groups) == (
        "email type: identifiers", "Confidential", ("PII", "CCPA"))
    assert email.first_seen is not None
    assert email.first_seen.year == 2026
    assert email.override_by is None


def test_the_org_wide_export_seeks_the_field_listing_index_from_the_last_row(org_graph: Graph):
    plan = org_graph.plan(field_page_query(FieldFilter()), org_key=ORG_KEY, limit=10, after_sobject="Contact",
                          after_name="Email", **FieldFilter().parameters())

    shown = " < ".join(plan)  # whole: a list in an assertion's message is cut short
    assert "NodeIndexSeek" in plan, shown
    assert "Top" not in plan, shown  # no sort of every field past the last row: the index hands them over in order
    assert plan.index("Sort") < plan.index("Limit"), shown  # the plan lists operators from the result down


def test_the_systems_come_with_each_orgs_role_and_every_integration_reaching_them(org_graph: Graph):
    rows = list(exported_systems(org_graph, SystemFilter(org_key=ORG_KEY), page_size=2))

    assert [row.host for row in rows] == [ADS, MYSTERY, VAULT]
    ads, mystery, vault = rows
    assert ads.roles == (SystemRoleForOrg(ORG_KEY, "third_party", "DE", "describe (export test org)"),)
    assert [(each.name, each.consent_checked, each.opt_out_checked, each.unchecked) for each in ads.integrations] == [
        ("AdsPush", False, False, True)]
    assert (mystery.roles, [each.consent_checked for each in mystery.integrations]) == ((), [None])
    assert [(each.name, each.channel, each.unchecked) for each in vault.integrations] == [
        ("VaultSync", "callout", False)]


def test_the_systems_export_keeps_the_lists_filters(org_graph: Graph):
    third = list(exported_systems(org_graph, SystemFilter(org_key=ORG_KEY, role="third_party")))
    undeclared = list(exported_systems(org_graph, SystemFilter(org_key=ORG_KEY, role="unknown")))

    assert [row.host for row in third] == [ADS]
    assert [row.host for row in undeclared] == [MYSTERY]
