"""The lineage writers against the real Neo4j engine: batched, stamped, idempotent, retiring, atomic."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from neo4j.exceptions import Neo4jError

from lineage import (
    FULL_HARVEST,
    SCHEMA,
    SHARED_LABELS,
    AccessEdge,
    AuthorisedByEdge,
    ConfigurationChangeRecord,
    ConsentEdge,
    ConsentStatus,
    EdgeRecord,
    FieldRecord,
    FlowEdge,
    GatedByEdge,
    Graph,
    GraphWriter,
    HarvestRunRecord,
    HasFieldEdge,
    HasObjectEdge,
    HasRecordEdge,
    HasSystemEdge,
    IdentifierRecord,
    IdentifiesEdge,
    IntegrationKind,
    IntegrationRecord,
    Label,
    NodeRecord,
    OrgRecord,
    PreferenceRecord,
    PurposeRecord,
    ReadsEdge,
    ReferenceEdge,
    Rel,
    RetentionCountRecord,
    SendsToEdge,
    ServesEdge,
    SObjectRecord,
    SubjectRecord,
    SystemRecord,
    SystemRole,
    UserRecord,
    WritesEdge,
    bootstrap_schema,
    purge_org,
    subject_hmac_for,
)
from lineage.identifiers import IdentifierKind, identifier_hmac, key_id, normalised
from lineage.records import PropertyValue
from lineage.writers import edge_statement, node_statement

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)
SECRET = b"test-subject-secret"
CHANGING_STAMPS = {"last_seen", "run_id", "observed_runs"}


@dataclass(frozen=True)
class DemoOrg:
    """A small org in the demo's image: a balance that a flow emails without checking consent."""

    org_id: str

    @property
    def key(self) -> str:
        return self.org.key

    @property
    def org(self) -> OrgRecord:
        return OrgRecord(org_id=self.org_id, name="Demo Bank", edition="Enterprise", evidence="organization")

    @property
    def contact(self) -> SObjectRecord:
        return SObjectRecord(org_id=self.org_id, name="Contact", display_label="Contact", evidence="describe:Contact")

    @property
    def account(self) -> SObjectRecord:
        return SObjectRecord(org_id=self.org_id, name="FinServ__FinancialAccount__c", custom=True,
                             namespace="FinServ", evidence="describe:FinServ__FinancialAccount__c")

    def contact_field(self, name: str, **extra: Any) -> FieldRecord:
        return FieldRecord(org_id=self.org_id, sobject="Contact", name=name, type=extra.pop("type", "string"),
                           evidence="describe:Contact", **extra)

    @property
    def email(self) -> FieldRecord:
        return self.contact_field("Email", type="email", security_classification="Confidential",
                                  compliance_groups=("CCPA", "GDPR"), ccpa_category="identifiers")

    @property
    def phone(self) -> FieldRecord:
        return self.contact_field("Phone", type="phone", ccpa_category="identifiers")

    @property
    def balance(self) -> FieldRecord:
        return FieldRecord(org_id=self.org_id, sobject="FinServ__FinancialAccount__c", name="FinServ__Balance__c",
                           type="currency", sensitive=True, ccpa_category="financial_information",
                           evidence="describe:FinServ__FinancialAccount__c")

    @property
    def owner_lookup(self) -> FieldRecord:
        return FieldRecord(org_id=self.org_id, sobject="FinServ__FinancialAccount__c", name="FinServ__PrimaryOwner__c",
                           type="reference", references=("Contact",),
                           evidence="describe:FinServ__FinancialAccount__c")

    @property
    def mail_system(self) -> SystemRecord:
        return SystemRecord(host=f"mail-{self.org_id.lower()}.example.com", name="Email service",
                            evidence="manifest:email.yaml")

    @property
    def mail_provider(self) -> HasSystemEdge:
        return HasSystemEdge(source=self.org.ref, target=self.mail_system.ref, role=SystemRole.SERVICE_PROVIDER,
                             country="US", evidence="manifest:email.yaml")

    @property
    def balance_flow(self) -> IntegrationRecord:
        return IntegrationRecord(org_id=self.org_id, kind=IntegrationKind.FLOW, name="Balance_Alert_Email",
                                 attributes={"version": 3, "status": "Active"},
                                 evidence="flow:Balance_Alert_Email@v3")

    @property
    def marketing(self) -> PurposeRecord:
        return PurposeRecord(org_id=self.org_id, name="Marketing", evidence="DataUsePurpose:Marketing")

    @property
    def processing_opt_out(self) -> PreferenceRecord:
        return PreferenceRecord(org_id=self.org_id, sobject="Individual", field="HasOptedOutProcessing",
                                meaning="Don't Process", opted_out_when=True, evidence="describe:Individual")

    @property
    def subject(self) -> SubjectRecord:
        return SubjectRecord(hmac=subject_hmac_for(SECRET, email=f"jane.doe@{self.org_id.lower()}.example.com"),
                             evidence="consent:ContactPointTypeConsent")

    @property
    def email_identifier(self) -> IdentifierRecord:
        value = normalised(IdentifierKind.EMAIL, f"Jane.Doe@{self.org_id.lower()}.example.com")
        return IdentifierRecord(hmac=identifier_hmac(SECRET, IdentifierKind.EMAIL, value), kind=IdentifierKind.EMAIL,
                                key_id=key_id(SECRET), evidence="Contact:003A.Email")

    @property
    def analyst(self) -> UserRecord:
        return UserRecord(org_id=self.org_id, user_id="0058d0DKowalczyAGA", evidence="eventlog:Report:2026-11-17")

    @property
    def export(self) -> IntegrationRecord:
        return IntegrationRecord(org_id=self.org_id, kind=IntegrationKind.REPORT_EXPORT,
                                 name="00O8d0RegQtrExtESE/4exLFSa", attributes={"user_id": "0058d0DKowalczyAGA"},
                                 evidence="eventlog:ReportExport:2026-10-31")

    @property
    def grant(self) -> ConfigurationChangeRecord:
        return ConfigurationChangeRecord(org_id=self.org_id, entry_id="0Ym8d0000Sat010CQA", action="PermSetAssign",
                                         section="Manage Users", changed_at=T0, changed_by="0058d00000MVegaAAD",
                                         evidence="SetupAuditTrail:0Ym8d0000Sat010CQA")

    @property
    def retention_count(self) -> RetentionCountRecord:
        return RetentionCountRecord(org_id=self.org_id, sobject="Contact", period="P7Y",
                                    cutoff=T0 - timedelta(days=2557), counted_at=T0, counted_in="run-1", count=12,
                                    evidence="SOQL: SELECT COUNT() …",
                                    query="SELECT COUNT() FROM Contact WHERE CreatedDate < 2019-11-01T09:00:00Z")

    def nodes(self) -> list[NodeRecord]:
        return [self.org, self.contact, self.account, self.email, self.phone, self.balance, self.owner_lookup,
                self.mail_system, self.balance_flow, self.marketing, self.processing_opt_out, self.subject,
                self.email_identifier, self.analyst, self.export, self.grant]

    def schema_edges(self, *fields_: FieldRecord) -> list[EdgeRecord]:
        edges: list[EdgeRecord] = [
            HasObjectEdge(source=self.org.ref, target=self.contact.ref, evidence="describeGlobal"),
            HasObjectEdge(source=self.org.ref, target=self.account.ref, evidence="describeGlobal"),
        ]
        for f in fields_:
            parent = self.contact if f.sobject == "Contact" else self.account
            edges.append(HasFieldEdge(source=parent.ref, target=f.ref, evidence=f.evidence))
        return edges

    def edges(self) -> list[EdgeRecord]:
        flow = self.balance_flow
        return [
            *self.schema_edges(self.email, self.phone, self.balance, self.owner_lookup),
            ReferenceEdge(source=self.owner_lookup.ref, target=self.contact.ref, relationship_name="PrimaryOwner",
                          evidence="describe:FinServ__FinancialAccount__c"),
            ReadsEdge(source=flow.ref, target=self.balance.ref, evidence=flow.evidence),
            WritesEdge(source=flow.ref, target=self.contact.ref, evidence=flow.evidence),
            SendsToEdge(source=flow.ref, target=self.mail_system.ref, channel="email", evidence=flow.evidence),
            FlowEdge(source=self.balance.ref, target=self.mail_system.ref, via=flow.key, consent_checked=False,
                     evidence=flow.evidence),
            GatedByEdge(source=flow.ref, target=self.marketing.ref, check="Individual.HasOptedOutProcessing",
                        evidence=flow.evidence),
            ServesEdge(source=flow.ref, target=self.marketing.ref, evidence=flow.evidence),
            AccessEdge(source=flow.ref, target=self.contact.ref, requests=12, rows=340,
                       first_accessed_at=T0, last_accessed_at=T0 + timedelta(hours=5),
                       evidence="eventlog:API:2026-11-01"),
            HasRecordEdge(source=self.subject.ref, target=self.contact.ref, record_ids=("003A", "003B"),
                          evidence="query:Contact"),
            IdentifiesEdge(source=self.email_identifier.ref, target=self.subject.ref, evidence="Contact:003A.Email"),
            ConsentEdge(source=self.subject.ref, target=self.marketing.ref, status=ConsentStatus.OPT_OUT,
                        channel="Email", captured_at=T0, effective_from=date(2026, 1, 1),
                        evidence="ContactPointTypeConsent:0ZWA"),
            ConsentEdge(source=self.subject.ref, target=self.processing_opt_out.ref, status=ConsentStatus.OPT_OUT,
                        captured_at=T0, evidence="Individual:0PKA"),
            AccessEdge(source=self.analyst.ref, target=self.account.ref, requests=2, rows=61,
                       first_accessed_at=T0, last_accessed_at=T0, evidence=self.analyst.evidence),
            AuthorisedByEdge(source=self.export.ref, target=self.grant.ref, evidence=self.export.evidence),
            self.mail_provider,
        ]


