"""A standalone Salesforce org simulator speaking Salesforce's documented wire format over HTTPS.

    with Simulator(load_org("demo")) as simulator:
        simulator.base_url, simulator.ca_bundle, simulator.credentials()
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from salesforce_simulator.accounting import Call
from salesforce_simulator.definition import load_org
from salesforce_simulator.faults import Faults, FaultState, update_faults
from salesforce_simulator.org import Org

__all__ = ["Simulator", "load_org"]


class Simulator:
    """One simulated org served over HTTPS on loopback, in a background thread."""

    def __init__(
        self,
        org: Org | str | os.PathLike[str] = "demo",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state_dir: str | os.PathLike[str] | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.org = org if isinstance(org, Org) else load_org(org)
        self.host = host
        self.requested_port = port
        self.state_dir = state_dir
        self.fault_state = FaultState(faults or Faults())
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._ca_bundle: Path | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> Simulator:
        from salesforce_simulator import eventlogs, organization, server, tls, tooling

        files = tls.ensure_certificates(tls.state_dir(self.state_dir))
        self._ca_bundle = files.ca_cert
        eventlogs.register(self.org)
        tooling.register(self.org)
        organization.register(self.org)
        organization.register_external_data_sources(self.org)
        dispatcher = server.Dispatcher(self.org, server.all_routes(), "", self.fault_state)
        self._server = server.SimulatorHTTPServer(
            (self.host, self.requested_port), dispatcher, tls.server_context(files)
        )
        dispatcher.runtime.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
            name=f"salesforce-simulator-{self.port}", daemon=True,
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def serve_forever(self) -> None:
        """Start (unless running) and block until interrupted (the CLI's way of running)."""
        if self._server is None:
            self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # -- what clients need ----------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Both the login URL and the instance URL: https://127.0.0.1:PORT."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    @property
    def ca_bundle(self) -> str:
        """The PEM file of the CA that signed the server certificate."""
        if self._ca_bundle is None:
            raise RuntimeError("the simulator is not running")
        return str(self._ca_bundle)

    def credentials(self, username: str | None = None) -> dict[str, str | None]:
        """What a client needs to log in: URLs, the first (or named) user, the first connected app."""
        first = self.org.users[0] if self.org.users else None
        user = self.org.user_by_username(username) if username else first
        client = self.org.oauth_clients[0] if self.org.oauth_clients else None
        return {
            "login_url": self.base_url,
            "instance_url": self.base_url,
            "username": user.username if user else None,
            "password": user.password if user else None,
            "security_token": user.security_token if user else None,
            "consumer_key": client.consumer_key if client else None,
            "consumer_secret": client.consumer_secret if client else None,
            "ca_bundle": self.ca_bundle,
        }

    # -- inspection and control -------------------------------------------------------------

    @property
    def dispatcher(self) -> Any:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._server.dispatcher

    @property
    def calls(self) -> list[Call]:
        """Every request answered so far (composite subrequests included, admin calls not)."""
        return list(self.dispatcher.runtime.accounting.snapshot())

    @property
    def api_usage(self) -> int:
        return int(self.dispatcher.runtime.accounting.used)

    @property
    def faults(self) -> Faults:
        return self.fault_state.current

    def set_faults(self, **values: Any) -> Faults:
        """Replace the active faults (unnamed ones return to their defaults)."""
        self.fault_state.set(update_faults(Faults(), values))
        return self.fault_state.current

    def reset(self, *, sessions: bool = False) -> None:
        """Zero the API usage and the call log; drop open query cursors and faults."""
        runtime = self.dispatcher.runtime
        runtime.accounting.reset()
        runtime.cursors.clear()
        self.fault_state.set(Faults())
        if sessions:
            runtime.sessions.expire_all()
