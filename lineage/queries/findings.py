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
ask the same question: their objects lead to the same few indexed objects. `AffectedCounter` reads the org's
lookups once and follows them in memory, and counts each distinct question once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import LiteralString

from lineage.graph import Graph
from lineage.queries.classification import effective_category, effective_sensitive

LOOKUP_HOPS = 2

# The objects the subject index holds records in, and every live lookup between the org's objects: read once, so
# the objects each case's objects lead to are followed in memory (the same few lookups serve thousands of cases).
_INDEXED: LiteralString = """
    MATCH (indexed:SObject {org_key: $org})
    WHERE indexed.retired_at IS NULL AND exists { (indexed)<-[:HAS_RECORD]-(:Subject) }
    RETURN collect(indexed.name) AS names
"""
_LOOKUPS: LiteralString = """
    MATCH (o:SObject {org_key: $org})-[h:HAS_FIELD]->(:Field)-[r:REFERENCES]->(t:SObject)
    WHERE o.retired_at IS NULL AND h.retired_at IS NULL AND r.retired_at IS NULL AND t.retired_at IS NULL
    RETURN o.name AS source, collect(DISTINCT t.name) AS targets
"""
_EVERYONE: LiteralString = """
    MATCH (holder:SObject {org_key: $org}) WHERE holder.name IN $holders
    MATCH (holder)<-[x:HAS_RECORD]-(s:Subject)
    WHERE x.retired_at IS NULL AND s.retired_at IS NULL
"""
_OPTED_OUT: LiteralString = """
    MATCH (choice {org_key: $org}) WHERE (choice:Preference OR choice:Purpose) AND choice.name IN $opt_outs
      AND choice.retired_at IS NULL
    MATCH (choice)<-[c:CONSENTED]-(s:Subject)
    WHERE c.status = 'opt_out' AND c.retired_at IS NULL AND s.retired_at IS NULL
    WITH DISTINCT s
    MATCH (s)-[x:HAS_RECORD]->(holder:SObject {org_key: $org})
    WHERE x.retired_at IS NULL AND holder.name IN $holders
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
    holders: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)  # by the names of a case's objects
    counted: dict[Question, Affected] = field(default_factory=dict)
    indexed: frozenset[str] = frozenset()  # the objects the subject index holds records in
    lookups: dict[str, tuple[str, ...]] | None = None  # each object's lookup targets, read on the first `prepare`

    def prepare(self, object_sets: Iterable[Sequence[str]]) -> None:
        """The indexed objects each set of objects leads to (itself, or through up to LOOKUP_HOPS lookups)."""
        asked = [tuple(each) for each in object_sets if tuple(each) not in self.holders]
        if not asked:
            return
        if self.lookups is None:
            [indexed] = self.graph.read(_INDEXED, org=self.org_key)
            self.indexed = frozenset(indexed["names"])
            self.lookups = {str(row["source"]): tuple(row["targets"])
                            for row in self.graph.read(_LOOKUPS, org=self.org_key)}
        for each in asked:
            self.holders[each] = self._reached(each) & self.indexed

    def _reached(self, objects: Sequence[str]) -> frozenset[str]:
        reached, frontier = set(objects), set(objects)
        for _ in range(LOOKUP_HOPS):
            frontier = {target for name in frontier for target in (self.lookups or {}).get(name, ())} - reached
            reached |= frontier
        return frozenset(reached)

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