@pytest.fixture(scope="module", autouse=True)
def schema(graph: Graph) -> None:
    bootstrap_schema(graph)


@pytest.fixture
def demo(graph: Graph) -> Iterator[DemoOrg]:
    org = DemoOrg(org_id=f"00DTEST{uuid.uuid4().hex[:11].upper()}")
    yield org
    purge_org(graph, org.key)


def writer(graph: Graph, demo: DemoOrg, run_id: str, now: datetime, **options: Any) -> GraphWriter:
    return GraphWriter(graph, run_id=run_id, org_key=demo.key, now=now, **options)


def nodes_of(graph: Graph, org_key: str, *, ignore: Collection[str] = ()) -> dict[str, tuple[Any, ...]]:
    records = graph.read("MATCH (n) WHERE n.org_key = $org OR $org IN n.observed_by "
                         "RETURN labels(n) AS labels, properties(n) AS props", org=org_key)
    return {r["props"]["key"]: (tuple(r["labels"]), _without(r["props"], ignore)) for r in records}


def edges_of(graph: Graph, org_key: str, *, ignore: Collection[str] = ()) -> dict[str, tuple[Any, ...]]:
    records = graph.read("MATCH (a)-[r]->(b) WHERE r.org_key = $org "
                         "RETURN type(r) AS type, a.key AS source, b.key AS target, properties(r) AS props",
                         org=org_key)
    return {r["props"]["key"]: (r["type"], r["source"], r["target"], _without(r["props"], ignore)) for r in records}


