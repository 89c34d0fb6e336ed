"""A generated org served by the Salesforce simulator in a process of its own, for the benchmarks
(so the server never shares the measuring process's interpreter or memory)."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from local_services.process import port_is_open, wait_until

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServedOrg:
    process: subprocess.Popen[bytes]
    port: int
    credentials: dict[str, str]
    started: float  # time.monotonic() just before the process started

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def wait_until_listening(self, timeout: float = 120) -> None:
        if not wait_until(lambda: port_is_open("127.0.0.1", self.port), timeout=timeout,
                          alive=lambda: self.process.poll() is None):
            raise RuntimeError("the simulator did not start")


@contextlib.contextmanager
def served_generated_org(generate: str) -> Iterator[ServedOrg]:
    """`python -m salesforce_simulator --generate <generate>` on a free port, stopped on leaving."""
    command = [sys.executable, "-m", "salesforce_simulator", "--generate", generate, "--port", str(free_port()),
               "--state-dir", tempfile.mkdtemp(prefix="benchmark-simulator-")]
    credentials = json.loads(subprocess.run([*command, "--print-credentials"], cwd=REPO, capture_output=True,
                                            text=True, check=True).stdout)
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield ServedOrg(process, int(command[command.index("--port") + 1]), credentials, started)
    finally:
        process.terminate()
        process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
