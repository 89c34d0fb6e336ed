"""Nothing is dropped in silence: external objects are harvested, what cannot be joined or read is counted and
said in the run's warnings (and its API), and the manifest folder belongs to the org connection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from rest_framework.test import APIClient

import salesforce_simulator
from harvesters import runs
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from lineage import Graph, org_key, purge_org, sobject_key
from salesforce_simulator import Simulator, load_org
from tests.catalog.accounts.people import auditor
from tests.conftest import register_offline_org
from tests.harvesters.worker_runs import connect as connect_simulated

pytestmark = pytest.mark.django_db(transaction=True)
CONNECT_ORG = Path(__file__).parent / "orgs" / "connect.yaml"
HIDDEN_TYPES_ORG = Path(__file__).parent / "orgs" / "hidden_types.yaml"
DEMO_MANIFESTS = Path(salesforce_simulator.__file__).parent / "orgs" / "demo" / "manifests"


@pytest.fixture(scope="module")
def connect_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    with Simulator(load_org(CONNECT_ORG), state_dir=tmp_path_factory.mktemp("connect-simulator")) as running:
        yield running


@pytest.fixture
def connect(connect_org: Simulator, graph: Graph) -> OrgConnection:
    purge_org(graph, org_key(connect_org.org.id))
    return connect_simulated("connect", connect_org)


def sobject(graph: Graph, org_id: str, name: str) -> dict[str, object]:
    rows = graph.read("MATCH (o:SObject {key: $key}) RETURN properties(o) AS o", key=sobject_key(org_id, name))
    return dict(rows[0]["o"]) if rows else {}


# --- external objects and lookups ------------------------------------------------------------------


def test_a_salesforce_connect_external_object_is_harvested_and_marked_external(connect: OrgConnection, graph: Graph):
    run = runs.harvest_now(runs.request_harvest(connect, full=True, sources=["schema"]))

    ledger = sobject(graph, run.org.org_id, "Core_Ledger_Entry__x")
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert ledger["external"] is True
    assert sobject(graph, run.org.org_id, "Loan_Application__c")["external"] is False
    fields = graph.read("MATCH (:SObject {key: $key})-[:HAS_FIELD]->(f:Field) RETURN f.name AS name",
                        key=sobject_key(run.org.org_id, "Core_Ledger_Entry__x"))
    assert {"Amount__c", "Customer__c"} <= {row["name"] for row in fields}


def test_an_external_objects_data_source_is_recorded_on_it_so_the_outside_system_is_named(
    connect: OrgConnection, graph: Graph
):
    run = runs.harvest_now(runs.request_harvest(connect, full=True, sources=["schema"]))

    ledger = sobject(graph, run.org.org_id, "Core_Ledger_Entry__x")
    loans = sobject(graph, run.org.org_id, "Loan_Application__c")
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert {name: ledger.get(name) for name in ("external_data_source", "external_data_source_label",
                                                "external_data_source_type", "external_data_source_endpoint",
                                                "external_name")} == {
        "external_data_source": "Core_Banking_OData", "external_data_source_label": "Core Banking (OData)",
        "external_data_source_type": "OData4", "external_data_source_endpoint": "https://odata.corebank.example",
        "external_name": "LedgerEntries"}
    assert "external_data_source" not in loans


def looked_up(graph: Graph, org_id: str, field: str) -> list[dict[str, object]]:
    """The objects a field's REFERENCES edges point at."""
    rows = graph.read("MATCH (:Field {key: $key})-[r:REFERENCES]->(o:SObject) RETURN properties(o) AS o",
                      key=f"field:{org_id}:{field}")
    return [dict(row["o"]) for row in rows]


def test_a_lookup_to_an_object_no_harvest_described_is_an_edge_to_a_placeholder_counted_and_said(
    connect: OrgConnection, graph: Graph
):
    run = runs.harvest_now(runs.request_harvest(connect, full=True, sources=["schema"]))

    targets = looked_up(graph, run.org.org_id, "Loan_Application__c.Broker__c")
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert [(target["name"], target["placeholder"], target["org_key"]) for target in targets] == [
        ("Broker_Partner__c", True, org_key(run.org.org_id))]
    assert looked_up(graph, run.org.org_id, "Loan_Application__c.Applicant__c")[0]["placeholder"] is False
    # Broker_Partner__c, and the owners' Group (OwnerId is polymorphic: User or Group), are not in the org's list
    assert run.counts["unresolved_references"] >= 2
    assert "skipped_edges" not in run.counts
    named = [warning for warning in run.warnings if warning.startswith("lookups to objects no harvest described")]
    assert named
    assert "Loan_Application__c.Broker__c -> Broker_Partner__c" in named[0]


