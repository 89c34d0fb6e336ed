"""Precision and recall of field classification against hand-made labels, by the product's own code.

    python benchmarks/classification.py [--labels benchmarks/classification_labels.csv]
        [--source SOURCE ...] [--except-source SOURCE ...]

Each row of the labels names a field of a real describe payload (`shared:<file>` under ../shared/data/
salesforce/describe, `<source>:<file>` under benchmarks/data/<source>, each with its licence and origin), of an
open-source package's field metadata (`<source>:<Object>.object`, the Metadata API's CustomObject format, turned
into the describe and FieldDefinition rows an org with those fields answers) or of the demo org (`demo`), and
says, by CCPA/CPRA, whether it is personal information (§1798.140(v)) and sensitive personal information
(§1798.140(ae)), with the reason. The fields are run through
`harvesters.schema.describe_records` — the function a harvest uses, with the object's whole describe and, for the
demo org, its FieldDefinition rows (compliance groups, descriptions) as the simulator answers them — and the
result is compared with the labels. Needs no services. Prints JSON: counts, precision and recall of "personal"
and "sensitive" with their 95 % Wilson intervals (how much a figure rests on: 3 positives prove little) against
the targets (≥ 0.95 and ≥ 0.9), and every misclassified field with the rule that fired.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harvesters.schema import FieldDefinitionRow, definition_row, describe_records  # noqa: E402
from lineage import FieldRecord  # noqa: E402
from salesforce_simulator.definition import load_org, shared_data_dir  # noqa: E402
from salesforce_simulator.org import Org  # noqa: E402
from salesforce_simulator.tooling import field_definitions  # noqa: E402

LABELS = REPO / "benchmarks" / "classification_labels.csv"
DATA = REPO / "benchmarks" / "data"
TARGETS = {"personal": 0.95, "sensitive": 0.9}
ORG_ID = "00D000000000001AAA"
API_VERSION = "62.0"
Z_95 = 1.959964  # the normal quantile of a two-sided 95 % interval


@dataclass(frozen=True)
class Label:
    source: str
    sobject: str
    field: str
    personal: bool
    sensitive: bool
    ccpa_category: str
    reason: str


def load_labels(path: Path = LABELS) -> list[Label]:
    """The labelled fields; raises ValueError naming the row when a row is incomplete."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    labels = []
    for number, row in enumerate(rows, start=2):
        if row["personal"] not in {"yes", "no"} or row["sensitive"] not in {"yes", "no"} or not row["reason"].strip():
            raise ValueError(f"{path.name} line {number}: personal/sensitive must be yes or no, and a reason given")
        labels.append(Label(row["source"], row["object"], row["field"], row["personal"] == "yes",
                            row["sensitive"] == "yes", row["ccpa_category"], row["reason"]))
    return labels


def of_sources(labels: list[Label], only: list[str], leaving_out: list[str]) -> list[Label]:
    """The labels of the sources named in `only` (all when empty) but those in `leaving_out`; raises ValueError
    naming a source no label has (a misspelt held-out source would otherwise measure nothing in silence)."""
    known = {label.source for label in labels}
    unknown = sorted(set(only + leaving_out) - known)
    if unknown:
        raise ValueError(f"no labelled field has the source {', '.join(unknown)}; sources: {', '.join(sorted(known))}")
    return [label for label in labels if (not only or label.source in only) and label.source not in leaving_out]


def classified_fields(labels: Iterable[Label]) -> dict[tuple[str, str, str], FieldRecord]:
    """Every labelled object's fields as a harvest would record them, by (source, object, field)."""
    records: dict[tuple[str, str, str], FieldRecord] = {}
    demo: Org | None = None
    for source, sobject in sorted({(label.source, label.sobject) for label in labels}):
        if source == "demo":
            demo = demo or load_org("demo")
            describe, definitions = _demo_describe(demo, sobject)
        else:
            describe, definitions = _payload_describe(source)
        nodes, _ = describe_records(ORG_ID, describe, definitions)
        for node in nodes:
            if isinstance(node, FieldRecord):
                records[(source, sobject, node.name)] = node
    return records


