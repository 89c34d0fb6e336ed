"""The facts a record of processing activities is made of, read from the graph with the evidence behind each.

One activity per purpose (a `Purpose` node: Salesforce's DataUsePurpose or a manifest's declared purpose; names that
differ only in case are one purpose). Its processing is every integration that SERVES the purpose or is GATED_BY a
consent check on it, with the integration its manifest entry runs through (`via_integration`). From those: the
personal fields they move, read or write (a whole object read or written stands for its personal fields), the
systems they send to with the org's CCPA role and country for each, and every edge's harvested artefact.
Personal fields no activity reaches are read apart: the record lists them as needing a purpose.

Every read takes `as_of`: a node or edge counts when it was first seen by then and not retired by then, so a record
can be rebuilt as the graph stood on a past date, with the values of then where they change in place: a system's
CCPA role and country are kept on an edge per value (a new role retires the old edge), an integration's attributes
in an `IntegrationState` per distinct set (`lineage.writers`), and the caller passes the classification overrides in
force at `as_of` (their history is in the catalog's database; the graph mirrors only today's). A field's harvested
classification and an object's record types are still read as they are now. A frozen snapshot keeps the whole
record as it was.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, LiteralString, NamedTuple, TypeVar

from lineage.graph import Graph, in_parallel
from lineage.overrides import OverrideMirror, overrides_in_force
from lineage.queries.classification import effective_category_at, effective_sensitive_at
from lineage.queries.moments import as_text, optional_moment
from lineage.queries.retention import RetentionCountFact, longest_period, retention_counts
from lineage.records import sobject_key

T = TypeVar("T")


@dataclass(frozen=True)
class PurposeFact:
    key: str
    name: str
    description: str | None
    legal_basis: str | None  # Salesforce's DataUseLegalBasis, where the org records one
    declared: bool  # a manifest declares it
    data_use_purpose: str | None  # the org's DataUsePurpose row, when Salesforce records the purpose
    evidence: str | None  # the last source's artefact (a manifest entry or the DataUsePurpose row)


@dataclass(frozen=True)
class IntegrationFact:
    """An integration doing the activity's processing, and how it is tied to the purpose."""

    key: str
    kind: str
    name: str
    tie: str  # SERVES, GATED_BY, or VIA (the integration a manifest entry that serves the purpose runs through)
    tie_evidence: str | None
    evidence: str | None
    attributes: tuple[tuple[str, Any], ...]  # what its kind adds: direction, system_kind, retention, sharing …

    def attribute(self, name: str) -> Any:
        return dict(self.attributes).get(name)


class FieldFact(NamedTuple):
    """A personal field an integration moves (sends, receives) or touches (reads, writes). A tuple: a large org's
    record makes a few hundred thousand, and a frozen dataclass took five times as long to make each."""

    key: str
    sobject: str
    sobject_key: str  # its object's node
    name: str
    category: str | None
    sensitive: bool
    encrypted: bool
    integration_key: str | None  # None: no activity reaches it
    movement: str | None  # sends, receives, reads or writes
    system_key: str | None  # where it is sent to or received from
    evidence: str | None


@dataclass(frozen=True)
class SystemFact:
    """A system an integration sends to, with what the org says of it."""

    key: str
    host: str
    name: str | None
    integration_key: str
    role: str | None  # service_provider, contractor or third_party (CCPA); None: not declared
    country: str | None
    channel: str | None
    evidence: str | None  # the SENDS_TO edge's artefact
    role_evidence: str | None  # the HAS_SYSTEM edge's (a manifest entry)


@dataclass(frozen=True)
class ProcessingFacts:
    """An activity's facts: its purposes (one name, any case), its integrations, fields and systems."""

    name: str
    purposes: tuple[PurposeFact, ...]
    integrations: tuple[IntegrationFact, ...]
    fields: tuple[FieldFact, ...]
    systems: tuple[SystemFact, ...]
    # Its objects' records older than its retention period, as the latest harvest by then counted them.
    retention_counts: tuple[RetentionCountFact, ...] = ()

    @property
    def retention_period(self) -> str | None:
        """The period its Salesforce records are counted against: the longest its manifests state."""
        return longest_period(str(each.attribute("retention")) for each in self.integrations
                              if each.attribute("retention"))

    @property
    def held_objects(self) -> tuple[str, ...]:
        """The objects holding its personal fields."""
        return tuple(sorted({each.sobject for each in self.fields}))


