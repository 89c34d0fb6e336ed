"""A consumer's current values read live from the demo org for a right-to-know answer: by record id, five objects to
an API call, within a per-look-up cap and the org's reserve; what is not read says why, never in Salesforce's words."""

from __future__ import annotations

import pytest

from harvesters.live_values import LiveValues, WantedRecords, WantedRecordsError, read_live_values
from harvesters.models import OrgConnection
from salesforce_simulator import Simulator
from tests.conftest import connect_simulated_org

pytestmark = pytest.mark.django_db

ZORA_CONTACT = "0038d0ZoraQuinnACB"
ZORA_ACCOUNT = "0018d0ZoraQuinnACB"
ZORA_INDIVIDUAL = "0PK8d0ZoraQuinnGCB"
ZORA_EMAIL_POINT = "9CE8d0ZoraQuinnGCB"
ZORA_PHONE_POINT = "0ow8d0ZoraQuinnACB"
ZORA_LOAN = "a0L8d00ZoraLoanEEC"


@pytest.fixture
def connection(demo_org: Simulator) -> OrgConnection:
    return connect_simulated_org("live-demo", demo_org)


def read(connection: OrgConnection, wanted: list[WantedRecords], *, max_calls: int = 10,
         reserve_percent: int = 10) -> LiveValues:
    return read_live_values(connection, wanted, max_calls=max_calls, reserve_percent=reserve_percent, timeout_s=20)


def values_of(live: LiveValues, record_id: str) -> dict[str, str | None]:
    record = next(each for each in live.records if each.record_id == record_id)
    return {each.field: each.value for each in record.values}


SIX_OBJECTS = [
    WantedRecords("Contact", (ZORA_CONTACT,), ("Email", "MobilePhone")),
    WantedRecords("Account", (ZORA_ACCOUNT,), ("PersonEmail", "PersonMailingCity")),
    WantedRecords("Individual", (ZORA_INDIVIDUAL,), ("BirthDate", "HasOptedOutProcessing")),
    WantedRecords("ContactPointEmail", (ZORA_EMAIL_POINT,), ("EmailAddress",)),
    WantedRecords("ContactPointPhone", (ZORA_PHONE_POINT,), ("TelephoneNumber",)),
    WantedRecords("Loan_Application__c", (ZORA_LOAN,), ("Applicant_SSN__c", "Annual_Income__c")),
]


def test_the_values_come_from_salesforce_by_record_id(connection: OrgConnection, demo_org: Simulator):
    live = read(connection, SIX_OBJECTS[:2])

    assert values_of(live, ZORA_CONTACT) == {"Email": "zora.quinn@example.com", "MobilePhone": "+1 510 555 0142"}
    assert values_of(live, ZORA_ACCOUNT)["PersonMailingCity"] == "Berkeley"
    assert (live.not_read, live.api_calls, demo_org.api_usage) == ((), 1, 1)


def test_booleans_numbers_and_dates_read_as_text(connection: OrgConnection):
    live = read(connection, [SIX_OBJECTS[2], SIX_OBJECTS[5]])

    assert values_of(live, ZORA_INDIVIDUAL) == {"BirthDate": "1991-03-08", "HasOptedOutProcessing": "true"}
    assert values_of(live, ZORA_LOAN) == {"Applicant_SSN__c": "900-32-8841", "Annual_Income__c": "72000.0"}


def test_five_objects_travel_in_one_api_call_and_the_cap_leaves_the_rest_unread(connection: OrgConnection,
                                                                                 demo_org: Simulator):
    live = read(connection, SIX_OBJECTS, max_calls=1)

    assert {each.record_id for each in live.records} == {ZORA_CONTACT, ZORA_ACCOUNT, ZORA_INDIVIDUAL,
                                                         ZORA_EMAIL_POINT, ZORA_PHONE_POINT}
    assert [(each.sobject, each.record_ids) for each in live.not_read] == [("Loan_Application__c", (ZORA_LOAN,))]
    assert live.not_read[0].reason == "API budget: a look-up reads at most 1 Composite calls of values"
    assert demo_org.api_usage == 1


def test_a_read_that_would_spend_the_orgs_reserve_is_not_asked(connection: OrgConnection, demo_org: Simulator):
    live = read(connection, SIX_OBJECTS, reserve_percent=100)  # every request left is the org's own

    assert live.api_calls == 1  # the first answer tells how many requests are left; none may be spent after it
    assert live.not_read[0].reason.startswith("API budget: ")
    assert demo_org.api_usage == 1


def test_an_object_salesforce_refuses_is_not_read_with_its_error_code_only(connection: OrgConnection):
    live = read(connection, [WantedRecords("Contact", (ZORA_CONTACT,), ("No_Such_Field__c",)), SIX_OBJECTS[3]])

    assert [(each.sobject, each.reason) for each in live.not_read] == [
        ("Contact", "Salesforce refused the read (INVALID_FIELD)")]
    assert values_of(live, ZORA_EMAIL_POINT) == {"EmailAddress": "zora.quinn@example.com"}


@pytest.mark.parametrize(("wanted", "named"), [
    (WantedRecords("Contact; DELETE", (ZORA_CONTACT,), ("Email",)), "Salesforce API name"),
    (WantedRecords("Contact", (ZORA_CONTACT,), ("Email FROM User",)), "Salesforce API name"),
    (WantedRecords("Contact", ("003') OR Id != ('",), ("Email",)), "not a Salesforce id"),
])
def test_a_name_or_id_that_is_not_salesforces_is_refused_before_anything_is_asked(
    connection: OrgConnection, demo_org: Simulator, wanted: WantedRecords, named: str
):
    with pytest.raises(WantedRecordsError, match=named):
        read(connection, [wanted])

    assert demo_org.api_usage == 0


def test_an_org_whose_certificate_is_not_trusted_leaves_every_record_unread_saying_so(demo_org: Simulator):
    untrusting = connect_simulated_org("live-demo-untrusting", demo_org)
    untrusting.ca_bundle = ""  # the simulator's certificate is its own: without its CA nothing trusts it
    untrusting.save()

    live = read(untrusting, SIX_OBJECTS[:2])

    assert live.records == ()
    assert {each.reason for each in live.not_read} == {
        "the org's certificate is not trusted (its connection's CA bundle)"}


def test_an_org_whose_ca_bundle_is_gone_leaves_every_record_unread_saying_so(demo_org: Simulator):
    gone = connect_simulated_org("live-demo-gone", demo_org)
    gone.ca_bundle = "/nonexistent/ca.pem"
    gone.save()

    live = read(gone, SIX_OBJECTS[:1])

    assert [each.reason for each in live.not_read] == [
        "the org's connection cannot be used (its CA bundle is not readable)"]
