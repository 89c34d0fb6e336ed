"""Whose data a finding's case concerns: the consumers and records it affects, read through the subject index.

A case names the Salesforce objects it concerns. A consumer's records are indexed (HAS_RECORD) in the objects that
hold people (Account, Contact, Individual, …), not in every object that holds their data: a transaction points at an
account, which points at its owner. So the objects a case concerns are followed through their lookups
(`Field -REFERENCES-> SObject`), up to `LOOKUP_HOPS` deep, to the objects whose records the index holds; a consumer
holding records there is affected. That is an inference, and the finding says so.

Audiences (`lineage.rules.Audience`): everyone holding such records (holders); only those of them who raised one of
the rule's opt-outs (opted_out: a `CONSENTED` edge of status opt_out to a Preference or Purpose of that name); only
the subjects the case names (named); or nobody the graph can count (none).

An evaluation asks this of thousands of cases (every unencrypted sensitive field of a 2,000-object org), and most
ask the same question: their objects lead to the same few indexed objects. `AffectedCounter` reads every case's
holders in one query, and counts each distinct question once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import LiteralString

from lineage.graph import Graph
from lineage.queries.classification import effective_category, effective_sensitive

LOOKUP_HOPS = 2

# The objects each list of object names leads to through its lookups, among those the subject index holds records in.
_HOLDERS: LiteralString = """
    MATCH (indexed:SObject {org_key: $org})
    WHERE indexed.retired_at IS NULL AND exists { (indexed)<-[:HAS_RECORD]-(:Subject) }
    WITH collect(indexed.key) AS indexed
    UNWIND range(0, size($object_sets) - 1) AS position
    UNWIND $object_sets[position] AS name
    MATCH (o:SObject {org_key: $org, name: name}) WHERE o.retired_at IS NULL
    OPTIONAL MATCH (o)-[h1:HAS_FIELD]->(:Field)-[r1:REFERENCES]->(t1:SObject)
    WHERE h1.retired_at IS NULL AND r1.retired_at IS NULL AND t1.retired_at IS NULL
    OPTIONAL MATCH (t1)-[h2:HAS_FIELD]->(:Field)-[r2:REFERENCES]->(t2:SObject)
    WHERE h2.retired_at IS NULL AND r2.retired_at IS NULL AND t2.retired_at IS NULL
    WITH position, indexed, collect(DISTINCT o.key) + collect(DISTINCT t1.key) + collect(DISTINCT t2.key) AS reached
    RETURN position, [key IN indexed WHERE key IN reached] AS holders
"""
_EVERYONE: LiteralString = """
    MATCH (holder:SObject) WHERE holder.key IN $holders
    MATCH (holder)<-[x:HAS_RECORD]-(s:Subject)
    WHERE x.retired_at IS NULL AND s.retired_at IS NULL
"""
_OPTED_OUT: LiteralString = """
    MATCH (choice {org_key: $org}) WHERE (choice:Preference OR choice:Purpose) AND choice.name IN $opt_outs
      AND choice.retired_at IS NULL
    MATCH (choice)<-[c:CONSENTED]-(s:Subject)
    WHERE c.status = 'opt_out' AND c.retired_at IS NULL AND s.retired_at IS NULL
    WITH DISTINCT s
    MATCH (s)-[x:HAS_RECORD]->(holder:SObject)
    WHERE x.retired_at IS NULL AND holder.key IN $holders
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


Question = tuple[str, frozenset[str], tuple[str, ...], tuple[str, ...]]  # audience, holders, opt-outs, subjects


@dataclass
class AffectedCounter:
    """Counts the consumers of an org's cases, each distinct question once: `prepare` every case's objects first."""

    graph: Graph
    org_key: str
    holders: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    counted: dict[Question, Affected] = field(default_factory=dict)

    def prepare(self, object_sets: Iterable[Sequence[str]]) -> None:
        """The indexed objects each set of objects leads to, read in one query for every set not read yet."""
        asked = list(dict.fromkeys(tuple(each) for each in object_sets if tuple(each) not in self.holders))
        if not asked:
            return
        rows = self.graph.read(_HOLDERS, org=self.org_key, object_sets=[list(each) for each in asked])
        found = {int(row["position"]): frozenset(row["holders"]) for row in rows}
        self.holders.update({each: found.get(position, frozenset()) for position, each in enumerate(asked)})

    def count(self, audience: str, objects: Sequence[str], opt_outs: Sequence[str] = (),
              subjects: Sequence[str] = ()) -> Affected:
        if audience == "none":
            return Affected(consumers=None, records=None)
        self.prepare([objects])
        question = (audience, self.holders[tuple(objects)], tuple(opt_outs), tuple(subjects))
        if question not in self.counted:
            [row] = self.graph.read(_query(audience, _COUNT), **self._parameters(question))
            self.counted[question] = Affected(consumers=int(row["consumers"]), records=int(row["records"] or 0))
        return self.counted[question]

    def subjects(self, audience: str, objects: Sequence[str], opt_outs: Sequence[str] = (),
                 subjects: Sequence[str] = (), limit: int = 100) -> list[str]:
        """The keys of the subjects the case affects (at most `limit`, by key)."""
        if audience == "none":
            return []
        self.prepare([objects])
        question = (audience, self.holders[tuple(objects)], tuple(opt_outs), tuple(subjects))
        rows = self.graph.read(_query(audience, _KEYS), limit=limit, **self._parameters(question))
        return [str(row["key"]) for row in rows]

    def _parameters(self, question: Question) -> dict[str, object]:
        _, holders, opt_outs, subjects = question
        return {"org": self.org_key, "holders": sorted(holders), "opt_outs": list(opt_outs),
                "subjects": list(subjects)}


def field_classes(graph: Graph, field_keys: Sequence[str]) -> dict[str, tuple[str | None, bool]]:
    """Each field's effective CCPA category and whether it is sensitive, by key (a key not in the graph is left out)."""
    if not field_keys:
        return {}
    rows = graph.read("UNWIND $keys AS key MATCH (f:Field {key: key}) "
                      "RETURN f.key AS key, " + effective_category("f") + " AS category, "
                      + effective_sensitive("f") + " AS sensitive", keys=sorted(set(field_keys)))
    return {str(row["key"]): (row["category"], bool(row["sensitive"])) for row in rows}


def _query(audience: str, ending: LiteralString) -> LiteralString:
    if audience == "holders":
        return _EVERYONE + ending
    if audience == "opted_out":
        return _OPTED_OUT + ending
    return _NAMED + ending


__all__ = ["LOOKUP_HOPS", "Affected", "AffectedCounter", "field_classes"]
