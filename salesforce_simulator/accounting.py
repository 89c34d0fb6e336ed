"""API-call accounting: the org's daily request budget and a log of every call served.

Salesforce counts each REST call against DailyApiRequests and reports usage on every
response in ``Sforce-Limit-Info: api-usage=N/M``; past the limit it answers 403
REQUEST_LIMIT_EXCEEDED. Composite counts once, composite/batch once per subrequest.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from salesforce_simulator.routing import SalesforceError


@dataclass(frozen=True)
class Call:
    """One request the simulator answered (admin endpoints excluded)."""

    number: int
    method: str
    path: str
    status: int
    api_calls: int  # how many calls it cost against the daily limit
    user: str | None
    started: float  # epoch seconds
    duration_ms: float
    subrequest: bool = False  # a composite subrequest dispatched in-process

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Accounting:
    daily_limit: int
    used: int = 0
    day: date = field(default_factory=lambda: datetime.now(UTC).date())
    calls: list[Call] = field(default_factory=list)
    max_log: int = 100_000  # oldest entries are dropped past this, so a long run stays bounded
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _numbers: int = 0

    def next_number(self) -> int:
        """A sequence number per request (drives deterministic faults)."""
        with self.lock:
            self._numbers += 1
            return self._numbers

    def charge(self, cost: int) -> None:
        """Spend ``cost`` calls, or raise REQUEST_LIMIT_EXCEEDED when the budget is gone."""
        if cost <= 0:
            return
        with self.lock:
            self._roll_day()
            if self.used + cost > self.daily_limit:
                raise SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            self.used += cost

    def refund(self, cost: int) -> None:
        with self.lock:
            self.used = max(0, self.used - cost)

    def limit_info(self) -> str:
        """The Sforce-Limit-Info header value."""
        with self.lock:
            self._roll_day()
            return f"api-usage={self.used}/{self.daily_limit}"

    def remaining(self) -> int:
        with self.lock:
            self._roll_day()
            return max(0, self.daily_limit - self.used)

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)
            if len(self.calls) > self.max_log:
                del self.calls[: len(self.calls) - self.max_log]

    def snapshot(self) -> list[Call]:
        with self.lock:
            return list(self.calls)

    def reset(self) -> None:
        """Zero usage, the log and the call numbers (so seeded faults replay identically)."""
        with self.lock:
            self.used = 0
            self.calls.clear()
            self._numbers = 0

    def _roll_day(self) -> None:
        today = datetime.now(UTC).date()
        if today != self.day:
            self.day = today
            self.used = 0


def new_call(
    number: int, method: str, path: str, status: int, api_calls: int, user: str | None,
    started: float, subrequest: bool = False,
) -> Call:  # fmt: skip
    return Call(number, method, path, status, api_calls, user, started,
                round((time.time() - started) * 1000, 3), subrequest)  # fmt: skip
