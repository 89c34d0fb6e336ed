"""Suite-wide fixtures: the real Neo4j engine and Redis broker that `make test` starts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings

from lineage import Graph, GraphConfig
from local_services import Neo4jEngine, RedisServer, from_environment


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
