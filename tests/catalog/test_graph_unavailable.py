"""With the lineage graph not answering (Neo4j down: a closed port), the dashboard still shows the harvests and
says the figures cannot be read, every page read from the graph is a 503 saying so in words, and the API answers
a 503 problem asking to retry: never a 500 or a stack trace."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, override_settings

from catalog.accounts import roles
from lineage import close_graph
from tests.catalog.accounts.people import user_in_role
from tests.catalog.test_healthz import free_port
from tests.catalog.test_pages import connected_org

pytestmark = pytest.mark.django_db

FIELD = "field:00D000000000GPB:Account.Name"
PAGES = ["/catalog/", "/catalog/acme/", "/catalog/acme/fields/", "/catalog/acme/objects/Account/",
         "/catalog/acme/objects/Account/fields/Name/", f"/lineage/?node={FIELD}", "/lineage/nodes/?node=Acc",
         "/systems/", "/systems/api.example.test/", "/integrations/", "/integrations/apex:Sync/",
         "/catalog/acme/fields/export/?reason=audit", "/systems/export/?reason=audit"]
API = ["/api/v1/orgs/acme/objects/", "/api/v1/orgs/acme/fields/", "/api/v1/orgs/acme/objects/Account/",
       "/api/v1/orgs/acme/objects/Account/fields/Name/", "/api/v1/systems/", "/api/v1/systems/api.example.test/",
       "/api/v1/integrations/", "/api/v1/integrations/apex:Sync/", f"/api/v1/lineage/?node={FIELD}",
       "/api/v1/orgs/acme/fields/export/?reason=audit", "/api/v1/systems/export/?reason=audit"]
LEAKS = ("Traceback", "ServiceUnavailable", "127.0.0.1", "bolt://")


@pytest.fixture
def graph_down() -> Iterator[None]:
    """Neo4j configured on a port nothing listens on, its driver retrying nothing (the failure is real, and at once)."""
    closed = {"uri": f"bolt://127.0.0.1:{free_port()}", "user": "neo4j", "password": "a-password", "database": "neo4j",
              "retry_seconds": 0}
    close_graph()
    with override_settings(NEO4J=closed):
        yield
    close_graph()


@pytest.fixture
def officer(client: Client) -> Client:
    connected_org("acme")
    client.force_login(user_in_role("officer", roles.PRIVACY_OFFICER))
    client.raise_request_exception = False  # a 500 is an answer to assert on, not an exception in the test
    return client


def test_the_dashboard_shows_the_harvests_and_says_the_graph_does_not_answer(officer: Client, graph_down: None):
    page = officer.get("/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "acme" in html
    assert "The lineage graph does not answer just now" in html


@pytest.mark.parametrize("path", PAGES)
def test_a_page_read_from_the_graph_is_a_503_saying_the_graph_is_not_reachable(
    officer: Client, graph_down: None, path: str
):
    page = officer.get(path)

    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    html = page.content.decode()
    assert "The lineage graph is not reachable" in html
    assert not [leak for leak in LEAKS if leak in html]


@pytest.mark.parametrize("path", API)
def test_an_api_endpoint_read_from_the_graph_is_a_503_problem_asking_to_retry(
    officer: Client, graph_down: None, path: str
):
    answer = officer.get(path)

    assert answer.status_code == 503
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["detail"] == "The lineage graph is unavailable; retry."
    assert not [leak for leak in LEAKS if leak in answer.content.decode()]


@pytest.fixture
def graph_down_retrying_as_configured() -> Iterator[None]:
    """The graph on a closed port, retried as the default settings say (30 s for a worker's transaction)."""
    closed = {**settings.NEO4J, "uri": f"bolt://127.0.0.1:{free_port()}"}
    close_graph()
    with override_settings(NEO4J=closed):
        yield
    close_graph()


@pytest.mark.parametrize("path", ["/catalog/acme/fields/", "/api/v1/orgs/acme/fields/"])
def test_a_request_is_answered_503_after_the_webs_retry_time_not_after_a_workers(
    officer: Client, graph_down_retrying_as_configured: None, path: str
):
    started = time.monotonic()
    answer = officer.get(path)
    waited = time.monotonic() - started

    assert answer.status_code == 503
    assert settings.NEO4J["retry_seconds"] == 30  # the default a worker's transaction is retried for
    # A hang guard, not a speed goal: waited out, the worker's retry time would run past gunicorn's 30 s timeout.
    assert waited < settings.NEO4J_WEB_RETRY_SECONDS + 10 < settings.NEO4J["retry_seconds"]
