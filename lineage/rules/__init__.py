"""Compliance rules over the lineage graph, each one data and Cypher in one YAML file beside this module.

A rule file holds what a privacy officer reads (id, title, severity, the statute and regulation sections it concerns,
a plain explanation, the remediation a Salesforce team applies, what its evidence path shows) and the Cypher that
finds its cases. The Cypher is the package's own text, never user input; it takes `$org` (the org's key) and
`$overrides` (null: a field's effective classification is the mirrored override, `lineage.queries.classification`),
and may write `{{category:f}}` / `{{sensitive:f}}` for the effective category or sensitivity of the field bound to
`f`, `{{live:x}}` for "the node or edge bound to x is not retired", and `{{declared_objects:m}}` /
`{{declared_fields:m}}` for the objects and the field keys a manifest entry bound to `m` declares (its `fields`,
`Object.Field` or `Object.*`). Every rule returns the same columns:

  target       the key of the node the case is about (a rule finds one case per target)
  target_name  how a person names it
  system       the key of the outside system involved, or null
  objects      the Salesforce objects whose consumers it concerns (API names)
  fields       the keys of the personal fields involved (their categories are the finding's)
  path         the evidence: nodes and edges in order, each {key, label, name, evidence}
  knowledge    how its facts are known: declared (a manifest, OpenLineage), literal (read from Salesforce's
               metadata as it is) or inferred (code analysis of Apex or a flow)
  detail       one sentence on this case
  subjects     subject keys the case names itself (a late opt-out's consumer), else []
  rows         a count of records the case moved, when the artefact says (an export's rows), else null

Which consumers a case affects is the rule's `consumers` (see `lineage.queries.findings`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, LiteralString, cast

import yaml

from lineage.graph import Graph
from lineage.queries.classification import effective_category_at, effective_sensitive_at

RULES_DIR = Path(__file__).parent
_TEMPLATE = re.compile(r"\{\{(category|sensitive|live|declared_objects|declared_fields):([a-z_][a-z0-9_]*)\}\}")
CODE_SPAN = re.compile(r"`([^`]+)`")  # rule prose names code in backticks: `WITH USER_MODE`
COLUMNS = ("target", "target_name", "system", "objects", "fields", "path", "knowledge", "detail", "subjects", "rows")


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}


class Knowledge(StrEnum):
    DECLARED = "declared"  # a manifest or an OpenLineage event says so
    LITERAL = "literal"  # Salesforce's metadata says so as it is (a describe, a flow's XML, an event log)
    INFERRED = "inferred"  # code analysis concluded it (Apex's checks, a class behind a component)


class Audience(StrEnum):
    """Whose data a case concerns: everyone holding records in its objects (or in the objects those look up), only
    those of them who raised one of the rule's opt-outs, only the subjects the case names, or nobody countable."""

    HOLDERS = "holders"
    OPTED_OUT = "opted_out"
    NAMED = "named"
    NONE = "none"


class Penalty(StrEnum):
    ADMINISTRATIVE = "administrative"  # §1798.155 / §1798.199.90 fines only
    WITH_PRIVATE_ACTION = "administrative_and_private_action"  # also §1798.150 damages, should a breach follow


@dataclass(frozen=True)
class Citation:
    cite: str
    says: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    citations: tuple[Citation, ...]
    explanation: str
    remediation: str
    evidence: str  # what the evidence path shows
    audience: Audience
    opt_outs: tuple[str, ...]  # the Preference names (`Individual.HasOptedOutProcessing`) that count as opted out
    penalty: Penalty
    enforcement: tuple[str, ...]  # enforcement actions that illustrate it
    why: str  # why the rule exists as it is written: what it checks and what it deliberately does not
    cypher: str


@dataclass(frozen=True)
class Step:
    """One node or edge of a case's evidence path."""

    key: str
    label: str
    name: str
    evidence: str | None


@dataclass(frozen=True)
class Case:
    """One case a rule's Cypher found in one org."""

    rule_id: str
    target: str
    target_name: str
    system: str | None
    objects: tuple[str, ...]
    fields: tuple[str, ...]
    path: tuple[Step, ...]
    knowledge: tuple[Knowledge, ...]
    detail: str
    subjects: tuple[str, ...]
    rows: int | None


class RuleFileError(ValueError):
    """A rule file that is not one: a missing or unknown key, a value out of its choices, a Cypher template."""


def rules() -> tuple[Rule, ...]:
    """Every rule, by severity then id."""
    return _loaded()


def rule_named(rule_id: str) -> Rule | None:
    return next((rule for rule in _loaded() if rule.id == rule_id), None)


