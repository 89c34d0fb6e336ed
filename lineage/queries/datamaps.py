"""One consumer's facts, read from the graph for their data map, with the evidence behind each.

Every read starts from the subject (its key is unique-indexed) and walks out from there, never across all subjects:
the subject's HAS_RECORD edges name the few objects holding their records, and everything else is read from those
objects — the personal fields they hold (effective classification, overrides included), where those fields flow
(FLOWS_TO, through up to `MAX_FIELD_HOPS` other fields, to a system; and from a system into them), which integrations
read a whole object and send it out, who read the objects (ACCESSED), and the purposes, roles and retention of what
was reached. A million subjects share one SObject node per object, but Neo4j keeps a dense node's relationships by
type, so expanding its HAS_FIELD or ACCESSED edges never touches the million HAS_RECORD edges.

Opt-outs recorded in another system (a manifest's `consent_events`) name the consumer's Salesforce record
(`subject_record`, e.g. `Individual:<Id>`): they are found by the subject's record ids, through an index.

Every read takes `as_of`: a node or edge counts when it was first seen by then and not retired by then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, LiteralString

from neo4j import Record

from lineage.graph import Graph
from lineage.queries.classification import effective_category_at, effective_sensitive_at
from lineage.queries.moments import as_text, moment, optional_moment
from lineage.queries.processing import live
from lineage.queries.subjects import IDENTIFIED_SUBJECTS, IdentifierMatch, identifier_keys

MAX_FIELD_HOPS = 2  # other fields a field's data may pass through before it reaches a system (`{0,2}` in _FLOWS)
WHOLE_OBJECT = "*"  # the field name standing for a whole object read and sent out


@dataclass(frozen=True)
class RecordFact:
    """The subject's records in one object (ids, never values)."""

    sobject_key: str
    org_key: str
    sobject: str
    record_ids: tuple[str, ...]
    edge_key: str  # the HAS_RECORD edge
    evidence: str | None  # the harvested query it came from


@dataclass(frozen=True)
class ConsentFact:
    """A CONSENTED edge: a purpose's consent per channel, or a raised opt-out checkbox (a Preference)."""

    target_key: str
    target_label: str  # Purpose or Preference
    name: str
    status: str
    channel: str | None
    captured_at: datetime | None
    effective_from: date | None
    effective_to: date | None
    meaning: str | None  # a preference's words
    edge_key: str
    evidence: str | None  # the Salesforce record it was read from


@dataclass(frozen=True)
class CategoryFact:
    """A category of personal information one of the subject's objects holds, as classified at `as_of`."""

    sobject_key: str
    category: str | None  # None: sensitive fields with no category of their own
    sensitive: bool
    fields: tuple[str, ...]  # the fields' API names
    evidence: tuple[str, ...]  # the describes they came from


@dataclass(frozen=True)
class FlowFact:
    """Fields of one of the subject's objects reaching a system (or written from one), through one integration."""

    sobject_key: str
    org_key: str
    via: str  # the integration's key
    system_key: str
    direction: str  # sends or receives
    consent_checked: bool | None  # None: nothing says (a whole object read by an integration that declares none)
    opt_out_checked: bool | None
    evidence: str | None  # the edge's artefact
    fields: tuple[str, ...]  # API names; WHOLE_OBJECT when an integration reads the whole object
    hops: tuple[tuple[str, ...], ...] = ()  # the keys along each path longer than one edge (through other fields)


@dataclass(frozen=True)
class IntegrationFact:
    key: str
    name: str
    kind: str
    purposes: tuple[str, ...]  # what it (or a manifest entry running through it) serves or is gated by
    channels: tuple[str, ...]  # how it sends (its SENDS_TO edges' channels: email, callout, outbound_message …)
    evidence: str | None
    runs_through: str | None = None  # a manifest entry's: the key of the integration it runs through


@dataclass(frozen=True)
class SystemFact:
    """A system as one org says of it: its CCPA role and country (the HAS_SYSTEM edge), and its stated retention."""

    key: str
    org_key: str
    host: str
    name: str | None
    role: str | None
    country: str | None
    role_evidence: str | None
    retention: tuple[tuple[str, str | None, str | None], ...]  # (period, basis, evidence) as its manifest states


@dataclass(frozen=True)
class AccessFact:
    """An app, integration or user seen using one of the subject's objects (event logs)."""

    sobject_key: str
    reader_key: str
    reader_label: str  # User, Integration or System
    name: str
    requests: int
    rows: int
    first_accessed_at: datetime
    last_accessed_at: datetime
    edge_key: str
    evidence: str | None


