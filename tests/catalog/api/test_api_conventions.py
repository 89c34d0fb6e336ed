"""What every API endpoint shares: one problem body for every error, scopes and roles checked per action,
pagination with a bounded page size, throttling per token, and an OpenAPI schema that says all of it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings
from drf_spectacular.generators import SchemaGenerator
from neo4j.exceptions import ServiceUnavailable
from rest_framework.test import APIClient

from catalog.accounts.tokens import CATALOG_READ, CATALOG_WRITE, DSAR_READ
from catalog.api.errors import problem_exception_handler
from harvesters.models import HarvestRun, OrgConnection
from tests.catalog.accounts.people import PASSWORD, admin, auditor, privacy_officer, token_client, user_in_role
from tests.conftest import register_offline_org

pytestmark = pytest.mark.django_db
PROBLEM_KEYS = {"type", "status", "title", "detail", "errors"}


@pytest.fixture
def acme() -> OrgConnection:
    return register_offline_org("acme", "https://acme.my.salesforce.com")


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["detail"]
    return body


def test_an_anonymous_request_is_a_401_problem_asking_for_a_bearer_token():
    response = APIClient().get("/api/v1/harvest-runs/")

    body = assert_problem(response, 401)
    assert body["title"] == "Unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_without_the_write_scope_cannot_start_a_harvest(acme: OrgConnection):
    response = token_client(privacy_officer(), (CATALOG_READ, DSAR_READ)).post(
        "/api/v1/harvest-runs/", {"org": "acme"}, format="json")

    assert assert_problem(response, 403)["detail"] == "This token lacks the catalog:write scope."
    assert not HarvestRun.objects.exists()


def test_a_token_without_the_read_scope_cannot_read_the_catalog():
    response = token_client(privacy_officer(), (DSAR_READ,)).get("/api/v1/orgs/")

    assert assert_problem(response, 403)["detail"] == "This token lacks the catalog:read scope."


def test_an_auditors_token_with_every_scope_still_cannot_start_a_harvest(acme: OrgConnection):
    response = token_client(auditor(), (CATALOG_READ, CATALOG_WRITE)).post(
        "/api/v1/harvest-runs/", {"org": "acme"}, format="json")

    assert assert_problem(response, 403)["detail"] == "Your role does not allow this (run harvests)."


def test_an_auditor_reads_orgs_and_runs_and_an_admin_starts_a_harvest(acme: OrgConnection):
    assert token_client(auditor(), (CATALOG_READ,)).get("/api/v1/harvest-runs/").status_code == 200
    assert token_client(admin()).post("/api/v1/harvest-runs/", {"org": "acme"}, format="json").status_code == 202


def test_a_login_without_a_role_reads_nothing():
    assert_problem(token_client(user_in_role("no-role", None)).get("/api/v1/orgs/"), 403)


def test_an_auditor_cannot_post_lineage_events():
    response = token_client(auditor()).post("/api/v1/lineage/openlineage", {}, format="json")

    assert_problem(response, 403)


def test_an_unknown_org_is_a_404_problem():
    assert_problem(token_client(privacy_officer()).get("/api/v1/orgs/no-such-org/"), 404)


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v2/orgs/", "/api/nowhere", "/api/"])
def test_an_unknown_route_under_the_api_is_a_404_problem(path: str):
    body = assert_problem(token_client(privacy_officer()).get(path), 404)
    assert path in body["detail"]


def test_a_post_from_a_signed_in_browser_to_an_unknown_route_is_a_404_problem_not_the_csrf_page():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(privacy_officer())

    body = assert_problem(browser.post("/api/v1/orgs/acme/overrides/x/y/z/", {}), 404)

    assert "/api/v1/orgs/acme/overrides/x/y/z/" in body["detail"]


def test_a_method_an_endpoint_does_not_answer_is_a_405_problem(acme: OrgConnection):
    response = token_client(privacy_officer()).delete("/api/v1/orgs/acme/")

    assert assert_problem(response, 405)["detail"] == 'Method "DELETE" not allowed.'


def test_a_body_that_is_not_json_is_a_415_problem():
    response = token_client(privacy_officer()).post("/api/v1/harvest-runs/", "org=acme",
                                                    content_type="application/x-www-form-urlencoded")

    assert_problem(response, 415)


def test_a_body_over_the_upload_limit_is_a_413_problem_before_it_is_parsed():
    client = token_client(privacy_officer())

    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = client.post("/api/v1/harvest-runs/", {"org": "acme", "sources": ["schema"] * 200}, format="json")

    assert "at most 1000 bytes are accepted" in assert_problem(response, 413)["detail"]


def test_a_malformed_json_body_is_a_400_problem():
    response = token_client(privacy_officer()).post("/api/v1/harvest-runs/", "{not json",
                                                    content_type="application/json")

    assert_problem(response, 400)


def test_validation_errors_name_each_field_in_the_problem():
    response = token_client(privacy_officer()).post("/api/v1/harvest-runs/",
                                                    {"org": "nowhere", "full": "perhaps"}, format="json")

    body = assert_problem(response, 400)
    assert set(body["errors"]) == {"org", "full"}
    assert body["detail"] == "Some values are not valid: full, org."


def test_a_harvest_conflict_is_a_409_problem_naming_the_running_run(acme: OrgConnection):
    client = token_client(privacy_officer())
    client.post("/api/v1/harvest-runs/", {"org": "acme"}, format="json")

    body = assert_problem(client.post("/api/v1/harvest-runs/", {"org": "acme"}, format="json"), 409)

    assert body["running_run"]["org"] == "acme"


def test_lists_are_paginated_with_a_count_and_links(acme: OrgConnection):
    for _ in range(3):
        HarvestRun.objects.create(org=acme, full=True, finished_at="2026-11-01T00:00:00Z")

    body = token_client(privacy_officer()).get("/api/v1/harvest-runs/?page_size=2").json()

    assert (body["count"], len(body["results"])) == (3, 2)
    assert "page=2" in body["next"]


@pytest.mark.parametrize(("query", "parameter"), [
    ("page_size=0", "page_size"), ("page_size=501", "page_size"), ("page_size=many", "page_size"),
    ("page=0", "page"), ("page=first", "page"), ("page=last", "page"),
])
def test_bad_pagination_parameters_are_a_400_naming_them(query: str, parameter: str):
    response = token_client(privacy_officer()).get(f"/api/v1/orgs/?{query}")

    assert set(assert_problem(response, 400)["errors"]) == {parameter}


def test_a_page_past_the_last_is_a_404_problem():
    body = assert_problem(token_client(privacy_officer()).get("/api/v1/orgs/?page=2"), 404)

    assert body["detail"] == "There is no page 2 (past the last page)."


def test_each_token_has_its_own_request_budget():
    officer = privacy_officer()
    first, second = token_client(officer), token_client(officer)
    rates = {"token": "2/min", "user": "100/min", "anon": "100/min"}

    with override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": rates}):
        answers = [first.get("/api/v1/orgs/").status_code for _ in range(3)]
        other = second.get("/api/v1/orgs/")

    assert answers == [200, 200, 429]
    assert other.status_code == 200


def test_a_throttled_request_is_a_429_problem_with_retry_after():
    client = token_client(privacy_officer())
    rates = {"token": "1/min", "user": "100/min", "anon": "100/min"}

    with override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": rates}):
        client.get("/api/v1/orgs/")
        response = client.get("/api/v1/orgs/")

    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0


def _rest_framework() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


def test_the_schema_declares_the_bearer_scheme_and_the_problem_answers_of_each_operation():
    schema = token_client(privacy_officer()).get("/api/schema/?format=json").json()

    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": "An API token from `manage.py issue_token`, with the scopes the operation needs"}
    operations = [(path, method, operation) for path, item in schema["paths"].items()
                  for method, operation in item.items()]
    assert operations
    for path, method, operation in operations:
        assert {"bearerAuth": []} in operation["security"], (path, method)
        assert {"401", "403", "429"} <= set(operation["responses"]), (path, method)
        problem = operation["responses"]["401"]["content"]["application/problem+json"]["schema"]
        assert problem == {"$ref": "#/components/schemas/Problem"}
        if "{" in path:
            assert "404" in operation["responses"], (path, method)
    harvests = schema["paths"]["/api/v1/harvest-runs/"]
    assert {"202", "400", "409", "415"} <= set(harvests["post"]["responses"])
    assert {"200", "400"} <= set(harvests["get"]["responses"])
    assert {"201", "400", "413", "503"} <= set(schema["paths"]["/api/v1/lineage/openlineage"]["post"]["responses"])


def test_the_schema_and_its_viewers_need_a_login():
    for path in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert APIClient().get(path).status_code == 401, path


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_viewers_load_every_script_and_style_from_this_server(path: str):
    privacy_officer("olivia")
    browser = Client()
    browser.login(username="olivia", password=PASSWORD)

    page = browser.get(path)

    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(source.startswith("/") for source in sources), sources
    assert "<script>" not in html  # no inline script: the init script is the page's own ?script
    for source in sources:
        assert browser.get(source).status_code == 200, source


def test_an_unavailable_graph_is_a_503_problem_asking_to_retry():
    down = ServiceUnavailable("connection refused to 10.0.0.7:7687")  # type: ignore[no-untyped-call]
    response = problem_exception_handler(down, {})

    assert response is not None
    assert (response.status_code, response["Retry-After"]) == (503, "30")
    assert response.data["detail"] == "The lineage graph is unavailable; retry."


def test_an_unexpected_error_is_a_500_problem_that_tells_nothing_of_its_cause(caplog: pytest.LogCaptureFixture):
    response = problem_exception_handler(RuntimeError("password=hunter2 in a stack trace"), {})

    assert response is not None
    assert response.status_code == 500
    assert "hunter2" not in str(response.data)
    assert "hunter2" in caplog.text  # the cause goes to the log


def test_a_findings_id_is_an_integer_in_the_schema_on_every_route_so_no_client_reaches_the_rules_list_by_it():
    # `/findings/{id}/` beside `/findings/rules/`: an id declared as text let a client built from the schema (and
    # schemathesis) send `rules` and read the rules list where it expected a finding.
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]  # type: ignore[no-untyped-call]
    finding_routes = [path for path in paths if path.startswith("/api/v1/findings/{id}/")]
    declared = {(path, method): parameter["schema"]["type"] for path in finding_routes
                for method, operation in paths[path].items()
                for parameter in operation.get("parameters", []) if parameter["in"] == "path"}

    assert len(finding_routes) == 4  # the finding, and its acknowledge, accept-risk and reopen
    assert set(declared.values()) == {"integer"}
