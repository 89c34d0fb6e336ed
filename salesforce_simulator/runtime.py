"""The running state of one simulator (sessions, accounting, faults, query cursors).

Route handlers are module-level functions, so the server makes the state of the simulator
serving a request reachable through ``current()`` while it dispatches that request.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from salesforce_simulator.accounting import Accounting
    from salesforce_simulator.auth import SessionStore
    from salesforce_simulator.faults import FaultState
    from salesforce_simulator.org import Org, User
    from salesforce_simulator.rest import QueryCursors
    from salesforce_simulator.routing import SimResponse

# (method, url, headers, body, user, counted) → response; composite subrequests go through it
SubrequestDispatcher = Callable[
    [str, str, dict[str, str], bytes, "User", bool], "SimResponse"
]

_CURRENT: contextvars.ContextVar[Runtime] = contextvars.ContextVar("salesforce_simulator_runtime")


@dataclass
class Runtime:
    org: Org
    sessions: SessionStore
    accounting: Accounting
    faults: FaultState
    cursors: QueryCursors
    base_url: str  # https://127.0.0.1:PORT — both the login URL and the instance URL
    dispatch_subrequest: SubrequestDispatcher


def current() -> Runtime:
    """The runtime of the simulator serving this request; raises LookupError outside one."""
    return _CURRENT.get()


def enter(runtime: Runtime) -> contextvars.Token[Runtime]:
    return _CURRENT.set(runtime)


def leave(token: contextvars.Token[Runtime]) -> None:
    _CURRENT.reset(token)
