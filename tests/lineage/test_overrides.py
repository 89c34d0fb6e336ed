"""The graph's mirror of classification overrides (lineage.overrides) against the real engine: the harvest's writer
never clears it, the effective expressions read it, and a mirror only ever lands on a field that exists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lineage import FieldRecord, Graph, GraphWriter, bootstrap_schema, field_key, org_key, purge_org
from lineage.overrides import OverrideMirror, clear_override, reapply_overrides, set_override
from lineage.queries.classification import effective_category, effective_sensitive

ORG_ID = "00D000000000MIRAAA"
KEY = field_key(ORG_ID, "Contact", "Email")
AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def email(**values: object) -> FieldRecord:
    return FieldRecord(org_id=ORG_ID, sobject="Contact", name="Email", type="email", evidence="describe:Contact",
                       **values)  # type: ignore[arg-type]


def mirror(**values: object) -> OverrideMirror:
    given: dict[str, object] = {"field_key": KEY, "override_id": 1, "at": AT, "by": "olivia", "reason": "why",
                                "ccpa_category": None, "category_kept": True, "sensitive": None, **values}
    return OverrideMirror(**given)  # type: ignore[arg-type]


def in_force(graph: Graph) -> tuple[str | None, bool]:
    row = graph.read("MATCH (f:Field {key: $key}) RETURN " + effective_category("f") + " AS category, "
                     + effective_sensitive("f") + " AS sensitive", key=KEY)[0]
    return row["category"], row["sensitive"]


@pytest.fixture
def mirror_graph(graph: Graph) -> Iterator[Graph]:
    bootstrap_schema(graph)
    purge_org(graph, org_key(ORG_ID))
    GraphWriter(graph, "run-1", org_key(ORG_ID), AT).write_nodes([email(ccpa_category="identifiers")])
    yield graph
    purge_org(graph, org_key(ORG_ID))


def test_the_writer_rewriting_a_field_with_cleared_properties_keeps_its_override(mirror_graph: Graph):
    set_override(mirror_graph, mirror(category_kept=False, ccpa_category=None, sensitive=True))

    # The harvest now finds no category: `ccpa_category` is among the properties the writer clears.
    GraphWriter(mirror_graph, "run-2", org_key(ORG_ID), AT).write_nodes([email(ccpa_category=None)])

    assert in_force(mirror_graph) == (None, True)


@pytest.mark.parametrize(("values", "expected"), [
    ({"category_kept": False, "ccpa_category": "customer_records"}, ("customer_records", False)),
    ({"category_kept": False, "ccpa_category": None}, (None, False)),  # not personal information
    ({"category_kept": True, "sensitive": True}, ("identifiers", True)),
    ({"category_kept": False, "ccpa_category": "inferences", "sensitive": False}, ("inferences", False)),
])
def test_the_effective_expressions_read_what_the_override_decides_and_keep_the_rest(
        mirror_graph: Graph, values: dict[str, object], expected: tuple[str | None, bool]):
    set_override(mirror_graph, mirror(**values))

    assert in_force(mirror_graph) == expected


def test_a_cleared_override_leaves_the_harvested_classification(mirror_graph: Graph):
    set_override(mirror_graph, mirror(category_kept=False, ccpa_category=None, sensitive=True))

    assert clear_override(mirror_graph, KEY) is True
    assert in_force(mirror_graph) == ("identifiers", False)


def test_a_mirror_lands_only_on_a_field_that_exists_and_only_on_its_own_org(mirror_graph: Graph):
    missing = field_key(ORG_ID, "Contact", "Nothing__c")

    assert set_override(mirror_graph, mirror(field_key=missing)) is False
    assert reapply_overrides(mirror_graph, org_key(ORG_ID), [mirror(field_key=missing)]) == 0
    with pytest.raises(ValueError, match="must be on one of its fields"):
        reapply_overrides(mirror_graph, org_key("00D000000000OTHAAA"), [mirror()])
