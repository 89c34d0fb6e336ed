"""What changed between two records: activities added and removed, and within one the statements added and
removed; through the API and the page on the demo org as of two dates either side of a harvest that changed it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from catalog.records import services
from catalog.records.activities import generate
from catalog.records.diff import diff_records
from harvesters.models import OrgConnection
from lineage.queries.processing import ProcessingFacts
from tests.catalog.accounts.people import auditor, token_client
from tests.catalog.records.conftest import edit_manifest, harvest
from tests.catalog.records.test_activities import SYNC, field, purpose, system


def record(*activities: ProcessingFacts) -> services.RecordOfProcessing:
    made = generate(activities, [], "acme")
    now = datetime.now(UTC)
    return services.RecordOfProcessing(
        alias="acme", as_of=now, live=True, harvested=True, owned=(),
        activities=tuple(services.ActivityRecord("acme", now, each, (), None, None) for each in made))


def facts(name: str, *fields_sent: tuple[str, str, str]) -> ProcessingFacts:
    """An activity sending each (object.field, host, role)."""
    return ProcessingFacts(
        name=name, purposes=(purpose(name),), integrations=(SYNC,),
        fields=tuple(field(*ref.split("."), sent_to=f"system:{host}") for ref, host, _ in fields_sent),
        systems=tuple(system(host, role) for _, host, role in fields_sent))


def test_activities_added_and_removed_are_named():
    diff = diff_records(record(facts("Marketing")), record(facts("Analytics")))

    assert (diff.added, diff.removed, diff.changed) == (("Analytics",), ("Marketing",), ())


def test_a_new_recipient_of_an_activity_is_an_addition_and_a_sale_besides():
    earlier = record(facts("Marketing", ("Contact.Email", "mail.example", "service_provider")))
    later = record(facts("Marketing", ("Contact.Email", "mail.example", "service_provider"),
                         ("Contact.Phone", "ads.example", "third_party")))

    [marketing] = diff_records(earlier, later).changed

    changes = {change.kind: change for change in marketing.changes}
    assert changes["recipients"].added == ("ads.example (third_party, US)",)
    assert changes["recipients"].removed == ()
    assert changes["sold or shared"].added == ("ads.example (third_party, US)",)


def test_categories_collected_and_made_sensitive_are_additions_and_one_no_longer_collected_a_removal():
    earlier = ProcessingFacts(name="Marketing", purposes=(purpose("Marketing"),), integrations=(SYNC,),
                              fields=(field("Contact", "Email", category="identifiers"),
                                      field("Contact", "Birthdate", category="characteristics")), systems=())
    later = ProcessingFacts(name="Marketing", purposes=(purpose("Marketing"),), integrations=(SYNC,),
                            fields=(field("Contact", "Email", category="identifiers"),
                                    field("Contact", "Income__c", category="financial"),
                                    field("Contact", "SSN__c", category="identifiers", sensitive=True)), systems=())

    [marketing] = diff_records(record(earlier), record(later)).changed

    changes = {change.kind: (change.added, change.removed) for change in marketing.changes}
    assert changes["personal information"] == (("financial",), ("characteristics",))
    assert changes["sensitive personal information"] == (("identifiers",), ())


def test_the_same_record_twice_is_unchanged():
    same = record(facts("Marketing", ("Contact.Email", "mail.example", "service_provider")))

    assert diff_records(same, same).unchanged


with_the_database = pytest.mark.django_db(transaction=True)  # harvests bookkeep runs, then are flushed


@pytest.fixture
def changed_demo(harvested_twice_setup: tuple[OrgConnection, Path]) -> tuple[str, str]:
    """The demo harvested, then again after its manifest made the enrichment vendor a third party: the two
    moments (ISO) either side of the second harvest."""
    org, manifests = harvested_twice_setup
    harvest(org)
    before = datetime.now(UTC).isoformat()
    edit_manifest(manifests, "    role: contractor\n", "    role: third_party\n", 1)
    harvest(org)
    return before, datetime.now(UTC).isoformat()


@with_the_database
def test_a_recipient_made_a_third_party_by_a_later_harvest_shows_in_the_api_diff(changed_demo: tuple[str, str]):
    before, after = changed_demo

    answer = token_client(auditor(), scopes=("catalog:read",)).get(
        "/api/v1/processing-activities/diff/", {"org": "demo", "since": before, "until": after})

    assert answer.status_code == 200, answer.content
    changed = {each["key"]: {change["kind"]: change for change in each["changes"]} for each in answer.json()["changed"]}
    recipients = changed["analytics"]["recipients"]
    assert any("third_party" in each for each in recipients["added"])
    assert any("contractor" in each for each in recipients["removed"])


@with_the_database
def test_the_changes_page_lists_the_same(changed_demo: tuple[str, str]):
    before, after = changed_demo
    client = Client()
    client.force_login(auditor())

    page = client.get("/records/demo/changes/", {"since": before, "until": after})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Sold or shared" in html
    assert "third_party" in html


@with_the_database
@pytest.mark.parametrize(("query", "named"), [({"org": "demo"}, "since"), ({"since": "2026-11-01"}, "org"),
                                              ({"org": "demo", "since": "someday"}, "since"),
                                              ({"org": "demo", "since": "2026-11-01", "until": "2026-11-31"},
                                               "until")])
def test_a_missing_or_bad_date_is_a_400_naming_it(demo: OrgConnection, query: dict[str, str], named: str):
    answer = token_client(auditor(), scopes=("catalog:read",)).get("/api/v1/processing-activities/diff/", query)

    assert answer.status_code == 400
    assert named in answer.json()["errors"]
