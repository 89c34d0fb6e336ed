"""Finding a consumer by any of their identifiers (the identifier index the consents source writes), against the
demo org harvested whole into the real Neo4j engine through the simulator over HTTPS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from catalog.datamaps.lookup import GivenIdentifier, SubjectMatch, find_subjects
from harvesters.consents import ConsumerGroup, SubjectKeys, consent_chunks, group_records
from harvesters.manifests import ConsumerIdField
from harvesters.models import OrgConnection
from lineage import CONSENTS, Graph, GraphWriter, identifier_key, org_key, purge_org
from lineage.identifiers import IdentifierKind, InvalidIdentifier, identifier_hmac, key_id, normalised
from salesforce_simulator import Simulator
from tests.harvesters.test_consents import client_for_demo

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed

EMAIL, PHONE, RECORD_ID = IdentifierKind.EMAIL, IdentifierKind.PHONE, IdentifierKind.RECORD_ID
EXTERNAL_ID = IdentifierKind.EXTERNAL_ID
NOW = datetime(2026, 11, 29, 4, tzinfo=UTC)
# The named consumers as the org holds them (salesforce_simulator/orgs/demo.yaml): email, mobile phone as the
# org writes it, the same phone as a DSAR form might, and their contact's id.
NAMED = {
    "Zora Quinn": ("zora.quinn@example.com", "+1 510 555 0142", "(510) 555-0142", "0038d0ZoraQuinnACB"),
    "Mateo Alvarez": ("mateo.alvarez@example.com", "+1 408 555 0117", "408.555.0117", "0038d00MateoAlvAEE"),
    "Grace Liu": ("grace.liu@example.com", "+1 415 555 0186", "415-555-0186", "0038d00GraceLiuAEE"),
    "Hank Pritchard": ("hank.pritchard@example.com", "+1 916 555 0133", "(916) 5550133", "0038d00HankPritAEC"),
    "Amara Okoye": ("amara.okoye@example.com", "+1 213 555 0158", "213 555 0158", "0038d0AmaraOkoyACC"),
}
# Their core-banking customer numbers and mobile-app user ids, on their person accounts.
EXTERNAL_IDS = {"Zora Quinn": ("C-100231", "gp-7f3a91"), "Mateo Alvarez": ("C-100232", "gp-2c81d4"),
                "Grace Liu": ("C-100233", "gp-9b05e2"), "Hank Pritchard": ("C-100234", "gp-41c7aa"),
                "Amara Okoye": ("C-100235", "gp-d6e013")}
# Where the household's bank keeps the ids its core banking and its app know them by (the manifests' say).
HOUSEHOLD_IDS = (ConsumerIdField("Account", "Core_Customer_Number__c", "core_banking"),
                 ConsumerIdField("Account", "Mobile_App_User_Id__c", "mobile_app"))
SHARED_PHONE_ORG = "00D8d0SharedPhoneA"  # a provenance scope of its own: purged after the test
REKEY_ORG = "00D8d0RekeyTestAAA"


def given(field: str, kind: IdentifierKind, value: str, system: str | None = None) -> GivenIdentifier:
    return GivenIdentifier(field=field, kind=kind, value=value, system=system)


def only_subject(*identifiers: GivenIdentifier) -> str:
    found = find_subjects(identifiers).found
    assert found is not None
    return found.subject_key


@pytest.mark.parametrize("name", sorted(NAMED))
def test_each_named_consumer_is_found_by_email_by_phone_written_otherwise_and_by_a_salesforce_id(
    demo: OrgConnection, name: str
):
    email, _, phone_otherwise, contact_id = NAMED[name]

    by_email = find_subjects([given("email", EMAIL, email)])
    by_phone = find_subjects([given("phone", PHONE, phone_otherwise)])
    by_id = find_subjects([given("record_id", RECORD_ID, contact_id)])

    assert by_email.found is not None
    assert by_email.found.matched_by == ("email",)
    assert by_phone.found is not None
    assert by_phone.found.matched_by == ("phone",)
    assert by_id.found is not None
    assert by_id.found.matched_by == ("record_id",)
    assert by_email.found.subject_key == by_phone.found.subject_key == by_id.found.subject_key


@pytest.mark.parametrize("name", sorted(NAMED))
def test_each_named_consumer_is_found_by_the_ids_core_banking_and_the_app_know_them_by_as_the_manifest_says(
    demo: OrgConnection, name: str
):
    core_banking, mobile_app = EXTERNAL_IDS[name]

    by_customer_number = only_subject(given("external_ids.0", EXTERNAL_ID, core_banking, system="core_banking"))
    by_app_user = only_subject(given("external_ids.0", EXTERNAL_ID, mobile_app, system="mobile_app"))

    assert by_customer_number == by_app_user == only_subject(given("email", EMAIL, NAMED[name][0]))
    assert find_subjects([given("external_ids.0", EXTERNAL_ID, core_banking, system="mobile_app")]).matches == ()


def test_every_identifier_given_that_matches_is_named_in_the_match(demo: OrgConnection):
    email, phone, _, contact_id = NAMED["Zora Quinn"]

    lookup = find_subjects([given("emails[0]", EMAIL, email), given("phones[0]", PHONE, phone),
                            given("emails[1]", EMAIL, "not.zora@example.com"),
                            given("record_ids[0]", RECORD_ID, contact_id)])

    assert lookup.found is not None
    assert lookup.found.matched_by == ("emails[0]", "phones[0]", "record_ids[0]")


def test_an_email_in_capitals_and_full_width_letters_finds_the_same_consumer(demo: OrgConnection):
    full_width_zora = "\uff3a\uff2f\uff32\uff21"

    assert only_subject(given("email", EMAIL, f"  {full_width_zora}.Quinn@EXAMPLE.com ")) == only_subject(
        given("email", EMAIL, "zora.quinn@example.com"))


def test_a_fifteen_character_id_finds_the_consumer_its_eighteen_character_form_names(demo: OrgConnection):
    contact_id = NAMED["Grace Liu"][3]

    assert only_subject(given("id", RECORD_ID, contact_id[:15])) == only_subject(given("id", RECORD_ID, contact_id))


def test_every_record_of_a_consumer_is_an_identifier_of_them(demo: OrgConnection):
    ids = ("0018d0ZoraQuinnACB", "0038d0ZoraQuinnACB", "0PK8d0ZoraQuinnGCB")  # person account, contact, Individual

    assert len({only_subject(given("id", RECORD_ID, each)) for each in ids}) == 1


def test_an_unknown_consumer_matches_nobody(demo: OrgConnection):
    lookup = find_subjects([given("email", EMAIL, "nobody.at.all@example.com"),
                            given("phone", PHONE, "+1 202 555 0199")])

    assert lookup.matches == ()
    assert lookup.found is None
    assert not lookup.ambiguous


@pytest.mark.parametrize(("identifier", "message"), [
    (given("phones[1]", PHONE, "call me maybe"), "phones[1]: not a phone number"),
    (given("phones[0]", PHONE, "12"), "phones[0]: not a phone number"),
    (given("emails[0]", EMAIL, "zora.quinn at example.com"), "emails[0]: not an email address"),
    (given("record_id", RECORD_ID, "003-not-an-id"), "record_id: not a Salesforce record id"),
    (given("customer_number", IdentifierKind.EXTERNAL_ID, "C-100234"), "customer_number: an external id needs"),
])
def test_a_malformed_identifier_is_refused_naming_its_field_and_not_its_value(identifier: GivenIdentifier,
                                                                             message: str):
    with pytest.raises(InvalidIdentifier) as refused:
        find_subjects([given("email", EMAIL, "zora.quinn@example.com"), identifier])

    assert str(refused.value).startswith(message)
    assert identifier.value not in str(refused.value)
    assert refused.value.field == identifier.field


def test_no_email_phone_or_name_of_a_named_consumer_is_anywhere_in_the_harvested_graph(demo: OrgConnection,
                                                                                      graph: Graph):
    rows = graph.read("MATCH (n) RETURN properties(n) AS p UNION ALL MATCH ()-[r]->() RETURN properties(r) AS p")
    text = "\n".join(str(value) for row in rows for value in row["p"].values()).lower()
    digits = re.sub(r"[^0-9\n]", "", text)  # phones however they were written, E.164 included
    raw = {name: (name.lower(), email, phone, normalised(PHONE, phone)) for name, (email, phone, *_) in NAMED.items()}

    assert [value for values in raw.values() for value in values if value.lower() in text] == []
    assert [phone for *_, phone in raw.values() if phone.removeprefix("+") in digits] == []


# --- two people, one phone --------------------------------------------------------------------------


@pytest.fixture
def two_people_sharing_a_phone(graph: Graph) -> Iterator[None]:
    """Two Individuals of one household whose contact points hold the same landline, written as the consents
    source writes them, under a provenance scope of their own."""
    scope = org_key(SHARED_PHONE_ORG)
    purge_org(graph, scope)
    writer = GraphWriter(graph, "shared-phone-test", scope, NOW)
    for individual, email, phone in (("0PK8d0HouseholdAAA", "ines.moreau@example.com", "+1 (707) 555-0110"),
                                     ("0PK8d0HouseholdBAA", "luc.moreau@example.com", "707 555 0110")):
        group = ConsumerGroup(individual, {
            "Individual": [{"Id": individual}],
            "ContactPointEmail": [{"Id": f"9CE{individual[3:]}", "EmailAddress": email, "ParentId": individual}],
            "ContactPointPhone": [{"Id": f"0ow{individual[3:]}", "TelephoneNumber": phone, "ParentId": individual}],
            "Account": [{"Id": f"001{individual[3:]}", "PersonIndividualId": individual,
                         "Core_Customer_Number__c": f"C-10023{individual[-3]}",
                         "Mobile_App_User_Id__c": f"app-{individual[-3]}7731"}],
        })
        nodes, edges = group_records(SHARED_PHONE_ORG, group, SubjectKeys(secret(), index=None), {}, [],
                                     consumer_ids=HOUSEHOLD_IDS)
        writer.write_chunk(nodes, edges)
    yield
    purge_org(graph, scope)


def secret() -> bytes:
    from django.conf import settings

    return str(settings.SUBJECT_HMAC_KEY).encode()


def test_two_subjects_sharing_a_phone_are_an_ambiguous_identity_with_what_matched_each(two_people_sharing_a_phone):
    lookup = find_subjects([given("phone", PHONE, "(707) 555-0110"), given("email", EMAIL, "ines.moreau@example.com")])

    assert lookup.ambiguous
    assert lookup.found is None
    assert sorted(match.matched_by for match in lookup.matches) == [("phone",), ("phone", "email")]
    assert len({match.subject_key for match in lookup.matches}) == 2


def test_a_phone_two_subjects_share_is_one_identifier_pointing_at_both(two_people_sharing_a_phone, graph: Graph):
    rows = graph.read("MATCH (i:Identifier {kind: 'phone'})-[:IDENTIFIES]->(s:Subject) "
                      "WHERE $scope IN i.observed_by RETURN i.key AS identifier, count(s) AS subjects",
                      scope=org_key(SHARED_PHONE_ORG))

    assert [row["subjects"] for row in rows] == [2]


def test_a_consumer_is_found_by_the_customer_number_core_banking_knows_them_by(two_people_sharing_a_phone):
    ines = find_subjects([given("customer_number", IdentifierKind.EXTERNAL_ID, " C-10023A", system="core_banking")])
    in_the_app = find_subjects([given("app_user", IdentifierKind.EXTERNAL_ID, "app-A7731", system="Mobile_App")])
    elsewhere = find_subjects([given("customer_number", IdentifierKind.EXTERNAL_ID, "C-10023A", system="mobile_app")])

    assert ines.found is not None
    assert in_the_app.found == SubjectMatch(subject_key=ines.found.subject_key, matched_by=("app_user",))
    assert elsewhere.matches == ()  # an id means something only in the system that issued it


# --- a key rotated while look-ups go on ------------------------------------------------------------


@pytest.fixture
def rekey_scope(graph: Graph) -> Iterator[str]:
    """The demo org's consumers written under a provenance scope of their own (the shared demo graph stays as
    the other tests know it), purged afterwards."""
    scope = org_key(REKEY_ORG)
    purge_org(graph, scope)
    yield scope
    purge_org(graph, scope)


def indexed(graph: Graph, made_by: bytes, email: str) -> bool:
    hashed = identifier_hmac(made_by, EMAIL, normalised(EMAIL, email))
    return bool(graph.read("MATCH (i:Identifier {key: $key}) RETURN i", key=identifier_key(hashed)))


def live_identifies_edges(graph: Graph, scope: str, made_by: bytes) -> int:
    rows = graph.read("MATCH (i:Identifier {key_id: $made})-[r:IDENTIFIES {org_key: $scope}]->(:Subject) "
                      "WHERE r.retired_at IS NULL RETURN count(r) AS n", made=key_id(made_by), scope=scope)
    return int(rows[0]["n"])


def test_a_look_up_during_a_re_key_finds_each_consumer_once_and_the_old_hashes_retire_when_it_is_done(
    graph: Graph, demo_org: Simulator, rekey_scope: str, settings: Any
):
    old, new = b"the-subject-key-before-rotation-0123456789", b"the-subject-key-after-rotation-9876543210"
    client = client_for_demo(demo_org)
    before = GraphWriter(graph, "before-rotation", rekey_scope, NOW)
    for chunk in consent_chunks(client, REKEY_ORG, keys=SubjectKeys(old)):
        before.write_chunk(chunk.nodes, chunk.edges)
    settings.SUBJECT_HMAC_KEY, settings.SUBJECT_HMAC_PREVIOUS_KEYS = old.decode(), []
    keyed_before = {name: only_subject(given("email", EMAIL, NAMED[name][0])) for name in NAMED}

    settings.SUBJECT_HMAC_KEY, settings.SUBJECT_HMAC_PREVIOUS_KEYS = new.decode(), [old.decode()]
    rekey = GraphWriter(graph, "re-key", rekey_scope, NOW.replace(hour=5))
    # Three consumers a chunk, in Individual id order: the waitlist leads and Grace Liu, then Hank, Mateo and Amara.
    chunks = consent_chunks(client, REKEY_ORG, keys=SubjectKeys(new, (old,)), consumers_per_chunk=3)
    for chunk in chunks:
        rekey.write_chunk(chunk.nodes, chunk.edges)
        if indexed(graph, new, NAMED["Amara Okoye"][0]):
            break  # half-way: four named consumers hashed under the new key too, Zora Quinn still only under the old
    assert not indexed(graph, new, NAMED["Zora Quinn"][0])
    during = {name: find_subjects([given("email", EMAIL, NAMED[name][0]),
                                   given("phone", PHONE, NAMED[name][2])]) for name in NAMED}
    for chunk in chunks:
        rekey.write_chunk(chunk.nodes, chunk.edges)
    rekey.retire_unseen(CONSENTS)
    settings.SUBJECT_HMAC_PREVIOUS_KEYS = []
    keyed_after = {name: only_subject(given("email", EMAIL, NAMED[name][0])) for name in NAMED}

    assert {name: (found.found.subject_key if found.found else found.matches) for name, found in during.items()} \
        == keyed_before
    assert keyed_after == keyed_before  # a re-key keeps every subject: it only rewrites their hashes
    assert live_identifies_edges(graph, rekey_scope, old) == 0
    assert live_identifies_edges(graph, rekey_scope, new) > 0
