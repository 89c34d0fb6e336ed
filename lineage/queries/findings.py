"""Whose data a finding's case concerns: the consumers and records it affects, read through the subject index.

A case names the Salesforce objects it concerns. A consumer's records are indexed (HAS_RECORD) in the objects that
hold people (Account, Contact, Individual, …), not in every object that holds their data: a transaction points at an
account, which points at its owner. So the objects a case concerns are followed through their lookups
(`Field -REFERENCES-> SObject`), up to `LOOKUP_HOPS` deep, to the objects whose records the index holds; a consumer
holding records there is affected. That is an inference, and the finding says so.

Audiences (`lineage.rules.Audience`): everyone holding such records (holders); only those of them who raised one of
the rule's opt-outs (opted_out: a `CONSENTED` edge of status opt_out to a Preference or Purpose of that name); only
the subjects the case names (named); or nobody the graph can count (none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import LiteralString

from lineage.graph import Graph
from lineage.queries.classification import effective_category, effective_sensitive

LOOKUP_HOPS = 2

_HOLDERS: LiteralString = """
    MATCH (o:SObject {org_key: $org}) WHERE o.name IN $objects AND o.retired_at IS NULL
    OPTIONAL MATCH (o)-[h1:HAS_FIELD]->(:Field)-[r1:REFERENCES]->(t1:SObject)
    WHERE h1.retired_at IS NULL AND r1.retired_at IS NULL AND t1.retired_at IS NULL
    OPTIONAL MATCH (t1)-[h2:HAS_FIELD]->(:Field)-[r2:REFERENCES]->(t2:SObject)
    WHERE h2.retired_at IS NULL AND r2.retired_at IS NULL AND t2.retired_at IS NULL
    WITH collect(DISTINCT o) + collect(DISTINCT t1) + collect(DISTINCT t2) AS reached
    UNWIND reached AS holder
    WITH DISTINCT holder
"""
_EVERYONE: LiteralString = """
    MATCH (holder)<-[x:HAS_RECORD]-(s:Subject)
    WHERE x.retired_at IS NULL AND s.retired_at IS NULL
"""
_OPTED_OUT: LiteralString = """
    WITH collect(holder) AS holders
    MATCH (choice {org_key: $org}) WHERE (choice:Preference OR choice:Purpose) AND choice.name IN $opt_outs
      AND choice.retired_at IS NULL
    MATCH (choice)<-[c:CONSENTED]-(s:Subject)
    WHERE c.status = 'opt_out' AND c.retired_at IS NULL AND s.retired_at IS NULL
    WITH DISTINCT s, holders
    MATCH (s)-[x:HAS_RECORD]->(holder)
    WHERE x.retired_at IS NULL AND holder IN holders
"""
_NAMED: LiteralString = """
    MATCH (s:Subject) WHERE s.key IN $subjects AND s.retired_at IS NULL
    OPTIONAL MATCH (s)-[x:HAS_RECORD {org_key: $org}]->(:SObject)
    WHERE x.retired_at IS NULL
"""
_COUNT: LiteralString = "RETURN count(DISTINCT s) AS consumers, sum(size(x.record_ids)) AS records"
_KEYS: LiteralString = "RETURN DISTINCT s.key AS key ORDER BY key LIMIT $limit"


@dataclass(frozen=True)
class Affected:
    consumers: int | None  # None: the graph cannot count them (the audience is none)
    records: int | None


def affected(graph: Graph, org_key: str, *, audience: str, objects: Sequence[str], opt_outs: Sequence[str] = (),
             subjects: Sequence[str] = ()) -> Affected:
    """How many consumers the case affects, and how many of their records the index holds in the objects reached."""
    query = _query(audience, _COUNT)
    if query is None:
        return Affected(consumers=None, records=None)
    [row] = graph.read(query, org=org_key, objects=list(objects), opt_outs=list(opt_outs), subjects=list(subjects))
    return Affected(consumers=int(row["consumers"]), records=int(row["records"] or 0))


def affected_subjects(graph: Graph, org_key: str, *, audience: str, objects: Sequence[str],
                      opt_outs: Sequence[str] = (), subjects: Sequence[str] = (), limit: int = 100) -> list[str]:
    """The keys of the subjects the case affects (at most `limit`, by key): what a data map links to."""
    query = _query(audience, _KEYS)
    if query is None:
        return []
    return [str(row["key"]) for row in graph.read(query, org=org_key, objects=list(objects),
                                                  opt_outs=list(opt_outs), subjects=list(subjects), limit=limit)]


def field_classes(graph: Graph, field_keys: Sequence[str]) -> dict[str, tuple[str | None, bool]]:
    """Each field's effective CCPA category and whether it is sensitive, by key (a key not in the graph is left out)."""
    if not field_keys:
        return {}
    rows = graph.read("UNWIND $keys AS key MATCH (f:Field {key: key}) "
                      "RETURN f.key AS key, " + effective_category("f") + " AS category, "
                      + effective_sensitive("f") + " AS sensitive", keys=sorted(set(field_keys)))
    return {str(row["key"]): (row["category"], bool(row["sensitive"])) for row in rows}


def _query(audience: str, ending: LiteralString) -> LiteralString | None:
    if audience == "holders":
        return _HOLDERS + _EVERYONE + ending
    if audience == "opted_out":
        return _HOLDERS + _OPTED_OUT + ending
    if audience == "named":
        return _NAMED + ending
    return None


__all__ = ["LOOKUP_HOPS", "Affected", "affected", "affected_subjects", "field_classes"]