@dataclass(frozen=True)
class ObjectFact:
    """An object's record types (developer names, the master left out), as its describe lists them, and how many
    records it held when Salesforce last counted them (limits/recordCount) by the moment asked."""

    sobject_key: str
    sobject: str
    names: tuple[str, ...]
    evidence: str | None  # the describe
    record_count: int | None = None
    record_count_at: datetime | None = None


@dataclass(frozen=True)
class CodeFact:
    """Code (an Apex class, a Lightning component) that reads or writes sensitive fields: whether it runs without
    sharing and whether it enforces field-level security, with the attributes it had at the moment asked."""

    integration: IntegrationFact
    field_keys: frozenset[str]  # the sensitive fields it reads or writes


def live(variable: LiteralString) -> LiteralString:
    """Cypher: the node or edge bound to `variable` stood in the graph at $as_of."""
    return (f"({variable}.first_seen IS NULL OR {variable}.first_seen <= $as_of) "
            f"AND ({variable}.retired_at IS NULL OR {variable}.retired_at > $as_of)")


_PERSONAL = "(" + effective_category_at("f") + " IS NOT NULL OR " + effective_sensitive_at("f") + ")"

PURPOSES: LiteralString = (
    "MATCH (p:Purpose) WHERE p.org_key = $org_key AND " + live("p") + " "
    "RETURN p AS purpose ORDER BY toLower(p.name), p.key"
)
# The integrations tied to each purpose, and the one a manifest entry runs through (`via_integration`).
SERVING: LiteralString = (
    "UNWIND $purposes AS purpose_key "
    "MATCH (i:Integration)-[e:SERVES|GATED_BY]->(p:Purpose {key: purpose_key}) "
    "WHERE " + live("e") + " AND " + live("i") + " "
    "OPTIONAL MATCH (v:Integration {key: i.via_integration}) WHERE " + live("v") + " "
    "RETURN purpose_key, i AS integration, type(e) AS tie, e.evidence AS tie_evidence, v AS via "
    "ORDER BY purpose_key, i.key"
)
# What each integration moves or touches: fields by key, and objects read or written whole (each stands for its
# personal fields). Which fields are personal, and what they are, is read once per field (`PERSONAL_FIELDS`,
# `FIELDS_OF`) rather than once per integration reaching it: in a large org a few hundred integrations read a few
# thousand objects whole, hundreds of thousands of fields.
MOVED: LiteralString = (
    "UNWIND $integrations AS integration_key "
    "MATCH (i:Integration {key: integration_key}) "
    "CALL (i) { "
    "  MATCH (i)-[t:SENDS_TO]->(s:System)<-[r:FLOWS_TO]-(f:Field) WHERE r.via = i.key AND " + live("t") + " AND "
    + live("r") +
    "  RETURN 'sends' AS movement, s.key AS system_key, r.evidence AS evidence, f.key AS field_key, "
    "    null AS sobject_key "
    "  UNION "
    "  MATCH (i)-[t:SENDS_TO]->(s:System)-[r:FLOWS_TO]->(f:Field) WHERE r.via = i.key AND " + live("t") + " AND "
    + live("r") +
    "  RETURN 'receives' AS movement, s.key AS system_key, r.evidence AS evidence, f.key AS field_key, "
    "    null AS sobject_key "
    "  UNION "
    "  MATCH (i)-[r:READS|WRITES]->(f:Field) WHERE " + live("r") + " "
    "  RETURN toLower(type(r)) AS movement, null AS system_key, r.evidence AS evidence, f.key AS field_key, "
    "    null AS sobject_key "
    "  UNION "
    "  MATCH (i)-[r:READS|WRITES]->(o:SObject) WHERE " + live("r") + " "
    "  RETURN toLower(type(r)) AS movement, null AS system_key, r.evidence AS evidence, null AS field_key, "
    "    o.key AS sobject_key "
    "} "
    "RETURN i.key AS integration_key, collect([movement, system_key, evidence, field_key, sobject_key]) AS moved"
)
SYSTEMS: LiteralString = (
    "UNWIND $integrations AS integration_key "
    "MATCH (i:Integration {key: integration_key})-[t:SENDS_TO]->(s:System) WHERE " + live("t") + " AND "
    + live("s") + " "
    "OPTIONAL MATCH (:Org {key: $org_key})-[h:HAS_SYSTEM]->(s) WHERE " + live("h") + " "
    "RETURN integration_key, s.key AS key, s.host AS host, s.name AS name, h.role AS role, h.country AS country, "
    "  t.channel AS channel, t.evidence AS evidence, h.evidence AS role_evidence "
    "ORDER BY integration_key, s.host"
)
# Each integration's attributes as they stood at $as_of (`lineage.writers`: a state per attribute set it had).
STATES: LiteralString = (
    "UNWIND $integrations AS integration_key "
    "MATCH (s:IntegrationState {integration_key: integration_key}) WHERE " + live("s") + " "
    "RETURN integration_key, s AS state"
)
# The org's objects that have record types (their records' kinds: a person account, a prospect, an applicant …) or
# a record count (a count read after $as_of is not the count then).
OBJECTS: LiteralString = (
    "MATCH (o:SObject) WHERE o.org_key = $org_key AND " + live("o") + " "
    "WITH o, CASE WHEN o.record_count_at <= $as_of THEN o.record_count END AS record_count "
    "WHERE size(coalesce(o.record_types, [])) > 0 OR record_count IS NOT NULL "
    "RETURN o.key AS key, o.name AS name, coalesce(o.record_types, []) AS record_types, o.evidence AS evidence, "
    "  record_count, CASE WHEN record_count IS NOT NULL THEN " + as_text("o.record_count_at") + " END "
    "  AS record_count_at ORDER BY o.name"
)
# The org's code that reads or writes a sensitive field (its effective classification), with those fields.
CODE_TOUCHING_SENSITIVE: LiteralString = (
    "MATCH (i:Integration) WHERE i.org_key = $org_key AND i.kind IN ['apex_class', 'component'] AND " + live("i") + " "
    "MATCH (i)-[r:READS|WRITES]->(f:Field) WHERE " + live("r") + " AND " + live("f") + " AND "
    + effective_sensitive_at("f") + " "
    "RETURN i AS integration, collect(DISTINCT f.key) AS fields ORDER BY i.key"
)
# Personal fields grouped by object, each a list `_PersonalFields` reads: thousands of fields arrive as a few rows of
# lists, since the driver's cost is per row (a Bolt message each), not per value.
_BY_OBJECT: LiteralString = (
    "WITH f WHERE " + live("f") + " AND " + _PERSONAL + " "
    "RETURN f.org_id AS org_id, f.sobject AS sobject, f.evidence AS evidence, "
    "  collect([f.key, f.name, " + effective_category_at("f") + ", " + effective_sensitive_at("f") + ", "
    "  coalesce(f.encrypted, false)]) AS fields"
)
# Every personal field of the org, for a whole record: the fields its activities reach and those none reaches.
PERSONAL_FIELDS: LiteralString = (
    "CALL () { MATCH (f:Field) WHERE f.org_key = $org_key AND f.ccpa_category IS NOT NULL RETURN f "
    "  UNION MATCH (f:Field) WHERE f.org_key = $org_key AND f.override_ccpa_category IS NOT NULL RETURN f "
    "  UNION MATCH (f:Field) WHERE f.org_key = $org_key AND f.sensitive = true RETURN f "
    "  UNION MATCH (f:Field) WHERE f.org_key = $org_key AND f.override_sensitive = true RETURN f "
    "  UNION MATCH (f:Field) WHERE f.key IN keys(coalesce($overrides, {})) AND f.org_key = $org_key RETURN f } "
    + _BY_OBJECT
)
# The personal fields of the objects named (by node key) and the fields named, for some activities only. A field's
# HAS_FIELD edge needs no test of its own: one describe writes and retires both.
FIELDS_OF: LiteralString = (
    "CALL () { UNWIND $sobjects AS sobject_key MATCH (:SObject {key: sobject_key})-[:HAS_FIELD]->(f:Field) RETURN f "
    "  UNION UNWIND $fields AS field_key MATCH (f:Field {key: field_key}) RETURN f } "
    + _BY_OBJECT
)


