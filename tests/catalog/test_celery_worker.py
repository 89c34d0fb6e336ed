"""A real Celery worker process takes a task from Redis and returns its result through the backend."""

from __future__ import annotations

import pytest

from catalog.tasks import ping


def test_a_task_round_trips_through_redis_and_a_real_worker(worker: str):
    result = ping.delay({"consumer": "none", "n": 3})

    assert result.get(timeout=30) == {"echo": {"consumer": "none", "n": 3}, "worker": worker}


def test_task_arguments_travel_as_json_only(worker: str):
    result = ping.delay({"when": "2026-11-27"})
    assert result.get(timeout=30)["echo"] == {"when": "2026-11-27"}
    with pytest.raises(Exception, match="not JSON serializable"):
        ping.delay({"not json": {1, 2}})
