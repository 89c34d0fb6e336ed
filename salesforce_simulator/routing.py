"""The routing contract shared by every HTTP module of the simulator.

Each HTTP module exposes ``ROUTES: list[Route]``; ``server.py`` concatenates them and
dispatches requests (and composite subrequests) through the same table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesforce_simulator.org import Org, User


class Headers(Mapping[str, str]):
    """Request headers, looked up case-insensitively as HTTP requires."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in items:
            self._items[name.lower()] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items


class SalesforceError(Exception):
    """An error rendered the way Salesforce's REST API renders it: a JSON list of errors."""

    def __init__(
        self, status: int, error_code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        error: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            error["fields"] = self.fields
        return [error]


class BadRequest(SalesforceError):  # noqa: N818 - the name the routing contract agreed
    """A request body that is not valid JSON."""

    def __init__(self, message: str) -> None:
        super().__init__(400, "JSON_PARSER_ERROR", message)


@dataclass(frozen=True)
class SimRequest:
    method: str
    path: str  # without query string
    query: dict[str, list[str]]  # parsed query string
    headers: Mapping[str, str]  # case-insensitive mapping
    body: bytes
    org: Org
    api_version: str | None  # "61.0" when the path had /vXX.X/
    user: User | None  # the authenticated user (None on login endpoints)

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(str(exc)) from exc

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query-string parameter."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class SimResponse:
    status: int = 200
    body: Any = None  # dict/list → JSON; bytes/str → as is; None → empty
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json;charset=UTF-8"


Handler = Callable[[SimRequest, "re.Match[str]"], SimResponse]


@dataclass(frozen=True)
class Route:
    method: str  # "GET", "POST", ...
    # fullmatch against the path after /services/data/vXX.X for versioned routes, or against
    # the whole path otherwise. The server strips one trailing slash before matching, so a
    # versioned pattern sees "/sobjects/Contact/describe" for both ".../describe" and
    # ".../describe/", and the version root (/services/data/v61.0/) is the empty string.
    pattern: re.Pattern[str]
    handler: Handler
    versioned: bool = True
    authenticated: bool = True  # requires "Authorization: Bearer <session id>"
    counts_api_call: bool = True  # counted in DailyApiRequests / Sforce-Limit-Info
