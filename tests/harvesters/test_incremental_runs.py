"""Incremental runs read each source from its own watermark, on Salesforce's clock, and a person stays one subject.

The demo org is served by a simulator of this module's own: the tests change its records through the REST API,
as an org's users would, and no other module sees those changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from harvesters import runs
from harvesters.consents import consent_chunks, subject_secret
from harvesters.models import HarvestRun, OrgConnection, RunStatus, SourceWatermark
from harvesters.watermarks import since_for
from lineage import Graph, IntegrationKind, integration_key, org_key, purge_org, purpose_key, subject_hmac_for
from lineage.identifiers import IdentifierKind, identifier_hmac, normalised
from lineage.queries.subjects import subjects_by_identifier
from salesforce_simulator import Simulator, load_org
from tests.conftest import connect_simulated_org
from tests.harvesters.simulated import simulated_client

pytestmark = pytest.mark.django_db(transaction=True)
ZORA_INDIVIDUAL = "0PK8d0ZoraQuinnGCB"
ZORA_CREDIT_CONSENT = "0ZY8d00ZoraCredGEC"  # opted in to Credit Decisioning in 2023
ZORA_EMAIL_RECORDS = (("ContactPointEmail", "9CE8d0ZoraQuinnGCB", "EmailAddress"),
                      ("Contact", "0038d0ZoraQuinnACB", "Email"), ("Account", "0018d0ZoraQuinnACB", "PersonEmail"))
DEMO_SUBJECTS = 505 + 2  # the demo's consumers and its two waitlist leads
ORG_BEHIND_OURS = timedelta(hours=3)
CHANGED_OBJECTS = ("ContactPointTypeConsent", "ContactPointEmail", "Contact", "Account")
ENRICHMENT_SITE = "0rp8d0000EnrichAQA"  # the remote site of the enrichment vendor


@pytest.fixture(scope="module")
def own_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    with Simulator(load_org("demo"), state_dir=tmp_path_factory.mktemp("incremental-simulator")) as running:
        yield running


@pytest.fixture
def org(own_demo: Simulator, graph: Graph) -> Iterator[Simulator]:
    """The module's demo org, every record a test changed put back as it was afterwards."""
    own_demo.reset()
    purge_org(graph, org_key(own_demo.org.id))
    rows = {(name, row["Id"]): dict(row) for name in CHANGED_OBJECTS for row in own_demo.org.records(name)}
    sites = [dict(row) for row in own_demo.org.tooling["RemoteProxy"]]
    yield own_demo
    for site, before_site in zip(own_demo.org.tooling["RemoteProxy"], sites, strict=True):
        site.clear()
        site.update(before_site)
    own_demo.reset()
    for (name, record_id), before in rows.items():
        row = own_demo.org.get_record(name, record_id)
        if row is not None and row != before:
            row.clear()
            row.update(before)


@pytest.fixture
def connection(org: Simulator, tmp_path: Path) -> OrgConnection:
    return connect_simulated_org("incremental", org, manifest_dir=str(tmp_path))


def harvest(connection: OrgConnection, *, full: bool, sources: list[str] | None = None) -> HarvestRun:
    run = runs.harvest_now(runs.request_harvest(connection, full=full, sources=sources))
    assert run.status == RunStatus.SUCCEEDED, (run.errors, run.reason)
    return run


def change(org: Simulator, sobject: str, record_id: str, values: dict[str, Any]) -> None:
    """Change a record through the REST API, as a user of the org would (Salesforce stamps it)."""
    simulated_client(org).call(lambda sf: getattr(sf, sobject).update(record_id, values))


