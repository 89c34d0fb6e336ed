"""Harvesting the demo org's consumers and consents into the real Neo4j graph, through the simulator over HTTPS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings

from harvesters.client import OrgClient, OrgCredentials
from harvesters.consents import (
    CONSUMER_OBJECTS,
    ConsentOrderError,
    ConsumerGroup,
    Row,
    SubjectKeys,
    available,
    consent_chunks,
    consumer_groups,
    identifier_records,
    in_link_order,
    merge_key,
    normalised,
    subject_hmac_of,
)
from harvesters.manifests import ConsumerIdField
from harvesters.schema import list_objects, summary_records
from lineage import (
    Graph,
    GraphWriter,
    IdentifierRecord,
    OrgRecord,
    org_key,
    preference_key,
    purge_org,
    purpose_key,
    subject_hmac_for,
)
from lineage.identifiers import IdentifierKind, identifier_hmac
from lineage.identifiers import normalised as normal_form
from salesforce_simulator import Simulator
from salesforce_simulator.bulk import submitted_queries

DEMO_CONSUMERS = 505  # 500 generated + the five named ones, each an Individual
WAITLIST_LEADS = 2  # Priya Rao and Devon Wu: leads linked to no Individual
IDENTIFYING_OBJECTS = ("Individual", "Contact", "Account", "Lead", "ContactPointEmail", "ContactPointPhone")
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
DEMO_PURPOSES = {"Marketing", "Analytics", "Credit Decisioning", "Fraud Prevention"}  # its DataUsePurpose rows


def client_for_demo(org: Simulator) -> OrgClient:
    given = org.credentials()
    return OrgClient(OrgCredentials(login_url=org.base_url, api_version="61.0", auth_flow="client_credentials",
                                    client_id=given["consumer_key"] or "", client_secret=given["consumer_secret"] or "",
                                    ca_bundle=org.ca_bundle))


def secret() -> bytes:
    return str(settings.SUBJECT_HMAC_KEY).encode()


def subject_keys() -> SubjectKeys:
    return SubjectKeys(secret())


def hashed(kind: IdentifierKind, value: str, key: bytes | None = None) -> str:
    return identifier_hmac(key or secret(), kind, normal_form(kind, value))


def subject_of(graph: Graph, email: str) -> str:
    """The key of the one subject found by `email` (subjects are keyed by record id; emails are identifiers)."""
    rows = graph.read("MATCH (:Identifier {key: $i})-[:IDENTIFIES]->(s:Subject) RETURN s.key AS key",
                      i=f"identifier:{hashed(IdentifierKind.EMAIL, email)}")
    assert len(rows) == 1, rows
    return str(rows[0]["key"])


def subject_in(edges: set[tuple[str, str]], email: str) -> str | None:
    """The key of the subject the harvested `email`'s identifier points at (its IDENTIFIES edge), if any."""
    start = f"identifies:identifier:{hashed(IdentifierKind.EMAIL, email)}->"
    return next((key.removeprefix(start) for key, _ in edges if key.startswith(start)), None)


def hashes_of(group: ConsumerGroup, key: bytes = b"k") -> set[str]:
    identifiers: list[IdentifierRecord] = identifier_records(group, key, [])
    return {identifier.hmac for identifier in identifiers}