@dataclass(frozen=True)
class RecordFacts:
    """What a record is built of: its activities' facts, the personal fields none reaches, the objects' record types
    and counts, and the code touching sensitive fields."""

    activities: tuple[ProcessingFacts, ...]
    unreached: tuple[FieldFact, ...]  # empty when only some purposes were read (they need every activity)
    objects: tuple[ObjectFact, ...]
    code: tuple[CodeFact, ...] = ()


def record_facts(graph: Graph, org_key: str, as_of: datetime, overrides: Sequence[OverrideMirror] | None = None,
                 purpose_named: Callable[[str], bool] | None = None) -> RecordFacts:
    """Everything the record at `as_of` is built of, the reads that do not wait on each other side by side;
    `overrides` and `purpose_named` as for `processing_facts`."""
    in_force = _overrides_param(overrides)
    objects = in_parallel(functools.partial(object_facts, graph, org_key, as_of))
    code = in_parallel(functools.partial(code_touching_sensitive, graph, org_key, as_of, in_force))
    personal = None if purpose_named else in_parallel(functools.partial(
        _personal_fields, graph, PERSONAL_FIELDS, {"org_key": org_key}, as_of, in_force))
    activities = _processing_facts(graph, org_key, as_of, in_force, purpose_named, personal)
    unreached = _unreached(activities, personal.result()) if personal else ()
    return RecordFacts(activities, unreached, objects.result(), code.result())


