"""Suite-wide fixtures: the real Neo4j engine and Redis broker that `make test` starts, and the demo org
served by the Salesforce org simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings

from lineage import Graph, GraphConfig
from local_services import Neo4jEngine, RedisServer, from_environment
from salesforce_simulator import Simulator, load_org


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