def records_of(chunks: Iterator[Any]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    nodes, edges = set(), set()
    for chunk in chunks:
        nodes |= {(node.key, repr(sorted(node.properties().items()))) for node in chunk.nodes}
        edges |= {(edge.key, repr(sorted(edge.properties().items()))) for edge in chunk.edges}
    return nodes, edges


@pytest.fixture(scope="module")
def harvested(demo_simulator: Simulator, graph: Graph) -> str:
    """The demo org's objects (schema summaries) and then its consumers, written once for the module."""
    org_id = demo_simulator.org.id
    purge_org(graph, org_key(org_id))
    client = client_for_demo(demo_simulator)
    writer = GraphWriter(graph, "consents-test", org_key(org_id), NOW)
    nodes, edges = summary_records(org_id, list_objects(client) or [])
    writer.write_chunk([OrgRecord(org_id=org_id, evidence="test"), *nodes], edges)
    for chunk in consent_chunks(client, org_id):
        assert chunk.errors == []
        writer.write_chunk(chunk.nodes, chunk.edges)
    return org_id


def consented(graph: Graph, subject: str, choice: str) -> list[dict[str, Any]]:
    """The subject's CONSENTED edges to a purpose or a preference (by its key)."""
    rows = graph.read("MATCH (:Subject {key: $s})-[r:CONSENTED]->(:Purpose|Preference {key: $c}) "
                      "RETURN properties(r) AS r", s=subject, c=choice)
    return [row["r"] for row in rows]


def processing_opt_out(org_id: str) -> str:
    return preference_key(org_id, "Individual", "HasOptedOutProcessing")


# --- the demo org in the graph ----------------------------------------------------------------------


def test_every_demo_consumer_and_waitlist_lead_becomes_one_subject(harvested: str, graph: Graph):
    rows = graph.read("MATCH (s:Subject) WHERE $org IN s.observed_by RETURN count(s) AS n", org=org_key(harvested))

    assert rows[0]["n"] == DEMO_CONSUMERS + WAITLIST_LEADS


def test_zora_quinns_processing_opt_out_is_in_the_graph_as_an_opt_out(harvested: str, graph: Graph):
    edges = consented(graph, subject_of(graph, "zora.quinn@example.com"), processing_opt_out(harvested))

    assert len(edges) == 1
    assert edges[0]["status"] == "opt_out"
    assert edges[0]["captured_at"].to_native() == datetime(2026, 10, 2, 17, 45, 12, tzinfo=UTC)
    assert edges[0]["evidence"] == "Individual:0PK8d0ZoraQuinnGCB"


def test_every_processing_opt_out_of_the_org_is_in_the_graph(harvested: str, graph: Graph,
                                                             demo_simulator: Simulator):
    opted_out = sum(1 for row in demo_simulator.org.records("Individual") if row.get("HasOptedOutProcessing"))
    rows = graph.read("MATCH (:Subject)-[r:CONSENTED {status: 'opt_out'}]->(:Preference {key: $p}) "
                      "RETURN count(r) AS n", p=processing_opt_out(harvested))

    assert rows[0]["n"] == opted_out > 2  # Zora, Mateo and the generated 8%


@pytest.mark.parametrize(("email", "checkbox", "channel", "evidence"), [
    ("amara.okoye@example.com", ("Account", "PersonHasOptedOutOfEmail"), "Email", "Account:0018d0AmaraOkoyACC"),
    ("hank.pritchard@example.com", ("Individual", "ShouldForget"), None, "Individual:0PK8d00HankPritGEC"),
])
def test_a_raised_opt_out_checkbox_is_an_opt_out_edge_to_its_preference_naming_its_record(
    harvested: str, graph: Graph, email: str, checkbox: tuple[str, str], channel: str | None, evidence: str
):
    edges = consented(graph, subject_of(graph, email), preference_key(harvested, *checkbox))

    assert [(edge["status"], edge.get("channel"), edge["evidence"]) for edge in edges] == [
        ("opt_out", channel, evidence)]


def test_a_checkbox_left_alone_writes_no_edge(harvested: str, graph: Graph):
    assert consented(graph, subject_of(graph, "hank.pritchard@example.com"), processing_opt_out(harvested)) == []


def test_mateos_late_mobile_opt_out_carries_its_receipt_time_and_record(harvested: str, graph: Graph):
    edges = consented(graph, subject_of(graph, "mateo.alvarez@example.com"), purpose_key(harvested, "Marketing"))

    assert [(edge["status"], edge["channel"]) for edge in edges] == [("opt_out", "Email")]
    assert edges[0]["captured_at"].to_native() == datetime(2026, 11, 16, 3, 10, 41, tzinfo=UTC)
    assert edges[0]["effective_from"].to_native().isoformat() == "2026-11-16"
    assert edges[0]["evidence"] == "ContactPointTypeConsent:0ZY8d00MateoMktGEE"


def test_fraud_prevention_stays_seen_for_a_consumer_who_opted_out_of_processing(harvested: str, graph: Graph):
    edges = consented(graph, subject_of(graph, "zora.quinn@example.com"), purpose_key(harvested, "Fraud Prevention"))

    assert [edge["status"] for edge in edges] == ["seen"]


def test_zoras_contact_individual_and_person_account_are_records_of_one_subject(harvested: str, graph: Graph):
    rows = graph.read("MATCH (:Subject {key: $s})-[r:HAS_RECORD]->(o:SObject) RETURN o.name AS object, "
                      "r.record_ids AS ids", s=subject_of(graph, "zora.quinn@example.com"))
    records = {row["object"]: row["ids"] for row in rows}

    assert records["Individual"] == ["0PK8d0ZoraQuinnGCB"]
    assert records["Contact"] == ["0038d0ZoraQuinnACB"]
    assert records["Account"] == ["0018d0ZoraQuinnACB"]
    assert records["ContactPointEmail"] == ["9CE8d0ZoraQuinnGCB"]
    assert records["ContactPointPhone"] == ["0ow8d0ZoraQuinnACB"]
    assert len(records["ContactPointTypeConsent"]) == 4


def test_the_purposes_are_the_orgs_data_use_purposes_and_none_is_named_after_an_opt_out_flag(
    harvested: str, graph: Graph
):
    rows = graph.read("MATCH (p:Purpose {org_key: $org}) WHERE p.retired_at IS NULL RETURN p.name AS name",
                      org=org_key(harvested))

    assert {row["name"] for row in rows} == DEMO_PURPOSES


def test_every_opt_out_checkbox_of_the_org_is_a_preference_saying_what_it_means(harvested: str, graph: Graph):
    rows = graph.read("MATCH (p:Preference {org_key: $org}) RETURN p.name AS name, p.sobject AS object, "
                      "p.field AS field, p.opted_out_when AS raised, p.channel AS channel, p.meaning AS meaning, "
                      "p.evidence AS evidence", org=org_key(harvested))
    preferences = {row["name"]: row for row in rows}

    assert set(preferences) == {
        "Individual.HasOptedOutProcessing", "Individual.HasOptedOutProfiling", "Individual.HasOptedOutSolicit",
        "Individual.HasOptedOutTracking", "Individual.HasOptedOutGeoTracking", "Individual.ShouldForget",
        "Individual.CanStorePiiElsewhere", "Account.PersonHasOptedOutOfEmail", "Account.PersonDoNotCall"}
    assert (preferences["Account.PersonDoNotCall"]["channel"], preferences["Account.PersonDoNotCall"]["evidence"]) == (
        "Phone", "describe:Account")
    assert preferences["Individual.CanStorePiiElsewhere"]["raised"] is False  # unticked means "not elsewhere"
    assert preferences["Individual.HasOptedOutProcessing"]["meaning"].startswith("Don't Process")


def test_data_use_purposes_land_with_their_description_and_legal_basis(harvested: str, graph: Graph):
    rows = graph.read("MATCH (p:Purpose {key: $p}) RETURN properties(p) AS p", p=purpose_key(harvested, "Marketing"))

    assert rows[0]["p"]["legal_basis"] == "Consent"
    assert rows[0]["p"]["description"].startswith("Product offers")
    assert rows[0]["p"]["evidence"] == "DataUsePurpose:0oN8d0MarketingECA"


def test_no_raw_identifier_of_any_demo_consumer_appears_anywhere_in_the_graph(
    harvested: str, graph: Graph, demo_simulator: Simulator
):
    identifiers = demo_identifiers(demo_simulator)
    values = stored_values(graph)
    text = "\n".join(values).lower()
    digits = "\n".join(re.sub(r"\D", "", value) for value in values)  # phones however they were written

    assert len(identifiers) > 2 * DEMO_CONSUMERS
    assert [value for value in identifiers if value in text or (value.isdigit() and value in digits)] == []


def stored_values(graph: Graph) -> list[str]:
    """Every property value of every node and edge in the graph, lists flattened, as text."""
    rows = graph.read("MATCH (n) RETURN properties(n) AS p UNION ALL MATCH ()-[r]->() RETURN properties(r) AS p")
    values: list[str] = []
    for row in rows:
        for value in row["p"].values():
            values += [str(item) for item in value] if isinstance(value, list) else [str(value)]
    return values


def demo_identifiers(org: Simulator) -> set[str]:
    """Every email, phone (as its digits) and full name the simulator holds for a consumer."""
    found: set[str] = set()
    for name in IDENTIFYING_OBJECTS:
        for row in org.org.records(name):
            for field in ("Email", "PersonEmail", "EmailAddress"):
                if row.get(field):
                    found.add(str(row[field]).lower())
            for field in ("MobilePhone", "Phone", "PersonMobilePhone", "TelephoneNumber"):
                if row.get(field):
                    found.add(re.sub(r"\D", "", str(row[field])))
            if row.get("FirstName") and row.get("LastName"):
                found.add(f"{row['FirstName']} {row['LastName']}".lower())
    return found


# --- transport and cost -----------------------------------------------------------------------------


def test_a_consent_harvest_of_the_demo_org_spends_eleven_calls_by_query(demo_org: Simulator):
    chunks = list(consent_chunks(client_for_demo(demo_org), demo_org.org.id, keys=subject_keys()))

    subjects = sum(1 for chunk in chunks for node in chunk.nodes if node.label == "Subject")
    assert subjects == DEMO_CONSUMERS + WAITLIST_LEADS
    # one Composite call of describes, two of counts and purposes, then one 2,000-row page per object and two
    # for the 2,012 consents
    assert demo_org.api_usage == 11
    assert not any("/jobs/query" in call.path for call in demo_org.calls)


def test_the_ids_other_systems_know_a_consumer_by_are_read_where_the_manifest_says_and_a_missing_field_is_said(
        demo_org: Simulator):
    declared = (ConsumerIdField("Account", "Core_Customer_Number__c", "core_banking"),
                ConsumerIdField("Contact", "Loyalty_Number__c", "loyalty_app"))

    chunks = list(consent_chunks(client_for_demo(demo_org), demo_org.org.id, keys=subject_keys(),
                                 consumer_ids=declared))

    external = {node.hmac for chunk in chunks for node in chunk.nodes
                if isinstance(node, IdentifierRecord) and node.kind is IdentifierKind.EXTERNAL_ID}
    zora = identifier_hmac(secret(), IdentifierKind.EXTERNAL_ID,
                           normal_form(IdentifierKind.EXTERNAL_ID, "C-100231", system="core_banking"))
    assert zora in external
    assert len(external) == 5  # the named customers' numbers; the app ids were not asked for
    assert chunks[0].warnings == ["consents: Contact.Loyalty_Number__c, where the manifest keeps loyalty_app's "
                                  "consumer ids, is not read: the org does not have it"]


def test_the_bulk_path_and_the_query_path_give_the_same_records(demo_org: Simulator):
    client = client_for_demo(demo_org)
    by_query = records_of(consent_chunks(client, demo_org.org.id, keys=subject_keys()))
    demo_org.reset()

    by_bulk = records_of(consent_chunks(client, demo_org.org.id, keys=subject_keys(), bulk_threshold=0,
                                        bulk_page_size=500))

    assert sum(1 for call in demo_org.calls if call.method == "POST" and call.path.endswith("/jobs/query")) == 7
    assert sum(1 for call in demo_org.calls if call.path.endswith("/results")) > 7  # Sforce-Locator paging
    assert by_bulk == by_query


def test_bulk_queries_carry_no_order_by_so_salesforce_can_chunk_them_by_primary_key(demo_org: Simulator):
    list(consent_chunks(client_for_demo(demo_org), demo_org.org.id, keys=subject_keys(), bulk_threshold=0))

    queries = submitted_queries(demo_org.org.id)
    assert len(queries) >= 7
    assert not [query for query in queries if "ORDER BY" in query.upper()]


def test_rows_in_any_order_are_put_in_link_order_through_spilled_runs():
    links = ["0PK000000000003AAA", None, "0pk000000000001AAA", "0PK000000000002AAA", None, "0PK000000000001AAA",
             "0PK000000000003AAA"]
    rows = [{"Id": f"003{index:015d}", "PartyId": link} for index, link in enumerate(links)]

    for run_rows in (2, 3, 100):
        ordered = list(in_link_order(reversed(rows), "PartyId", run_rows=run_rows))
        assert sorted(map(str, ordered)) == sorted(map(str, rows))
        assert [merge_key(row["PartyId"]) for row in ordered] == sorted(merge_key(link) for link in links)


def test_a_bulk_harvest_spends_a_job_a_poll_or_two_and_a_page_per_object(demo_org: Simulator):
    list(consent_chunks(client_for_demo(demo_org), demo_org.org.id, keys=subject_keys(), bulk_threshold=0))

    # per object: create the job, at least two polls (never complete on the first), one 50,000-row page
    assert 3 + 7 * 4 <= demo_org.api_usage <= 3 + 7 * 5


def test_a_session_that_expires_between_pages_is_renewed_and_the_harvest_completes(demo_org: Simulator):
    client = client_for_demo(demo_org)
    clean = records_of(consent_chunks(client, demo_org.org.id, keys=subject_keys()))
    demo_org.reset()
    demo_org.set_faults(session_expiry_calls=4)

    renewed = records_of(consent_chunks(client, demo_org.org.id, keys=subject_keys()))

    assert any(call.status == 401 for call in demo_org.calls)
    assert renewed == clean


def test_writing_the_same_harvest_again_changes_nothing_but_the_stamps(harvested: str, graph: Graph,
                                                                       demo_simulator: Simulator):
    before = consumer_snapshot(graph)
    writer = GraphWriter(graph, "consents-test-again", org_key(harvested), NOW)

    for chunk in consent_chunks(client_for_demo(demo_simulator), harvested):
        writer.write_chunk(chunk.nodes, chunk.edges)

    assert consumer_snapshot(graph) == before


def consumer_snapshot(graph: Graph) -> set[str]:
    stamps = {"run_id", "last_seen", "first_seen"}
    rows = graph.read("MATCH (s:Subject)-[r]->(t) RETURN s.key AS s, t.key AS t, properties(r) AS p")
    return {repr((row["s"], row["t"], sorted((k, str(v)) for k, v in row["p"].items() if k not in stamps)))
            for row in rows}


def test_consumers_arrive_in_chunks_of_the_asked_size(demo_org: Simulator):
    chunks = list(consent_chunks(client_for_demo(demo_org), demo_org.org.id, keys=subject_keys(),
                                 consumers_per_chunk=100))
    subjects = [sum(1 for node in chunk.nodes if node.label == "Subject") for chunk in chunks[1:]]

    assert chunks[0].nodes
    assert {node.label for node in chunks[0].nodes} == {"Purpose", "Preference"}
    assert subjects == [100] * 5 + [DEMO_CONSUMERS + WAITLIST_LEADS - 500]


def test_an_incremental_harvest_rereads_only_touched_consumers_but_reads_them_whole(demo_org: Simulator):
    client = client_for_demo(demo_org)
    _, full_edges = records_of(consent_chunks(client, demo_org.org.id, keys=subject_keys()))
    demo_org.reset()

    nodes, edges = records_of(consent_chunks(client, demo_org.org.id, keys=subject_keys(),
                                             since=datetime(2026, 11, 15, tzinfo=UTC)))

    keys = {key for key, _ in nodes if key.startswith("subject:")}
    mateo_key = subject_in(edges, "mateo.alvarez@example.com")
    assert mateo_key in keys  # his opt-out arrived on 2026-11-16
    assert subject_in(edges, "zora.quinn@example.com") is None  # unchanged since 2026-10-02
    assert 0 < len(keys) < DEMO_CONSUMERS
    assert edges <= full_edges  # every touched consumer's records and consents, exactly as a full run has them
    mateo = {key for key, _ in edges if key.startswith(f"has_record:{mateo_key}")}
    assert len(mateo) == 6


def test_an_incremental_harvest_of_an_unchanged_org_spends_three_calls(demo_org: Simulator):
    chunks = list(consent_chunks(client_for_demo(demo_org), demo_org.org.id, keys=subject_keys(), since=NOW))

    assert [len(chunk.edges) for chunk in chunks] == [0]  # the purposes and preferences, and no consumer
    assert demo_org.api_usage == 3  # describes; changed rows (none) and purposes


# --- identity, pure ---------------------------------------------------------------------------------


def test_the_same_person_found_as_contact_and_as_individual_is_found_by_their_shared_email():
    contact = ConsumerGroup(None, {"Contact": [{"Id": "0038d0000000001AAA", "Email": "Ada.Chen@Example.com ",
                                                "IndividualId": None}]})
    individual = ConsumerGroup("0PK8d0000000001AAA", {
        "Individual": [{"Id": "0PK8d0000000001AAA"}],
        "ContactPointPhone": [{"Id": "0ow8d0000000001AAA", "TelephoneNumber": "+1 415 555 0100", "IsPrimary": True}],
        "ContactPointEmail": [{"Id": "9CE8d0000000001AAA", "EmailAddress": "ada.chen@example.com", "IsPrimary": True}],
    })

    shared = hashes_of(contact) & hashes_of(individual)
    assert shared == {hashed(IdentifierKind.EMAIL, "ada.chen@example.com", b"k")}


def test_an_individuals_subject_is_keyed_by_its_id_and_every_address_is_an_identifier():
    group = ConsumerGroup("0PK8d0000000001AAA", {
        "Contact": [{"Id": "0038d0000000001AAA", "Email": "work@example.com"}],
        "ContactPointEmail": [{"Id": "9CE8d0000000002AAA", "EmailAddress": "old@example.com", "IsPrimary": False},
                              {"Id": "9CE8d0000000001AAA", "EmailAddress": "home@example.com", "IsPrimary": True}],
    })

    assert subject_hmac_of(group, b"k") == subject_hmac_for(b"k", external_id="0PK8d0000000001AAA")
    assert {hashed(IdentifierKind.EMAIL, email, b"k")
            for email in ("work@example.com", "old@example.com", "home@example.com")} <= hashes_of(group)


def test_an_email_change_keeps_the_subject_key_and_changes_its_identifiers():
    before = ConsumerGroup("0PK8d0000000001AAA", {
        "ContactPointEmail": [{"Id": "9CE8d0000000001AAA", "EmailAddress": "ada@old.example", "IsPrimary": True}]})
    after = ConsumerGroup("0PK8d0000000001AAA", {
        "ContactPointEmail": [{"Id": "9CE8d0000000001AAA", "EmailAddress": "ada@new.example", "IsPrimary": True}]})

    assert subject_hmac_of(before, b"k") == subject_hmac_of(after, b"k")
    assert hashed(IdentifierKind.EMAIL, "ada@new.example", b"k") in hashes_of(after)
    assert hashed(IdentifierKind.EMAIL, "ada@old.example", b"k") not in hashes_of(after)


def test_rows_linked_to_the_same_individual_merge_into_one_group_and_unlinked_rows_stay_alone():
    streams: dict[str, Iterator[Row]] = {
        "Individual": iter([{"Id": "0PK000000000001AAA"}, {"Id": "0PK000000000002AAA"}]),
        "Contact": iter([{"Id": "003000000000009AAA", "IndividualId": None},
                         {"Id": "003000000000001AAA", "IndividualId": "0PK000000000002AAA"}]),
    }

    groups = list(consumer_groups(streams))

    assert [(group.individual_id, sorted(group.rows)) for group in groups] == [
        (None, ["Contact"]), ("0PK000000000001AAA", ["Individual"]), ("0PK000000000002AAA", ["Contact", "Individual"])]


def test_a_stream_out_of_link_order_stops_the_merge_instead_of_splitting_people():
    contacts = [{"Id": "003000000000001AAA", "IndividualId": "0PK000000000002AAA"},
                {"Id": "003000000000002AAA", "IndividualId": "0PK000000000001AAA"}]
    streams: dict[str, Iterator[Row]] = {"Contact": iter(contacts)}

    with pytest.raises(ConsentOrderError, match="Contact"):
        list(consumer_groups(streams))


def test_bulk_csv_and_rest_json_rows_read_alike():
    from_rest = normalised({"attributes": {"type": "Individual"}, "Id": "0PK000000000001AAA",
                            "HasOptedOutProcessing": True, "BirthDate": None})
    from_bulk = normalised({"Id": "0PK000000000001AAA", "HasOptedOutProcessing": "true", "BirthDate": ""})

    assert from_rest == from_bulk == {"Id": "0PK000000000001AAA", "HasOptedOutProcessing": True, "BirthDate": None}


def test_an_org_without_person_accounts_is_not_asked_about_them():
    account = next(obj for obj in CONSUMER_OBJECTS if obj.name == "Account")

    assert available(account, frozenset({"Id", "Name", "PersonIndividualId"})) is None  # no IsPersonAccount
    assert available(account, None) is None


def test_fields_an_org_lacks_are_left_out_of_its_queries():
    account = next(obj for obj in CONSUMER_OBJECTS if obj.name == "Account")
    narrowed = available(account, frozenset({"Id", "IsPersonAccount", "PersonIndividualId", "PersonEmail"}))

    assert narrowed is not None
    assert narrowed.soql() == ("SELECT Id, PersonIndividualId, PersonEmail FROM Account WHERE IsPersonAccount = true "
                               "ORDER BY PersonIndividualId")