@dataclass(frozen=True)
class ConsentEventFact:
    """A choice the consumer made in another system (a manifest's consent event) and when it reached Salesforce."""

    key: str  # the Integration node the manifest made of it
    event_id: str
    change: str  # opt_out_of_processing, opt_out_of_marketing …
    purposes: tuple[str, ...]
    subject_record: str  # Individual:<Id>
    recorded_at: datetime
    relayed_at: datetime | None
    opt_out_sla_hours: float | None
    system: str | None  # the manifest's system key
    system_name: str | None
    system_keys: tuple[str, ...]  # the System nodes it came from
    evidence: str | None


@dataclass(frozen=True)
class SubjectFacts:
    """Everything the graph knows of one subject at `as_of`."""

    key: str
    records: tuple[RecordFact, ...]
    consents: tuple[ConsentFact, ...]
    categories: tuple[CategoryFact, ...]
    flows: tuple[FlowFact, ...]
    integrations: tuple[IntegrationFact, ...]
    systems: tuple[SystemFact, ...]
    readers: tuple[AccessFact, ...]
    consent_events: tuple[ConsentEventFact, ...]


# Each part reads from `subject` or `objects` (the keys of the objects holding their records); SUBJECT_FACTS
# runs them all in one query, as a round trip costs more than most of them.
_RECORDS: LiteralString = (
    "CALL (subject) { MATCH (subject)-[h:HAS_RECORD]->(o:SObject) WHERE " + live("h") + " AND " + live("o") + " "
    "  WITH h, o ORDER BY o.name "
    "  RETURN collect([o.key, o.org_key, o.name, h.record_ids, h.key, h.evidence]) AS records, "
    "    collect(o.key) AS objects } "
)
_CONSENTS: LiteralString = (
    "CALL (subject) { MATCH (subject)-[c:CONSENTED]->(t) WHERE " + live("c") + " AND " + live("t") + " "
    "  WITH c, t ORDER BY t.name, c.channel "
    "  RETURN collect([t.key, labels(t)[0], t.name, c.status, c.channel, " + as_text("c.captured_at") + ", "
    "    toString(c.effective_from), toString(c.effective_to), t.meaning, c.key, c.evidence]) "
    "    AS consents } "
)
# Their objects' live fields, each with its effective classification, read once for the categories and the flows.
_OBJECT_FIELDS: LiteralString = (
    "CALL (objects) { UNWIND objects AS object_key "
    "  MATCH (o:SObject {key: object_key})-[h:HAS_FIELD]->(f:Field) WHERE " + live("h") + " AND " + live("f") + " "
    "  WITH o, f, " + effective_category_at("f") + " AS category, " + effective_sensitive_at("f") + " AS sensitive "
    "  ORDER BY f.name "
    "  WITH o, collect([f, category, sensitive]) AS fields ORDER BY o.name "
    "  RETURN collect([o, fields]) AS object_fields } "
)
# The categories of personal information their objects hold, each with its fields' names.
_CATEGORIES: LiteralString = (
    "CALL (object_fields) { UNWIND object_fields AS held "
    "  WITH held[0] AS o, held[1] AS fields UNWIND fields AS entry "
    "  WITH o, entry[0] AS f, entry[1] AS category, entry[2] AS sensitive "
    "  WHERE category IS NOT NULL OR sensitive "
    "  WITH o, category, sensitive, collect(f.name) AS names, collect(DISTINCT f.evidence) AS evidence "
    "  ORDER BY o.name, category, sensitive "
    "  RETURN collect([o.key, category, sensitive, names, evidence]) AS categories } "
)
# Where the fields of their objects go (through at most MAX_FIELD_HOPS other fields first), where they come
# from, and the integrations that read a whole object of theirs and send it to a system: one entry per object,
# integration, system and direction, with the fields it carries (and the paths longer than one edge).
_FLOWS: LiteralString = (
    "CALL (object_fields) { UNWIND object_fields AS held "
    "  WITH held[0] AS o, [entry IN held[1] | entry[0]] AS fields "
    "  CALL (o, fields) { "
    "    UNWIND fields AS f "
    "    MATCH (f) ((a)-[e:FLOWS_TO]->(b:Field) WHERE " + live("e") + " AND " + live("b") + "){0,2} "
    "      (g)-[r:FLOWS_TO]->(s:System) "
    "    WHERE " + live("r") + " AND " + live("s") + " "
    "    RETURN f.name AS field, s.key AS system_key, r.via AS via, 'sends' AS direction, "
    "      all(x IN e WHERE x.consent_checked) AND r.consent_checked AS consent_checked, "
    "      r.opt_out_checked AS opt_out_checked, [f.key] + [x IN b | x.key] + [s.key] AS path, "
    "      r.evidence AS evidence "
    "    UNION ALL "
    "    UNWIND fields AS f "
    "    MATCH (f)<-[r:FLOWS_TO]-(s:System) WHERE " + live("r") + " AND " + live("s") + " "
    "    RETURN f.name AS field, s.key AS system_key, r.via AS via, 'receives' AS direction, "
    "      r.consent_checked AS consent_checked, r.opt_out_checked AS opt_out_checked, [s.key, f.key] AS path, "
    "      r.evidence AS evidence "
    "    UNION ALL "
    "    MATCH (o)<-[r:READS]-(i:Integration)-[t:SENDS_TO]->(s:System) "
    "    WHERE " + live("r") + " AND " + live("i") + " AND " + live("t") + " AND " + live("s") + " "
    "      AND coalesce(t.channel, '') <> 'consent_event' "
    "    RETURN '*' AS field, s.key AS system_key, i.key AS via, 'sends' AS direction, "
    "      i.consent_checked AS consent_checked, i.opt_out_checked AS opt_out_checked, [o.key, i.key, s.key] AS path, "
    "      r.evidence AS evidence "
    "  } "
    "  WITH o, system_key, via, direction, consent_checked, opt_out_checked, evidence, field, path ORDER BY field "
    "  WITH o, system_key, via, direction, consent_checked, opt_out_checked, evidence, "
    "    collect(DISTINCT field) AS names, "
    "    collect(CASE WHEN size(path) > 2 AND path[0] STARTS WITH 'field:' THEN path END) AS hops "
    "  ORDER BY o.name, via, system_key, direction "
    "  RETURN collect([o.key, o.org_key, via, system_key, direction, consent_checked, opt_out_checked, evidence, "
    "    names, hops]) AS flows } "
)
# What the flows reached: the integrations, with the purposes they (or the manifest entries running through them)
# serve; the systems as the org whose object's data reached them says of them, with the retention stated for them.
_INTEGRATIONS: LiteralString = (
    "CALL (flows) { UNWIND flows AS flow WITH DISTINCT flow[2] AS integration_key "
    "  MATCH (i:Integration {key: integration_key}) "
    "  OPTIONAL CALL (i) { "
    "    MATCH (i)-[e:SERVES|GATED_BY]->(p:Purpose) WHERE " + live("e") + " AND " + live("p") + " "
    "    RETURN p.name AS name "
    "    UNION "
    "    MATCH (m:Integration {via_integration: i.key})-[e:SERVES|GATED_BY]->(p:Purpose) "
    "    WHERE " + live("m") + " AND " + live("e") + " AND " + live("p") + " RETURN p.name AS name "
    "  } "
    "  WITH i, name ORDER BY name "
    "  WITH i, collect(name) AS purposes ORDER BY i.key "
    "  WITH i, purposes, [(i)-[t:SENDS_TO]->() WHERE " + live("t") + " | t.channel] AS channels "
    "  RETURN collect([i.key, i.name, i.kind, purposes, channels, i.evidence, i.via_integration]) AS integrations } "
)
_SYSTEMS: LiteralString = (
    "CALL (flows) { UNWIND flows AS flow "
    "  WITH flow[3] AS system_key, flow[1] AS org, collect(DISTINCT flow[2]) AS vias "
    "  MATCH (s:System {key: system_key}) "
    "  OPTIONAL MATCH (:Org {key: org})-[h:HAS_SYSTEM]->(s) WHERE " + live("h") + " "
    # The retention the manifest entries carrying their data there state (an entry running through an integration
    # speaks for it): read from those few, never from every integration sending to the system (a mobile app's
    # consent events alone may be thousands).
    "  CALL (s, vias) { "
    "    UNWIND vias AS via MATCH (i:Integration {key: via}) "
    "    CALL (i) { RETURN i AS m UNION MATCH (m:Integration {via_integration: i.key}) WHERE " + live("m") + " "
    "      RETURN m } "
    "    WITH DISTINCT m WHERE m.retention IS NOT NULL "
    "      AND EXISTS { MATCH (m)-[t:SENDS_TO]->(s) WHERE " + live("t") + " } "
    "    WITH DISTINCT m.retention AS period, m.retention_basis AS basis, split(m.evidence, '/')[0] AS evidence "
    "    ORDER BY period "
    "    RETURN collect([period, basis, evidence]) AS retention "
    "  } "
    "  WITH s, org, h, retention ORDER BY s.key, org "
    "  RETURN collect([s.key, org, s.host, s.name, h.role, h.country, h.evidence, retention]) AS systems } "
)
# Who used their objects (event logs), the most rows first.
_READERS: LiteralString = (
    "CALL (objects) { UNWIND objects AS object_key "
    "  MATCH (o:SObject {key: object_key})<-[a:ACCESSED]-(r) WHERE " + live("a") + " AND " + live("r") + " "
    "  WITH o, a, r ORDER BY o.name, a.rows DESC, r.key "
    "  RETURN collect([o.key, r.key, labels(r)[0], coalesce(r.name, r.user_id, r.host, r.key), a.requests, a.rows, "
    "    " + as_text("a.first_accessed_at") + ", " + as_text("a.last_accessed_at") + ", a.key, a.evidence]) "
    "  AS readers } "
)
# Consent events naming one of their records (`Object:Id`) in the org holding it.
_CONSENT_EVENTS: LiteralString = (
    "CALL (subject) { MATCH (subject)-[h:HAS_RECORD]->(o:SObject) WHERE " + live("h") + " "
    "  UNWIND h.record_ids AS record_id "
    "  MATCH (i:Integration {subject_record: o.name + ':' + record_id}) "
    "  WHERE i.org_key = o.org_key AND i.manifest_entry = 'consent_event' AND " + live("i") + " "
    "  OPTIONAL MATCH (i)-[t:SENDS_TO]->(y:System) WHERE " + live("t") + " "
    "  WITH i, collect(y.key) AS system_keys ORDER BY i.recorded_at, i.key "
    "  RETURN collect([i.key, i.event_id, i.change, i.purposes, i.subject_record, " + as_text("i.recorded_at") + ", "
    "    " + as_text("i.relayed_at") + ", "
    "    i.opt_out_sla_hours, i.system, i.system_name, system_keys, i.evidence]) AS consent_events } "
)
_FACTS: LiteralString = (
    _RECORDS + _CONSENTS + _OBJECT_FIELDS + _CATEGORIES + _FLOWS + _INTEGRATIONS + _SYSTEMS + _READERS
    + _CONSENT_EVENTS +
    "RETURN subject.key AS key, records, consents, categories, flows, integrations, systems, readers, consent_events"
)
SUBJECT_FACTS: LiteralString = "MATCH (subject:Subject {key: $subject_key}) WHERE " + live("subject") + " " + _FACTS
# A look-up in one round trip: the live subjects the identifier index names (`matches`: [hmac, subject key]), and the
# facts of the subject at `as_of` when exactly one is named; when none or several are, no facts are read.
IDENTIFIED_SUBJECT_FACTS: LiteralString = (
    "CALL () { UNWIND $identifier_keys AS key " + IDENTIFIED_SUBJECTS +
    "  WITH DISTINCT i.hmac AS hmac, s.key AS subject_key ORDER BY subject_key, hmac "
    "  RETURN collect([hmac, subject_key]) AS matches } "
    "OPTIONAL CALL (matches) { "
    "  WITH matches WHERE size(matches) > 0 AND all(match IN matches WHERE match[1] = matches[0][1]) "
    "  MATCH (subject:Subject {key: matches[0][1]}) WHERE " + live("subject") + " " + _FACTS + " } "
    "RETURN matches, key, records, consents, categories, flows, integrations, systems, readers, consent_events"
)


