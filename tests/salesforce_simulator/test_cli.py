"""The command line: ``python -m salesforce_simulator``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from salesforce_simulator.cli import parse_generate

from .conftest import SMALL_ORG, CATrustingAdapter

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "salesforce_simulator", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_print_credentials_prints_one_json_object(tmp_path: Path) -> None:
    done = run_cli("--org", str(SMALL_ORG), "--port", "8901", "--state-dir", str(tmp_path), "--print-credentials")
    assert done.returncode == 0, done.stderr
    credentials = json.loads(done.stdout)
    assert credentials == {
        "org_id": "00D8d000001TestEAQ",
        "login_url": "https://127.0.0.1:8901",
        "instance_url": "https://127.0.0.1:8901",
        "username": "admin@testharbor.example",
        "password": "Harbor-Admin-1",
        "security_token": "TOKEN8d0Harbor",
        "consumer_key": "3MVG9testharborConsumerKey",
        "consumer_secret": "testharbor-consumer-secret",
        "ca_bundle": str(tmp_path / "ca.crt"),
    }
    assert (tmp_path / "ca.crt").exists()


def test_state_dir_comes_from_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SALESFORCE_SIMULATOR_STATE": str(tmp_path / "state")}
    done = subprocess.run([sys.executable, "-m", "salesforce_simulator", "--org", str(SMALL_ORG),
                           "--print-credentials"], capture_output=True, text=True, env=env, timeout=120,
                          check=False)  # fmt: skip
    assert json.loads(done.stdout)["ca_bundle"] == str(tmp_path / "state" / "ca.crt")


def test_generate_takes_the_documented_keys() -> None:
    assert parse_generate("objects=2000,fields=100,consumers=1_000_000,seed=7") == {
        "objects": 2000, "fields": 100, "consumers": 1_000_000, "seed": 7}
    with pytest.raises(ValueError, match="unknown --generate key"):
        parse_generate("planets=9")


def test_bad_faults_are_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("--org", str(SMALL_ORG), "--state-dir", str(tmp_path), "--faults", "gremlins=3",
                   "--print-credentials")
    assert done.returncode == 2
    assert "unknown faults" in done.stderr


def test_serves_until_terminated(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "salesforce_simulator", "--generate", "objects=2,fields=3,consumers=10",
         "--port", str(port), "--state-dir", str(tmp_path), "--faults", "latency_ms=1"],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        banner = process.stderr.readline() if process.stderr else ""
        assert f"https://127.0.0.1:{port}" in banner
        session = requests.Session()
        session.mount(f"https://127.0.0.1:{port}", CATrustingAdapter(str(tmp_path / "ca.crt")))
        assert session.get(f"https://127.0.0.1:{port}/services/data/", timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
