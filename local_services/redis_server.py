"""A local Redis (Debian's redis-server) on loopback, the Celery broker and result backend."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import redis

from local_services.process import LocalProcess, ServiceError, ServiceState
from local_services.settings import LocalSettings


class RedisServer(LocalProcess):
    name = "redis"
    title = "Redis"
    start_timeout_s = 30.0

    def __init__(self, settings: LocalSettings) -> None:
        super().__init__(settings.state_dir / "redis")
        self.settings = settings

    @property
    def address(self) -> str:
        return f"redis://127.0.0.1:{self.settings.redis_port}"

    def install(self) -> None:
        if shutil.which("redis-server") is not None:
            return
        if not Path("/etc/debian_version").exists() or shutil.which("apt-get") is None:
            raise ServiceError("redis-server not found: install Redis 6 or newer "
                               "(on Debian: apt-get install redis-server)")
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "redis-server"]):
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                raise ServiceError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")

    def start(self) -> ServiceState:
        if self.pid_file.read_live_pid() is not None and self.answers():
            return ServiceState.ALREADY_RUNNING
        self.refuse_busy_port(self.settings.redis_port, "CELERY_BROKER_URL")
        self.install()
        # A broker and result store for local work: nothing worth persisting to disk.
        self.launch(["redis-server", "--bind", "127.0.0.1", "--port", str(self.settings.redis_port),
                     "--dir", str(self.home), "--save", "", "--appendonly", "no", "--daemonize", "no"],
                    lambda offset: self.answers())
        return ServiceState.STARTED

    def answers(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.settings.redis_port, socket_timeout=1,
                             socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()