def subject_facts(graph: Graph, subject_key: str, as_of: datetime,
                  overrides: dict[str, dict[str, Any]] | None = None) -> SubjectFacts | None:
    """The facts of the subject keyed `subject_key` at `as_of` (None: no such subject then), in one query;
    `overrides`: the classification overrides in force at `as_of` (`lineage.overrides.overrides_in_force`), None for
    those mirrored onto the graph now."""
    found = graph.read(SUBJECT_FACTS, subject_key=subject_key, as_of=as_of, overrides=overrides)
    return _facts(found[0]) if found else None


@dataclass(frozen=True)
class IdentifiedFacts:
    """The live subjects a look-up's hashes name, and the facts of the subject when they name exactly one (None
    when they name none or several, or when the one did not stand at `as_of`)."""

    matches: tuple[IdentifierMatch, ...]
    facts: SubjectFacts | None


def identified_subject_facts(graph: Graph, hmacs: Iterable[str], as_of: datetime,
                             overrides: dict[str, dict[str, Any]] | None = None) -> IdentifiedFacts:
    """`subjects_by_identifier` and `subject_facts` of the one subject found, in one round trip."""
    keys = identifier_keys(hmacs)
    if not keys:
        return IdentifiedFacts((), None)
    [row] = graph.read(IDENTIFIED_SUBJECT_FACTS, identifier_keys=keys, as_of=as_of, overrides=overrides)
    matches = tuple(IdentifierMatch(hmac=str(hmac), subject_key=str(key)) for hmac, key in row["matches"])
    return IdentifiedFacts(matches, _facts(row) if row["key"] is not None else None)