def node(graph: Graph, key: str) -> dict[str, Any]:
    [record] = graph.read("MATCH (n {key: $key}) RETURN properties(n) AS props", key=key)
    return dict(record["props"])


def edge(graph: Graph, key: str) -> dict[str, Any]:
    [record] = graph.read("MATCH ()-[r]->() WHERE r.key = $key RETURN properties(r) AS props", key=key)
    return dict(record["props"])


def _without(props: dict[str, Any], ignore: Collection[str]) -> dict[str, Any]:
    return {name: value for name, value in props.items() if name not in ignore}


# --- idempotency ------------------------------------------------------------------------------------


def test_writing_the_same_records_twice_changes_nothing(graph: Graph, demo: DemoOrg):
    first = writer(graph, demo, "run-1", T0)
    first.write_nodes(demo.nodes())
    first.write_edges(demo.edges())
    nodes_once = nodes_of(graph, demo.key, ignore=CHANGING_STAMPS)
    edges_once = edges_of(graph, demo.key, ignore=CHANGING_STAMPS)

    second = writer(graph, demo, "run-2", T1)
    second.write_nodes(demo.nodes())
    second.write_edges(demo.edges())

    states = sum(1 for each in demo.nodes() if isinstance(each, IntegrationRecord))  # its attributes' state each
    assert len(nodes_once) == len(demo.nodes()) + states
    assert len(edges_once) == len(demo.edges())
    assert nodes_of(graph, demo.key, ignore=CHANGING_STAMPS) == nodes_once
    assert edges_of(graph, demo.key, ignore=CHANGING_STAMPS) == edges_once
    stamps = [props for _, props in nodes_of(graph, demo.key).values()]
    stamps += [props for *_, props in edges_of(graph, demo.key).values()]
    assert {(p["run_id"], p["last_seen"].to_native(), p["first_seen"].to_native()) for p in stamps} == {
        ("run-2", T1, T0)
    }


