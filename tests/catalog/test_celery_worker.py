"""A real Celery worker process takes a task from Redis and returns its result through the backend."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.celery import app as celery_app
from catalog.tasks import ping

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def worker(services_up: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    hostname = f"test-worker-{os.getpid()}@127.0.0.1"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "catalog", "worker", "--pool", "solo",
             "--hostname", hostname, "--loglevel", "INFO"],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    try:
        _wait_for(hostname, process, log)
        yield hostname
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(hostname: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(60):
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text()}")
        if celery_app.control.ping(destination=[hostname], timeout=1.0):
            return
    pytest.fail(f"the worker did not answer a ping:\n{log.read_text()}")


def test_a_task_round_trips_through_redis_and_a_real_worker(worker: str):
    result = ping.delay({"consumer": "none", "n": 3})

    assert result.get(timeout=30) == {"echo": {"consumer": "none", "n": 3}, "worker": worker}


def test_task_arguments_travel_as_json_only(worker: str):
    result = ping.delay({"when": "2026-11-27"})
    assert result.get(timeout=30)["echo"] == {"when": "2026-11-27"}
    with pytest.raises(Exception, match="not JSON serializable"):
        ping.delay({"not json": {1, 2}})