def _payload_describe(source: str) -> tuple[dict[str, Any], dict[str, FieldDefinitionRow]]:
    """A real describe payload named `shared:<file>` (the shared data) or `<source>:<file>` (benchmarks/data), or
    the describe of a `<source>:<Object>.object` metadata file, with its FieldDefinition rows."""
    folder, _, name = source.partition(":")
    if not name:
        raise ValueError(f"source {source!r} is neither demo nor <source>:<file>")
    base = shared_data_dir() / "salesforce" / "describe" if folder == "shared" else DATA / folder
    if name.endswith(".object"):
        return metadata_describe(base / name)
    describe: dict[str, Any] = json.loads((base / name).read_text(encoding="utf-8"))
    return describe, {}


METADATA = "{http://soap.sforce.com/2006/04/metadata}"
# A CustomField's metadata type → the type its describe reports (formula fields name their result's type).
DESCRIBE_TYPES = {
    "AutoNumber": "string", "Checkbox": "boolean", "Currency": "currency", "Date": "date", "DateTime": "datetime",
    "Email": "email", "EncryptedText": "encryptedstring", "ExternalLookup": "reference", "Hierarchy": "reference",
    "Html": "textarea", "IndirectLookup": "reference", "Location": "location", "LongTextArea": "textarea",
    "Lookup": "reference", "MasterDetail": "reference", "MultiselectPicklist": "multipicklist", "Number": "double",
    "Percent": "percent", "Phone": "phone", "Picklist": "picklist", "Summary": "double", "Text": "string",
    "TextArea": "textarea", "Time": "time", "Url": "url",
}


def metadata_describe(path: Path) -> tuple[dict[str, Any], dict[str, FieldDefinitionRow]]:
    """The describe an org answers for the fields of a CustomObject metadata file, and their FieldDefinition rows
    (description, compliance groups, security classification, business status): what a harvest reads.

    Raises ValueError naming the file and field when a field has no name or a type a describe does not have."""
    root = ElementTree.parse(path).getroot()
    if root is None:
        raise ValueError(f"{path.name}: no CustomObject element")
    name = path.stem
    fields: list[dict[str, Any]] = []
    definitions: dict[str, FieldDefinitionRow] = {}
    for element in root.findall(f"{METADATA}fields"):
        raw = _metadata_field(path, element)
        fields += [raw, *_location_parts(raw)]
        definitions[raw["name"]] = definition_row({
            "Description": _text(element, "description"), "ComplianceGroup": _text(element, "complianceGroup"),
            "SecurityClassification": _text(element, "securityClassification"),
            "BusinessStatus": _text(element, "businessStatus")})
    describe = {"name": name, "label": _text(root, "label") or name, "custom": name.endswith("__c"),
                "customSetting": _text(root, "customSettingsType") is not None, "fields": fields}
    return describe, definitions


def _metadata_field(path: Path, element: Any) -> dict[str, Any]:
    name = _text(element, "fullName")
    metadata_type = _text(element, "type")
    if not name or metadata_type not in DESCRIBE_TYPES:
        raise ValueError(f"{path.name}: field {name or '(no fullName)'} has type {metadata_type!r}, "
                         f"not one of {sorted(DESCRIBE_TYPES)}")
    references = [target.text for target in element.findall(f"{METADATA}referenceTo") if target.text]
    # `value` in a valueSet; `picklistValues` in the format before API 38, which older packages still ship.
    values = [{"value": _text(value, "fullName"), "label": _text(value, "label") or _text(value, "fullName"),
               "active": _text(value, "isActive") != "false"}
              for tag in ("value", "picklistValues") for value in element.iter(f"{METADATA}{tag}")]
    return {"name": name, "label": _text(element, "label") or name, "type": DESCRIBE_TYPES[metadata_type],
            "custom": name.endswith("__c"), "referenceTo": references or (["User"] if metadata_type == "Hierarchy"
                                                                          else []),
            "relationshipName": _text(element, "relationshipName"), "inlineHelpText": _text(element, "inlineHelpText"),
            "encrypted": False, "compoundFieldName": None, "picklistValues": values}