def test_every_node_and_edge_is_stamped_with_run_org_and_evidence(graph: Graph, demo: DemoOrg):
    w = writer(graph, demo, "run-1", T0)
    w.write_nodes(demo.nodes())
    w.write_edges(demo.edges())

    nodes = nodes_of(graph, demo.key)
    everything = [props for _, props in nodes.values()]
    everything += [props for *_, props in edges_of(graph, demo.key).values()]
    for props in everything:
        assert props["run_id"] == "run-1"
        assert props["first_seen"].to_native() == T0 == props["last_seen"].to_native()
        assert props["evidence"]
        assert "retired_at" not in props
    shared = {key for key, (labels, _) in nodes.items() if set(labels) & {label.value for label in SHARED_LABELS}}
    assert shared == {demo.mail_system.key, demo.subject.key, demo.email_identifier.key}
    for key, (_, props) in nodes.items():
        if key in shared:  # observed by the org's scope, owned by none
            assert (props["observed_by"], props["observed_runs"], "org_key" in props) == ([demo.key], ["run-1"], False)
        else:
            assert props["org_key"] == demo.key
    assert all(props["org_key"] == demo.key for *_, props in edges_of(graph, demo.key).values())


# --- retirement -------------------------------------------------------------------------------------


def test_field_no_longer_seen_by_a_full_run_is_retired_not_deleted(graph: Graph, demo: DemoOrg):
    first = writer(graph, demo, "run-1", T0)
    first.write_nodes([demo.org, demo.contact, demo.account, demo.email, demo.phone])
    first.write_edges(demo.schema_edges(demo.email, demo.phone))

    full = writer(graph, demo, "run-2", T1)
    full.write_nodes([demo.org, demo.contact, demo.account, demo.email])  # Phone was deleted in Salesforce
    full.write_edges(demo.schema_edges(demo.email))
    report = full.retire_unseen(SCHEMA)

    phone = node(graph, demo.phone.key)
    assert phone["retired_at"].to_native() == T1
    assert phone["run_id"] == "run-1"
    assert phone["type"] == "phone"
    [phone_edge] = [e for e in demo.schema_edges(demo.phone) if isinstance(e, HasFieldEdge)]
    assert edge(graph, phone_edge.key)["retired_at"].to_native() == T1
    assert "retired_at" not in node(graph, demo.email.key)
    assert report.nodes[Label.FIELD] == 1
    assert report.edges[Rel.HAS_FIELD] == 1
    assert report.total == 2


