"""/healthz reports the database, the lineage graph and the broker; 503 names what is down."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings

from catalog.celery import app as celery_app
from lineage import close_graph
from local_services import Neo4jEngine, ServiceState, from_environment


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
def test_healthz_answers_503_naming_neo4j_when_the_engine_is_stopped(
    services_up: None, client: Client, fresh_graph_driver: None, tmp_path: Path
):
    port = free_port()
    own = from_environment({**os.environ, "LOCAL_SERVICES_DIR": str(tmp_path), "NEO4J_URI": f"bolt://127.0.0.1:{port}"})
    engine = Neo4jEngine(own)
    neo4j = {"uri": engine.address, "user": "neo4j", "password": own.neo4j_password, "database": "neo4j"}
    assert engine.start() is ServiceState.STARTED
    try:
        with override_settings(NEO4J=neo4j):
            assert client.get("/healthz").status_code == 200
            engine.stop()
            close_graph()
            response = client.get("/healthz")
    finally:
        engine.stop()

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
