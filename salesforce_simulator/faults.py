"""Injected failures: latency, 500/503 errors, session expiry, broken log files, slow describes.

Faults are set by the CLI (``--faults latency_ms=50,error_rate=0.1``) or the admin endpoint
(``POST /_simulator/faults``) and are deterministic: whether request N fails depends only on
the seed and N. HTTP modules read the active faults with ``active()`` while serving a request.
"""

from __future__ import annotations

import contextvars
import threading
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from salesforce_simulator.generator import fraction
from salesforce_simulator.routing import SimResponse

_ACTIVE: contextvars.ContextVar[Faults | None] = contextvars.ContextVar(
    "salesforce_simulator_faults", default=None
)


@dataclass(frozen=True)
class Faults:
    latency_ms: int = 0  # added to every API call
    error_rate: float = 0.0  # share of API calls answered 500 or 503
    error_statuses: tuple[int, ...] = (500, 503)  # which statuses error_rate draws from
    session_expiry_calls: int = 0  # a session dies after this many calls (0: never)
    truncated_logs: bool = False  # EventLogFile bodies cut off mid-row (read by eventlogs.py)
    malformed_logs: bool = False  # EventLogFile bodies with broken CSV (read by eventlogs.py)
    describe_timeout_objects: tuple[str, ...] = ()  # their describe sleeps describe_timeout_s
    describe_timeout_s: float = 30.0
    clock_skew_s: int = 0  # the org's clock runs this far ahead of the machine's: Date headers, API stamps
    seed: int = 0

    def describe_delay(self, object_name: str) -> float:
        """Seconds a describe of ``object_name`` should stall (0 when it should not)."""
        names = {name.lower() for name in self.describe_timeout_objects}
        return self.describe_timeout_s if object_name.lower() in names else 0.0

    def error_for(self, call_number: int) -> SimResponse | None:
        """The injected error answering API call ``call_number``, if that call should fail."""
        if self.error_rate <= 0 or fraction(self.seed, call_number, 7001) >= self.error_rate:
            return None
        statuses = self.error_statuses or (500,)
        status = statuses[int(fraction(self.seed, call_number, 7002) * len(statuses))]
        return error_response(status, call_number)

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["error_statuses"] = list(self.error_statuses)
        values["describe_timeout_objects"] = list(self.describe_timeout_objects)
        return values


NO_FAULTS = Faults()


def error_response(status: int, call_number: int) -> SimResponse:
    """A 500 or 503 with the body Salesforce sends for it."""
    if status == 503:
        body = [{"message": "Server temporarily unavailable. Retry the request later.",
                 "errorCode": "SERVER_UNAVAILABLE"}]  # fmt: skip
    else:
        error_id = f"{1_000_000_000 + call_number * 7919 % 999_999_999}-{call_number % 99999}"
        body = [{"message": "An unexpected error occurred. Please include this ErrorId if you "
                            f"contact support: {error_id} (-{call_number % 2_000_000_000})",
                 "errorCode": "UNKNOWN_EXCEPTION"}]  # fmt: skip
    return SimResponse(status=status, body=body)


def parse_faults(text: str, base: Faults = NO_FAULTS) -> Faults:
    """``latency_ms=50,error_rate=0.1,describe_timeout_objects=Contact+Account`` → Faults."""
    values: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"fault {item!r} is not key=value")
        values[key.strip()] = raw.strip()
    return update_faults(base, values)


def update_faults(base: Faults, values: dict[str, Any]) -> Faults:
    """``base`` with ``values`` (strings or JSON values) applied; unknown keys are refused."""
    known = {f.name: f for f in fields(Faults)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}; known: {sorted(known)}")
    changes = {key: _coerce(key, value) for key, value in values.items()}
    return replace(base, **changes)


def _coerce(key: str, value: Any) -> Any:
    if key in {"latency_ms", "session_expiry_calls", "seed", "clock_skew_s"}:
        return int(value)
    if key in {"error_rate", "describe_timeout_s"}:
        return float(value)
    if key in {"truncated_logs", "malformed_logs"}:
        return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}
    items = value.split("+") if isinstance(value, str) else list(value)
    items = [str(item).strip() for item in items if str(item).strip()]
    if key == "error_statuses":
        return tuple(int(item) for item in items)
    return tuple(items)


@dataclass
class FaultState:
    """The faults a running simulator applies; swapped atomically by the admin endpoint."""

    current: Faults = NO_FAULTS
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, faults: Faults) -> None:
        with self.lock:
            self.current = faults


def org_time() -> datetime:
    """The org's clock while serving a request: the machine's, moved by the active `clock_skew_s`."""
    return datetime.now(UTC) + timedelta(seconds=active().clock_skew_s)


def active() -> Faults:
    """The faults of the simulator serving the current request (none outside a request)."""
    return _ACTIVE.get() or NO_FAULTS


def activate(faults: Faults) -> contextvars.Token[Faults | None]:
    return _ACTIVE.set(faults)


def deactivate(token: contextvars.Token[Faults | None]) -> None:
    _ACTIVE.reset(token)
