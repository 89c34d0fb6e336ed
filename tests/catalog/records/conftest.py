"""The demo org harvested whole (its purposes too: the consents source reads DataUsePurpose), for the records'
tests, once a session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvesters import runs
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from lineage import Graph, org_key, purge_org
from salesforce_simulator import Simulator
from tests.conftest import connect_simulated_org
from tests.lineage.systems_orgs import DEMO_MANIFESTS, connect_demo

_harvested: dict[str, str] = {}


@pytest.fixture
def demo(graph: Graph, demo_simulator: Simulator) -> OrgConnection:
    """The demo org with its purposes, harvested once a session (again if another test purged it meanwhile)."""
    key = org_key(demo_simulator.org.id)
    if not (key in _harvested and graph.read("MATCH (r:HarvestRun {key: $run}) RETURN r", run=_harvested[key])):
        purge_org(graph, key)
        demo_simulator.reset()
        org = connect_simulated_org("record-demo", demo_simulator, manifest_dir=str(DEMO_MANIFESTS))
        _harvested[key] = f"run:{harvest(org)}"
        HarvestRun.objects.filter(org=org).delete()
        OrgConnection.objects.filter(pk=org.pk).delete()
    return connect_demo(demo_simulator)


def harvest(org: OrgConnection) -> str:
    """A full harvest of every source, as `manage.py harvest --full` runs it (only such a run retires what is gone)."""
    run = runs.harvest_now(runs.request_harvest(org, full=True), max_attempts=8)
    assert run.status == RunStatus.SUCCEEDED, run.errors
    return str(run.uid)


def edit_manifest(manifests: Path, old: str, new: str, count: int = -1) -> None:
    """The demo's manifest with `old` (which it must hold) replaced by `new`: what the next harvest reads."""
    manifest = next(manifests.glob("*.yaml"))
    text = manifest.read_text()
    assert old in text
    manifest.write_text(text.replace(old, new, count))


@pytest.fixture
def harvested_twice_setup(graph: Graph, demo_simulator: Simulator, tmp_path: Path) -> Iterator[tuple[OrgConnection,
                                                                                                      Path]]:
    """The demo org connected with a copy of its manifests a test may change; the graph purged afterwards (so the
    other tests' demo harvest is made again from the true manifests)."""
    manifests = tmp_path / "manifests"
    shutil.copytree(DEMO_MANIFESTS, manifests)
    purge_org(graph, org_key(demo_simulator.org.id))
    demo_simulator.reset()
    yield connect_simulated_org("demo", demo_simulator, manifest_dir=str(manifests)), manifests
    purge_org(graph, org_key(demo_simulator.org.id))
