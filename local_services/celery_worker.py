"""A local Celery worker for the demo (tests start their own)."""

from __future__ import annotations

import subprocess
import sys

from local_services.process import PidFile, ServiceError, ServiceState, tail, terminate, wait_until
from local_services.settings import REPO_ROOT, LocalSettings

START_TIMEOUT_S = 60.0


class CeleryWorker:
    name = "worker"

    def __init__(self, settings: LocalSettings) -> None:
        self.settings = settings
        self.home = settings.state_dir / "worker"
        self.pid_file = PidFile(self.home / "worker.pid")
        self.log_path = self.home / "worker.log"

    @property
    def address(self) -> str:
        return self.settings.broker_url

    def start(self) -> ServiceState:
        if self.pid_file.read_live_pid() is not None:
            return ServiceState.ALREADY_RUNNING
        self.home.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        command = [sys.executable, "-m", "celery", "-A", "catalog", "worker", "--loglevel", "INFO",
                   "--concurrency", "2", "--hostname", "recordkeeper@%h"]
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid_file.write(process.pid)
        if not wait_until(lambda: self._said_ready(offset), timeout=START_TIMEOUT_S,
                          alive=lambda: process.poll() is None):
            terminate(process.pid, grace=10)
            self.pid_file.remove()
            raise ServiceError(f"the Celery worker did not start; last log lines:\n{tail(self.log_path)}")
        return ServiceState.STARTED

    def stop(self) -> ServiceState:
        pid = self.pid_file.read_live_pid()
        if pid is None:
            return ServiceState.NOT_RUNNING
        terminate(pid, grace=30)
        self.pid_file.remove()
        return ServiceState.STOPPED

    def is_running(self) -> bool:
        return self.pid_file.read_live_pid() is not None

    def _said_ready(self, offset: int) -> bool:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return b" ready." in log.read()