def test_a_placeholder_no_lookup_points_at_any_more_is_retired_by_the_next_full_run(
    connect: OrgConnection, graph: Graph, tmp_path: Path
):
    first = runs.harvest_now(runs.request_harvest(connect, full=True, sources=["schema"]))
    definition = yaml.safe_load(CONNECT_ORG.read_text())
    loans = next(entry for entry in definition["objects"] if entry["name"] == "Loan_Application__c")
    loans["fields"] = [spec for spec in loans["fields"] if spec["name"] != "Broker__c"]
    (tmp_path / "connect-without-brokers.yaml").write_text(yaml.safe_dump(definition))

    with Simulator(load_org(tmp_path / "connect-without-brokers.yaml"), state_dir=tmp_path / "simulator") as shrunk:
        shrunk_connection = connect_simulated("connect-shrunk", shrunk)
        later = runs.harvest_now(runs.request_harvest(shrunk_connection, full=True, sources=["schema"]))

    broker = sobject(graph, first.org.org_id, "Broker_Partner__c")
    assert later.status == RunStatus.SUCCEEDED, later.errors
    assert broker["placeholder"] is True
    assert broker["retired_at"] is not None


def test_a_later_harvest_that_describes_the_looked_up_object_makes_its_placeholder_real_without_a_duplicate(
    connect: OrgConnection, graph: Graph, tmp_path: Path
):
    first = runs.harvest_now(runs.request_harvest(connect, full=True, sources=["schema"]))
    definition = yaml.safe_load(CONNECT_ORG.read_text())
    definition["objects"].append({"name": "Broker_Partner__c", "label": "Broker Partner",
                                  "fields": [{"name": "Licence_Number__c", "type": "string"}]})
    (tmp_path / "connect-with-brokers.yaml").write_text(yaml.safe_dump(definition))

    with Simulator(load_org(tmp_path / "connect-with-brokers.yaml"), state_dir=tmp_path / "simulator") as grown:
        grown_connection = connect_simulated("connect-grown", grown)
        later = runs.harvest_now(runs.request_harvest(grown_connection, full=True, sources=["schema"]))

    brokers = graph.read("MATCH (o:SObject {name: 'Broker_Partner__c'}) WHERE o.org_key = $org "
                         "RETURN properties(o) AS o", org=org_key(first.org.org_id))
    targets = looked_up(graph, first.org.org_id, "Loan_Application__c.Broker__c")
    assert later.status == RunStatus.SUCCEEDED, later.errors
    assert len(brokers) == 1
    assert (brokers[0]["o"]["placeholder"], brokers[0]["o"]["display_label"], brokers[0]["o"].get("retired_at")) == (
        False, "Broker Partner", None)
    assert [(target["name"], target["placeholder"]) for target in targets] == [("Broker_Partner__c", False)]
    assert "Loan_Application__c.Broker__c -> Broker_Partner__c" not in " ".join(later.warnings)


# --- warnings in the run and its API ---------------------------------------------------------------


def test_an_org_without_a_manifest_folder_is_told_so_in_the_runs_warnings_and_api(connect: OrgConnection):
    run = runs.harvest_now(runs.request_harvest(connect, full=True, sources=["manifests"]))
    api = APIClient()
    api.force_authenticate(auditor("auditor"))  # the API reads for a role, not for any login

    body = api.get(f"/api/v1/harvest-runs/{run.pk}/").json()

    assert run.status == RunStatus.SUCCEEDED
    assert body["warnings"] == ["manifests: no manifest folder is set for this org (add_org --manifest-dir)"]
    assert body["errors"] == []


def test_a_manifest_folder_that_does_not_exist_is_an_error_so_nothing_it_declared_is_retired(
    connect: OrgConnection, tmp_path: Path
):
    connect.manifest_dir = str(tmp_path / "unmounted")
    connect.save()

    run = runs.harvest_now(runs.request_harvest(connect, full=True, sources=["manifests"]))

    assert run.status == RunStatus.PARTIAL
    assert run.errors == [f"{tmp_path / 'unmounted'}: the manifest folder does not exist: no manifests harvested"]
    assert "retired" not in run.counts


def test_consent_objects_the_org_does_not_have_are_warnings_of_the_run(connect: OrgConnection):
    run = runs.harvest_now(runs.request_harvest(connect, full=True, sources=["consents"]))

    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert "consents: Individual not read: the org does not have it (or its Id field)" in run.warnings
    assert "consents: Contact not read: the org does not have it (or its IndividualId field)" in run.warnings


@pytest.fixture(scope="module")
def hidden_types_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    with Simulator(load_org(HIDDEN_TYPES_ORG), state_dir=tmp_path_factory.mktemp("hidden-simulator")) as running:
        yield running


@pytest.fixture
def quiet(hidden_types_org: Simulator, graph: Graph) -> OrgConnection:
    purge_org(graph, org_key(hidden_types_org.org.id))
    return connect_simulated("quiet", hidden_types_org)


def test_an_org_without_event_log_files_is_a_warning_of_the_logs_source_not_a_failed_run(quiet: OrgConnection):
    run = runs.harvest_now(runs.request_harvest(quiet, full=True, sources=["logs"]))

    assert run.status == RunStatus.SUCCEEDED, (run.reason, run.errors)
    assert len(run.warnings) == 1, run.warnings
    assert run.warnings[0].startswith("logs: EventLogFile: INVALID_TYPE"), run.warnings
    assert run.warnings[0].endswith("; no event logs harvested")