def cases_of(graph: Graph, rule: Rule, org_key: str) -> list[Case]:
    """The cases `rule` finds in the org's live graph, one per target, in the target's order."""
    # The text is this package's own rule file (never user input), so it may be handed to the driver as a query.
    records = graph.read(rule.cypher, org=org_key, overrides=None)
    cases = [_case(rule, record.data()) for record in records]
    return sorted(cases, key=lambda case: case.target)


def load_rule(path: Path) -> Rule:
    """One rule file, checked: every key present and none unknown, its choices known, its Cypher expanded."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise RuleFileError(f"{path.name}: not a mapping")
    expected = {"id", "title", "severity", "citations", "explanation", "remediation", "evidence", "consumers",
                "penalty", "enforcement", "why", "cypher"}
    missing, unknown = expected - data.keys(), data.keys() - expected
    if missing or unknown:
        raise RuleFileError(f"{path.name}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    if data["id"] != path.stem:
        raise RuleFileError(f"{path.name}: its id is {data['id']!r}, not its file's name")
    try:
        consumers = data["consumers"]
        return Rule(
            id=data["id"], title=data["title"], severity=Severity(data["severity"]),
            citations=tuple(Citation(each["cite"], each["says"]) for each in data["citations"]),
            explanation=_prose(data["explanation"]), remediation=_prose(data["remediation"]),
            evidence=_prose(data["evidence"]), audience=Audience(consumers["audience"]),
            opt_outs=tuple(consumers.get("opt_outs", ())), penalty=Penalty(data["penalty"]),
            enforcement=tuple(data["enforcement"]), why=_prose(data["why"]), cypher=expand(data["cypher"]))
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise RuleFileError(f"{path.name}: {error}") from error


def expand(cypher: str) -> str:
    """The rule's Cypher with its templates replaced (see the module's doc); an unknown `{{...}}` is an error."""
    def replace(match: re.Match[str]) -> str:
        kind, variable = match.group(1), match.group(2)
        if kind == "category":
            return effective_category_at(cast(LiteralString, variable))
        if kind == "sensitive":
            return effective_sensitive_at(cast(LiteralString, variable))
        if kind == "declared_objects":
            return f"[each IN coalesce({variable}.fields, []) | split(each, '.')[0]]"
        if kind == "declared_fields":  # a field's key is `field:{org_id}:{Object}.{Field}`, the org's `org:{org_id}`
            return (f"[each IN coalesce({variable}.fields, []) WHERE NOT each ENDS WITH '.*' | "
                    f"'field:' + substring($org, 4) + ':' + each]")
        return f"{variable}.retired_at IS NULL"
    expanded = _TEMPLATE.sub(replace, cypher)
    if "{{" in expanded:
        raise RuleFileError(f"an unknown template in: {expanded[expanded.index('{{'):][:60]}")
    return expanded


@cache
def _loaded() -> tuple[Rule, ...]:
    loaded = [load_rule(path) for path in sorted(RULES_DIR.glob("*.yaml"))]
    return tuple(sorted(loaded, key=lambda rule: (SEVERITY_ORDER[rule.severity], rule.id)))


def _prose(text: str) -> str:
    return " ".join(str(text).split())


def _case(rule: Rule, row: dict[str, Any]) -> Case:
    absent = [column for column in COLUMNS if column not in row]
    if absent:
        raise RuleFileError(f"{rule.id}: its Cypher returned no {', '.join(absent)}")
    return Case(
        rule_id=rule.id, target=row["target"], target_name=row["target_name"] or row["target"],
        system=row["system"], objects=tuple(sorted(set(row["objects"] or ()))),
        fields=tuple(sorted(set(row["fields"] or ()))),
        path=tuple(Step(step["key"], step["label"], step.get("name") or step["key"], step.get("evidence"))
                   for step in _unique_steps(row["path"] or [])),
        knowledge=tuple(sorted({Knowledge(each) for each in row["knowledge"] or ()})),
        detail=_prose(row["detail"]), subjects=tuple(sorted(set(row["subjects"] or ()))), rows=row["rows"])


def _unique_steps(path: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    unique = []
    for step in path:
        if step and step.get("key") and step["key"] not in seen:
            seen.add(step["key"])
            unique.append(step)
    return unique


__all__ = ["CODE_SPAN", "Audience", "Case", "Citation", "Knowledge", "Penalty", "Rule", "RuleFileError", "Severity",
           "Step", "cases_of", "expand", "load_rule", "rule_named", "rules"]
