"""The Salesforce org simulator serving the demo org, for the demo (tests start their own in-process)."""

from __future__ import annotations

import json
import subprocess
import sys

from local_services.process import PidFile, ServiceError, ServiceState, port_is_open, tail, terminate, wait_until
from local_services.settings import REPO_ROOT, LocalSettings

START_TIMEOUT_S = 60.0


class SimulatorProcess:
    name = "simulator"

    def __init__(self, settings: LocalSettings) -> None:
        self.settings = settings
        self.home = settings.state_dir / "simulator"
        self.pid_file = PidFile(self.home / "simulator.pid")
        self.log_path = self.home / "simulator.log"
        self.credentials_path = self.home / "credentials.json"

    @property
    def address(self) -> str:
        return f"https://127.0.0.1:{self.settings.simulator_port}"

    def start(self) -> ServiceState:
        if self.pid_file.read_live_pid() is not None:
            return ServiceState.ALREADY_RUNNING
        if port_is_open("127.0.0.1", self.settings.simulator_port):
            raise ServiceError(f"port {self.settings.simulator_port} on 127.0.0.1 is in use by another process: "
                               "stop it, or set SIMULATOR_PORT to a free port")
        self.home.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "salesforce_simulator", "--org", self.settings.simulator_org,
                   "--port", str(self.settings.simulator_port), "--state-dir", str(self.home / "state")]
        self._write_credentials(command)
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid_file.write(process.pid)
        if not wait_until(lambda: port_is_open("127.0.0.1", self.settings.simulator_port), timeout=START_TIMEOUT_S,
                          alive=lambda: process.poll() is None):
            terminate(process.pid, grace=5)
            self.pid_file.remove()
            raise ServiceError(f"the Salesforce simulator did not start; last log lines:\n{tail(self.log_path)}")
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

    def _write_credentials(self, command: list[str]) -> None:
        """The demo org's login details as JSON, for `manage.py add_org --credentials-json`."""
        result = subprocess.run([*command, "--print-credentials"], cwd=REPO_ROOT, capture_output=True, text=True,
                                check=False, timeout=120)
        if result.returncode != 0:
            raise ServiceError(f"the simulator could not print its credentials:\n{result.stderr[-2000:]}")
        json.loads(result.stdout)
        self.credentials_path.write_text(result.stdout)
