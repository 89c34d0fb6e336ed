"""The inventory's read queries: an org's live objects and fields, each filter narrowing, pages adding up."""

from __future__ import annotations

import pytest

from lineage import Graph, field_key, sobject_key
from lineage.queries.inventory import (
    COUNT_FIELDS,
    LIST_FIELDS,
    FieldFilter,
    PageRequest,
    field_detail,
    list_fields,
    list_objects,
    object_detail,
)
from tests.lineage.queries.inventory_org import ORG_ID, ORG_KEY, write_inventory_org


@pytest.fixture(scope="module")
def org_graph(graph: Graph) -> Graph:
    write_inventory_org(graph)
    return graph


def names(graph: Graph, **filters: object) -> list[str]:
    page = list_fields(graph, ORG_KEY, FieldFilter(**filters), PageRequest(size=100))  # type: ignore[arg-type]
    return [f"{row.object}.{row.name}" for row in page.rows]


def test_objects_are_listed_by_name_with_their_field_counts_and_no_placeholder(org_graph: Graph):
    page = list_objects(org_graph, ORG_KEY, PageRequest())

    assert page.total == 3
    assert [row.name for row in page.rows] == ["Contact", "Loan_Application__c", "acme__Score__c"]
    contact = page.rows[0]
    assert (contact.field_count, contact.personal_field_count, contact.sensitive_field_count) == (4, 3, 1)
    assert (contact.record_count, contact.internal_sharing_model, contact.label) == (1200, "Private", "Contact")
    assert page.rows[2].namespace == "acme"


def test_objects_come_a_page_at_a_time_with_the_total_of_all_pages(org_graph: Graph):
    second = list_objects(org_graph, ORG_KEY, PageRequest(number=2, size=2))

    assert second.total == 3
    assert [row.name for row in second.rows] == ["acme__Score__c"]


def test_an_objects_detail_has_its_key_prefix_and_counts(org_graph: Graph):
    detail = object_detail(org_graph, sobject_key(ORG_ID, "Contact"))

    assert detail is not None
    assert (detail.key_prefix, detail.field_count, detail.evidence) == ("003", 4, "describe (inventory test org)")


def test_a_placeholder_or_unknown_object_has_no_detail(org_graph: Graph):
    assert object_detail(org_graph, sobject_key(ORG_ID, "Broker_Partner__c")) is None
    assert object_detail(org_graph, sobject_key(ORG_ID, "Nothing__c")) is None


def test_without_filters_every_field_of_the_org_is_listed_by_object_and_name(org_graph: Graph):
    assert names(org_graph) == ["Contact.Birthdate", "Contact.Department", "Contact.Email", "Contact.Tax_Id__c",
                                "Loan_Application__c.Income__c", "Loan_Application__c.Status__c",
                                "acme__Score__c.acme__Value__c"]


@pytest.mark.parametrize(("filters", "expected"), [
    ({"sobject": "Loan_Application__c"}, ["Loan_Application__c.Income__c", "Loan_Application__c.Status__c"]),
    ({"ccpa_category": "identifiers"}, ["Contact.Email", "Contact.Tax_Id__c"]),
    ({"sensitive": True}, ["Contact.Tax_Id__c", "Loan_Application__c.Income__c"]),
    ({"sensitive": True, "encrypted": False}, ["Contact.Tax_Id__c"]),
    ({"encrypted": True}, ["Loan_Application__c.Income__c"]),
    ({"unclassified": True}, ["Contact.Department", "Loan_Application__c.Status__c"]),
    ({"custom": False}, ["Contact.Birthdate", "Contact.Department", "Contact.Email"]),
    ({"namespace": "acme"}, ["acme__Score__c.acme__Value__c"]),
    ({"search": "TAX"}, ["Contact.Tax_Id__c"]),
    ({"search": "annual inc"}, ["Loan_Application__c.Income__c"]),
])
def test_each_filter_narrows_the_field_list(org_graph: Graph, filters: dict[str, object], expected: list[str]):
    assert names(org_graph, **filters) == expected


def test_fields_come_a_page_at_a_time_with_the_total_of_all_pages(org_graph: Graph):
    page = list_fields(org_graph, ORG_KEY, FieldFilter(sobject="Contact"), PageRequest(number=2, size=3))

    assert page.total == 4
    assert [row.name for row in page.rows] == ["Tax_Id__c"]


def test_a_fields_detail_says_which_rules_decided_its_category_and_sensitivity(org_graph: Graph):
    detail = field_detail(org_graph, field_key(ORG_ID, "Contact", "Tax_Id__c"))

    assert detail is not None
    assert (detail.ccpa_category, detail.classification_rule) == ("identifiers", "tax id: identifiers")
    assert (detail.sensitive, detail.sensitivity_rule, detail.encrypted) == (True, "SSN or tax id: CPRA (ae)(1)(A)",
                                                                             False)
    assert (detail.description, detail.help_text) == ("The customer's US taxpayer id", "Nine digits")


def test_a_fields_detail_has_salesforces_own_classification_and_picklist_values(org_graph: Graph):
    email = field_detail(org_graph, field_key(ORG_ID, "Contact", "Email"))
    status = field_detail(org_graph, field_key(ORG_ID, "Loan_Application__c", "Status__c"))

    assert email is not None
    assert status is not None
    assert (email.security_classification, email.compliance_groups) == ("Confidential", ("PII", "CCPA"))
    assert status.picklist_values == ("Draft", "Submitted")


def test_another_orgs_fields_are_not_listed(org_graph: Graph):
    page = list_fields(org_graph, "org:00D000000000NOBODY", FieldFilter(), PageRequest())

    assert (page.total, page.rows) == (0, ())


@pytest.mark.parametrize("query", [COUNT_FIELDS, LIST_FIELDS])
def test_a_filtered_field_list_seeks_the_orgs_fields_through_its_index(org_graph: Graph, query):
    parameters = {"org_key": ORG_KEY, **FieldFilter(sensitive=True, search="tax").parameters(), "skip": 0, "limit": 50}

    operators = org_graph.plan(query, **parameters)

    assert "NodeIndexSeek" in operators
    assert "NodeByLabelScan" not in operators
    assert "AllNodesScan" not in operators


@pytest.mark.parametrize(("number", "size"), [(0, 10), (1, 0), (1, 501)])
def test_a_page_out_of_bounds_is_refused(number: int, size: int):
    with pytest.raises(ValueError, match="page"):
        PageRequest(number=number, size=size)
