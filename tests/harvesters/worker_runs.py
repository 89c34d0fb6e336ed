"""What the tests of harvests through real workers share: an org served by the simulator, connected, and a
run followed to its end."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from harvesters.models import HarvestRun, OrgConnection
from lineage import get_graph, org_key, purge_org
from salesforce_simulator import Simulator
from salesforce_simulator.generator import generate_org
from tests.conftest import connect_simulated_org

SOURCES = ["schema", "integrations", "logs", "consents"]


@contextmanager
def small_generated_org(seed: int, *, objects: int = 30) -> Iterator[Simulator]:
    """A generated org small enough for a test, served while the test runs: a few chunks of objects, a few hundred
    consumers. What its harvests wrote is purged afterwards: its fields would crowd other tests' searches."""
    with Simulator(generate_org(objects=objects, fields=8, integrations=2, consumers=300, log_days=2,
                                seed=seed)) as org:
        try:
            yield org
        finally:
            purge_org(get_graph(), org_key(org.org.id))


def connect(alias: str, org: Simulator) -> OrgConnection:
    """Connect `org` as `alias` with no manifest folder: the harvests here read the org alone."""
    return connect_simulated_org(alias, org, manifest_dir="")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout:.0f}s for {what}")
        time.sleep(0.05)


def finished(run: HarvestRun, timeout: float = 240) -> HarvestRun:
    wait_until(lambda: HarvestRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists(), timeout,
               f"run {run.pk} to finish")
    run.refresh_from_db()
    return run
