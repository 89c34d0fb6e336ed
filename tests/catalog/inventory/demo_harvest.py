"""The demo org's schema harvested for real (the simulator over HTTPS, real Neo4j), for the catalog's API, pages and
browser tests."""

from __future__ import annotations

from harvesters import runs
from harvesters.models import OrgConnection, RunStatus
from lineage import Graph, org_key, purge_org
from salesforce_simulator import Simulator
from tests.harvesters.worker_runs import connect


def harvest_demo_schema(demo_org: Simulator, graph: Graph, alias: str = "demo") -> OrgConnection:
    """Connect the demo org as `alias` and run a full schema harvest in this process; its graph starts empty."""
    purge_org(graph, org_key(demo_org.org.id))
    connection = connect(alias, demo_org)
    run = runs.harvest_now(runs.request_harvest(connection, full=True, sources=["schema"]), max_attempts=8)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    connection.refresh_from_db()
    return connection
