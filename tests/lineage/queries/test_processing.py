"""The record's facts read from the real engine: the personal fields each purpose's integrations reach (an object
read whole stands for its personal fields as they stood at the moment asked) and those none reaches; its objects'
record counts as they stood at a moment, and the code that reads or writes sensitive fields, with the attributes it
had then."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lineage import (
    FieldRecord,
    Graph,
    GraphWriter,
    HasFieldEdge,
    HasObjectEdge,
    IntegrationKind,
    IntegrationRecord,
    NodeRef,
    OrgRecord,
    PurposeRecord,
    ReadsEdge,
    ServesEdge,
    SObjectRecord,
    WritesEdge,
    bootstrap_schema,
    org_key,
    purge_org,
)
from lineage.overrides import OverrideMirror
from lineage.queries.processing import (
    FieldFact,
    ProcessingFacts,
    code_touching_sensitive,
    object_facts,
    processing_facts,
    record_facts,
)
from lineage.vocabulary import Label

ORG_ID = "00D000000000PRCAAA"
ORG_KEY = org_key(ORG_ID)
COUNTED_AT = datetime(2026, 6, 1, tzinfo=UTC)
FIRST, SECOND = datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 29, tzinfo=UTC)
SSN = FieldRecord(org_id=ORG_ID, sobject="Contact", name="SSN__c", type="string", ccpa_category="identifiers",
                  sensitive=True, evidence="describe:Contact")
EMAIL = FieldRecord(org_id=ORG_ID, sobject="Contact", name="Email", type="email", ccpa_category="identifiers",
                    evidence="describe:Contact")


def _code(kind: IntegrationKind, name: str, **attributes: str | bool) -> IntegrationRecord:
    return IntegrationRecord(org_id=ORG_ID, kind=kind, name=name, evidence=f"{kind.value}:{name}",
                             attributes=attributes)


EXPORTER = _code(IntegrationKind.APEX_CLASS, "SsnExport", sharing="without", enforces_security=False)
MAILER = _code(IntegrationKind.APEX_CLASS, "Mailer", sharing="without")
CARD = _code(IntegrationKind.COMPONENT, "c:ssnCard", without_sharing=True)


@pytest.fixture
def org_graph(graph: Graph) -> Iterator[Graph]:
    bootstrap_schema(graph)
    purge_org(graph, ORG_KEY)
    org = NodeRef(Label.ORG, ORG_KEY)
    contact = SObjectRecord(org_id=ORG_ID, name="Contact", record_count=300_000, record_count_at=COUNTED_AT,
                            evidence="describe:Contact")
    lead = SObjectRecord(org_id=ORG_ID, name="Lead", evidence="describe:Lead")  # never counted
    GraphWriter(graph, "run-1", ORG_KEY, FIRST).write_chunk(
        [OrgRecord(org_id=ORG_ID, evidence="org"), contact, lead, SSN, EMAIL, EXPORTER, MAILER, CARD],
        [*(HasObjectEdge(source=org, target=each.ref, evidence="org") for each in (contact, lead)),
         *(HasFieldEdge(source=contact.ref, target=each.ref, evidence="describe:Contact") for each in (SSN, EMAIL)),
         ReadsEdge(source=EXPORTER.ref, target=SSN.ref, evidence=EXPORTER.evidence),
         WritesEdge(source=MAILER.ref, target=EMAIL.ref, evidence=MAILER.evidence),
         ReadsEdge(source=CARD.ref, target=SSN.ref, evidence=CARD.evidence)])
    # Later the exporter is rewritten to enforce field-level security.
    GraphWriter(graph, "run-2", ORG_KEY, SECOND).write_chunk(
        [_code(IntegrationKind.APEX_CLASS, "SsnExport", sharing="with", enforces_security=True)], [])
    yield graph
    purge_org(graph, ORG_KEY)


def test_an_objects_record_count_is_the_one_salesforce_gave_by_the_moment_asked(org_graph: Graph) -> None:
    now = {each.sobject: each for each in object_facts(org_graph, ORG_KEY, NOW)}
    before_the_count = {each.sobject: each for each in object_facts(org_graph, ORG_KEY, FIRST)}

    assert (now["Contact"].record_count, now["Contact"].record_count_at) == (300_000, COUNTED_AT)
    assert "Lead" not in now  # no record types, no count: nothing to say of it
    assert before_the_count == {}


def test_the_code_reading_or_writing_a_sensitive_field_is_found_with_its_attributes_then(org_graph: Graph) -> None:
    then = {each.integration.name: each for each in code_touching_sensitive(org_graph, ORG_KEY, FIRST, None)}
    now = {each.integration.name: each for each in code_touching_sensitive(org_graph, ORG_KEY, NOW, None)}
    email_made_sensitive = {each.integration.name for each in code_touching_sensitive(
        org_graph, ORG_KEY, NOW, {EMAIL.key: {"sensitive": True}})}

    assert set(now) == {"SsnExport", "c:ssnCard"}  # the mailer writes only the email, which is not sensitive
    assert now["SsnExport"].field_keys == frozenset({SSN.key})
    assert (then["SsnExport"].integration.attribute("sharing"), now["SsnExport"].integration.attribute("sharing")) == (
        "without", "with")
    assert now["c:ssnCard"].integration.attribute("without_sharing") is True
    assert email_made_sensitive == {"SsnExport", "c:ssnCard", "Mailer"}


TITLE = FieldRecord(org_id=ORG_ID, sobject="Contact", name="Title", type="string", evidence="describe:Contact")
FAX = FieldRecord(org_id=ORG_ID, sobject="Contact", name="Fax", type="phone", ccpa_category="identifiers",
                  evidence="describe:Contact")  # described only from the second harvest on
PHONE = FieldRecord(org_id=ORG_ID, sobject="Lead", name="Phone", type="phone", ccpa_category="identifiers",
                    evidence="describe:Lead")
SYNC = _code(IntegrationKind.OUTBOUND_MESSAGE, "ContactSync")
SCORER = _code(IntegrationKind.APEX_CLASS, "Scorer")
MARKETING = PurposeRecord(org_id=ORG_ID, name="Marketing", evidence="manifest:purposes.yaml#marketing")
ANALYTICS = PurposeRecord(org_id=ORG_ID, name="Analytics", evidence="manifest:purposes.yaml#analytics")


@pytest.fixture
def purposes_graph(graph: Graph) -> Iterator[Graph]:
    """Marketing syncs Contact whole; Analytics' scorer reads a Contact's email and title (not personal) alone; the
    Lead's phone is read by nothing; the Contact's fax is described only from the second harvest on."""
    bootstrap_schema(graph)
    purge_org(graph, ORG_KEY)
    org = NodeRef(Label.ORG, ORG_KEY)
    contact = SObjectRecord(org_id=ORG_ID, name="Contact", evidence="describe:Contact")
    lead = SObjectRecord(org_id=ORG_ID, name="Lead", evidence="describe:Lead")
    GraphWriter(graph, "run-1", ORG_KEY, FIRST).write_chunk(
        [OrgRecord(org_id=ORG_ID, evidence="org"), contact, lead, SSN, EMAIL, TITLE, PHONE, SYNC, SCORER, MARKETING,
         ANALYTICS],
        [*(HasObjectEdge(source=org, target=each.ref, evidence="org") for each in (contact, lead)),
         *(HasFieldEdge(source=contact.ref, target=each.ref, evidence="describe:Contact")
           for each in (SSN, EMAIL, TITLE)),
         HasFieldEdge(source=lead.ref, target=PHONE.ref, evidence="describe:Lead"),
         ReadsEdge(source=SYNC.ref, target=contact.ref, evidence="outbound_message:ContactSync"),
         ReadsEdge(source=SCORER.ref, target=EMAIL.ref, evidence="apex_class:Scorer"),
         ReadsEdge(source=SCORER.ref, target=TITLE.ref, evidence="apex_class:Scorer"),
         ServesEdge(source=SYNC.ref, target=MARKETING.ref, evidence="manifest:purposes.yaml#marketing"),
         ServesEdge(source=SCORER.ref, target=ANALYTICS.ref, evidence="manifest:purposes.yaml#analytics")])
    GraphWriter(graph, "run-2", ORG_KEY, SECOND).write_chunk(
        [FAX], [HasFieldEdge(source=contact.ref, target=FAX.ref, evidence="describe:Contact")])
    yield graph
    purge_org(graph, ORG_KEY)


def _reached(activity: ProcessingFacts) -> set[tuple[str, str | None, str | None]]:
    return {(each.name, each.movement, each.evidence) for each in activity.fields}


def _by_name(activities: tuple[ProcessingFacts, ...]) -> dict[str, ProcessingFacts]:
    return {each.name: each for each in activities}


def test_an_object_read_whole_stands_for_its_personal_fields_as_they_stood_then(purposes_graph: Graph) -> None:
    now = _by_name(record_facts(purposes_graph, ORG_KEY, NOW).activities)
    before_the_fax = _by_name(record_facts(purposes_graph, ORG_KEY, FIRST).activities)

    sync = "outbound_message:ContactSync"
    assert _reached(now["Marketing"]) == {("SSN__c", "reads", sync), ("Email", "reads", sync), ("Fax", "reads", sync)}
    assert _reached(before_the_fax["Marketing"]) == {("SSN__c", "reads", sync), ("Email", "reads", sync)}
    assert {each.integration_key for each in now["Marketing"].fields} == {SYNC.key}
    assert [each.name for each in now["Marketing"].fields] == ["Email", "Fax", "SSN__c"]  # by object and name


def test_a_field_read_alone_and_with_its_object_by_one_artefact_is_reached_once(purposes_graph: Graph) -> None:
    GraphWriter(purposes_graph, "run-3", ORG_KEY, SECOND).write_chunk(
        [], [ReadsEdge(source=SYNC.ref, target=EMAIL.ref, evidence="outbound_message:ContactSync")])

    (marketing,) = processing_facts(purposes_graph, ORG_KEY, NOW, purpose_named="Marketing".__eq__)

    assert [each.name for each in marketing.fields] == ["Email", "Fax", "SSN__c"]


def test_a_field_read_alone_counts_when_it_is_personal_information(purposes_graph: Graph) -> None:
    (analytics,) = (each for each in record_facts(purposes_graph, ORG_KEY, NOW).activities
                    if each.name == "Analytics")
    title_made_personal = _by_name(record_facts(purposes_graph, ORG_KEY, NOW, overrides=[
        OverrideMirror(override_id=1, field_key=TITLE.key, ccpa_category="professional_information",
                       category_kept=False, sensitive=None, by="privacy officer", reason="job titles identify",
                       at=FIRST)]).activities)

    assert _reached(analytics) == {("Email", "reads", "apex_class:Scorer")}  # the title is not personal
    assert ("Title", "reads", "apex_class:Scorer") in _reached(title_made_personal["Analytics"])
    assert ("Title", "reads", "outbound_message:ContactSync") in _reached(title_made_personal["Marketing"])


def test_the_personal_fields_no_purpose_reaches_are_listed_with_their_own_evidence(purposes_graph: Graph) -> None:
    facts = record_facts(purposes_graph, ORG_KEY, NOW)

    assert facts.unreached == (FieldFact(
        key=PHONE.key, sobject="Lead", sobject_key=f"sobject:{ORG_ID}:Lead", name="Phone", category="identifiers",
        sensitive=False, encrypted=False, integration_key=None, movement=None, system_key=None,
        evidence="describe:Lead"),)


def test_one_purpose_read_alone_has_the_facts_it_has_in_the_whole_record(purposes_graph: Graph) -> None:
    for moment in (FIRST, NOW):
        whole = _by_name(record_facts(purposes_graph, ORG_KEY, moment).activities)
        for name in ("Marketing", "Analytics"):
            (alone,) = processing_facts(purposes_graph, ORG_KEY, moment, purpose_named=name.__eq__)
            assert alone == whole[name]
