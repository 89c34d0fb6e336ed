"""The graph client sends a query only the parameters its text names."""

from __future__ import annotations

from lineage.graph import named_in


def test_a_parameter_the_query_does_not_name_is_not_sent():
    sent = named_in("MATCH (f:Field {key: $key}) WHERE $filter.search IS NULL RETURN f LIMIT $limit",
                    {"key": "field:1", "filter": {"search": None}, "limit": 5, "unused": "x", "search": "tax"})

    assert sent == {"key": "field:1", "filter": {"search": None}, "limit": 5}


def test_a_name_that_begins_another_is_told_apart():
    assert named_in("RETURN $org_prefix", {"org": "org:1", "org_prefix": "org:1:"}) == {"org_prefix": "org:1:"}