def _facts(row: Record) -> SubjectFacts:
    return SubjectFacts(
        key=row["key"], records=tuple(_record(listed) for listed in row["records"]),
        consents=tuple(_consent(listed) for listed in row["consents"]),
        categories=tuple(_category(listed) for listed in row["categories"]),
        flows=tuple(_flow(listed) for listed in row["flows"]),
        integrations=tuple(_integration(listed) for listed in row["integrations"]),
        systems=tuple(_system(listed) for listed in row["systems"]),
        readers=tuple(_access(listed) for listed in row["readers"]),
        consent_events=tuple(_consent_event(listed) for listed in row["consent_events"]))


def _record(listed: list[Any]) -> RecordFact:
    key, org, name, record_ids, edge_key, evidence = listed
    return RecordFact(sobject_key=key, org_key=org, sobject=name, record_ids=tuple(record_ids or ()),
                      edge_key=edge_key, evidence=evidence)


def _consent(listed: list[Any]) -> ConsentFact:
    key, label, name, status, channel, captured_at, effective_from, effective_to, meaning, edge_key, evidence = listed
    return ConsentFact(target_key=key, target_label=label, name=name or key, status=status, channel=channel,
                       captured_at=optional_moment(captured_at), effective_from=_day(effective_from),
                       effective_to=_day(effective_to), meaning=meaning, edge_key=edge_key, evidence=evidence)