def _location_parts(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """A location field's describe carries its latitude and longitude as fields of their own."""
    if raw["type"] != "location":
        return []
    stem = raw["name"].removesuffix("__c")
    return [{"name": f"{stem}__{part}__s", "label": f"{raw['label']} ({part})", "type": "double", "custom": True,
             "referenceTo": [], "compoundFieldName": raw["name"]} for part in ("Latitude", "Longitude")]


def _text(element: Any, tag: str) -> str | None:
    found = element.find(f"{METADATA}{tag}")
    return found.text if found is not None and found.text else None


def _demo_describe(org: Org, sobject: str) -> tuple[dict[str, Any], dict[str, FieldDefinitionRow]]:
    found = org.sobject(sobject)
    if found is None:
        raise ValueError(f"the demo org has no object {sobject}")
    definitions = {row["QualifiedApiName"]: definition_row(row)
                   for row in field_definitions(org, sobject, API_VERSION)}
    return found.describe(API_VERSION), definitions


def scores(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    """Precision and recall of (labelled, classified) pairs."""
    tp = sum(1 for labelled, said in pairs if labelled and said)
    fp = sum(1 for labelled, said in pairs if said and not labelled)
    fn = sum(1 for labelled, said in pairs if labelled and not said)
    return {"labelled_yes": tp + fn, "classified_yes": tp + fp, "true_positives": tp, "false_positives": fp,
            "false_negatives": fn, "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "precision_95": wilson_interval(tp, tp + fp), "recall": round(tp / (tp + fn), 4) if tp + fn else None,
            "recall_95": wilson_interval(tp, tp + fn)}


def wilson_interval(successes: int, trials: int) -> list[float] | None:
    """The 95 % Wilson score interval of a proportion: honest at small counts and at 0 or 1, unlike p ± z·se."""
    if not trials:
        return None
    p = successes / trials
    centre = (p + Z_95 ** 2 / (2 * trials)) / (1 + Z_95 ** 2 / trials)
    half = Z_95 * math.sqrt(p * (1 - p) / trials + Z_95 ** 2 / (4 * trials ** 2)) / (1 + Z_95 ** 2 / trials)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--source", action="append", default=[],
                        help="measure only the fields of this source (repeatable), e.g. a held-out one")
    parser.add_argument("--except-source", action="append", default=[],
                        help="leave this source's fields out (repeatable)")
    args = parser.parse_args()
    try:
        labels = of_sources(load_labels(args.labels), args.source, args.except_source)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    records = classified_fields(labels)
    missing = [f"{label.source} {label.sobject}.{label.field}" for label in labels
               if (label.source, label.sobject, label.field) not in records]
    if missing:
        raise SystemExit(f"labelled fields the payloads do not have: {missing}")
    results = [(label, records[(label.source, label.sobject, label.field)]) for label in labels]
    personal = scores([(label.personal, record.ccpa_category is not None) for label, record in results])
    sensitive = scores([(label.sensitive, record.sensitive) for label, record in results])
    print(json.dumps({
        "labels": str(args.labels.relative_to(REPO) if args.labels.is_relative_to(REPO) else args.labels),
        "fields": len(labels),
        "objects": len({(label.source, label.sobject) for label in labels}),
        "sources": sorted({label.source for label in labels}),
        "personal": personal | {"target": TARGETS["personal"],
                                "met": _met(personal, TARGETS["personal"])},
        "sensitive": sensitive | {"target": TARGETS["sensitive"],
                                  "met": _met(sensitive, TARGETS["sensitive"])},
        "misclassified": [_miss(label, record) for label, record in results
                          if label.personal != (record.ccpa_category is not None)
                          or label.sensitive != record.sensitive],
    }, indent=2))


def _met(figures: dict[str, Any], target: float) -> bool:
    return bool(figures["precision"] is not None and figures["recall"] is not None
                and figures["precision"] >= target and figures["recall"] >= target)


def _miss(label: Label, record: FieldRecord) -> dict[str, Any]:
    return {"field": f"{label.sobject}.{label.field}", "source": label.source,
            "labelled": {"personal": label.personal, "sensitive": label.sensitive, "reason": label.reason},
            "classified": {"category": record.ccpa_category, "sensitive": record.sensitive,
                           "rule": record.classification_rule, "sensitivity_rule": record.sensitivity_rule}}


if __name__ == "__main__":
    main()
