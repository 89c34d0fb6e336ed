"""Whether it is kept: each activity of the demo org's record says, per object, how many of its Salesforce records are
older than its retention period, as the harvest counted them (one COUNT() each), with the query and the manifest
entry as evidence; on the page, in the API, in the exports' lines and in the ICO template's "retention followed"."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from catalog.records import exports, services
from catalog.records.activities import Activity, Evidence, KeptPastRetention, Stated
from catalog.records.ico import ANSWERED, PARTLY, QUESTIONS, coverage
from harvesters.models import OrgConnection
from lineage import Graph, GraphWriter, RetentionCountRecord, org_key
from lineage.queries.retention import before, count_query
from tests.catalog.accounts.people import auditor, token_client
from tests.catalog.records.signed_exports import private_key_text

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed

PRIVACY_CHOICES = "honouring-privacy-choices"  # the mobile backend's P2Y: the demo's consumers span four years


def _activity(key: str) -> Activity:
    return services.activity_of("demo", key).activity


def _kept(activity: Activity, sobject: str) -> Stated[KeptPastRetention]:
    return next(each for each in activity.kept_past_retention if each.value.sobject == sobject)


def test_an_activity_says_how_many_of_an_objects_records_are_older_than_its_longest_retention(demo: OrgConnection):
    individuals = _kept(_activity(PRIVACY_CHOICES), "Individual")

    assert individuals.value.period == "P2Y"  # the mobile backend's
    assert (individuals.value.older or 0) > 0
    assert individuals.value.cutoff < individuals.value.counted_at - timedelta(days=365 * 2 - 1)
    assert individuals.value.described.startswith(f"Individual: {individuals.value.older} records older than P2Y")
    assert "the longest retention the activity's manifests state" in individuals.reason


def test_the_count_rests_on_its_query_and_the_manifest_entry_stating_the_period(demo: OrgConnection):
    accounts = _kept(_activity("account-servicing"), "FinServ__FinancialAccount__c")

    artefacts = [proof.artefact or "" for proof in accounts.evidence]
    assert artefacts[0].startswith("SOQL: SELECT COUNT() FROM FinServ__FinancialAccount__c WHERE CreatedDate < ")
    assert any(artefact.startswith("manifest:") for artefact in artefacts[1:])
    assert (accounts.value.period, accounts.value.older) == ("P7Y", 0)  # the demo's records are four years old at most


def test_a_record_as_of_before_the_harvest_counted_has_no_count(demo: OrgConnection):
    counted_at = _kept(_activity(PRIVACY_CHOICES), "Individual").value.counted_at

    before = services.activity_of("demo", PRIVACY_CHOICES, counted_at - timedelta(seconds=1)).activity

    assert before.kept_past_retention == ()


def test_the_api_states_it_with_its_evidence(demo: OrgConnection):
    answer = token_client(auditor(), scopes=("catalog:read",)).get(
        f"/api/v1/processing-activities/demo/{PRIVACY_CHOICES}/")

    assert answer.status_code == 200, answer.content
    kept = {each["value"]["sobject"]: each for each in answer.json()["kept_past_retention"]}
    assert kept["Individual"]["value"]["older"] == _kept(_activity(PRIVACY_CHOICES), "Individual").value.older
    assert kept["Individual"]["evidence"][0]["artefact"].startswith("SOQL: SELECT COUNT() FROM Individual ")


def test_the_activity_page_shows_the_count_and_its_query(demo: OrgConnection):
    client = Client()
    client.force_login(auditor())

    page = client.get(f"/records/demo/{PRIVACY_CHOICES}/").content.decode()

    older = _kept(_activity(PRIVACY_CHOICES), "Individual").value.older
    assert "Kept past the retention period" in page
    assert f"{older} records older than P2Y" in page
    assert "SELECT COUNT() FROM Individual WHERE CreatedDate &lt; " in page


def test_the_csv_export_has_a_line_per_object_counted(demo: OrgConnection, settings):
    settings.ROPA_SIGNING_KEY = private_key_text(4)
    api = token_client(auditor(), scopes=("catalog:read",))

    response = api.get("/api/v1/processing-activities/export/", {"org": "demo", "format": "csv", "reason": "audit"})

    assert response.status_code == 200
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        name = next(each for each in archive.namelist() if each.endswith(".csv"))
        rows = list(csv.DictReader(io.StringIO(archive.read(name).decode())))
    kept = next(row for row in rows if (row["activity_key"], row["statement"]) == (PRIVACY_CHOICES,
                                                                                   "kept_past_retention"))
    assert "Individual: " in kept["values"]
    assert "records older than P2Y" in kept["values"]
    assert "SOQL: SELECT COUNT() FROM Individual" in kept["evidence"]


def test_the_objects_holding_no_record_past_the_period_share_one_line_citing_one_query(demo: OrgConnection):
    record = services.activity_of("demo", PRIVACY_CHOICES)
    cutoff, counted = datetime(2024, 11, 29, tzinfo=UTC), datetime(2026, 11, 29, tzinfo=UTC)

    def kept(sobject: str, older: int) -> Stated[KeptPastRetention]:
        return Stated(KeptPastRetention(sobject, "P2Y", older, cutoff, counted, None),
                      (Evidence((f"retentioncount:{sobject}",), f"SOQL: {count_query(sobject, cutoff)}"),),
                      reason="records created before 2024-11-29, counted 2026-11-29")

    counts = (kept("Lead", 0), kept("Individual", 7), kept("Contact", 0), kept("Account", 0))
    activity = replace(record.activity, kept_past_retention=counts)
    lines = [each for each in exports.activity_lines(replace(record, activity=activity))
             if each.kind == "kept_past_retention"]

    assert [each.value for each in lines] == ["Individual: 7 records older than P2Y (created before 2024-11-29)",
                                              "3 objects: no record older than P2Y (created before 2024-11-29)"]
    assert lines[1].reason.endswith("; the objects: Account, Contact, Lead")
    assert {each.artefact for each in lines[1].evidence} == {
        "SOQL, one query per object: " + count_query("<object>", cutoff)}
    assert {each.path for each in lines[1].evidence} == {("retentioncount:Lead",), ("retentioncount:Contact",),
                                                         ("retentioncount:Account",)}


def test_an_activity_with_no_retention_period_says_nothing_was_counted_in_its_lines(demo: OrgConnection):
    record = services.record_of("demo")
    without = next(each for each in record.activities if not each.activity.retention)

    lines = [line for line in exports.activity_lines(without) if line.kind == "kept_past_retention"]

    assert [line.value for line in lines] == ["not counted: no manifest states a retention period"]


def test_the_ico_templates_retention_followed_is_answered_from_the_counts(demo: OrgConnection):
    rows = {row.activity_key: dict(zip([each.key for each in QUESTIONS], row.answers, strict=True))
            for row in coverage(services.record_of("demo")).rows}

    followed = rows[PRIVACY_CHOICES]["ico_6_3"]
    assert followed.status == ANSWERED
    assert followed.text.startswith("No: ")
    assert "records older than P2Y" in followed.text
    assert rows["account-servicing"]["ico_6_3"].text.startswith("Yes: no record is older than P7Y")


SHORT = "API budget: 900 of the org's 10000 daily API requests left, 10% kept for its own integrations"


@pytest.fixture
def budget_short(demo: OrgConnection, graph: Graph) -> Iterator[str]:
    """A later harvest that could not count the privacy choices' Individuals: the org's API budget was short."""
    moment = datetime.now(UTC)
    cutoff = before(moment, "P2Y")
    query = count_query("Individual", cutoff)
    record = RetentionCountRecord(org_id=demo.org_id, sobject="Individual", period="P2Y", cutoff=cutoff,
                                  counted_at=moment, counted_in="run-budget-short", query=query,
                                  evidence=f"SOQL: {query}", not_counted=SHORT)
    GraphWriter(graph, "run-budget-short", org_key(demo.org_id), moment).write_nodes([record])
    yield record.key
    graph.write("MATCH (c:RetentionCount {key: $key}) DETACH DELETE c", key=record.key)


def test_an_object_the_budget_left_uncounted_says_so_on_the_page_and_in_the_ico_template(budget_short: str):
    client = Client()
    client.force_login(auditor())

    page = client.get(f"/records/demo/{PRIVACY_CHOICES}/").content.decode()
    followed = next(row for row in coverage(services.record_of("demo")).rows if row.activity_key == PRIVACY_CHOICES)

    assert "not counted (API budget: 900 of the org&#x27;s 10000 daily API requests left" in page
    answer = dict(zip([each.key for each in QUESTIONS], followed.answers, strict=True))["ico_6_3"]
    assert answer.status == PARTLY
    assert "Individual: not counted (API budget" in answer.text
