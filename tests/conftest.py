"""Suite-wide fixtures: the real Neo4j engine and Redis broker that `make test` starts, and the demo org
served by the Salesforce org simulator."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings

from catalog.celery import app as celery_app
from lineage import Graph, GraphConfig
from local_services import Neo4jEngine, RedisServer, from_environment
from salesforce_simulator import Simulator, load_org

if TYPE_CHECKING:
    from harvesters.models import OrgConnection


@pytest.fixture(scope="session")
def services_up() -> None:
    """Fail loudly, never skip, when the services the suite needs are not running."""
    local = from_environment()
    down = [s.name for s in (Neo4jEngine(local), RedisServer(local)) if not s.answers()]
    if down:
        pytest.fail(f"{', '.join(down)} not running: run the suite with `make test` (it starts them)")


@pytest.fixture(scope="session")
def graph(services_up: None) -> Iterator[Graph]:
    lineage_graph = Graph(GraphConfig(**settings.NEO4J))
    yield lineage_graph
    lineage_graph.close()


@pytest.fixture(scope="session")
def demo_simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """The demo neobank served over HTTPS by the Salesforce org simulator, for the whole session."""
    with Simulator(load_org("demo"), state_dir=tmp_path_factory.mktemp("demo-simulator")) as running:
        yield running


@pytest.fixture
def demo_org(demo_simulator: Simulator) -> Iterator[Simulator]:
    """The demo simulator with its API usage, call log and faults zeroed around the test."""
    demo_simulator.reset()
    yield demo_simulator
    demo_simulator.reset()


@pytest.fixture(scope="session")
def worker(services_up: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Celery worker process on the test broker, reading the test database; yields its name."""
    hostname = f"test-worker-{os.getpid()}@127.0.0.1"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    database = settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database['TEST']['NAME']}"} if "TEST" in database else None
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "catalog", "worker", "--pool", "solo", "--hostname", hostname,
             "--loglevel", "INFO"],
            cwd=Path(__file__).resolve().parents[1], env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_for_worker(hostname, process, log)
        yield hostname
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for_worker(hostname: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(60):
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text()}")
        if celery_app.control.ping(destination=[hostname], timeout=1.0):
            return
    pytest.fail(f"the worker did not answer a ping:\n{log.read_text()}")


@pytest.fixture
def lineage_org(graph: Graph) -> Iterator[OrgConnection]:
    """A registered, harvested org (its schema in the graph) for OpenLineage events; all they write is purged."""
    from harvesters.connections import register_org
    from tests.harvesters.openlineage_events import INSTANCE_HOST, ORG_ID, purge_lineage_scopes, write_org_schema

    purge_lineage_scopes(graph)
    write_org_schema(graph)
    yield register_org("lineage-bank", login_url=f"https://{INSTANCE_HOST}", instance_url=f"https://{INSTANCE_HOST}",
                       auth_flow="session_id", session_id="00D!session", org_id=ORG_ID)
    purge_lineage_scopes(graph)
