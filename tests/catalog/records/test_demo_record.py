"""The demo org's record of processing activities, generated from a real harvest (the simulator over HTTPS, real
Neo4j): its named purposes with their recipients, roles and regimes, every personal field in some activity, "needs
input" where the graph has nothing, an edit that survives the next harvest, and the record as of a date before a
later harvest retired something."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalog.records import services
from catalog.records.activities import CCPA, GLBA, UNASSIGNED_KEY, Activity
from harvesters.models import OrgConnection
from lineage import Graph, field_key, org_key
from lineage.queries.inventory import FieldFilter, FieldSummary, PageRequest, list_fields
from tests.catalog.accounts.people import privacy_officer
from tests.catalog.records.conftest import edit_manifest, harvest

pytestmark = pytest.mark.django_db(transaction=True)  # the harvests' runs are bookkept, then flushed

ENRICHMENT = "api.enrichment-vendor.example.com"


def by_key(record: services.RecordOfProcessing) -> dict[str, services.ActivityRecord]:
    return {each.activity.key: each for each in record.activities}


def test_one_activity_read_alone_is_the_same_as_in_the_whole_record(demo: OrgConnection):
    moment = datetime.now(UTC)
    record = services.record_of("demo", moment)

    assert len(record.activities) > 2
    assert UNASSIGNED_KEY in by_key(record)
    for each in record.activities:
        assert services.activity_of("demo", each.activity.key, moment) == each


def test_the_orgs_own_purposes_are_activities_with_their_recipients_roles_and_regimes(demo: OrgConnection):
    activities = by_key(services.record_of("demo"))

    analytics = activities["analytics"].activity
    assert (analytics.name, analytics.origin, analytics.regime.value) == ("Analytics", "DataUsePurpose", CCPA)
    assert {(each.value.host, each.value.role, each.value.country) for each in analytics.recipients} == {
        (ENRICHMENT, "contractor", "IN")}
    assert {"identifiers"} <= {each.value for each in analytics.personal_categories}
    assert analytics.profiling  # the enrichment vendor profiles customers
    assert analytics.dpia_indicated.value
    assert activities["fraud-prevention"].activity.regime.value == GLBA
    assert activities["marketing"].activity.regime.value == CCPA


def test_the_glba_and_ccpa_split_says_why_for_each_purpose(demo: OrgConnection):
    activities = by_key(services.record_of("demo"))

    for key in ("account-servicing", "fraud-prevention", "credit-decisioning"):
        regime = activities[key].activity.regime
        assert (regime.value, "provides a financial product or service" in regime.reason) == (GLBA, True), key
    for key in ("analytics", "marketing", "brokerage-account-servicing-and-partner-marketing"):
        regime = activities[key].activity.regime
        assert (regime.value, "the GLBA exemption does not reach it" in regime.reason) == (CCPA, True), key


def test_the_enrichment_vendor_abroad_is_a_transfer_whose_safeguards_need_input(demo: OrgConnection):
    activities = by_key(services.record_of("demo"))

    analytics = activities["analytics"]
    assert {(each.value.host, each.reason) for each in analytics.activity.transfers} == {(ENRICHMENT, "received in IN")}
    assert {each.name: each for each in analytics.owned}["transfer_safeguards"].needs_input
    for key in ("account-servicing", "marketing", "brokerage-account-servicing-and-partner-marketing"):
        assert activities[key].activity.transfers == (), key
        safeguards = {each.name: each for each in activities[key].owned}["transfer_safeguards"]
        assert safeguards.value == "Not applicable: no recipient outside the country was found", key


def test_an_activitys_sources_are_the_systems_its_data_comes_in_from_and_it_is_held_where_it_goes(
        demo: OrgConnection):
    activities = by_key(services.record_of("demo"))

    analytics, servicing = activities["analytics"].activity, activities["account-servicing"].activity
    assert [each.value for each in analytics.sources] == ["Fathomly Person Match"]  # the match results come back
    assert {each.value for each in analytics.systems} == {"Salesforce org demo", "Fathomly Person Match"}
    assert {each.value for each in servicing.sources} == {"Tallyforge Core"}  # core banking's balances
    assert {"Salesforce org demo", "Tallyforge Core"} <= {each.value for each in servicing.systems}
    assert all(proof.artefact for each in analytics.sources + analytics.systems for proof in each.evidence)


def test_every_statement_of_an_activity_shows_the_artefact_it_was_harvested_from(demo: OrgConnection):
    analytics = services.activity_of("demo", "analytics").activity

    evidence = [proof for each in analytics.recipients if each.value.host == ENRICHMENT for proof in each.evidence]
    assert any(proof.artefact and proof.artefact.startswith("manifest:") for proof in evidence)
    assert all(proof.artefact for each in analytics.purposes for proof in each.evidence)
    assert all(proof.artefact for statement in analytics.personal_categories for proof in statement.evidence)


def test_every_personal_field_belongs_to_an_activity_or_is_listed_as_having_no_known_purpose(
        graph: Graph, demo: OrgConnection):
    record = services.record_of("demo")
    personal = {field_key(demo.org_id, row.object, row.name)
                for filters in (FieldFilter(unclassified=False), FieldFilter(sensitive=True))
                for row in _every(graph, demo, filters)}

    covered = {field.key for each in record.activities for field in each.activity.fields}

    assert personal
    assert personal <= covered
    assert UNASSIGNED_KEY in by_key(record)  # the demo holds personal fields no purpose reaches


def test_what_the_graph_cannot_know_and_nobody_filled_needs_input(demo: OrgConnection):
    record = services.record_of("demo")
    analytics = by_key(record)["analytics"]

    shown = {each.name: each for each in analytics.owned}
    assert shown["joint_controllers"].needs_input
    assert shown["legal_basis"].answered_by == services.GRAPH  # the org's DataUseLegalBasis
    assert shown["legal_basis"].value == "Consent"
    assert {each.name for each in record.owned if each.needs_input} == {"controller", "dpo", "representative"}
    assert record.needs_input_count >= 4


def _every(graph: Graph, org: OrgConnection, filters: FieldFilter) -> list[FieldSummary]:
    rows: list[FieldSummary] = []
    number = 1
    while True:
        page = list_fields(graph, org_key(org.org_id), filters, PageRequest(number=number, size=500))
        rows += page.rows
        if len(page.rows) < 500:
            return rows
        number += 1


# --- across harvests ------------------------------------------------------------------------------------------


def test_a_privacy_officers_entry_survives_the_next_harvest(harvested_twice_setup: tuple[OrgConnection, Path]):
    org, _ = harvested_twice_setup
    harvest(org)
    services.edit_activity("demo", "analytics", {"joint_controllers": "None: Golden Poppy decides alone"},
                           reason="checked with legal", actor=privacy_officer())

    harvest(org)

    shown = {each.name: each for each in services.activity_of("demo", "analytics").owned}
    assert shown["joint_controllers"].value == "None: Golden Poppy decides alone"
    assert shown["joint_controllers"].answered_by == services.PRIVACY_OFFICER


def test_as_of_a_date_the_record_is_what_the_graph_held_before_a_later_harvest_retired_it(
        harvested_twice_setup: tuple[OrgConnection, Path]):
    org, manifests = harvested_twice_setup
    harvest(org)
    before = datetime.now(UTC)
    edit_manifest(manifests, "id: person_match", "id: person_match_v2")

    harvest(org)

    then = services.activity_of("demo", "analytics", as_of=before).activity
    now = services.activity_of("demo", "analytics").activity
    assert _manifest_flows(then) == {"person_match"}
    assert _manifest_flows(now) == {"person_match_v2"}


def _manifest_flows(activity: Activity) -> set[str]:
    """The manifest entries sending the activity's data (named manifest#system.flow)."""
    return {each.value.integration.rsplit(".", 1)[-1] for each in activity.recipients
            if "#data_enrichment." in each.value.integration}