def processing_facts(graph: Graph, org_key: str, as_of: datetime,
                     overrides: Sequence[OverrideMirror] | None = None,
                     purpose_named: Callable[[str], bool] | None = None) -> tuple[ProcessingFacts, ...]:
    """Every activity's facts at `as_of`, by purpose name; `overrides`: the classification overrides in force at
    `as_of` (None: those mirrored onto the graph now); `purpose_named`: only the purposes whose name it accepts
    (one activity's page reads only that activity's integrations and fields)."""
    return _processing_facts(graph, org_key, as_of, _overrides_param(overrides), purpose_named, None)


def _processing_facts(graph: Graph, org_key: str, as_of: datetime, in_force: dict[str, dict[str, Any]] | None,
                      purpose_named: Callable[[str], bool] | None,
                      personal: Future[_PersonalFields] | None) -> tuple[ProcessingFacts, ...]:
    """`processing_facts`, `in_force` the overrides as the queries take them (None: those mirrored onto the graph),
    `personal` the org's personal fields being read (None: those the integrations reach are read after them)."""
    purposes = [_purpose(row["purpose"]) for row in graph.read(PURPOSES, org_key=org_key, as_of=as_of)]
    purposes = [each for each in purposes if purpose_named is None or purpose_named(each.name)]
    tied = _integrations_by_purpose(graph, [each.key for each in purposes], as_of)
    tied = _attributes_then(graph, tied, as_of)
    every_integration = sorted({each.key for ties in tied.values() for each in ties})
    systems = in_parallel(functools.partial(graph.read, SYSTEMS, integrations=every_integration, org_key=org_key,
                                            as_of=as_of))
    counts = in_parallel(functools.partial(retention_counts, graph, org_key, as_of))
    moved = graph.read(MOVED, integrations=every_integration, as_of=as_of)
    fields = _reached(moved, personal.result() if personal else _reached_fields(graph, moved, as_of, in_force))
    by_integration = _by_integration(systems.result(), _system)
    activities: dict[str, list[PurposeFact]] = {}
    for purpose in purposes:
        activities.setdefault(purpose.name.casefold(), []).append(purpose)
    return tuple(_with_counts(_activity(named, tied, fields, by_integration), counts.result())
                 for named in activities.values())


