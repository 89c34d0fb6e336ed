"""The org-definition loader and the describe JSON it builds (docs/org-definition.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from salesforce_simulator import describe, load_org
from salesforce_simulator.definition import DefinitionError, build_org, shared_data_dir
from salesforce_simulator.org import to_18
from salesforce_simulator.rest import describe_global_body

from .conftest import SMALL_ORG

SHARED_DESCRIBE = shared_data_dir() / "salesforce" / "describe"
REAL_DESCRIBES = sorted(p for p in SHARED_DESCRIBE.glob("*.json") if p.name != "describe_global.json")
assert REAL_DESCRIBES, f"no real describe payloads under {SHARED_DESCRIBE}: is ../shared beside the repository?"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "org-definition.md"


def org_serving(tmp_path: Path, *files: str) -> object:
    data = {"org": {"id": "00D8d000001TestEAQ", "name": "Files"},
            "describe_files": [f"shared:salesforce/describe/{name}" for name in files]}  # fmt: skip
    return build_org(data, tmp_path)


@pytest.mark.parametrize("path", REAL_DESCRIBES, ids=lambda p: p.name)
def test_every_real_describe_file_is_served_json_equal(path: Path, tmp_path: Path) -> None:
    org = org_serving(tmp_path, path.name)
    payload = json.loads(path.read_text())
    served = org.objects[payload["name"]].describe("61.0")  # type: ignore[attr-defined]
    assert json.dumps(served) == json.dumps(payload)  # equal, key order included


def test_describe_global_file_is_served_json_equal(tmp_path: Path) -> None:
    org = org_serving(tmp_path, "describe_global.json")
    payload = json.loads((SHARED_DESCRIBE / "describe_global.json").read_text())
    served = describe_global_body(org, "61.0")  # type: ignore[arg-type]
    names = {entry["name"] for entry in payload["sobjects"]}
    captured_only = [entry for entry in served["sobjects"] if entry["name"] in names]
    assert json.dumps({**served, "sobjects": captured_only}) == json.dumps(payload)


def test_describe_global_file_merges_with_describe_files(tmp_path: Path) -> None:
    org = org_serving(tmp_path, "describe_global.json", "Custom__c.json")
    served = describe_global_body(org, "61.0")  # type: ignore[arg-type]
    names = [entry["name"] for entry in served["sobjects"]]
    assert "Custom__c" in names
    assert len(names) == len(set(names)) == 111


def test_key_lists_match_the_real_payloads() -> None:
    contact = json.loads((SHARED_DESCRIBE / "Contact.json").read_text())
    assert list(contact) == list(describe.OBJECT_KEYS)
    for path in REAL_DESCRIBES:
        for field in json.loads(path.read_text())["fields"]:
            assert list(field) == list(describe.FIELD_KEYS)
    entry = json.loads((SHARED_DESCRIBE / "describe_global.json").read_text())["sobjects"][0]
    assert list(entry) == list(describe.GLOBAL_ENTRY_KEYS)
    assert list(contact["childRelationships"][0]) == list(describe.CHILD_RELATIONSHIP_KEYS)


def test_compact_objects_describe_like_real_ones() -> None:
    org = load_org(SMALL_ORG)
    described = org.objects["FinServ__FinancialAccount__c"].describe("61.0")
    assert list(described) == list(describe.OBJECT_KEYS)
    assert all(list(field) == list(describe.FIELD_KEYS) for field in described["fields"])
    fields = {field["name"]: field for field in described["fields"]}
    assert fields["Id"]["type"] == "id"
    assert fields["FinServ__AccountNumber__c"]["length"] == 30
    assert fields["FinServ__AccountNumber__c"]["custom"] is True
    assert fields["FinServ__AccountNumber__c"]["encrypted"] is False
    owner = fields["FinServ__PrimaryOwner__c"]
    assert (owner["referenceTo"], owner["relationshipName"]) == (["Account"], "FinServ__PrimaryOwner__r")
    assert [value["value"] for value in fields["FinServ__Status__c"]["picklistValues"]] == ["Open", "Closed"]
    assert [info["name"] for info in described["recordTypeInfos"]] == ["Checking", "Savings", "Master"]
    assert described["urls"]["describe"] == "/services/data/v61.0/sobjects/FinServ__FinancialAccount__c/describe"


def test_reference_fields_become_child_relationships_of_their_parent() -> None:
    org = load_org(SMALL_ORG)
    children = org.objects["Individual"].describe("61.0")["childRelationships"]
    assert {(c["childSObject"], c["field"]) for c in children} >= {("ContactPointTypeConsent", "PartyId")}


def test_literal_rows_become_records_with_salesforce_timestamps() -> None:
    org = load_org(SMALL_ORG)
    zora = org.get_record("Contact", "0038d0000Zora01AQA")
    assert zora is not None
    assert zora["CreatedDate"] == "2026-01-05T10:00:00.000+0000"


def test_compact_objects_get_standard_or_free_custom_key_prefixes() -> None:
    org = load_org(SMALL_ORG)
    assert org.objects["Individual"].key_prefix == "0PK"
    assert org.objects["FinServ__FinancialAccount__c"].key_prefix == "a00"


def test_file_references_are_inlined(tmp_path: Path) -> None:
    (tmp_path / "Body.cls").write_text("public class Body {}")
    data = {"org": {"id": "00D8d000001TestEAQ", "name": "Files"},
            "tooling": {"ApexClass": [{"Id": "01p8d0000000001AAA", "Name": "Body", "Body": {"$file": "Body.cls"}}]}}
    org = build_org(data, tmp_path)
    assert org.tooling["ApexClass"][0]["Body"] == "public class Body {}"


def test_a_field_without_a_name_is_refused(tmp_path: Path) -> None:
    data = {"org": {"id": "00D8d000001TestEAQ", "name": "Bad"},
            "objects": [{"name": "Thing__c", "fields": [{"type": "string"}]}]}
    with pytest.raises(DefinitionError):
        build_org(data, tmp_path)


def test_a_record_with_a_malformed_id_is_refused(tmp_path: Path) -> None:
    data = {"org": {"id": "00D8d000001TestEAQ", "name": "Bad"},
            "records": {"Contact": [{"Id": "0038d00000Zora01AAA", "LastName": "Quinn"}]}}  # 19 characters
    with pytest.raises(DefinitionError, match="0038d00000Zora01AAA"):
        build_org(data, tmp_path)


def test_an_org_without_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError):
        build_org({"org": {"name": "Nameless"}}, tmp_path)


def test_ids_get_the_salesforce_checksum_suffix() -> None:
    assert to_18("0015000000Gv7qJ") == "0015000000Gv7qJAAR"


def test_the_docs_describe_every_key_the_demo_org_uses() -> None:
    text = DOCS.read_text()
    demo = yaml.safe_load((Path(__file__).resolve().parents[2] / "salesforce_simulator/orgs/demo.yaml").read_text())
    for key in demo:
        assert re.search(rf"`{key}`", text), f"top-level key {key} is undocumented"
    for key in demo["population"]:
        assert re.search(rf"`{key}`", text), f"population key {key} is undocumented"


def test_the_jwt_audience_an_org_accepts_is_read_from_its_definition(tmp_path: Path) -> None:
    header = {"id": "00D8d000001TestEAQ", "name": "Sandbox"}

    assert build_org({"org": header}, tmp_path).jwt_audience == "https://login.salesforce.com"
    assert build_org({"org": {**header, "jwt_audience": "https://test.salesforce.com/"}},
                     tmp_path).jwt_audience == "https://test.salesforce.com"
    with pytest.raises(DefinitionError, match=r"org\.jwt_audience"):
        build_org({"org": {**header, "jwt_audience": "login.salesforce.com"}}, tmp_path)
