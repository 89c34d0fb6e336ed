"""The local engine and broker start idempotently, survive stale pid files and name a busy port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from local_services import Neo4jEngine, RedisServer, ServiceError, ServiceState, from_environment
from local_services.settings import for_test_worker, loopback_port

REPO = Path(__file__).resolve().parents[2]


def settings_in(tmp_path: Path, **overrides: str):
    return from_environment({**os.environ, "LOCAL_SERVICES_DIR": str(tmp_path), **overrides})


def test_starting_the_running_engine_says_it_is_already_running(services_up: None):
    engine = Neo4jEngine(from_environment())

    assert engine.start() is ServiceState.ALREADY_RUNNING


def test_starting_the_running_broker_says_it_is_already_running(services_up: None):
    assert RedisServer(from_environment()).start() is ServiceState.ALREADY_RUNNING


def test_a_stale_pid_file_is_removed_and_the_service_counts_as_stopped(tmp_path: Path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    engine = Neo4jEngine(settings_in(tmp_path))
    engine.pid_file.write(dead.pid)

    assert engine.is_running() is False
    assert not engine.pid_file.path.exists()
    assert engine.stop() is ServiceState.NOT_RUNNING


def test_a_port_in_use_gives_a_clear_message_before_anything_starts(tmp_path: Path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        redis_server = RedisServer(settings_in(tmp_path, CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0"))

        with pytest.raises(ServiceError, match=f"port {port} on 127.0.0.1 is in use by another process"):
            redis_server.start()
    assert not redis_server.pid_file.path.exists()


def test_the_engine_refuses_an_address_that_is_not_this_machine(tmp_path: Path):
    settings = settings_in(tmp_path, NEO4J_URI="bolt://graph.example.com:7687")

    with pytest.raises(ServiceError, match="does not point at this machine"):
        _ = settings.neo4j_port


def test_the_port_defaults_to_the_protocols_own():
    assert loopback_port("bolt://localhost", "NEO4J_URI", default=7687) == 7687
    assert loopback_port("redis://127.0.0.1:6390/0", "CELERY_BROKER_URL", default=6379) == 6390


def test_stop_only_recorded_stops_nothing_that_the_run_did_not_start(services_up: None, tmp_path: Path):
    record = tmp_path / "started"
    record.write_text("")

    result = subprocess.run([sys.executable, "-m", "local_services", "stop", "--only-recorded", str(record)],
                            cwd=REPO, capture_output=True, text=True, timeout=60, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert Neo4jEngine(from_environment()).answers()


def test_a_parallel_test_worker_gets_a_folder_an_engine_and_a_redis_server_of_its_own():
    given = {"LOCAL_SERVICES_DIR": "/srv/suite", "NEO4J_URI": "bolt://127.0.0.1:7688",
             "CELERY_BROKER_URL": "redis://127.0.0.1:6380/0", "CELERY_RESULT_BACKEND": "redis://127.0.0.1:6380/1",
             "NEO4J_PASSWORD": "secret"}

    assert for_test_worker(given, 0) == given
    assert for_test_worker(given, 2) == {**given, "LOCAL_SERVICES_DIR": "/srv/suite/worker-2",
                                         "NEO4J_URI": "bolt://127.0.0.1:7888",
                                         "CELERY_BROKER_URL": "redis://127.0.0.1:6580/0",
                                         "CELERY_RESULT_BACKEND": "redis://127.0.0.1:6580/1"}


def environment_after_reading_the_suites_settings(environ: dict[str, str]) -> dict[str, str]:
    shown = "import json, os, tests.settings; print(json.dumps(dict(os.environ)))"
    result = subprocess.run([sys.executable, "-c", shown], cwd=REPO, env=environ, capture_output=True, text=True,
                            timeout=60, check=True)
    read: dict[str, str] = json.loads(result.stdout)
    return read


def test_a_process_that_a_parallel_test_worker_starts_stays_on_that_workers_services():
    given = {key: value for key, value in os.environ.items() if key != "RECORDKEEPER_SHIFTED_FOR_TEST_WORKER"}
    given.update({"LOCAL_SERVICES_DIR": "/srv/suite", "NEO4J_URI": "bolt://127.0.0.1:7688",
                  "CELERY_BROKER_URL": "redis://127.0.0.1:6380/0", "CELERY_RESULT_BACKEND": "redis://127.0.0.1:6380/1",
                  "PYTEST_XDIST_WORKER": "gw2"})
    services = ("LOCAL_SERVICES_DIR", "NEO4J_URI", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")

    worker = environment_after_reading_the_suites_settings(given)
    started_by_the_worker = environment_after_reading_the_suites_settings(worker)

    assert {key: worker[key] for key in services} == {key: for_test_worker(given, 2)[key] for key in services}
    assert {key: started_by_the_worker[key] for key in services} == {key: worker[key] for key in services}