def test_retired_field_seen_again_is_revived(graph: Graph, demo: DemoOrg):
    writer(graph, demo, "run-1", T0).write_nodes([demo.contact, demo.phone])
    full = writer(graph, demo, "run-2", T1)
    full.write_nodes([demo.contact])
    full.retire_unseen(SCHEMA)
    assert "retired_at" in node(graph, demo.phone.key)

    writer(graph, demo, "run-3", T2).write_nodes([demo.contact, demo.phone])

    phone = node(graph, demo.phone.key)
    assert "retired_at" not in phone
    assert phone["first_seen"].to_native() == T0
    assert phone["last_seen"].to_native() == T2
    assert phone["run_id"] == "run-3"


def test_a_full_run_of_one_scope_retires_nothing_of_another(graph: Graph, demo: DemoOrg):
    first = writer(graph, demo, "run-1", T0)
    first.write_nodes(demo.nodes())
    first.write_edges(demo.edges())

    schema_run = writer(graph, demo, "run-2", T1)
    schema_run.write_nodes([n for n in demo.nodes() if n.label in SCHEMA.labels])
    schema_run.write_edges([e for e in demo.edges() if e.rel in SCHEMA.rels])
    report = schema_run.retire_unseen(SCHEMA)

    assert report.total == 0
    retired = [key for key, (_, props) in nodes_of(graph, demo.key).items() if "retired_at" in props]
    retired += [key for key, (*_, props) in edges_of(graph, demo.key).items() if "retired_at" in props]
    assert retired == []
    assert node(graph, demo.balance_flow.key)["run_id"] == "run-1"


def test_log_access_users_and_configuration_changes_are_history_and_never_retired(graph: Graph, demo: DemoOrg):
    w = writer(graph, demo, "run-1", T0)
    w.write_nodes(demo.nodes())
    w.write_edges(demo.edges())
    history = [e for e in demo.edges() if isinstance(e, AccessEdge | AuthorisedByEdge)]

    writer(graph, demo, "run-2", T1).retire_unseen(FULL_HARVEST)

    assert len(history) == 3
    assert all("retired_at" not in edge(graph, e.key) for e in history)
    assert "retired_at" not in node(graph, demo.analyst.key)
    assert "retired_at" not in node(graph, demo.grant.key)
    assert "retired_at" in node(graph, demo.balance_flow.key)


def test_a_full_run_leaves_other_orgs_alone(graph: Graph, demo: DemoOrg):
    other = DemoOrg(org_id=f"{demo.org_id}X")
    try:
        writer(graph, other, "other-run", T0).write_nodes([other.contact, other.email])
        writer(graph, demo, "run-1", T0).write_nodes([demo.contact, demo.email])

        writer(graph, demo, "run-2", T1).retire_unseen(SCHEMA)

        assert "retired_at" in node(graph, demo.email.key)
        assert "retired_at" not in node(graph, other.email.key)
    finally:
        purge_org(graph, other.key)


# --- edges ------------------------------------------------------------------------------------------


def test_flow_edge_carries_consent_checked_and_evidence(graph: Graph, demo: DemoOrg):
    consented = IntegrationRecord(org_id=demo.org_id, kind=IntegrationKind.OUTBOUND_MESSAGE, name="Balance_OM",
                                  evidence="outboundmessage:Balance_OM")
    w = writer(graph, demo, "run-1", T0)
    w.write_nodes([*demo.nodes(), consented])
    unchecked = FlowEdge(source=demo.balance.ref, target=demo.mail_system.ref, via=demo.balance_flow.key,
                         consent_checked=False, evidence="flow:Balance_Alert_Email@v3")
    checked = FlowEdge(source=demo.balance.ref, target=demo.mail_system.ref, via=consented.key,
                       consent_checked=True, evidence="outboundmessage:Balance_OM")
    report = w.write_edges([unchecked, checked])

    records = graph.read(
        "MATCH (:Field {key: $field})-[r:FLOWS_TO]->(:System {key: $system}) "
        "RETURN r.via AS via, r.consent_checked AS consent_checked, r.evidence AS evidence ORDER BY via",
        field=demo.balance.key, system=demo.mail_system.key,
    )
    assert report.written == 2
    assert sorted((r["via"], r["consent_checked"], r["evidence"]) for r in records) == sorted([
        (demo.balance_flow.key, False, "flow:Balance_Alert_Email@v3"),
        (consented.key, True, "outboundmessage:Balance_OM"),
    ])


