"""What the tests of harvests through real workers share: an org served by the simulator, connected, and a
run followed to its end."""

from __future__ import annotations

import time
from collections.abc import Callable

from harvesters.models import HarvestRun, OrgConnection
from salesforce_simulator import Simulator
from salesforce_simulator.generator import generate_org
from tests.conftest import connect_simulated_org

SOURCES = ["schema", "integrations", "logs", "consents"]


def small_generated_org(seed: int, *, objects: int = 30) -> Simulator:
    """A generated org small enough for a test: a few chunks of objects, a few hundred consumers."""
    return Simulator(generate_org(objects=objects, fields=8, integrations=2, consumers=300, log_days=2, seed=seed))


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
