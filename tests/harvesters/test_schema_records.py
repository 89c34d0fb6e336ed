"""Describe payloads become SObject and Field records without loss (real payloads from ../shared)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from harvesters.schema import FieldDefinitionRow, describe_records
from lineage import FieldRecord, HasFieldEdge, ReferenceEdge, SObjectRecord

SHARED = Path(os.environ.get("RECORDKEEPER_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
DESCRIBES = sorted(p for p in (SHARED / "salesforce" / "describe").glob("*.json") if p.stem != "describe_global")
assert DESCRIBES, f"no real describe payloads under {SHARED}: is ../shared beside the repository?"
ORG = "00D000000000001AAA"


def load(path: Path) -> dict[str, Any]:
    describe: dict[str, Any] = json.loads(path.read_text())
    return describe


@pytest.mark.parametrize("path", DESCRIBES, ids=lambda p: p.stem)
def test_every_field_of_a_real_describe_becomes_a_field_record(path: Path):
    describe = load(path)
    nodes, edges = describe_records(ORG, describe, {})

    fields = {node.name: node for node in nodes if isinstance(node, FieldRecord)}
    assert set(fields) == {raw["name"] for raw in describe["fields"]}
    assert sum(isinstance(edge, HasFieldEdge) for edge in edges) == len(describe["fields"])
    for raw in describe["fields"]:
        record = fields[raw["name"]]
        assert (record.type, record.display_label, record.custom) == (raw["type"], raw["label"], raw["custom"])
        assert record.references == tuple(raw["referenceTo"])
        assert record.compound_parent == raw.get("compoundFieldName")


@pytest.mark.parametrize("path", DESCRIBES, ids=lambda p: p.stem)
def test_every_lookup_becomes_a_references_edge(path: Path):
    describe = load(path)
    _, edges = describe_records(ORG, describe, {})
    expected = sum(len(raw["referenceTo"]) for raw in describe["fields"])
    assert sum(isinstance(edge, ReferenceEdge) for edge in edges) == expected


def test_contacts_mailing_address_parts_point_to_their_compound_field():
    nodes, _ = describe_records(ORG, load(SHARED / "salesforce" / "describe" / "Contact.json"), {})
    parts = {node.name for node in nodes if isinstance(node, FieldRecord) and node.compound_parent == "MailingAddress"}
    assert {"MailingStreet", "MailingCity", "MailingPostalCode", "MailingCountry"} <= parts


def test_managed_package_fields_keep_their_namespace():
    nodes, _ = describe_records(ORG, load(SHARED / "salesforce" / "describe" / "Account_PersonAccount.json"), {})
    namespaced = [node for node in nodes if isinstance(node, FieldRecord) and node.name.startswith("npe01__")]
    assert namespaced
    assert {node.namespace for node in namespaced} == {"npe01"}


def test_classification_from_fielddefinition_travels_with_the_field():
    definition = FieldDefinitionRow("Restricted", ("PII", "GLBA"), "Active", "005000000000001AAA")
    nodes, _ = describe_records(ORG, load(SHARED / "salesforce" / "describe" / "Contact.json"), {"Email": definition})
    email = next(node for node in nodes if isinstance(node, FieldRecord) and node.name == "Email")
    assert (email.security_classification, email.compliance_groups, email.business_status) == (
        "Restricted", ("PII", "GLBA"), "Active")


def test_the_object_record_names_its_evidence():
    nodes, _ = describe_records(ORG, load(SHARED / "salesforce" / "describe" / "Case.json"), {})
    case = next(node for node in nodes if isinstance(node, SObjectRecord))
    assert (case.name, case.evidence, case.custom) == ("Case", "describe:Case", False)


def test_picklist_labels_help_text_and_description_travel_with_the_field():
    describe = load(SHARED / "salesforce" / "describe" / "Contact.json")
    email = next(raw for raw in describe["fields"] if raw["name"] == "Email")
    email["inlineHelpText"] = "The address statements are sent to."
    definition = FieldDefinitionRow("Confidential", ("PII",), "Active", None, "Primary email, verified at onboarding.")
    nodes, _ = describe_records(ORG, describe, {"Email": definition})
    fields = {node.name: node for node in nodes if isinstance(node, FieldRecord)}

    assert fields["LeadSource"].picklist_values == ("Web", "Phone Inquiry", "Partner Referral", "Purchased List",
                                                    "Other")
    assert (fields["Email"].help_text, fields["Email"].description) == (
        "The address statements are sent to.", "Primary email, verified at onboarding.")
    assert (fields["Phone"].picklist_values, fields["Phone"].help_text, fields["Phone"].description) == ((), None, None)


def test_a_long_picklist_keeps_its_first_fifty_active_labels():
    describe = load(SHARED / "salesforce" / "describe" / "Case.json")
    reason = next(raw for raw in describe["fields"] if raw["name"] == "Reason")
    reason["picklistValues"] = [{"active": number != 0, "label": f"Reason {number}", "value": f"R{number}"}
                                for number in range(80)]
    nodes, _ = describe_records(ORG, describe, {})
    record = next(node for node in nodes if isinstance(node, FieldRecord) and node.name == "Reason")
    assert record.picklist_values == tuple(f"Reason {number}" for number in range(1, 51))


@pytest.mark.parametrize("path", DESCRIBES, ids=lambda p: p.stem)
def test_every_field_names_the_rule_that_classified_it(path: Path):
    nodes, _ = describe_records(ORG, load(path), {})
    for record in (node for node in nodes if isinstance(node, FieldRecord)):
        assert record.classification_rule, record.name
        assert (record.sensitivity_rule is not None) == record.sensitive, record.name
