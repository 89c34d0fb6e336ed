"""Suite-wide fixtures: the real Neo4j engine and Redis broker that `make test` starts, and the demo org
served by the Salesforce org simulator."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings

from catalog.celery import app as celery_app
from lineage import Graph, GraphConfig
from local_services import Neo4jEngine, RedisServer, from_environment
from salesforce_simulator import Simulator, load_org

if TYPE_CHECKING:
    from harvesters.models import OrgConnection


HARVESTED_DEMO_FIXTURE = "tests.catalog.records.conftest"  # the `demo` fixture that harvests the demo org once
HARVESTED_DEMO_GROUP = "harvested-demo"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `make test` (pytest-xdist, `--dist loadgroup`) a file's tests run on one worker, and every file that
    reads the harvested demo org runs on one worker, one file after another: a file in between that purged the demo
    org (most harvester tests do) made the next one harvest it again, twenty seconds each, twenty times a run."""
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_worker_group(item)))


def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Under `--dist loadgroup` a worker whose tests carry no group has lost the grouping (pytest 9.2 no longer keeps
    the nodeid suffix xdist groups by, pytest-xdist#1386): the suite would still pass, harvesting the demo org again
    and again. Stop instead, saying why."""
    if node.config.getvalue("dist") == "loadgroup" and ids and not any("@" in each for each in ids):
        pytest.exit(f"{node.gateway.id}: no test carries its xdist group in its node id, so --dist loadgroup would "
                    "split the groups across workers; install a pytest this pytest-xdist supports (pyproject.toml)",
                    returncode=pytest.ExitCode.USAGE_ERROR)


def _worker_group(item: pytest.Item) -> str:
    fixtures = getattr(item, "_fixtureinfo", None)
    demo = fixtures.name2fixturedefs.get("demo", ()) if fixtures else ()
    if any(each.func.__module__ == HARVESTED_DEMO_FIXTURE for each in demo):
        return HARVESTED_DEMO_GROUP
    return item.nodeid.split("::", 1)[0]


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


@dataclass
class WorkerProcess:
    """A real Celery worker process on the test broker, reading the test database."""

    hostname: str
    queue: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL: the worker dies holding its tasks, acknowledging none of them."""
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def start_worker(log_dir: Path, *, name: str, pool: str = "solo", concurrency: int = 1, queue: str = "celery",
                 environment: dict[str, str] | None = None) -> WorkerProcess:
    """Start a worker consuming `queue` (the tasks it sends go there too) and wait until it answers a ping."""
    hostname = f"{name}-{os.getpid()}@127.0.0.1"
    log = log_dir / f"{name}.log"
    database = settings.DATABASES["default"]
    env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": queue, **(environment or {})}
    if "TEST" in database:
        env["DATABASE_URL"] = f"sqlite:///{database['TEST']['NAME']}"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "catalog", "worker", "--pool", pool, "--concurrency",
             str(concurrency), "--queues", queue, "--hostname", hostname, "--loglevel", "INFO"],
            cwd=Path(__file__).resolve().parents[1], env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, preexec_fn=_die_with_the_suite,
        )
    started = WorkerProcess(hostname, queue, process, log)
    try:
        _wait_for_worker(hostname, process, log)
    except BaseException:
        started.stop()
        raise
    return started


@pytest.fixture(scope="session")
def worker(services_up: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Celery worker process (solo pool) on the test broker, reading the test database; yields its name."""
    started = start_worker(tmp_path_factory.mktemp("worker"), name="test-worker")
    try:
        yield started.hostname
    finally:
        started.stop()


@pytest.fixture
def own_workers(services_up: None, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start workers of the test's own (on a queue of their own, so no other worker takes their tasks);
    every one still alive is stopped after the test."""
    started: list[WorkerProcess] = []
    queue = f"test-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def start(name: str, **options: Any) -> WorkerProcess:
        started.append(start_worker(tmp_path, name=name, queue=queue, **options))
        return started[-1]

    yield start
    for each in started:
        each.stop()


def _die_with_the_suite() -> None:
    """Run in the worker before it starts: the kernel sends it SIGTERM when the pytest process ends. A worker orphaned
    by a killed run would otherwise take the next run's tasks from the same broker."""
    linux_set_parent_death_signal = 1  # PR_SET_PDEATHSIG, <linux/prctl.h>
    ctypes.CDLL(None, use_errno=True).prctl(linux_set_parent_death_signal, signal.SIGTERM)


def _wait_for_worker(hostname: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(60):
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text()}")
        if celery_app.control.ping(destination=[hostname], timeout=1.0):
            return
    pytest.fail(f"the worker did not answer a ping:\n{log.read_text()}")


def connect_simulated_org(alias: str, simulator: Simulator, **details: Any) -> OrgConnection:
    """Connect the org `simulator` serves as `alias`, by the client-credentials flow over its HTTPS; `details` (such
    as manifest_dir) go to register_org as they are."""
    from harvesters.connections import register_org

    given = simulator.credentials()
    return register_org(alias, login_url=simulator.base_url, auth_flow="client_credentials",
                        client_id=given["consumer_key"], client_secret=given["consumer_secret"],
                        ca_bundle=simulator.ca_bundle, **details)


UNREACHABLE_ORG_URL = "https://127.0.0.1:9"  # nothing answers there


def register_offline_org(alias: str, url: str = UNREACHABLE_ORG_URL, **details: Any) -> OrgConnection:
    """Register `alias` by the session-id flow at `url`, for a test that never contacts the org; `details` (such as
    org_id) go to register_org as they are."""
    from harvesters.connections import register_org

    return register_org(alias, login_url=url, instance_url=url, auth_flow="session_id", session_id="00D!session",
                        **details)


@pytest.fixture
def lineage_org(graph: Graph) -> Iterator[OrgConnection]:
    """A registered, harvested org (its schema in the graph) for OpenLineage events; all they write is purged."""
    from tests.harvesters.openlineage_events import INSTANCE_HOST, ORG_ID, purge_lineage_scopes, write_org_schema

    purge_lineage_scopes(graph)
    write_org_schema(graph)
    yield register_offline_org("lineage-bank", f"https://{INSTANCE_HOST}", org_id=ORG_ID)
    purge_lineage_scopes(graph)
