"""/healthz reports the database, the lineage graph and the broker; 503 names what is down."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client, override_settings

from catalog.celery import app as celery_app
from lineage import close_graph


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def fresh_graph_driver() -> Iterator[None]:
    """The process keeps one driver; tests that change settings.NEO4J need it rebuilt."""
    close_graph()
    yield
    close_graph()


@pytest.mark.django_db
def test_healthz_is_ok_when_every_service_answers(services_up: None, client: Client, fresh_graph_driver: None):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert {name for name, check in body["checks"].items() if check["ok"]} == {"database", "neo4j", "broker"}


@pytest.mark.django_db
def test_healthz_answers_503_naming_neo4j_when_no_engine_answers_at_its_address(
    services_up: None, client: Client, fresh_graph_driver: None
):
    # What a stopped engine leaves: nothing listening at the Bolt address (starting a second engine only to stop
    # it cost a minute of the suite).
    neo4j = {**settings.NEO4J, "uri": f"bolt://127.0.0.1:{free_port()}"}
    with override_settings(NEO4J=neo4j):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["neo4j"]
    assert body["checks"]["neo4j"] == {"ok": False, "detail": "not answering"}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_broker_when_redis_is_unreachable(
    services_up: None, client: Client, fresh_graph_driver: None, monkeypatch: pytest.MonkeyPatch
):
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    # Celery prefers the environment variable over its configuration, so both point nowhere; the
    # configuration first, as reading it afterwards would return (and later "restore") the variable.
    monkeypatch.setattr(celery_app.conf, "broker_url", unreachable)
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


@pytest.mark.django_db
def test_healthz_says_what_is_down_without_the_exception_text(
    services_up: None, client: Client, fresh_graph_driver: None
):
    unreachable = f"bolt://127.0.0.1:{free_port()}"
    neo4j = {"uri": unreachable, "user": "neo4j", "password": "a-password-never-shown", "database": "neo4j"}
    with override_settings(NEO4J=neo4j):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["neo4j"] == {"ok": False, "detail": "not answering"}
    for leak in ("127.0.0.1", str(urlsplit(unreachable).port), "ServiceUnavailable", "Error", "password"):
        assert leak not in response.content.decode()
