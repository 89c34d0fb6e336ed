"""The REST API for orgs and harvest runs: progress is visible, credentials never are, bad input is a 400."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from harvesters.connections import register_org
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from lineage import Graph, org_key, purge_org
from salesforce_simulator import Simulator
from tests.catalog.accounts.people import privacy_officer, token_client
from tests.conftest import connect_simulated_org, register_offline_org

pytestmark = pytest.mark.django_db
SECRETS = {"client_secret": "very-secret-client-secret", "password": "a-password-1", "security_token": "TOKEN123"}


@pytest.fixture
def api() -> APIClient:
    return token_client(privacy_officer("dsar-bot"))


@pytest.fixture
def acme() -> OrgConnection:
    return register_org("acme", login_url="https://acme.my.salesforce.com", auth_flow="oauth_password",
                        username="integration@acme.example", client_id="3MVG9acme", **SECRETS)


def test_the_api_requires_a_login():
    assert APIClient().get("/api/v1/orgs/").status_code == 401


def test_orgs_are_listed_without_any_credential(api: APIClient, acme: OrgConnection):
    response = api.get("/api/v1/orgs/")

    assert response.status_code == 200
    body = response.content.decode()
    assert '"alias":"acme"' in body
    for secret in SECRETS.values():
        assert secret not in body
    assert not {"password", "client_secret", "security_token", "private_key", "session_id"} & set(
        response.json()["results"][0])


def test_a_runs_progress_counts_and_errors_are_visible(api: APIClient, acme: OrgConnection):
    run = HarvestRun.objects.create(org=acme, full=True, sources=["schema"], status=RunStatus.RUNNING,
                                    chunks_done=3, chunks_total=8, counts={"written": 1200},
                                    api_used_before=10, api_used_after=17, errors=["describe X: NOT_FOUND"])

    body = api.get(f"/api/v1/harvest-runs/{run.pk}/").json()

    assert (body["org"], body["status"], body["chunks_done"], body["chunks_total"]) == ("acme", "running", 3, 8)
    assert body["api_calls"] == 7
    assert body["counts"] == {"written": 1200}
    assert body["errors"] == ["describe X: NOT_FOUND"]
    assert body["run_id"] == str(run.uid)


def test_a_run_says_the_orgs_daily_api_limit_and_what_remained_before_and_after(api: APIClient,
                                                                                 acme: OrgConnection):
    recorded = HarvestRun.objects.create(org=acme, api_used_before=10, api_used_after=17, api_daily_limit=15000)
    unknown = HarvestRun.objects.create(org=register_offline_org("other", "https://other.my.salesforce.com"))

    body = api.get(f"/api/v1/harvest-runs/{recorded.pk}/").json()
    not_yet = api.get(f"/api/v1/harvest-runs/{unknown.pk}/").json()

    assert (body["api_calls"], body["api_daily_limit"]) == (7, 15000)
    assert (body["api_remaining_before"], body["api_remaining_after"]) == (14990, 14983)
    assert [not_yet[name] for name in ("api_daily_limit", "api_remaining_before", "api_remaining_after")] == [None] * 3


def test_runs_can_be_filtered_by_org(api: APIClient, acme: OrgConnection):
    other = register_offline_org("other", "https://other.my.salesforce.com")
    HarvestRun.objects.create(org=acme)
    HarvestRun.objects.create(org=other)

    results = api.get("/api/v1/harvest-runs/?org=other").json()["results"]

    assert [run["org"] for run in results] == ["other"]


def test_an_org_filter_holding_a_null_character_is_a_400_naming_it(api: APIClient):
    response = api.get("/api/v1/harvest-runs/?org=ac%00me")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["org"]


@pytest.mark.parametrize(("payload", "field"), [
    ({"org": "nobody"}, "org"),
    ({"org": "acme", "sources": ["schema", "telepathy"]}, "sources"),
    ({"org": "acme", "full": "perhaps"}, "full"),
    ({}, "org"),
])
def test_a_bad_harvest_request_is_a_400_naming_the_field(api: APIClient, acme: OrgConnection, payload, field):
    response = api.post("/api/v1/harvest-runs/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not HarvestRun.objects.exists()


def test_a_harvest_requested_while_the_orgs_run_is_unfinished_is_a_409_naming_that_run(
    api: APIClient, acme: OrgConnection
):
    running = HarvestRun.objects.create(org=acme, full=True, status=RunStatus.RUNNING)

    response = api.post("/api/v1/harvest-runs/", {"org": "acme"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert f"harvest run {running.pk} of acme is running" in body["detail"]
    assert (body["running_run"]["id"], body["running_run"]["status"]) == (running.pk, "running")
    assert HarvestRun.objects.filter(org=acme).count() == 1


def test_the_openapi_schema_describes_the_harvest_endpoints(api: APIClient):
    response = api.get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/orgs/", "/api/v1/harvest-runs/", "/api/v1/harvest-runs/{id}/"} <= set(paths)


@pytest.mark.django_db(transaction=True)
def test_a_harvest_started_over_the_api_is_run_by_the_worker_and_followed_to_its_end(
    demo_org: Simulator, worker: str, graph: Graph
):
    purge_org(graph, org_key(demo_org.org.id))
    connect_simulated_org("demo", demo_org)
    client = token_client(privacy_officer("privacy-officer"))

    started = client.post("/api/v1/harvest-runs/", {"org": "demo", "full": True, "sources": ["schema"]},
                          format="json")
    assert started.status_code == 202
    run = started.json()
    deadline = time.monotonic() + 120
    while run["finished_at"] is None and time.monotonic() < deadline:
        time.sleep(0.5)
        run = client.get(f"/api/v1/harvest-runs/{run['id']}/").json()

    assert run["status"] == "succeeded", run
    assert run["chunks_done"] == run["chunks_total"] > 0
    assert run["api_calls"] > 0
