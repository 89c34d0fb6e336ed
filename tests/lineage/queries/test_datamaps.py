"""One consumer's facts, read from the subject outwards: their records per object, the categories those objects hold,
where the objects' fields flow (directly, through other fields, by a whole-object read) and come from, who read them,
the systems and purposes reached, and the consent events naming their records. A small org written with the real
writers:

    Borrower__c.Email --Apex Sync (opt-out not checked)--> crm.datamap.test (third party, P6Y)
    Borrower__c.Tax_Id__c --Warehouse load--> Warehouse__c.Tax_Id__c --Warehouse export--> bi.datamap.test
    intake.datamap.test --manifest intake--> Borrower__c.Phone
    connected app Core Sync READS Borrower__c whole, SENDS_TO core.datamap.test; user 005… ACCESSED Borrower__c
    Loan__c: another subject's records only
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, LiteralString

import pytest

from lineage import (
    AccessEdge,
    ConsentEdge,
    ConsentStatus,
    EdgeRecord,
    FieldRecord,
    FlowEdge,
    Graph,
    GraphWriter,
    HasFieldEdge,
    HasObjectEdge,
    HasRecordEdge,
    HasSystemEdge,
    IdentifierRecord,
    IdentifiesEdge,
    IntegrationKind,
    IntegrationRecord,
    NodeRecord,
    NodeRef,
    OrgRecord,
    PurposeRecord,
    ReadsEdge,
    SendsToEdge,
    ServesEdge,
    SObjectRecord,
    SubjectRecord,
    SystemRecord,
    SystemRole,
    UserRecord,
    bootstrap_schema,
    field_key,
    identifier_key,
    org_key,
    purge_org,
    sobject_key,
    subject_key,
    system_key,
)
from lineage.identifiers import IdentifierKind
from lineage.overrides import OverrideMirror, overrides_in_force
from lineage.queries.datamaps import (
    IDENTIFIED_SUBJECT_FACTS,
    SUBJECT_FACTS,
    WHOLE_OBJECT,
    IdentifiedFacts,
    identified_subject_facts,
    subject_facts,
)
from lineage.queries.subjects import IdentifierMatch
from lineage.vocabulary import Label

ORG_ID = "00D000000000DMPAAA"
ORG_KEY = org_key(ORG_ID)
EVIDENCE = "data map test org"
FIRST = datetime(2026, 3, 1, tzinfo=UTC)
SECOND = datetime(2026, 6, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 29, tzinfo=UTC)
ALICE = "a" * 64
BOB = "b" * 64
ALICE_KEY, BOB_KEY = subject_key(ALICE), subject_key(BOB)
ALICE_EMAIL, SHARED_PHONE = "1" * 64, "2" * 64  # the identifier index's hashes: her email, a phone both share
BORROWER, LOAN, WAREHOUSE = (sobject_key(ORG_ID, name) for name in ("Borrower__c", "Loan__c", "Warehouse__c"))
CRM, BI, INTAKE, CORE = (system_key(f"{name}.datamap.test") for name in ("crm", "bi", "intake", "core"))
SYNC = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.APEX_CLASS, name="Sync", evidence="apex:Sync")
LOAD = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.OPENLINEAGE, name="Warehouse load", evidence="ol:load")
EXPORT = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.OPENLINEAGE, name="Warehouse export",
                           evidence="ol:export")
CORE_SYNC = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.CONNECTED_APP, name="Core Sync",
                              evidence="connected app:Core Sync")
# The manifest entry declaring the Apex sync's purpose and its system's retention.
SYNC_ENTRY = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.MANIFEST, name="crm#sync",
                               evidence="manifest:crm/sync",
                               attributes={"via_integration": SYNC.key, "retention": "P6Y", "retention_basis": "SEC"})
# A consent event of someone else's sent to the same system: its system's attributes are no statement about her data.
OTHER_CRM_ENTRY = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.MANIFEST, name="crm#consent_events.evt-9",
                                    evidence="manifest:crm/evt-9", attributes={"retention": "P99Y"})
INTAKE_ENTRY = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.MANIFEST, name="intake#form",
                                 evidence="manifest:intake/form")
OPT_OUT_EVENT = IntegrationRecord(
    org_id=ORG_ID, kind=IntegrationKind.MANIFEST, name="app#consent_events.evt-1", evidence="manifest:app/evt-1",
    attributes={"manifest_entry": "consent_event", "event_id": "evt-1", "change": "opt_out_of_processing",
                "purposes": ("Marketing",), "subject_record": "Borrower__c:a0B000000000AliceA",
                "recorded_at": datetime(2026, 5, 1, 8, tzinfo=UTC), "relayed_at": datetime(2026, 5, 3, 8, tzinfo=UTC),
                "opt_out_sla_hours": 24.0, "system": "app", "system_name": "Mobile app"})
OTHER_EVENT = IntegrationRecord(
    org_id=ORG_ID, kind=IntegrationKind.MANIFEST, name="app#consent_events.evt-2", evidence="manifest:app/evt-2",
    attributes={"manifest_entry": "consent_event", "event_id": "evt-2", "change": "opt_out_of_marketing",
                "subject_record": "Loan__c:a0C000000000BobAAA", "recorded_at": datetime(2026, 5, 1, tzinfo=UTC)})
MARKETING = PurposeRecord(org_id=ORG_ID, name="Marketing", evidence="DataUsePurpose:Marketing")
USER = UserRecord(org_id=ORG_ID, user_id="005000000000AnaAAA", evidence=EVIDENCE)
IDENTIFIERS = (IdentifierRecord(hmac=ALICE_EMAIL, kind=IdentifierKind.EMAIL, key_id="k1", evidence="query:Borrower__c"),
               IdentifierRecord(hmac=SHARED_PHONE, kind=IdentifierKind.PHONE, key_id="k1", evidence="query:Loan__c"))


def _field(sobject: str, name: str, category: str | None = None, *, sensitive: bool = False) -> FieldRecord:
    return FieldRecord(org_id=ORG_ID, sobject=sobject, name=name, type="string", ccpa_category=category,
                       sensitive=sensitive, evidence=f"describe:{sobject}")


FIELDS = [_field("Borrower__c", "Email", "identifiers"), _field("Borrower__c", "Phone", "identifiers"),
          _field("Borrower__c", "Tax_Id__c", "identifiers", sensitive=True), _field("Borrower__c", "Status__c"),
          _field("Warehouse__c", "Tax_Id__c", "identifiers", sensitive=True), _field("Loan__c", "Amount__c",
                                                                                      "financial_information")]


def _ref(label: Label, key: str) -> NodeRef:
    return NodeRef(label, key)


def _flow(source: NodeRef, target: NodeRef, via: IntegrationRecord, *, opt_out_checked: bool | None = None,
          consent_checked: bool = False) -> FlowEdge:
    return FlowEdge(source=source, target=target, via=via.key, consent_checked=consent_checked,
                    opt_out_checked=opt_out_checked, evidence=via.evidence)


def _borrower(name: str) -> NodeRef:
    return _ref(Label.FIELD, field_key(ORG_ID, "Borrower__c", name))


def _first_harvest() -> tuple[list[NodeRecord], list[EdgeRecord]]:
    org = _ref(Label.ORG, ORG_KEY)
    objects = [SObjectRecord(org_id=ORG_ID, name=name, evidence=f"describe:{name}")
               for name in ("Borrower__c", "Loan__c", "Warehouse__c")]
    systems = [SystemRecord(host=f"{name}.datamap.test", name=name.upper(), evidence=EVIDENCE)
               for name in ("crm", "bi", "intake", "core")]
    nodes: list[NodeRecord] = [
        OrgRecord(org_id=ORG_ID, evidence=EVIDENCE), *objects, *FIELDS, *systems, SYNC, LOAD, EXPORT, CORE_SYNC,
        SYNC_ENTRY, OTHER_CRM_ENTRY, INTAKE_ENTRY, OPT_OUT_EVENT, OTHER_EVENT, MARKETING, USER,
        SubjectRecord(hmac=ALICE, evidence="query:Borrower__c"), SubjectRecord(hmac=BOB, evidence="query:Loan__c"),
        *IDENTIFIERS]
    warehouse_tax_id = _ref(Label.FIELD, field_key(ORG_ID, "Warehouse__c", "Tax_Id__c"))
    alice, bob = _ref(Label.SUBJECT, ALICE_KEY), _ref(Label.SUBJECT, BOB_KEY)
    edges: list[EdgeRecord] = [
        *(HasObjectEdge(source=org, target=each.ref, evidence=EVIDENCE) for each in objects),
        *(HasFieldEdge(source=_ref(Label.SOBJECT, sobject_key(ORG_ID, each.sobject)), target=each.ref,
                       evidence=each.evidence) for each in FIELDS),
        *(SendsToEdge(source=integration.ref, target=_ref(Label.SYSTEM, system), channel="callout",
                      evidence=integration.evidence)
          for integration, system in ((SYNC, CRM), (SYNC_ENTRY, CRM), (OTHER_CRM_ENTRY, CRM), (EXPORT, BI),
                                      (CORE_SYNC, CORE), (INTAKE_ENTRY, INTAKE))),
        HasSystemEdge(source=org, target=_ref(Label.SYSTEM, CRM), role=SystemRole.THIRD_PARTY, country="US",
                      evidence="manifest:crm"),
        _flow(_borrower("Email"), _ref(Label.SYSTEM, CRM), SYNC, opt_out_checked=False, consent_checked=True),
        _flow(_borrower("Tax_Id__c"), warehouse_tax_id, LOAD),
        _flow(warehouse_tax_id, _ref(Label.SYSTEM, BI), EXPORT),
        _flow(_ref(Label.SYSTEM, INTAKE), _borrower("Phone"), INTAKE_ENTRY),
        ReadsEdge(source=CORE_SYNC.ref, target=_ref(Label.SOBJECT, BORROWER), evidence=CORE_SYNC.evidence),
        ServesEdge(source=SYNC_ENTRY.ref, target=MARKETING.ref, evidence=SYNC_ENTRY.evidence),
        AccessEdge(source=USER.ref, target=_ref(Label.SOBJECT, BORROWER), requests=3, rows=40,
                   first_accessed_at=datetime(2026, 2, 1, tzinfo=UTC),
                   last_accessed_at=datetime(2026, 2, 2, tzinfo=UTC),
                   evidence="EventLogFile:0AT1"),
        HasRecordEdge(source=alice, target=_ref(Label.SOBJECT, BORROWER), record_ids=("a0B000000000AliceA",),
                      evidence="query:Borrower__c"),
        HasRecordEdge(source=bob, target=_ref(Label.SOBJECT, LOAN), record_ids=("a0C000000000BobAAA",),
                      evidence="query:Loan__c"),
        ConsentEdge(source=alice, target=MARKETING.ref, status=ConsentStatus.OPT_OUT, channel="Email",
                    captured_at=datetime(2026, 2, 10, tzinfo=UTC), evidence="ContactPointTypeConsent:0ZY1"),
        *(IdentifiesEdge(source=identifier.ref, target=subject, evidence=identifier.evidence)
          for identifier, subject in ((IDENTIFIERS[0], alice), (IDENTIFIERS[1], alice), (IDENTIFIERS[1], bob))),
    ]
    return nodes, edges


@pytest.fixture
def datamap_graph(graph: Graph) -> Iterator[Graph]:
    bootstrap_schema(graph)
    purge_org(graph, ORG_KEY)
    nodes, edges = _first_harvest()
    GraphWriter(graph, "run-1", ORG_KEY, FIRST).write_chunk(nodes, edges)
    # Later, a second sync of the email starts.
    late = IntegrationRecord(org_id=ORG_ID, kind=IntegrationKind.APEX_CLASS, name="Late", evidence="apex:Late")
    GraphWriter(graph, "run-2", ORG_KEY, SECOND).write_chunk(
        [late], [SendsToEdge(source=late.ref, target=_ref(Label.SYSTEM, CRM), evidence=late.evidence),
                 _flow(_borrower("Email"), _ref(Label.SYSTEM, CRM), late)])
    yield graph
    purge_org(graph, ORG_KEY)  # its subjects and systems too: no other org observes them


def test_a_subjects_records_are_their_record_ids_per_object_and_no_one_elses(datamap_graph: Graph) -> None:
    facts = subject_facts(datamap_graph, ALICE_KEY, NOW)

    assert facts is not None
    assert [(each.sobject, each.record_ids, each.evidence) for each in facts.records] == [
        ("Borrower__c", ("a0B000000000AliceA",), "query:Borrower__c")]
    assert {each.sobject_key for each in facts.categories} == {BORROWER}


def test_an_unknown_subject_or_one_not_yet_seen_has_no_facts(datamap_graph: Graph) -> None:
    assert subject_facts(datamap_graph, subject_key("c" * 64), NOW) is None
    assert subject_facts(datamap_graph, ALICE_KEY, datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_categories_are_those_of_the_objects_personal_fields_with_an_override_in_force(datamap_graph: Graph) -> None:
    harvested = subject_facts(datamap_graph, ALICE_KEY, NOW)
    override = OverrideMirror(field_key=field_key(ORG_ID, "Borrower__c", "Status__c"), override_id=1, at=FIRST,
                              by="privacy officer", reason="credit status", ccpa_category="financial_information",
                              category_kept=False, sensitive=None)
    overridden = subject_facts(datamap_graph, ALICE_KEY, NOW, overrides_in_force([override]))

    assert harvested is not None
    assert overridden is not None
    assert [(each.category, each.sensitive, each.fields) for each in harvested.categories] == [
        ("identifiers", False, ("Email", "Phone")), ("identifiers", True, ("Tax_Id__c",))]
    assert ("financial_information", False, ("Status__c",)) in [
        (each.category, each.sensitive, each.fields) for each in overridden.categories]


def test_their_fields_reach_systems_directly_through_other_fields_and_by_a_whole_object_read(
        datamap_graph: Graph) -> None:
    facts = subject_facts(datamap_graph, ALICE_KEY, NOW)

    assert facts is not None
    flows = {(each.via, each.system_key, each.direction): each for each in facts.flows}
    assert set(flows) == {(SYNC.key, CRM, "sends"), (EXPORT.key, BI, "sends"), (CORE_SYNC.key, CORE, "sends"),
                          (INTAKE_ENTRY.key, INTAKE, "receives"),
                          (f"integration:{ORG_ID}:apex_class:Late", CRM, "sends")}
    assert flows[SYNC.key, CRM, "sends"].fields == ("Email",)
    sync = flows[SYNC.key, CRM, "sends"]
    assert (sync.consent_checked, sync.opt_out_checked) == (True, False)
    assert flows[EXPORT.key, BI, "sends"].hops == ((_borrower("Tax_Id__c").key,
                                                    field_key(ORG_ID, "Warehouse__c", "Tax_Id__c"), BI),)
    assert flows[CORE_SYNC.key, CORE, "sends"].fields == (WHOLE_OBJECT,)
    assert flows[INTAKE_ENTRY.key, INTAKE, "receives"].fields == ("Phone",)


def test_what_the_flows_reach_carries_purposes_roles_and_retention_from_the_manifest(datamap_graph: Graph) -> None:
    facts = subject_facts(datamap_graph, ALICE_KEY, NOW)

    assert facts is not None
    integrations = {each.key: each for each in facts.integrations}
    systems = {each.key: each for each in facts.systems}
    assert integrations[SYNC.key].purposes == ("Marketing",)  # declared by the manifest entry running through it
    assert integrations[SYNC.key].channels == ("callout",)
    assert (systems[CRM].role, systems[CRM].country, systems[CRM].role_evidence) == ("third_party", "US",
                                                                                      "manifest:crm")
    assert systems[CRM].retention == (("P6Y", "SEC", "manifest:crm"),)  # not the P99Y of what carries none of hers
    assert systems[BI].role is None
    assert systems[BI].retention == ()


def test_a_flow_begun_after_the_as_of_date_is_not_in_the_facts_of_then(datamap_graph: Graph) -> None:
    then = subject_facts(datamap_graph, ALICE_KEY, datetime(2026, 4, 1, tzinfo=UTC))
    now = subject_facts(datamap_graph, ALICE_KEY, NOW)

    assert then is not None
    assert now is not None
    late = f"integration:{ORG_ID}:apex_class:Late"
    assert late in {each.via for each in now.flows}
    assert late not in {each.via for each in then.flows}


def test_readers_consents_and_consent_events_are_theirs(datamap_graph: Graph) -> None:
    facts = subject_facts(datamap_graph, ALICE_KEY, NOW)

    assert facts is not None
    assert [(each.reader_key, each.reader_label, each.requests, each.rows, each.evidence)
            for each in facts.readers] == [(USER.key, "User", 3, 40, "EventLogFile:0AT1")]
    assert [(each.name, each.status, each.channel, each.evidence) for each in facts.consents] == [
        ("Marketing", "opt_out", "Email", "ContactPointTypeConsent:0ZY1")]
    assert [(each.event_id, each.change, each.relayed_at, each.opt_out_sla_hours) for each in facts.consent_events] == [
        ("evt-1", "opt_out_of_processing", datetime(2026, 5, 3, 8, tzinfo=UTC), 24.0)]


def test_a_look_up_names_every_subject_its_hashes_identify_and_reads_the_facts_only_of_one(
        datamap_graph: Graph) -> None:
    hers = identified_subject_facts(datamap_graph, [ALICE_EMAIL], NOW)
    shared = identified_subject_facts(datamap_graph, [SHARED_PHONE, ALICE_EMAIL], NOW)
    nobody = identified_subject_facts(datamap_graph, ["c" * 64], NOW)
    before_her = identified_subject_facts(datamap_graph, [ALICE_EMAIL], datetime(2026, 1, 1, tzinfo=UTC))

    assert hers == IdentifiedFacts((IdentifierMatch(ALICE_EMAIL, ALICE_KEY),),
                                   subject_facts(datamap_graph, ALICE_KEY, NOW))
    assert shared == IdentifiedFacts((IdentifierMatch(ALICE_EMAIL, ALICE_KEY), IdentifierMatch(SHARED_PHONE, ALICE_KEY),
                                      IdentifierMatch(SHARED_PHONE, BOB_KEY)), None)
    assert nobody == IdentifiedFacts((), None)
    assert before_her == IdentifiedFacts(hers.matches, None)


@pytest.mark.parametrize(("query", "parameters"), [
    (SUBJECT_FACTS, {"subject_key": ALICE_KEY}),
    (IDENTIFIED_SUBJECT_FACTS, {"identifier_keys": [identifier_key(ALICE_EMAIL)]}),
], ids=["by-subject", "by-identifier"])
def test_the_facts_are_read_from_the_subject_outwards_never_by_scanning_a_label(
        datamap_graph: Graph, query: LiteralString, parameters: dict[str, Any]) -> None:
    operators = datamap_graph.plan(query, as_of=NOW, overrides=None, **parameters)

    assert "NodeUniqueIndexSeek" in operators
    assert "NodeByLabelScan" not in operators
    assert "AllNodesScan" not in operators


def test_reading_facts_draws_no_warning_from_the_engine(datamap_graph: Graph,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="neo4j.notifications"):
        subject_facts(datamap_graph, ALICE_KEY, NOW)

    assert [each.getMessage()[:200] for each in caplog.records if each.name == "neo4j.notifications"] == []
