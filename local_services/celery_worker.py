"""A local Celery worker for the demo (tests start their own)."""

from __future__ import annotations

import sys

from local_services.process import LocalProcess, ServiceState
from local_services.settings import REPO_ROOT, LocalSettings


class CeleryWorker(LocalProcess):
    name = "worker"
    title = "The Celery worker"
    stop_grace_s = 30.0

    def __init__(self, settings: LocalSettings) -> None:
        super().__init__(settings.state_dir / "worker")
        self.settings = settings

    @property
    def address(self) -> str:
        return self.settings.broker_url

    def start(self) -> ServiceState:
        if self.is_running():
            return ServiceState.ALREADY_RUNNING
        self.launch([sys.executable, "-m", "celery", "-A", "catalog", "worker", "--loglevel", "INFO",
                     "--concurrency", "2", "--hostname", "recordkeeper@%h"],
                    lambda offset: self.logged_since(offset, b" ready."), cwd=REPO_ROOT)
        return ServiceState.STARTED
