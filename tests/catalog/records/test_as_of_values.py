"""A record as of a past date holds the values of then, not today's: an integration's attributes changed in place by
a later harvest and a classification override made later (the graph mirrors only today's) are read as they stood
(the demo org harvested from the simulator over HTTPS into real Neo4j); and whose records the demo's objects hold,
from their record types."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from catalog.classification.models import NOT_PERSONAL
from catalog.classification.services import override_field, withdraw_override
from catalog.records import services
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import privacy_officer
from tests.catalog.records.conftest import edit_manifest, harvest

pytestmark = pytest.mark.django_db(transaction=True)  # the harvests' runs are bookkept, then flushed

CORE_RETENTION = "retention: {period: P7Y, basis: Bank Secrecy Act recordkeeping}"
EMPLOYER = "Customer_Insight__c.Employer__c"


def retention_periods(activity: services.ActivityRecord) -> set[str | None]:
    return {each.value.period for each in activity.activity.retention if each.value.system == "Tallyforge Core"}


def field_names(activity: services.ActivityRecord) -> set[str]:
    return {f"{each.sobject}.{each.name}" for each in activity.activity.fields}


def test_as_of_before_a_manifest_changed_an_integrations_retention_the_record_shows_the_retention_then(
        harvested_twice_setup: tuple[OrgConnection, Path]):
    org, manifests = harvested_twice_setup
    harvest(org)
    before = datetime.now(UTC)
    edit_manifest(manifests, CORE_RETENTION, CORE_RETENTION.replace("P7Y", "P10Y"))

    harvest(org)

    assert retention_periods(services.activity_of("demo", "account-servicing", as_of=before)) == {"P7Y"}
    assert retention_periods(services.activity_of("demo", "account-servicing")) == {"P10Y"}
    client = Client()
    client.force_login(privacy_officer("as-of-reader"))
    then = client.get("/records/demo/account-servicing/", {"as_of": before.isoformat()}).content.decode()
    now = client.get("/records/demo/account-servicing/").content.decode()
    assert ("Tallyforge Core: P7Y" in then, "Tallyforge Core: P10Y" in then) == (True, False)
    assert ("Tallyforge Core: P7Y" in now, "Tallyforge Core: P10Y" in now) == (False, True)
    assert f'name="as_of" value="{before.isoformat()}"' in then  # the picker says when


def test_as_of_before_an_override_the_record_classifies_by_the_harvest_and_after_it_by_the_override(
        harvested_twice_setup: tuple[OrgConnection, Path]):
    org, _ = harvested_twice_setup
    harvest(org)
    before = datetime.now(UTC)
    override_field("demo", "Customer_Insight__c", "Employer__c", ccpa_category=NOT_PERSONAL,
                   reason="the employer's name is the business's, not the consumer's", actor=privacy_officer())
    between = datetime.now(UTC)

    harvest(org)

    assert EMPLOYER in field_names(services.activity_of("demo", "analytics", as_of=before))
    assert EMPLOYER not in field_names(services.activity_of("demo", "analytics", as_of=between))
    assert EMPLOYER not in field_names(services.activity_of("demo", "analytics"))


def test_as_of_while_an_override_was_in_force_the_record_keeps_it_after_it_is_withdrawn(
        harvested_twice_setup: tuple[OrgConnection, Path]):
    org, _ = harvested_twice_setup
    harvest(org)
    officer = privacy_officer()
    made = override_field("demo", "Customer_Insight__c", "Employer__c", ccpa_category=NOT_PERSONAL,
                          reason="the employer's name is the business's", actor=officer)
    while_in_force = datetime.now(UTC)

    withdraw_override(made, reason="it names the consumer's employer after all", actor=officer)

    assert EMPLOYER not in field_names(services.activity_of("demo", "analytics", as_of=while_in_force))
    assert EMPLOYER in field_names(services.activity_of("demo", "analytics"))


def test_the_demos_record_types_say_whose_records_its_objects_hold_with_the_describe_as_evidence(
        demo: OrgConnection):
    analytics = services.activity_of("demo", "analytics").activity
    consumers = {each.value: each for each in analytics.consumer_categories}

    assert "Customer_Insight__c (record type Prospect)" in consumers["prospects"].reason
    assert "Customer_Insight__c (record type Existing_Customer)" in consumers["customers"].reason
    assert any(each.path[-1] == "record type Prospect" and each.artefact == "describe:Customer_Insight__c"
               for each in consumers["prospects"].evidence)
