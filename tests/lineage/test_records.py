"""The records harvesters hand to lineage: stable keys, evidence, endpoints from the vocabulary."""

from __future__ import annotations

import dataclasses

import pytest

from lineage import (
    FieldRecord,
    FlowEdge,
    HasFieldEdge,
    IntegrationKind,
    IntegrationRecord,
    Label,
    NodeRef,
    OrgRecord,
    PreferenceRecord,
    PurposeRecord,
    ServesEdge,
    SObjectRecord,
    SubjectRecord,
    SystemRecord,
    subject_hmac_for,
)
from lineage.records import EDGE_RECORDS, NODE_RECORDS, STAMPS

ORG = "00D5g000004XYZAEA4"


def test_keys_follow_the_documented_scheme():
    contact = SObjectRecord(org_id=ORG, name="Contact", evidence="describe:Contact")
    email = FieldRecord(org_id=ORG, sobject="Contact", name="Email", type="email", evidence="describe:Contact")
    flow = IntegrationRecord(org_id=ORG, kind=IntegrationKind.FLOW, name="Balance_Alert_Email",
                             evidence="flow:Balance_Alert_Email@v3")
    system = SystemRecord(host="API.Mailgun.NET", evidence="namedcredential:Mailgun")

    assert OrgRecord(org_id=ORG, evidence="organization").key == f"org:{ORG}"
    assert contact.key == f"sobject:{ORG}:Contact"
    assert email.key == f"field:{ORG}:Contact.Email"
    assert flow.key == f"integration:{ORG}:flow:Balance_Alert_Email"
    assert system.key == "system:api.mailgun.net"
    assert PurposeRecord(org_id=ORG, name="Marketing", evidence="DataUsePurpose").key == f"purpose:{ORG}:Marketing"
    assert PreferenceRecord(org_id=ORG, sobject="Account", field="PersonDoNotCall", meaning="Do Not Call",
                            opted_out_when=True, channel="Phone", evidence="describe:Account").key == (
        f"preference:{ORG}:Account.PersonDoNotCall")
    assert HasFieldEdge(source=contact.ref, target=email.ref, evidence="describe:Contact").key == (
        f"has_field:sobject:{ORG}:Contact->field:{ORG}:Contact.Email"
    )
    assert FlowEdge(source=email.ref, target=system.ref, via=flow.key, consent_checked=False,
                    evidence=flow.evidence).key.endswith(f"->system:api.mailgun.net@{flow.key}")


def test_the_same_thing_harvested_twice_has_the_same_key_and_equal_records():
    def describe() -> FieldRecord:
        return FieldRecord(org_id=ORG, sobject="Contact", name="Email", type="email",
                           compliance_groups=("CCPA",), evidence="describe:Contact")

    assert describe() == describe()
    assert describe().key == describe().key


def test_every_record_names_its_evidence():
    with pytest.raises(ValueError, match="evidence"):
        SObjectRecord(org_id=ORG, name="Contact", evidence=" ")


def test_a_record_without_its_identifying_fields_is_refused():
    with pytest.raises(ValueError, match="sobject"):
        FieldRecord(org_id=ORG, sobject="", name="Email", type="email", evidence="describe:Contact")


def test_records_are_frozen():
    org = OrgRecord(org_id=ORG, evidence="organization")
    with pytest.raises(dataclasses.FrozenInstanceError):
        org.org_id = "other"  # type: ignore[misc]


def test_an_edge_joins_only_the_labels_its_relationship_allows():
    contact = NodeRef(Label.SOBJECT, f"sobject:{ORG}:Contact")
    with pytest.raises(ValueError, match="HAS_FIELD"):
        HasFieldEdge(source=contact, target=contact, evidence="describe:Contact")
    with pytest.raises(TypeError):
        NodeRef("SObject", "sobject:x:Contact")  # type: ignore[arg-type]


def test_no_record_attribute_collides_with_a_writer_stamp():
    record_types: list[type] = [*NODE_RECORDS, *EDGE_RECORDS]
    for record_type in record_types:
        names = {f.name for f in dataclasses.fields(record_type)} - {"run_id"}  # HarvestRun keeps its id in its key
        assert not names & (STAMPS - {"key"}), record_type.__name__


def test_integration_attributes_are_plain_property_names():
    with pytest.raises(ValueError, match="run_id"):
        IntegrationRecord(org_id=ORG, kind=IntegrationKind.APEX_CLASS, name="Notifier",
                          attributes={"run_id": "forged"}, evidence="apex:Notifier")
    apex = IntegrationRecord(org_id=ORG, kind=IntegrationKind.APEX_CLASS, name="Notifier",
                             attributes={"sharing": "without", "endpoints": ("https://x.example",)},
                             evidence="apex:Notifier")
    assert apex.properties() == {
        "sharing": "without", "endpoints": ["https://x.example"], "org_id": ORG, "kind": "apex_class",
        "name": "Notifier", "evidence": "apex:Notifier",
    }


def test_subject_keys_are_the_same_for_a_consumer_however_their_identifier_is_written():
    secret = b"k"
    assert subject_hmac_for(secret, email=" Jane@Example.COM") == subject_hmac_for(secret, email="jane@example.com")
    assert subject_hmac_for(secret, phone="+1 (415) 555-0100") == subject_hmac_for(secret, phone="14155550100")
    assert subject_hmac_for(secret, email="jane@example.com") != subject_hmac_for(b"other", email="jane@example.com")
    assert subject_hmac_for(secret, phone="1") != subject_hmac_for(secret, external_id="1")
    with pytest.raises(ValueError, match="never a raw identifier"):
        SubjectRecord(hmac="jane@example.com", evidence="query:Contact")


def test_a_fields_name_and_label_are_written_lower_cased_for_the_name_search():
    field = FieldRecord(org_id=ORG, sobject="Contact", name="Tax_Id__c", type="string", display_label="Tax ID",
                        evidence="describe:Contact")
    unlabelled = FieldRecord(org_id=ORG, sobject="Contact", name="Email", type="email", evidence="describe:Contact")

    assert field.properties()["search_text"] == "tax_id__c\ntax id"
    assert unlabelled.properties()["search_text"] == "email\n"


def test_an_integration_serves_a_purpose_and_never_a_preference():
    flow = NodeRef(Label.INTEGRATION, f"integration:{ORG}:manifest:x#core.pull")
    ServesEdge(source=flow, target=NodeRef(Label.PURPOSE, f"purpose:{ORG}:Account servicing"), evidence="manifest:x")

    with pytest.raises(ValueError, match="SERVES"):
        ServesEdge(source=flow, target=NodeRef(Label.PREFERENCE, f"preference:{ORG}:Individual.ShouldForget"),
                   evidence="manifest:x")
