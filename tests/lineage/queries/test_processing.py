"""The record's org-wide facts read from the real engine: its objects' record counts as they stood at a moment, and
the code that reads or writes sensitive fields, with the attributes it had then."""

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
    ReadsEdge,
    SObjectRecord,
    WritesEdge,
    bootstrap_schema,
    org_key,
    purge_org,
)
from lineage.queries.processing import code_touching_sensitive, object_facts
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