class _PersonalFields:
    """Personal fields as `_BY_OBJECT` reads them, by their object's node key and by their own key: each as a fact
    no integration reaches yet, with the evidence of the field itself (its describe)."""

    def __init__(self, rows: list[Any]) -> None:
        self.by_object: dict[str, list[FieldFact]] = {}
        self.by_key: dict[str, FieldFact] = {}
        for row in rows:
            org_id, sobject, evidence = row["org_id"], row["sobject"], row["evidence"]
            sobject_node = _object_key(org_id, sobject)
            listed = self.by_object.setdefault(sobject_node, [])
            for key, name, category, sensitive, encrypted in row["fields"]:
                field = FieldFact(key, sobject, sobject_node, name, category, sensitive, encrypted, None, None, None,
                                  evidence)
                listed.append(field)
                self.by_key[key] = field


def _personal_fields(graph: Graph, query: LiteralString, parameters: dict[str, Any], as_of: datetime,
                     in_force: dict[str, dict[str, Any]] | None) -> _PersonalFields:
    return _PersonalFields(graph.read(query, **parameters, as_of=as_of, overrides=in_force))


def _reached_fields(graph: Graph, moved: list[Any], as_of: datetime,
                    in_force: dict[str, dict[str, Any]] | None) -> _PersonalFields:
    """The personal fields among those `moved` names, and of the objects it names."""
    reached = [each for row in moved for each in row["moved"]]
    sobjects = sorted({sobject for *_, sobject in reached if sobject is not None})
    fields = sorted({field for *_, field, _ in reached if field is not None})
    return _personal_fields(graph, FIELDS_OF, {"sobjects": sobjects, "fields": fields}, as_of, in_force)


def _reached(moved: list[Any], personal: _PersonalFields) -> dict[str, list[FieldFact]]:
    """The personal fields each integration moves or touches (an object read or written whole: each of its personal
    fields), by object, name and movement."""
    fields: dict[str, list[FieldFact]] = {}
    for row in moved:
        integration_key = row["integration_key"]
        reached: list[FieldFact] = []
        for movement, system_key, evidence, field_key, sobject in row["moved"]:
            listed = personal.by_object.get(sobject, ()) if sobject else _one(personal.by_key.get(field_key))
            reached.extend(FieldFact(each.key, each.sobject, each.sobject_key, each.name, each.category,
                                     each.sensitive, each.encrypted, integration_key, movement, system_key, evidence)
                           for each in listed)
        # Once each, as the rows of MOVED's union were: a field read alone and with its object by the same artefact.
        fields[integration_key] = sorted(dict.fromkeys(reached),
                                         key=lambda each: (each.sobject, each.name, each.movement or ""))
    return fields


def _one(field: FieldFact | None) -> tuple[FieldFact, ...]:
    return () if field is None else (field,)


def _unreached(activities: tuple[ProcessingFacts, ...], personal: _PersonalFields) -> tuple[FieldFact, ...]:
    """The personal fields that no activity's integrations move, read or write, by object and name."""
    reached = {field.key for activity in activities for field in activity.fields}
    left = sorted((each for each in personal.by_key.values() if each.key not in reached),
                  key=lambda each: (each.sobject, each.name))
    return tuple(left)


def object_facts(graph: Graph, org_key: str, as_of: datetime) -> tuple[ObjectFact, ...]:
    """The org's objects with record types (as the latest describe lists them) or a record count at `as_of`."""
    return tuple(_object(row) for row in graph.read(OBJECTS, org_key=org_key, as_of=as_of))


def _object(row: Any) -> ObjectFact:
    return ObjectFact(sobject_key=row["key"], sobject=row["name"], names=tuple(dict.fromkeys(row["record_types"])),
                      evidence=row["evidence"], record_count=row["record_count"],
                      record_count_at=optional_moment(row["record_count_at"]))


def code_touching_sensitive(graph: Graph, org_key: str, as_of: datetime,
                            in_force: dict[str, dict[str, Any]] | None) -> tuple[CodeFact, ...]:
    """The org's code reading or writing a sensitive field at `as_of`, with the attributes it had then."""
    rows = graph.read(CODE_TOUCHING_SENSITIVE, org_key=org_key, as_of=as_of, overrides=in_force)
    touched = {row["integration"]["key"]: frozenset(row["fields"]) for row in rows}
    code = _attributes_then(graph, {"": [_integration(row["integration"], "TOUCHES", None) for row in rows]}, as_of)
    return tuple(CodeFact(each, touched[each.key]) for each in code.get("", []))