def test_edge_to_a_node_not_in_the_graph_is_skipped_and_counted(graph: Graph, demo: DemoOrg):
    w = writer(graph, demo, "run-1", T0)
    w.write_nodes([demo.contact, demo.email])

    report = w.write_edges(demo.schema_edges(demo.email, demo.phone))  # no Org, no account, no Phone node

    assert (report.rows, report.written, report.skipped) == (4, 1, 3)


def test_skipped_edges_are_counted_by_relationship_type(graph: Graph, demo: DemoOrg):
    w = writer(graph, demo, "run-1", T0)
    w.write_nodes([demo.contact, demo.email])

    report = w.write_chunk([], demo.schema_edges(demo.email, demo.phone))

    assert report.skipped_by_rel == {"HAS_OBJECT": 2, "HAS_FIELD": 1}  # no Org node, no Phone node


def test_access_counts_add_up_once_per_log_file(graph: Graph, demo: DemoOrg):
    w = writer(graph, demo, "run-1", T0)
    w.write_nodes([demo.contact, demo.balance_flow])

    def access(day: int, requests: int, rows: int) -> AccessEdge:
        start = T0 + timedelta(days=day)
        return AccessEdge(source=demo.balance_flow.ref, target=demo.contact.ref, requests=requests, rows=rows,
                          first_accessed_at=start, last_accessed_at=start + timedelta(hours=1),
                          evidence=f"eventlog:API:2026-11-0{day + 1}")

    w.write_edges([access(0, 10, 100), access(1, 5, 50)])
    writer(graph, demo, "run-2", T2).write_edges([access(1, 5, 50), access(2, 1, 1)])  # day 2's file read again

    props = edge(graph, access(0, 0, 0).key)
    assert (props["requests"], props["rows"]) == (16, 151)
    assert props["first_accessed_at"].to_native() == T0
    assert props["last_accessed_at"].to_native() == T0 + timedelta(days=2, hours=1)
    assert props["log_files"] == ["eventlog:API:2026-11-01", "eventlog:API:2026-11-02", "eventlog:API:2026-11-03"]


def test_record_ids_add_up_within_a_run_and_start_afresh_in_the_next(graph: Graph, demo: DemoOrg):
    def records(*ids: str) -> HasRecordEdge:
        return HasRecordEdge(source=demo.subject.ref, target=demo.contact.ref, record_ids=ids,
                             evidence="query:Contact")

    first = writer(graph, demo, "run-1", T0)
    first.write_nodes([demo.subject, demo.contact])
    first.write_edges([records("003A", "003B")])
    first.write_edges([records("003B", "003C")])  # a later chunk of the same run
    assert edge(graph, records().key)["record_ids"] == ["003A", "003B", "003C"]

    writer(graph, demo, "run-2", T1).write_edges([records("003C")])  # 003A and 003B were deleted
    assert edge(graph, records().key)["record_ids"] == ["003C"]


def test_an_edge_named_twice_in_one_batch_is_one_edge_with_the_record_ids_of_both(graph: Graph, demo: DemoOrg):
    def records(*ids: str) -> HasRecordEdge:
        return HasRecordEdge(source=demo.subject.ref, target=demo.contact.ref, record_ids=ids,
                             evidence="query:Contact")

    writer(graph, demo, "run-1", T0).write_chunk([demo.subject, demo.contact], [records("003A"), records("003B")])

    count = graph.read("MATCH ()-[r:HAS_RECORD {key: $key}]->() RETURN count(r) AS n", key=records().key)
    assert count[0]["n"] == 1
    assert edge(graph, records().key)["record_ids"] == ["003A", "003B"]


