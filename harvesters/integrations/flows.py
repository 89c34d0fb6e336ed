"""Flow metadata read as a graph: what a flow reads and writes, what it sends where, and whether a
consent check guards each send.

Elements (`recordLookups`, `decisions`, `actionCalls`, `assignments`, loops, screens …) are joined by
their connectors. A decision rule whose conditions test a consent field (`Individual.HasOptedOut*`,
`ContactPointTypeConsent.PrivacyConsentStatus`, `ShouldForget`, `HasOptedOutOfEmail` …) is a consent
gate; an action is consent-checked when no path from the start reaches it without passing a gate
(the gate edges are cut and reachability is tested again). A start filter on a consent field gates
the whole flow.

References are resolved to fields through the start object (`$Record.X`, `$Record__Prior.X`), the
record lookups (`Get_Owner.PersonEmail` → the lookup's object) and, recursively, text templates and
formulas (`{!…}` merge fields). Not understood: subflows (the called flow is not followed), loops'
collection variables, `Get Records` whose output is stored in a named variable, and gating done by
a lookup's filter instead of a decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harvesters.integrations.apex import CONSENT_FIELDS, PROCESSING_OPT_OUT, STANDARD_RELATIONSHIPS, FieldRef

CONNECTOR_KEYS = ("connector", "faultConnector", "defaultConnector", "nextValueConnector", "noMoreValuesConnector")
START = "$start"
_MERGE_FIELD = re.compile(r"\{!([^}]+)\}")
_RECORD_REF = re.compile(r"\$Record(?:__Prior)?\.([\w.]+)")


@dataclass(frozen=True)
class FlowSend:
    """One action that moves data out: its kind, its target (an Apex class, a registration, email)."""

    action: str
    action_type: str
    action_name: str
    fields: frozenset[FieldRef]
    consent_checked: bool
    opt_out_checked: bool


@dataclass(frozen=True)
class FlowAnalysis:
    start_object: str | None
    trigger_type: str | None
    reads: frozenset[FieldRef]
    objects_read: frozenset[str]
    writes: frozenset[FieldRef]
    sends: tuple[FlowSend, ...]
    consent_checks: frozenset[str]


def analyse_flow(metadata: Mapping[str, Any]) -> FlowAnalysis:
    start = _mapping(metadata.get("start"))
    start_object = start.get("object") if isinstance(start.get("object"), str) else None
    lookups = {item["name"]: item for item in _elements(metadata, "recordLookups")}
    resolver = _Resolver(metadata, start_object, {name: str(item.get("object", "")) for name, item in lookups.items()})
    graph = _connections(metadata)
    gates = _gates(metadata, resolver)
    whole_flow_gate = _start_filter_checks(start)
    sends = tuple(_send(action, graph, gates, whole_flow_gate, resolver)
                  for action in _elements(metadata, "actionCalls"))
    return FlowAnalysis(
        start_object=start_object, trigger_type=start.get("triggerType"),
        reads=frozenset(_reads(metadata, start, lookups, resolver)),
        objects_read=frozenset(filter(None, [start_object, *resolver.lookups.values()])),
        writes=frozenset(_writes(metadata)), sends=sends,
        consent_checks=frozenset(whole_flow_gate | {check for rule in gates.values() for check in rule}),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _elements(metadata: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    value = metadata.get(kind)
    items = value if isinstance(value, list) else [value] if isinstance(value, Mapping) else []
    return [item for item in items if isinstance(item, Mapping) and isinstance(item.get("name"), str)]


class _Resolver:
    """Turns flow references (`$Record.X`, `Lookup.X`, `{!Template}`) into the fields they name."""

    def __init__(self, metadata: Mapping[str, Any], start_object: str | None, lookups: Mapping[str, str]) -> None:
        self.start_object = start_object
        self.lookups = lookups
        self.texts: dict[str, str] = {}
        for kind, key in (("textTemplates", "text"), ("formulas", "expression")):
            for item in _elements(metadata, kind):
                self.texts[item["name"]] = str(item.get(key) or "")

    def fields(self, reference: str, depth: int = 0) -> set[FieldRef]:
        reference = reference.strip()
        if depth > 5:
            return set()
        if reference.startswith(("$Record.", "$Record__Prior.")):
            return self._path(self.start_object, reference.split(".")[1:])
        head, _, rest = reference.partition(".")
        if head in self.lookups and rest:
            return self._path(self.lookups[head], rest.split("."))
        if head in self.texts:
            return self.text_fields(self.texts[head], depth + 1)
        return set()

    def text_fields(self, text: str, depth: int = 0) -> set[FieldRef]:
        found: set[FieldRef] = set()
        for reference in _MERGE_FIELD.findall(text):
            found |= self.fields(reference, depth)
        return found

    def value_fields(self, value: Any) -> set[FieldRef]:
        value = _mapping(value)
        if isinstance(value.get("elementReference"), str):
            return self.fields(value["elementReference"])
        if isinstance(value.get("stringValue"), str):
            return self.text_fields(value["stringValue"])
        return set()

    @staticmethod
    def _path(sobject: str | None, parts: list[str]) -> set[FieldRef]:
        if not sobject or not parts or not parts[0]:
            return set()
        if len(parts) == 1:
            return {(sobject, parts[0])}
        if parts[0].endswith("__r"):
            return {(sobject, parts[0][:-1] + "c")}
        target = STANDARD_RELATIONSHIPS.get(parts[0], parts[0])
        return _Resolver._path(target, parts[1:]) if target else set()


def _connections(metadata: Mapping[str, Any]) -> dict[str, set[tuple[str, str | None]]]:
    """Element → {(next element, the decision rule that leads there or None)}."""
    graph: dict[str, set[tuple[str, str | None]]] = {START: set(_targets(_mapping(metadata.get("start"))))}
    for scheduled in _mapping(metadata.get("start")).get("scheduledPaths") or []:
        graph[START] |= set(_targets(_mapping(scheduled)))
    if isinstance(metadata.get("startElementReference"), str):
        graph[START].add((metadata["startElementReference"], None))
    for kind, items in metadata.items():
        if not isinstance(items, list):
            continue
        for item in items:
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                graph.setdefault(item["name"], set()).update(_targets(item))
                for rule in item.get("rules") or [] if kind == "decisions" else []:
                    graph[item["name"]] |= {(target, f"{item['name']}.{rule.get('name')}")
                                            for target, _ in _targets(_mapping(rule))}
    return graph


def _targets(element: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    for key in CONNECTOR_KEYS:
        target = _mapping(element.get(key)).get("targetReference")
        if isinstance(target, str):
            yield target, None


def _gates(metadata: Mapping[str, Any], resolver: _Resolver) -> dict[str, frozenset[str]]:
    """Decision rules that test consent, by `decision.rule`, with the consent fields they test."""
    gates: dict[str, frozenset[str]] = {}
    for decision in _elements(metadata, "decisions"):
        for rule in decision.get("rules") or []:
            checks = frozenset(name for condition in rule.get("conditions") or []
                               for name in _condition_fields(_mapping(condition), resolver) if name in CONSENT_FIELDS)
            if checks:
                gates[f"{decision['name']}.{rule.get('name')}"] = checks
    return gates


def _condition_fields(condition: Mapping[str, Any], resolver: _Resolver) -> set[str]:
    references = [condition.get("leftValueReference"), _mapping(condition.get("rightValue")).get("elementReference")]
    names = {ref.rsplit(".", 1)[-1] for ref in references if isinstance(ref, str)}
    return names | {name for ref in references if isinstance(ref, str) for _, name in resolver.fields(ref)}


def _start_filter_checks(start: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(str(item.get("field")) for item in start.get("filters") or []
                     if isinstance(item, Mapping) and item.get("field") in CONSENT_FIELDS)


def _reachable_avoiding(graph: Mapping[str, set[tuple[str, str | None]]], target: str,
                        cut: Iterable[str]) -> bool:
    blocked = set(cut)
    seen, frontier = {START}, [START]
    while frontier:
        for following, rule in graph.get(frontier.pop(), set()):
            if rule in blocked or following in seen:
                continue
            if following == target:
                return True
            seen.add(following)
            frontier.append(following)
    return False


def _send(action: Mapping[str, Any], graph: Mapping[str, set[tuple[str, str | None]]],
          gates: Mapping[str, frozenset[str]], whole_flow_gate: frozenset[str], resolver: _Resolver) -> FlowSend:
    name = action["name"]
    consent_gates = list(gates)
    opt_out_gates = [rule for rule, checks in gates.items() if PROCESSING_OPT_OUT in checks]
    fields: set[FieldRef] = set()
    for parameter in action.get("inputParameters") or []:
        fields |= resolver.value_fields(_mapping(parameter).get("value"))
    return FlowSend(
        action=name, action_type=str(action.get("actionType") or ""), action_name=str(action.get("actionName") or ""),
        fields=frozenset(fields),
        consent_checked=bool(whole_flow_gate) or not _reachable_avoiding(graph, name, consent_gates),
        opt_out_checked=PROCESSING_OPT_OUT in whole_flow_gate or not _reachable_avoiding(graph, name, opt_out_gates),
    )


def _reads(metadata: Mapping[str, Any], start: Mapping[str, Any], lookups: Mapping[str, Mapping[str, Any]],
           resolver: _Resolver) -> Iterator[FieldRef]:
    start_object = resolver.start_object
    if start_object:
        yield from ((start_object, str(item["field"])) for item in start.get("filters") or []
                    if isinstance(item, Mapping) and isinstance(item.get("field"), str))
    for lookup in lookups.values():
        sobject = str(lookup.get("object") or "")
        if not sobject:
            continue
        yield from ((sobject, str(name)) for name in lookup.get("queriedFields") or [])
        yield from ((sobject, str(item["field"])) for item in lookup.get("filters") or []
                    if isinstance(item, Mapping) and isinstance(item.get("field"), str))
    for found in _RECORD_REF.findall(repr(metadata)):
        yield from resolver.fields(f"$Record.{found}")


def _writes(metadata: Mapping[str, Any]) -> Iterator[FieldRef]:
    for kind in ("recordUpdates", "recordCreates"):
        for element in _elements(metadata, kind):
            sobject = element.get("object")
            if not isinstance(sobject, str):
                continue
            yield from ((sobject, str(item["field"])) for item in element.get("inputAssignments") or []
                        if isinstance(item, Mapping) and isinstance(item.get("field"), str))