def _overrides_param(overrides: Sequence[OverrideMirror] | None) -> dict[str, dict[str, Any]] | None:
    return None if overrides is None else overrides_in_force(overrides)


def _attributes_then(graph: Graph, tied: dict[str, list[IntegrationFact]],
                     as_of: datetime) -> dict[str, list[IntegrationFact]]:
    """Each integration with the attributes it had at `as_of` (its state then), where the graph kept its states."""
    keys = sorted({each.key for ties in tied.values() for each in ties})
    states = {row["integration_key"]: _attributes(row["state"], _STATE_OWN)
              for row in graph.read(STATES, integrations=keys, as_of=as_of)}
    return {purpose: [replace(each, attributes=states[each.key]) if each.key in states else each for each in ties]
            for purpose, ties in tied.items()}


def _integrations_by_purpose(graph: Graph, purpose_keys: list[str],
                             as_of: datetime) -> dict[str, list[IntegrationFact]]:
    tied: dict[str, list[IntegrationFact]] = {}
    for row in graph.read(SERVING, purposes=purpose_keys, as_of=as_of):
        ties = tied.setdefault(row["purpose_key"], [])
        ties.append(_integration(row["integration"], row["tie"], row["tie_evidence"]))
        if row["via"] is not None:
            ties.append(_integration(row["via"], "VIA", row["integration"]["evidence"]))
    return tied


def _activity(purposes: list[PurposeFact], tied: dict[str, list[IntegrationFact]],
              fields: dict[str, list[FieldFact]], systems: dict[str, list[SystemFact]]) -> ProcessingFacts:
    integrations = {each.key: each for purpose in purposes for each in tied.get(purpose.key, [])}
    return ProcessingFacts(
        name=purposes[0].name, purposes=tuple(purposes), integrations=tuple(integrations.values()),
        fields=tuple(each for key in integrations for each in fields.get(key, [])),
        systems=tuple(each for key in integrations for each in systems.get(key, [])))


def _with_counts(facts: ProcessingFacts, counts: tuple[RetentionCountFact, ...]) -> ProcessingFacts:
    period, objects = facts.retention_period, set(facts.held_objects)
    mine = tuple(each for each in counts if each.period == period and each.sobject in objects)
    return replace(facts, retention_counts=mine) if mine else facts


def _by_integration(rows: list[Any], make: Callable[[Any], T]) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = {}
    for row in rows:
        grouped.setdefault(row["integration_key"], []).append(make(row))
    return grouped


def _purpose(node: Any) -> PurposeFact:
    return PurposeFact(key=node["key"], name=node["name"], description=node.get("description"),
                       legal_basis=node.get("legal_basis"), declared=bool(node.get("declared")),
                       data_use_purpose=node.get("data_use_purpose"), evidence=node.get("evidence"))


_INTEGRATION_OWN = frozenset({"key", "kind", "name", "evidence", "org_key", "org_id", "first_seen", "last_seen",
                              "run_id", "retired_at"})


_STATE_OWN = _INTEGRATION_OWN | {"integration_key"}


def _attributes(node: Any, own: frozenset[str]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((name, value) for name, value in dict(node).items() if name not in own))


def _integration(node: Any, tie: str, tie_evidence: str | None) -> IntegrationFact:
    attributes = _attributes(node, _INTEGRATION_OWN)
    return IntegrationFact(key=node["key"], kind=node.get("kind") or "", name=node.get("name") or node["key"],
                           tie=tie, tie_evidence=tie_evidence, evidence=node.get("evidence"), attributes=attributes)


_object_key = functools.lru_cache(maxsize=4096)(sobject_key)  # a record's fields come from a few thousand objects


def _system(row: Any) -> SystemFact:
    return SystemFact(key=row["key"], host=row["host"], name=row["name"], integration_key=row["integration_key"],
                      role=row["role"], country=row["country"], channel=row["channel"], evidence=row["evidence"],
                      role_evidence=row["role_evidence"])


__all__ = ["CodeFact", "FieldFact", "IntegrationFact", "ObjectFact", "ProcessingFacts", "PurposeFact", "RecordFacts",
           "SystemFact", "code_touching_sensitive", "object_facts", "processing_facts", "record_facts"]
