"""What the local services share: pid files, port probes and waiting with a deadline."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class ServiceError(RuntimeError):
    """A local service could not be installed, started or stopped; the message says why."""


class ServiceState(Enum):
    STARTED = "started"
    ALREADY_RUNNING = "already running"
    STOPPED = "stopped"
    NOT_RUNNING = "not running"


@dataclass(frozen=True)
class PidFile:
    path: Path

    def read_live_pid(self) -> int | None:
        """The pid of a live process, or None; a stale file is removed."""
        try:
            pid = int(self.path.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if is_alive(pid):
            return pid
        self.path.unlink(missing_ok=True)
        return None

    def write(self, pid: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(f"{pid}\n")

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    # A child we started and that died stays a zombie until reaped; it is not running.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] == "Z"
    return False


def port_is_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def wait_until(ready: Callable[[], bool], *, timeout: float, alive: Callable[[], bool]) -> bool:
    """Poll `ready` until it is true, the deadline passes, or the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return True
        if not alive():
            return False
        time.sleep(0.5)
    return False


def terminate(pid: int, *, grace: float) -> None:
    """SIGTERM, then SIGKILL if the process outlives the grace period."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        _reap(pid)
        if not is_alive(pid):
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log written)"


class LocalProcess:
    """A service run as a detached child process with a pid file and a log in `home`."""

    name = "service"
    title = "the service"
    stop_grace_s = 10.0
    start_timeout_s = 60.0

    def __init__(self, home: Path) -> None:
        self.home = home
        self.pid_file = PidFile(home / f"{self.name}.pid")
        self.log_path = home / f"{self.name}.log"

    def stop(self) -> ServiceState:
        pid = self.pid_file.read_live_pid()
        if pid is None:
            return ServiceState.NOT_RUNNING
        terminate(pid, grace=self.stop_grace_s)
        self.pid_file.remove()
        return ServiceState.STOPPED

    def is_running(self) -> bool:
        return self.pid_file.read_live_pid() is not None

    def refuse_busy_port(self, port: int, variable: str) -> None:
        if port_is_open("127.0.0.1", port):
            raise ServiceError(f"port {port} on 127.0.0.1 is in use by another process: "
                               f"stop it, or set {variable} to a free port")

    def launch(self, command: list[str], ready: Callable[[int], bool], *, env: dict[str, str] | None = None,
               cwd: Path | None = None) -> None:
        """Start `command` detached; wait until `ready(log offset)` or fail with the log's last lines."""
        self.home.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid_file.write(process.pid)
        if not wait_until(lambda: ready(offset), timeout=self.start_timeout_s, alive=lambda: process.poll() is None):
            terminate(process.pid, grace=self.stop_grace_s)
            self.pid_file.remove()
            raise ServiceError(f"{self.title} did not come up; last log lines:\n{tail(self.log_path)}")

    def logged_since(self, offset: int, marker: bytes) -> bool:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return marker in log.read()
