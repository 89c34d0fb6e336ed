"""The filters of the graph lists: the schema says every limit a value must keep, so a value it allows is accepted."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict

from catalog.api.filters import GraphFilterSet
from catalog.inventory.api import FieldFilterSet
from catalog.systems.api import IntegrationFilterSet, SystemFilterSet
from tests.catalog.accounts.people import privacy_officer, token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("filterset", [FieldFilterSet, SystemFilterSet, IntegrationFilterSet])
def test_the_schema_declares_the_longest_value_each_text_filter_takes(filterset: type[GraphFilterSet]):
    declared: dict[str, Any] = {parameter.name: parameter.type for parameter in filterset.schema_parameters()}

    for name, each in filterset.base_filters.items():
        if each.extra.get("max_length"):
            assert declared[name]["maxLength"] == each.extra["max_length"], name


def test_a_value_as_long_as_the_schema_allows_is_accepted_and_a_longer_one_named():
    longest = "N" * FieldFilterSet.base_filters["namespace"].extra["max_length"]

    assert FieldFilterSet(QueryDict(f"namespace={longest}")).is_valid()
    refused = FieldFilterSet(QueryDict(f"namespace={longest}N"))
    assert not refused.is_valid()
    assert "namespace" in refused.errors


def test_every_free_text_query_parameter_says_it_takes_no_null_character_as_the_forms_refuse_one():
    schema = token_client(privacy_officer()).get("/api/schema/?format=json").json()
    text = [(path, parameter) for path, operations in schema["paths"].items() for operation in operations.values()
            for parameter in operation.get("parameters", []) if parameter["in"] == "query"
            and parameter["schema"].get("type") == "string" and "enum" not in parameter["schema"]
            and "format" not in parameter["schema"]]

    assert any(parameter["name"] == "actor" for _, parameter in text)  # the audit log's filter by who
    for path, parameter in text:
        assert "pattern" in parameter["schema"], f"{path} ?{parameter['name']}"