def move_remote_site(org: Simulator, record_id: str, endpoint: str) -> None:
    """An admin edits a remote site in Setup: Salesforce stamps the Tooling row with its own clock."""
    row = next(row for row in org.org.tooling["RemoteProxy"] if row["Id"] == record_id)
    row.update(EndpointUrl=endpoint, LastModifiedDate=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"))


def consent_statuses(graph: Graph, org_id: str, purpose: str) -> list[str]:
    zora = f"subject:{subject_hmac_for(subject_secret(), external_id=ZORA_INDIVIDUAL)}"
    rows = graph.read("MATCH (s:Subject {key: $s})-[r:CONSENTED]->(:Purpose {key: $p}) RETURN r.status AS status",
                      p=purpose_key(org_id, purpose), s=zora)
    return [row["status"] for row in rows]


def identifier(email: str) -> str:
    return hashed(IdentifierKind.EMAIL, email)


def hashed(kind: IdentifierKind, value: str) -> str:
    return identifier_hmac(subject_secret(), kind, normalised(kind, value))


def subjects_with(graph: Graph, hmac: str) -> list[str]:
    """The live subjects the index finds by `hmac`."""
    return [match.subject_key for match in subjects_by_identifier(graph, [hmac])]


def subject_count(graph: Graph, org_id: str) -> int:
    """Subjects with records in the org's objects (a subject node is shared by orgs, so it has no org of its own)."""
    rows = graph.read("MATCH (s:Subject)-[:HAS_RECORD]->(o:SObject) WHERE o.key STARTS WITH $prefix "
                      "RETURN count(DISTINCT s) AS n", prefix=f"sobject:{org_id}:")
    return int(rows[0]["n"])


# --- watermarks per source -------------------------------------------------------------------------


def test_a_schema_only_run_does_not_make_the_next_incremental_run_skip_consent_or_integration_changes(
    connection: OrgConnection, org: Simulator, graph: Graph
):
    harvest(connection, full=True)
    change(org, "ContactPointTypeConsent", ZORA_CREDIT_CONSENT, {"PrivacyConsentStatus": "OptOut"})
    move_remote_site(org, ENRICHMENT_SITE, "https://api.enrichment-vendor-v2.example.com")
    harvest(connection, full=False, sources=["schema"])

    harvest(connection, full=False)

    assert consent_statuses(graph, org.org.id, "Credit Decisioning") == ["opt_out"]
    endpoint = graph.read("MATCH (i:Integration {key: $key}) RETURN i.endpoint AS endpoint",
                          key=integration_key(org.org.id, IntegrationKind.REMOTE_SITE, "EnrichmentVendor"))
    assert endpoint == [{"endpoint": "https://api.enrichment-vendor-v2.example.com"}]


def test_a_schema_only_run_advances_only_the_schemas_watermark(connection: OrgConnection):
    harvest(connection, full=True, sources=["schema", "consents"])
    consents_before = SourceWatermark.objects.get(org=connection, source="consents").read_at

    harvest(connection, full=False, sources=["schema"])

    marks = {mark.source: mark.read_at for mark in SourceWatermark.objects.filter(org=connection)}
    assert set(marks) == {"schema", "consents"}
    assert marks["consents"] == consents_before
    assert marks["schema"] > consents_before


def test_the_watermark_is_salesforces_clock_not_ours(connection: OrgConnection, org: Simulator):
    org.set_faults(clock_skew_s=-int(ORG_BEHIND_OURS.total_seconds()))
    ours_before = datetime.now(UTC)
    harvest(connection, full=True, sources=["consents"])
    ours_after = datetime.now(UTC)

    read_at = SourceWatermark.objects.get(org=connection, source="consents").read_at
    next_run = runs.request_harvest(connection, full=False, sources=["consents"])

    # the Date header has whole seconds: the org's time at the start of the read, three hours behind ours
    assert ours_before - ORG_BEHIND_OURS - timedelta(seconds=1) <= read_at <= ours_after - ORG_BEHIND_OURS
    assert since_for(next_run, "consents") == read_at - timedelta(seconds=settings.HARVEST_WATERMARK_OVERLAP_SECONDS)


def test_a_change_on_an_org_whose_clock_is_behind_ours_is_read_by_the_next_incremental_run(
    connection: OrgConnection, org: Simulator, graph: Graph
):
    org.set_faults(clock_skew_s=-int(ORG_BEHIND_OURS.total_seconds()))
    harvest(connection, full=True, sources=["schema", "consents"])
    # stamped by the org's clock: hours before our clock's start of the run above
    change(org, "ContactPointTypeConsent", ZORA_CREDIT_CONSENT, {"PrivacyConsentStatus": "OptOut"})

    harvest(connection, full=False, sources=["schema", "consents"])

    assert consent_statuses(graph, org.org.id, "Credit Decisioning") == ["opt_out"]


def test_a_source_whose_step_met_an_error_keeps_its_watermark(connection: OrgConnection, tmp_path: Path):
    harvest(connection, full=True, sources=["manifests"])
    before = SourceWatermark.objects.get(org=connection, source="manifests").read_at
    (tmp_path / "broken.yaml").write_text("systems: [not, a, mapping]\n")

    run = runs.harvest_now(runs.request_harvest(connection, full=False, sources=["manifests"]))

    assert run.status == RunStatus.PARTIAL
    assert SourceWatermark.objects.get(org=connection, source="manifests").read_at == before


def test_an_old_watermark_reads_its_source_whole(connection: OrgConnection):
    now = timezone.now()
    run = runs.request_harvest(connection, full=False, sources=["logs"])
    mark = SourceWatermark.objects.create(org=connection, source="logs", read_at=now - timedelta(days=29))
    overlap = timedelta(seconds=settings.HARVEST_WATERMARK_OVERLAP_SECONDS)

    assert since_for(run, "logs", now) == mark.read_at - overlap
    SourceWatermark.objects.filter(pk=mark.pk).update(read_at=now - timedelta(days=31))
    assert since_for(run, "logs", now) is None
    assert since_for(run, "consents", now) is None  # never read completely


def test_a_full_run_reads_every_source_whole_whatever_its_watermark(connection: OrgConnection):
    SourceWatermark.objects.create(org=connection, source="consents", read_at=timezone.now())

    assert since_for(runs.request_harvest(connection, full=True, sources=["consents"]), "consents") is None


def test_a_large_consent_delta_is_read_whole_and_the_run_is_told(org: Simulator):
    client = simulated_client(org)

    chunks = list(consent_chunks(client, org.org.id, since=datetime(2020, 1, 1, tzinfo=UTC), full_read_above=100))

    subjects = sum(1 for chunk in chunks for node in chunk.nodes if node.label == "Subject")
    assert subjects == DEMO_SUBJECTS
    assert any("read whole" in warning for warning in chunks[0].warnings), chunks[0].warnings


# --- one person, one subject -----------------------------------------------------------------------


def test_a_person_whose_email_changed_remains_one_subject(connection: OrgConnection, org: Simulator, graph: Graph):
    harvest(connection, full=True, sources=["schema", "consents"])
    before = subject_count(graph, org.org.id)
    [zora] = subjects_with(graph, identifier("zora.quinn@example.com"))
    for sobject, record_id, field in ZORA_EMAIL_RECORDS:
        change(org, sobject, record_id, {field: "zora@quinn-family.example"})

    harvest(connection, full=False, sources=["consents"])

    assert subject_count(graph, org.org.id) == before == DEMO_SUBJECTS
    assert subjects_with(graph, identifier("zora@quinn-family.example")) == [zora]
    assert subjects_with(graph, identifier("zora.quinn@example.com")) == []
    assert zora == f"subject:{subject_hmac_for(subject_secret(), external_id=ZORA_INDIVIDUAL)}"


def test_a_subject_is_found_by_each_of_its_identifiers(connection: OrgConnection, org: Simulator, graph: Graph):
    harvest(connection, full=True, sources=["schema", "consents"])

    found = {hmac: subjects_with(graph, hmac) for hmac in (
        hashed(IdentifierKind.EMAIL, "zora.quinn@example.com"), hashed(IdentifierKind.PHONE, "(510) 555-0142"),
        hashed(IdentifierKind.RECORD_ID, "0038d0ZoraQuinnACB"), hashed(IdentifierKind.RECORD_ID, ZORA_INDIVIDUAL))}

    assert len({key for keys in found.values() for key in keys}) == 1
    assert all(len(keys) == 1 for keys in found.values())


def test_the_client_keeps_salesforces_clock_from_the_date_header(org: Simulator):
    org.set_faults(clock_skew_s=86_400)
    client = simulated_client(org)
    ours = datetime.now(UTC)

    client.call(lambda sf: sf.query("SELECT Id FROM Organization LIMIT 1"))

    assert client.last_server_time is not None
    assert timedelta(hours=23) < client.last_server_time - ours < timedelta(hours=25)
