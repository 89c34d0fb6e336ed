"""What the tests of harvests through real workers share: an org served by the simulator, connected, and a
run followed to its end."""

from __future__ import annotations

import time
from collections.abc import Callable

from harvesters.connections import register_org
from harvesters.models import HarvestRun, OrgConnection
from salesforce_simulator import Simulator
from salesforce_simulator.generator import generate_org

SOURCES = ["schema", "integrations", "logs", "consents"]


def small_generated_org(seed: int, *, objects: int = 30) -> Simulator:
    """A generated org small enough for a test: a few chunks of objects, a few hundred consumers."""
    return Simulator(generate_org(objects=objects, fields=8, integrations=2, consumers=300, log_days=2, seed=seed))


def connect(alias: str, org: Simulator) -> OrgConnection:
    given = org.credentials()
    return register_org(alias, login_url=org.base_url, auth_flow="client_credentials", client_id=given["consumer_key"],
                        client_secret=given["consumer_secret"], ca_bundle=org.ca_bundle, manifest_dir="")


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