@pytest.mark.parametrize(("rel", "target"), [(Rel.HAS_RECORD, Label.SOBJECT), (Rel.CONSENTED, Label.PURPOSE),
                                             (Rel.CONSENTED, Label.PREFERENCE)])
def test_a_consumers_edge_is_found_through_its_index_never_by_reading_the_edges_of_the_node_it_ends_in(
    graph: Graph, rel: Rel, target: Label
):
    # An object, a purpose or a preference ends a million consumers' edges: reading them to find one cost minutes.
    operators = graph.plan(edge_statement(rel, Label.SUBJECT, target),
                           rows=[], org_key="org:00DPLAN", run_id="run-1", now=None)

    assert "DirectedRelationshipIndexSeek" in operators
    assert not {"Expand(Into)", "Expand(All)", "OptionalExpand(Into)", "OptionalExpand(All)"} & set(operators)


# --- properties -------------------------------------------------------------------------------------


def test_a_classification_removed_in_salesforce_is_removed_from_the_field(graph: Graph, demo: DemoOrg):
    writer(graph, demo, "run-1", T0).write_nodes([demo.email])
    declassified = demo.contact_field("Email", type="email", compliance_groups=())

    writer(graph, demo, "run-2", T1).write_nodes([declassified])

    props = node(graph, demo.email.key)
    assert "security_classification" not in props
    assert props["compliance_groups"] == []


def test_a_system_keeps_the_name_a_manifest_declared_when_an_integration_does_not_know_it(
    graph: Graph, demo: DemoOrg
):
    manifest = writer(graph, demo, "manifest-run", T0)
    manifest.write_nodes([demo.org, demo.mail_system])
    manifest.write_edges([demo.mail_provider])
    seen_in_apex = SystemRecord(host=demo.mail_system.host.upper(), evidence="apex:BalanceNotifier")

    writer(graph, demo, "integrations-run", T1).write_nodes([seen_in_apex])

    props = node(graph, demo.mail_system.key)
    assert props["name"] == "Email service"
    assert props["evidence"] == "apex:BalanceNotifier"
    assert (edge(graph, demo.mail_provider.key)["role"], edge(graph, demo.mail_provider.key)["country"]) == (
        "service_provider", "US")


# --- privacy ----------------------------------------------------------------------------------------


def test_subject_node_holds_no_raw_identifier(graph: Graph, demo: DemoOrg):
    email, phone = "Jane.Doe@Example.com", "+1 (415) 555-0100"
    assert {f.name for f in fields(SubjectRecord)} == {"hmac", "evidence"}
    with pytest.raises(TypeError):
        SubjectRecord(hmac="0" * 64, email=email, evidence="query:Contact")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="never a raw identifier"):
        SubjectRecord(hmac=email, evidence="query:Contact")
    with pytest.raises(ValueError, match="never a raw identifier"):
        IdentifierRecord(hmac=email, kind=IdentifierKind.EMAIL, key_id=key_id(SECRET), evidence="Contact:003A.Email")

    subject = SubjectRecord(hmac=subject_hmac_for(SECRET, email=email, phone=phone), evidence="query:Contact")
    w = writer(graph, demo, "run-1", T0)
    w.write_nodes([subject])

    stored = node(graph, subject.key)
    assert subject.hmac == subject_hmac_for(SECRET, email="  jane.doe@example.COM ")
    assert re.fullmatch(r"subject:[0-9a-f]{64}", stored["key"])
    text = repr(stored).lower()
    for fragment in ("jane", "doe", "example.com", "@", "4155550100", "555-0100"):
        assert fragment not in text


# --- vocabulary -------------------------------------------------------------------------------------


