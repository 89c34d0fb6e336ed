"""The Salesforce org simulator serving the demo org, for the demo (tests start their own in-process)."""

from __future__ import annotations

import json
import subprocess
import sys

from local_services.process import LocalProcess, ServiceError, ServiceState, port_is_open
from local_services.settings import REPO_ROOT, LocalSettings


class SimulatorProcess(LocalProcess):
    name = "simulator"
    title = "The Salesforce simulator"

    def __init__(self, settings: LocalSettings) -> None:
        super().__init__(settings.state_dir / "simulator")
        self.settings = settings
        self.credentials_path = self.home / "credentials.json"

    @property
    def address(self) -> str:
        return f"https://127.0.0.1:{self.settings.simulator_port}"

    def start(self) -> ServiceState:
        if self.is_running():
            return ServiceState.ALREADY_RUNNING
        port = self.settings.simulator_port
        self.refuse_busy_port(port, "SIMULATOR_PORT")
        command = [sys.executable, "-m", "salesforce_simulator", "--org", self.settings.simulator_org,
                   "--port", str(port), "--state-dir", str(self.home / "state")]
        self._write_credentials(command)
        self.launch(command, lambda offset: port_is_open("127.0.0.1", port), cwd=REPO_ROOT)
        return ServiceState.STARTED

    def _write_credentials(self, command: list[str]) -> None:
        """The demo org's login details as JSON, for `manage.py add_org --credentials-json`."""
        self.home.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([*command, "--print-credentials"], cwd=REPO_ROOT, capture_output=True, text=True,
                                check=False, timeout=120)
        if result.returncode != 0:
            raise ServiceError(f"the simulator could not print its credentials:\n{result.stderr[-2000:]}")
        json.loads(result.stdout)
        self.credentials_path.write_text(result.stdout)
