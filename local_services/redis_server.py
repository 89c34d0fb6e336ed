"""A local Redis (Debian's redis-server) on loopback, the Celery broker and result backend."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import redis

from local_services.process import (
    PidFile,
    ServiceError,
    ServiceState,
    port_is_open,
    tail,
    terminate,
    wait_until,
)
from local_services.settings import LocalSettings

START_TIMEOUT_S = 30.0


class RedisServer:
    name = "redis"

    def __init__(self, settings: LocalSettings) -> None:
        self.settings = settings
        self.home = settings.state_dir / "redis"
        self.pid_file = PidFile(self.home / "redis.pid")
        self.log_path = self.home / "redis.log"

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
        if port_is_open("127.0.0.1", self.settings.redis_port):
            raise ServiceError(
                f"port {self.settings.redis_port} on 127.0.0.1 is in use by another process: "
                "stop it, or set CELERY_BROKER_URL to a free port"
            )
        self.install()
        self.home.mkdir(parents=True, exist_ok=True)
        # A broker and result store for local work: nothing worth persisting to disk.
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.settings.redis_port),
                   "--dir", str(self.home), "--save", "", "--appendonly", "no", "--daemonize", "no"]
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        self.pid_file.write(process.pid)
        if not wait_until(self.answers, timeout=START_TIMEOUT_S, alive=lambda: process.poll() is None):
            terminate(process.pid, grace=5)
            self.pid_file.remove()
            raise ServiceError(f"Redis did not come up on {self.address}; last log lines:\n{tail(self.log_path)}")
        return ServiceState.STARTED

    def stop(self) -> ServiceState:
        pid = self.pid_file.read_live_pid()
        if pid is None:
            return ServiceState.NOT_RUNNING
        terminate(pid, grace=10)
        self.pid_file.remove()
        return ServiceState.STOPPED

    def is_running(self) -> bool:
        return self.pid_file.read_live_pid() is not None

    def answers(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.settings.redis_port, socket_timeout=1,
                             socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()
