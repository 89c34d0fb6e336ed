"""The CCPA disclosures made from a record: the 12 months before the as-of date (everything the record held at any
moment of them), categories by source, purpose, category of recipient and retention, each line with the evidence of
the statements it is made of."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from catalog.records.activities import Activity, Stated
from catalog.records.disclosures import disclose, months_before, window_moments
from harvesters.models import HarvestRun, RunStatus
from tests.catalog.records.regulator_records import activity_record, record
from tests.catalog.records.test_activities import activity_of, field, system
from tests.conftest import register_offline_org

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
START = datetime(2025, 11, 28, 12, tzinfo=UTC)


def partner_offers() -> Activity:
    """A marketing activity sending location to an ad network (a third party) and email to a mailer."""
    made: Activity = activity_of("Partner offers", fields=(
        field("Contact", "Last_Location__c", category="geolocation", sent_to="system:ads.example"),
        field("Contact", "Email", sent_to="system:mail.example")),
        systems=(system("ads.example", "third_party"), system("mail.example", "service_provider")))
    return made


def servicing() -> Activity:
    made: Activity = activity_of("Account servicing", fields=(
        field("Contact", "Email", sent_to="system:core.example"), field("Contact", "SSN__c", sensitive=True)),
        systems=(system("core.example", "contractor"),))
    return made


@pytest.mark.parametrize(("moment", "expected"), [
    (datetime(2026, 11, 28, 9, 30, tzinfo=UTC), datetime(2025, 11, 28, 9, 30, tzinfo=UTC)),
    (datetime(2028, 2, 29, tzinfo=UTC), datetime(2027, 2, 28, tzinfo=UTC)),  # no 29 February that year
    (datetime(2026, 1, 31, tzinfo=UTC), datetime(2025, 1, 31, tzinfo=UTC)),
    (datetime(1, 6, 1, tzinfo=UTC), datetime.min.replace(tzinfo=UTC)),  # no year 0
])
def test_the_window_starts_twelve_calendar_months_before_the_as_of_date(moment: datetime, expected: datetime):
    assert months_before(moment, 12) == expected


@pytest.mark.django_db
def test_the_record_is_read_at_the_windows_start_before_each_full_harvest_inside_it_that_retired_and_at_its_end():
    org = register_offline_org("acme")
    for days, full, retired in ((-3, True, 5), (40, True, 5), (45, True, 0), (50, False, 0), (366, True, 5)):
        started = START + timedelta(days=days)
        HarvestRun.objects.create(org=org, full=full, status=RunStatus.SUCCEEDED, started_at=started,
                                  finished_at=started + timedelta(hours=1), counts={"retired": retired})

    assert window_moments("acme", START, NOW) == (START, START + timedelta(days=40), NOW)


def test_an_activity_retired_inside_the_window_is_still_disclosed_as_collected_in_it():
    earlier = record(activity_record(partner_offers()), activity_record(servicing()), as_of=START)
    current = record(activity_record(servicing()), as_of=NOW)

    made = disclose(current, [earlier], START, (START, NOW))

    [geolocation] = [each for each in made.collected if each.category == "geolocation"]
    assert geolocation.activities == ("Partner offers",)
    assert geolocation.evidence  # the fields' manifest entries
    assert {(each.role, each.category, each.recipients) for each in made.sold_or_shared} == {
        ("third_party", "geolocation", ("ads.example",))}


def test_categories_are_disclosed_by_category_of_recipient_with_the_recipients_evidence():
    made = disclose(record(activity_record(partner_offers()), activity_record(servicing())), [], START, (START, NOW))

    by_role = {(each.role, each.category): each for each in made.disclosed_for_business_purpose}
    assert set(by_role) == {("service_provider", "identifiers"), ("contractor", "identifiers")}
    contractor = by_role[("contractor", "identifiers")]
    assert contractor.recipients == ("core.example",)
    assert contractor.activities == ("Account servicing",)
    assert any(proof.artefact == "NamedCredential:Sync" for proof in contractor.evidence)  # the SENDS_TO edge
    assert any(step.startswith("sobject:") for proof in contractor.evidence for step in proof.path)  # whose fields


def test_sensitive_information_is_listed_with_the_purposes_it_is_used_for():
    made = disclose(record(activity_record(servicing())), [], START, (START, NOW))

    [sensitive] = made.sensitive
    assert (sensitive.category, sensitive.said) == ("identifiers", ("Account servicing",))
    assert sensitive.glba_only  # account servicing is GLBA's, the CCPA's disclosure is not owed


def test_retention_comes_from_a_privacy_officer_else_what_no_one_states_needs_input():
    stated = activity_record(servicing(), {"retention": "Seven years after the account closes"})
    unstated = activity_record(partner_offers())

    made = disclose(record(stated, unstated), [], START, (START, NOW))

    by_category = {each.category: each for each in made.retention}
    assert "Account servicing: Seven years after the account closes" in by_category["identifiers"].said
    assert by_category["identifiers"].needs_input == "how long the org itself keeps it is needs input (Partner offers)"
    assert by_category["geolocation"].needs_input


def test_a_category_no_integration_brings_in_has_its_source_as_needs_input():
    made = disclose(record(activity_record(servicing())), [], START, (START, NOW))

    [identifiers] = made.sources
    assert identifiers.said == ()
    assert "whether the consumer gives it directly" in identifiers.needs_input


def test_a_purpose_named_twice_in_different_cases_is_disclosed_once():
    both = replace(servicing(), purposes=(Stated("Fraud Prevention"), Stated("Fraud prevention")))

    made = disclose(record(activity_record(both)), [], START, (START, NOW))

    assert [each.said for each in made.purposes] == [("Fraud Prevention",)]
