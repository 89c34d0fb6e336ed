"""The record of processing regenerated after every successful harvest run of the demo org: stored signed and linked
to its run, shown on the record page, in the snapshot list and the API, the last two compared in one click; a record
that cannot be built leaves the harvest succeeded, and the run and the log say so without the secret."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from catalog.accounts.models import AuditAction, AuditEvent
from catalog.records import regenerated, services, snapshots
from catalog.records.models import RecordSnapshot
from harvesters import runs
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from tests.catalog.accounts.people import auditor, privacy_officer, token_client
from tests.catalog.records.conftest import edit_manifest, harvest

pytestmark = pytest.mark.django_db(transaction=True)  # harvests bookkeep runs, then are flushed

SNAPSHOTS = "/api/v1/processing-activities/snapshots/"


@dataclass(frozen=True)
class TwoHarvests:
    first: HarvestRun
    second: HarvestRun


@pytest.fixture
def regenerating(settings: Any) -> None:
    settings.RECORDS_REGENERATE_AFTER_HARVEST = True


@pytest.fixture
def harvested_twice(regenerating: None, harvested_twice_setup: tuple[OrgConnection, Path]) -> TwoHarvests:
    """The demo harvested whole, then its manifests alone after they made the enrichment vendor a third party."""
    org, manifests = harvested_twice_setup
    harvest(org)
    edit_manifest(manifests, "    role: contractor\n", "    role: third_party\n", 1)
    second = runs.harvest_now(runs.request_harvest(org, full=False, sources=["manifests"]))
    assert second.status == RunStatus.SUCCEEDED, second.errors
    return TwoHarvests(HarvestRun.objects.get(org=org, full=True), second)


def test_each_successful_harvest_stores_the_record_signed_linked_to_its_run_and_audited_once(
        harvested_twice: TwoHarvests):
    first, second = (RecordSnapshot.objects.get(harvest_run=run) for run in (harvested_twice.first,
                                                                              harvested_twice.second))

    assert snapshots.verification_of(first).valid
    assert snapshots.verification_of(second).valid
    assert second.activity_count == len(services.record_of("demo").activities)
    assert second.taken_by_name == f"Recordkeeper, after harvest run {harvested_twice.second.pk}"
    assert f"incremental harvest run {harvested_twice.second.pk} (manifests)" in second.reason
    assert "analytics" in {each["key"] for each in snapshots.body_of(second)["activities"]}
    event = AuditEvent.objects.get(action=AuditAction.RECORD_FROZEN, object_key=str(second.id))
    assert (event.actor_name, event.details["harvest_run"]) == (second.taken_by_name, harvested_twice.second.pk)
    assert regenerated.regenerate(harvested_twice.second) == second
    assert RecordSnapshot.objects.filter(harvest_run=harvested_twice.second).count() == 1


def test_the_record_page_says_after_which_run_it_was_regenerated_and_compares_the_last_two_in_one_click(
        harvested_twice: TwoHarvests):
    first, second = (RecordSnapshot.objects.get(harvest_run=run) for run in (harvested_twice.first,
                                                                              harvested_twice.second))
    frozen = snapshots.take_snapshot("demo", reason="year-end audit", actor=privacy_officer())
    client = Client()
    client.force_login(auditor())

    html = client.get("/records/demo/").content.decode()

    run = harvested_twice.second.pk
    assert f'Regenerated after <a href="/harvests/{run}/">harvest run {run}</a> at' in html
    assert f"regenerated after harvest run {harvested_twice.first.pk}</li>" in html
    assert f"frozen by {frozen.taken_by_name}: year-end audit</li>" in html
    compare = f"/records/demo/changes/?since=snapshot:{first.id}&amp;until=snapshot:{second.id}"
    assert compare in html
    changes = client.get(compare.replace("&amp;", "&")).content.decode()
    assert (f"Comparing the record regenerated after harvest run {harvested_twice.first.pk} with the record "
            f"regenerated after harvest run {run}.") in changes
    assert "third_party" in changes
    assert compare in client.get("/records/demo/changes/").content.decode()
    snapshot_page = client.get(f"/records/demo/snapshots/{second.id}/").content.decode()
    assert f'after <a href="/harvests/{run}/">harvest run {run}</a>' in snapshot_page
    run_page = client.get(f"/harvests/{run}/").content.decode()
    assert f'<a href="/records/demo/snapshots/{second.id}/">Regenerated after this run</a>' in run_page


def test_the_api_tells_records_regenerated_after_harvests_from_snapshots_a_person_froze(
        harvested_twice: TwoHarvests):
    officer = privacy_officer()
    frozen = snapshots.take_snapshot("demo", reason="year-end audit", actor=officer)
    reader = token_client(auditor(), scopes=("catalog:read",))

    listed = reader.get(SNAPSHOTS, {"org": "demo"}).json()["results"]
    by_harvests = reader.get(SNAPSHOTS, {"org": "demo", "regenerated": "true"}).json()["results"]
    by_people = reader.get(SNAPSHOTS, {"org": "demo", "regenerated": "false"}).json()["results"]
    record = reader.get("/api/v1/orgs/demo/record/").json()

    assert {(each["harvest_run"], each["taken_by"]) for each in listed} == {
        (None, officer.username),
        *((run.pk, f"Recordkeeper, after harvest run {run.pk}") for run in (harvested_twice.first,
                                                                             harvested_twice.second))}
    assert [each["harvest_run"] for each in by_harvests] == [harvested_twice.second.pk, harvested_twice.first.pk]
    assert [each["id"] for each in by_people] == [str(frozen.id)]
    assert (record["regenerated"]["snapshot"], record["regenerated"]["harvest_run"]) == (
        by_harvests[0]["id"], harvested_twice.second.pk)
    run = reader.get(f"/api/v1/harvest-runs/{harvested_twice.second.pk}/").json()
    assert run["regenerated_record"] == by_harvests[0]["id"]


def test_a_bad_regenerated_filter_is_a_400_naming_it(demo: OrgConnection):
    answer = token_client(auditor(), scopes=("catalog:read",)).get(SNAPSHOTS, {"org": "demo", "regenerated": "yes"})

    assert answer.status_code == 400
    assert "regenerated" in answer.json()["errors"]


def test_a_record_that_cannot_be_signed_leaves_the_harvest_succeeded_and_the_run_and_log_say_so_without_the_key(
        regenerating: None, settings: Any, harvested_twice_setup: tuple[OrgConnection, Path],
        caplog: pytest.LogCaptureFixture):
    org, _ = harvested_twice_setup
    settings.ROPA_SIGNING_KEY = "not-a-key-but-a-secret-4f1c"
    caplog.set_level(logging.WARNING, logger="catalog.records.regenerated")

    run = runs.harvest_now(runs.request_harvest(org, full=False, sources=["manifests"]))

    assert run.status == RunStatus.SUCCEEDED
    assert not RecordSnapshot.objects.filter(org=org).exists()
    [warning] = [each for each in run.warnings if each.startswith(regenerated.NOT_REGENERATED)]
    assert "SigningKeyError: ROPA_SIGNING_KEY" in warning
    assert "ROPA_SIGNING_KEY" in caplog.text
    assert "not-a-key-but-a-secret-4f1c" not in warning + caplog.text
    client = Client()
    client.force_login(auditor())
    html = client.get("/records/demo/").content.decode()
    assert f'The record was not regenerated after <a href="/harvests/{run.pk}/">harvest run {run.pk}</a>' in html


def test_a_partial_run_leaves_no_record(regenerating: None, harvested_twice_setup: tuple[OrgConnection, Path]):
    org, manifests = harvested_twice_setup
    (manifests / "broken.yaml").write_text("systems: [unclosed\n")

    run = runs.harvest_now(runs.request_harvest(org, full=False, sources=["manifests"]))

    assert run.status == RunStatus.PARTIAL, run.errors
    assert not RecordSnapshot.objects.filter(org=org).exists()
    answer = token_client(auditor(), scopes=("catalog:read",)).get(f"/api/v1/harvest-runs/{run.pk}/").json()
    assert answer["regenerated_record"] is None


def test_no_record_is_stored_when_regeneration_is_turned_off(settings: Any,
                                                             harvested_twice_setup: tuple[OrgConnection, Path]):
    org, _ = harvested_twice_setup
    settings.RECORDS_REGENERATE_AFTER_HARVEST = False

    run = runs.harvest_now(runs.request_harvest(org, full=False, sources=["manifests"]))

    assert run.status == RunStatus.SUCCEEDED
    assert not RecordSnapshot.objects.filter(org=org).exists()
    assert not any(each.startswith(regenerated.NOT_REGENERATED) for each in run.warnings)