def test_labels_come_only_from_the_vocabulary(graph: Graph, demo: DemoOrg):
    with pytest.raises(TypeError):
        node_statement("Field {key: row.key}) DETACH DELETE n //")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        edge_statement("FLOWS_TO", Label.FIELD, Label.SYSTEM)  # type: ignore[arg-type]

    names = {label.value for label in Label} | {rel.value for rel in Rel}
    statements = [node_statement(label) for label in Label]
    statements += [edge_statement(rel, a, b) for rel in Rel for a in Label for b in Label]
    for statement in statements:
        assert set(re.findall(r"[(\[]\w*:(\w+)", statement)) <= names

    w = writer(graph, demo, "run-1", T0)
    w.write_nodes([*demo.nodes(), demo.retention_count])
    w.write_edges(demo.edges())
    w.write_run(HarvestRunRecord(run_id="run-1", org_id=demo.org_id, sources=("schema",), full=True,
                                 status="running", started_at=T0, evidence="harvest run"))
    labels = {label for labels, _ in nodes_of(graph, demo.key).values() for label in labels}
    types = {rel for rel, *_ in edges_of(graph, demo.key).values()}
    assert labels == {label.value for label in Label}
    assert types == {rel.value for rel in Rel}


# --- atomicity --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UnstorableFieldRecord(FieldRecord):
    """A record Neo4j refuses (a map is not a property value): the way to make a batch fail mid-way."""

    def properties(self) -> dict[str, PropertyValue]:
        return {**super().properties(), "broken": {"nested": "map"}}  # type: ignore[dict-item]


def test_a_failing_batch_leaves_nothing_of_itself(graph: Graph, demo: DemoOrg):
    good = [demo.contact_field(f"Good_{i}__c") for i in range(4)]
    bad = UnstorableFieldRecord(org_id=demo.org_id, sobject="Contact", name="Bad__c", type="string",
                                evidence="describe:Contact")
    w = writer(graph, demo, "run-1", T0, batch_size=3)

    with pytest.raises(Neo4jError):
        w.write_nodes([*good[:3], *good[3:], bad])  # batches: [0, 1, 2] then [3, bad]

    stored = set(nodes_of(graph, demo.key))
    assert stored == {f.key for f in good[:3]}


def test_a_chunk_lands_whole_or_not_at_all(graph: Graph, demo: DemoOrg):
    w = writer(graph, demo, "run-1", T0, batch_size=2)
    bad = UnstorableFieldRecord(org_id=demo.org_id, sobject="Contact", name="Bad__c", type="string",
                                evidence="describe:Contact")

    with pytest.raises(Neo4jError):
        w.write_chunk([demo.org, demo.contact, demo.email, demo.phone, bad], demo.schema_edges(demo.email))
    assert nodes_of(graph, demo.key) == {}

    report = w.write_chunk([demo.org, demo.contact, demo.account, demo.email], demo.schema_edges(demo.email))
    assert (report.rows, report.written, report.transactions) == (7, 7, 1)


def test_a_purpose_read_from_salesforce_and_declared_in_a_manifest_keeps_what_each_source_knows(
    graph: Graph, demo: DemoOrg
):
    from lineage import PurposeRecord

    now = datetime.now(UTC)
    read = PurposeRecord(org_id=demo.org_id, name="Analytics", description="Product analytics",
                         legal_basis="Legitimate interest", data_use_purpose="0ZW1", evidence="DataUsePurpose:0ZW1")
    declared = PurposeRecord(org_id=demo.org_id, name="Analytics", declared=True, evidence="manifest:gpb#vendor")
    writer(graph, demo, "run-consents", now).write_nodes([read])
    writer(graph, demo, "run-manifests", now).write_nodes([declared])

    purpose = node(graph, read.key)
    assert (purpose["description"], purpose["legal_basis"], purpose["declared"], purpose["data_use_purpose"]) == (
        "Product analytics", "Legitimate interest", True, "0ZW1")
