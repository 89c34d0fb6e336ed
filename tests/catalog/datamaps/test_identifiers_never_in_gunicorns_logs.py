"""The production server's own logs: gunicorn, as the image runs it (access log on), serving look-ups of the demo
org's named consumer (found, not found, malformed); its access log and error log at debug level hold a line per
request and no identifier."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings

from catalog.accounts import services
from catalog.accounts.tokens import DSAR_READ
from harvesters.models import OrgConnection
from tests.catalog.accounts.people import privacy_officer
from tests.catalog.datamaps.consumers import (
    LOOKUP,
    NOBODY_EMAIL,
    RAW_IDENTIFIERS,
    ZORA_EMAIL,
    ZORA_PHONE_OTHERWISE,
    body,
)
from tests.catalog.test_healthz import free_port

pytestmark = pytest.mark.django_db(transaction=True)  # gunicorn's process reads what the test committed

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn serving the test database and graph on a port of its own; yields its address and log folder."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": f"sqlite:///{settings.DATABASES['default']['TEST']['NAME']}"}
    command = [sys.executable, "-m", "gunicorn", "catalog.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", "1", "--access-logfile", str(tmp_path / "access.log"),
               "--error-logfile", str(tmp_path / "error.log"), "--log-level", "debug"]
    with (tmp_path / "stdout.log").open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    try:
        _wait_until_it_answers(address, process, tmp_path)
        yield address, tmp_path
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_it_answers(address: str, process: subprocess.Popen[bytes], logs: Path) -> None:
    for _ in range(120):
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {(logs / 'stdout.log').read_text()}")
        try:
            requests.get(f"{address}/healthz", timeout=30)  # the first request loads Django
        except requests.ConnectionError:
            time.sleep(0.5)
            continue
        return
    pytest.fail("gunicorn did not answer")


def test_gunicorns_access_and_error_logs_hold_a_line_per_look_up_and_no_identifier(
    demo: OrgConnection, gunicorn: tuple[str, Path]
):
    address, logs = gunicorn
    secret = services.issue_token(privacy_officer("dsar-tool"), [DSAR_READ]).secret
    headers = {"Authorization": f"Bearer {secret}"}

    statuses = [requests.post(f"{address}{LOOKUP}", json=sent, headers=headers, timeout=60).status_code
                for sent in (body(emails=[ZORA_EMAIL], phones=[ZORA_PHONE_OTHERWISE]), body(emails=[NOBODY_EMAIL]),
                             body(phones=["not a phone"]))]

    assert statuses == [200, 404, 400]
    access = _access_log_with(logs / "access.log", f'"POST {LOOKUP} HTTP/1.1"', 3)
    assert access.count(f'"POST {LOOKUP} HTTP/1.1"') == 3
    written = access + (logs / "error.log").read_text() + (logs / "stdout.log").read_text()
    for identifier in RAW_IDENTIFIERS:
        assert identifier not in written


def _access_log_with(log: Path, line: str, count: int) -> str:
    """The access log once it holds `count` such lines, or as it is after 10 s: gunicorn writes a request's line
    after its answer has left, so the client may read the log first."""
    for _ in range(100):
        written = log.read_text()
        if written.count(line) >= count:
            return written
        time.sleep(0.1)
    return log.read_text()