def _category(listed: list[Any]) -> CategoryFact:
    sobject_key, category, sensitive, names, evidence = listed
    return CategoryFact(sobject_key=sobject_key, category=category, sensitive=bool(sensitive), fields=tuple(names),
                        evidence=tuple(evidence))


def _flow(listed: list[Any]) -> FlowFact:
    sobject_key, org, via, system_key, direction, consent_checked, opt_out_checked, evidence, names, hops = listed
    return FlowFact(sobject_key=sobject_key, org_key=org, via=via, system_key=system_key, direction=direction,
                    consent_checked=consent_checked, opt_out_checked=opt_out_checked, evidence=evidence,
                    fields=tuple(names), hops=tuple(tuple(path) for path in hops))


def _access(listed: list[Any]) -> AccessFact:
    sobject_key, key, label, name, requests, rows, first, last, edge_key, evidence = listed
    return AccessFact(sobject_key=sobject_key, reader_key=key, reader_label=label, name=name,
                      requests=int(requests or 0), rows=int(rows or 0), first_accessed_at=moment(first),
                      last_accessed_at=moment(last), edge_key=edge_key, evidence=evidence)


def _consent_event(listed: list[Any]) -> ConsentEventFact:
    (key, event_id, change, purposes, subject_record, recorded_at, relayed_at, sla_hours, system, system_name,
     system_keys, evidence) = listed
    return ConsentEventFact(key=key, event_id=event_id, change=change, purposes=tuple(purposes or ()),
                            subject_record=subject_record, recorded_at=moment(recorded_at),
                            relayed_at=optional_moment(relayed_at), opt_out_sla_hours=sla_hours, system=system,
                            system_name=system_name, system_keys=tuple(system_keys), evidence=evidence)


def _integration(listed: list[Any]) -> IntegrationFact:
    key, name, kind, purposes, channels, evidence, runs_through = listed
    return IntegrationFact(key=key, name=name or key, kind=kind or "", purposes=tuple(dict.fromkeys(purposes)),
                           channels=tuple(sorted({each for each in channels if each})), evidence=evidence,
                           runs_through=runs_through)


def _system(listed: list[Any]) -> SystemFact:
    key, org, host, name, role, country, role_evidence, retention = listed
    return SystemFact(key=key, org_key=org, host=host, name=name, role=role, country=country,
                      role_evidence=role_evidence,
                      retention=tuple((period, basis, evidence) for period, basis, evidence in retention))


# Days travel as ISO text, as moments do (`lineage.queries.moments`): the driver builds a Date object per value
# otherwise, which costs more than the rest of a map's answer.
def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


__all__ = ["AccessFact", "CategoryFact", "ConsentEventFact", "ConsentFact", "FlowFact", "IntegrationFact",
           "RecordFact", "SubjectFacts", "SystemFact", "subject_facts"]