@override_settings(HARVEST_LOG_EVENT_TYPES=["RestApi"])
def test_an_audit_trail_the_harvest_user_may_not_see_is_read_as_empty_and_said_in_the_runs_warnings(
    graph: Graph, tmp_path: Path
):
    definition = yaml.safe_load(HIDDEN_TYPES_ORG.read_text())
    definition["hidden_types"] = ["SetupAuditTrail"]
    definition["event_logs"] = {"days": 2, "event_types": ["RestApi"], "rows_per_day": 5}
    (tmp_path / "audit-less.yaml").write_text(yaml.safe_dump(definition))

    with Simulator(load_org(tmp_path / "audit-less.yaml"), state_dir=tmp_path / "simulator") as org:
        purge_org(graph, org_key(org.org.id))
        connection = connect_simulated("audit-less", org)
        run = runs.harvest_now(runs.request_harvest(connection, full=True, sources=["logs"]))

    assert run.status == RunStatus.SUCCEEDED, (run.reason, run.errors)
    assert run.counts["written"] > 0  # the log files themselves were read
    audit = [warning for warning in run.warnings if warning.startswith("logs: audit: INVALID_TYPE")]
    assert len(audit) == 1, run.warnings
    assert audit[0].endswith("; read as empty")


def test_a_tooling_type_the_org_lacks_is_a_warning_of_the_run_not_an_error(quiet: OrgConnection):
    run = runs.harvest_now(runs.request_harvest(quiet, full=True, sources=["integrations"]))

    assert run.status == RunStatus.SUCCEEDED, (run.reason, run.errors)
    assert run.warnings == ["integrations: the org has no Tooling type ExternalCredential; none harvested"]
    assert run.errors == []


# --- the manifest folder of an org connection ------------------------------------------------------


@pytest.fixture
def demo_credentials(demo_org: Simulator, graph: Graph, tmp_path: Path) -> Path:
    purge_org(graph, org_key(demo_org.org.id))
    given = demo_org.credentials()
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps({"login_url": given["login_url"], "consumer_key": given["consumer_key"],
                                "consumer_secret": given["consumer_secret"], "ca_bundle": given["ca_bundle"]}))
    return path


def manifest_systems(graph: Graph, org_id: str) -> list[dict[str, object]]:
    rows = graph.read("MATCH (:Integration {org_key: $org})-[:SENDS_TO]->(s:System) WHERE s.evidence STARTS WITH "
                      "'manifest:' RETURN DISTINCT s.key AS key, s.retired_at AS retired_at", org=org_key(org_id))
    return [dict(row) for row in rows]


@override_settings(HARVEST_MANIFEST_DIR="/nonexistent/manifests", HARVEST_LOG_EVENT_TYPES=["RestApi"])
def test_a_full_harvest_without_the_variable_keeps_the_systems_of_the_orgs_manifest_folder(
    demo_credentials: Path, demo_org: Simulator, graph: Graph
):
    call_command("add_org", "demo", "--credentials-json", str(demo_credentials), "--auth-flow", "client_credentials",
                 "--manifest-dir", str(DEMO_MANIFESTS))
    sources = "schema,integrations,manifests,logs"
    call_command("harvest", "demo", "--full", "--sync", "--sources", sources)

    call_command("harvest", "demo", "--full", "--sync", "--sources", sources)

    runs_done = list(HarvestRun.objects.order_by("pk"))
    systems = manifest_systems(graph, demo_org.org.id)
    assert [run.status for run in runs_done] == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED], runs_done[-1].errors
    assert OrgConnection.objects.get(alias="demo").manifest_dir == str(DEMO_MANIFESTS.resolve())
    assert systems
    assert [system for system in systems if system["retired_at"] is not None] == []


def test_add_org_refuses_a_manifest_folder_that_does_not_exist(demo_credentials: Path, tmp_path: Path):
    with pytest.raises(CommandError, match=r"--manifest-dir: .* is not a folder"):
        call_command("add_org", "demo", "--credentials-json", str(demo_credentials), "--auth-flow",
                     "client_credentials", "--manifest-dir", str(tmp_path / "absent"))


def test_the_admin_shows_and_checks_the_manifest_folder(client: Client, tmp_path: Path):
    org = register_offline_org("acme", "https://acme.my.salesforce.com", manifest_dir=str(tmp_path))
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw-admin-1"))

    page = client.get(f"/admin/harvesters/orgconnection/{org.pk}/change/").content.decode()
    answer = client.post(f"/admin/harvesters/orgconnection/{org.pk}/change/", {
        "alias": "acme", "login_url": org.login_url, "instance_url": org.instance_url, "api_version": "61.0",
        "auth_flow": "session_id", "harvest_every_minutes": 60, "manifest_dir": str(tmp_path / "absent")})

    assert 'name="manifest_dir"' in page
    assert str(tmp_path) in page
    assert "is not a folder on this server" in answer.content.decode()
