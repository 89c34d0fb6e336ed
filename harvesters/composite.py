"""Salesforce's Composite resource: up to 25 subrequests (at most 5 of them queries) for one API call.

Salesforce answers each subrequest on its own, so a call whose subrequests partly fail with a server
error sends again only those, with backoff and jitter, as many times as the client retries a request.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from simple_salesforce.exceptions import SalesforceError

from harvesters.client import TRANSIENT_STATUSES, OrgClient, SalesforceUnavailableError

MAX_SUBREQUESTS = 25
MAX_QUERIES = 5
log = logging.getLogger(__name__)

API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def api_name(name: str) -> str:
    """An object or field API name, checked before it goes into a URL or a SOQL statement."""
    if not API_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a Salesforce API name")
    return name


@dataclass(frozen=True)
class SubResponse:
    reference: str
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def transient(self) -> bool:
        return self.status in TRANSIENT_STATUSES

    def error_message(self) -> str:
        """Salesforce's own words for a failed subrequest."""
        if isinstance(self.body, list) and self.body and isinstance(self.body[0], dict):
            first = self.body[0]
            return f"{first.get('errorCode', 'ERROR')}: {first.get('message', '')}".strip()
        return f"HTTP {self.status}"


@dataclass(frozen=True)
class SubRequest:
    """One GET of a Composite call: `path` is under /services/data/vXX.X/; queries count against the 5."""

    reference: str
    path: str
    query: bool = False


def describe_request(name: str) -> SubRequest:
    return SubRequest(name, f"sobjects/{api_name(name)}/describe")


def query_request(reference: str, statement: str, *, tooling: bool = False) -> SubRequest:
    return SubRequest(reference, f"{'tooling/' if tooling else ''}query/?q={quote(statement)}", query=True)


def composite_get(client: OrgClient, requests: Sequence[SubRequest]) -> Iterator[SubResponse]:
    """Every subrequest in as few Composite calls as Salesforce allows; answers come call by call, in the
    order asked."""
    for batch in composite_batches(requests):
        yield from _answers_retrying_failed(client, batch)


def _answers_retrying_failed(client: OrgClient, batch: list[SubRequest]) -> list[SubResponse]:
    """One call's answers; subrequests answered with a server error go again, alone, until they succeed
    or the client's attempts are spent (SalesforceUnavailableError)."""
    answers: dict[str, SubResponse] = {}
    pending = batch
    for attempt in range(1, client.retry.attempts + 1):
        answers.update((answer.reference, answer) for answer in _composite_call(client, pending))
        pending = [request for request in pending if answers[request.reference].transient]
        if not pending:
            return [answers[request.reference] for request in batch]
        if attempt < client.retry.attempts:
            pause = client.retry.pause(attempt)
            log.warning("composite: %d of %d subrequests failed (%s); attempt %d of %d in %.1fs", len(pending),
                        len(batch), ", ".join(request.reference for request in pending), attempt + 1,
                        client.retry.attempts, pause)
            time.sleep(pause)
    failed = answers[pending[0].reference]
    raise SalesforceUnavailableError(f"Salesforce answered HTTP {failed.status} to {failed.reference}",
                                     client.retry.attempts)


def _composite_call(client: OrgClient, batch: list[SubRequest]) -> list[SubResponse]:
    version = client.credentials.api_version
    payload = {"allOrNone": False, "compositeRequest": [
        {"method": "GET", "url": f"/services/data/v{version}/{request.path}", "referenceId": request.reference}
        for request in batch
    ]}
    body: Any = client.call(lambda sf: sf.restful("composite", method="POST", json=payload))
    return [SubResponse(item["referenceId"], int(item["httpStatusCode"]), item.get("body"))
            for item in body["compositeResponse"]]


def answer_records(client: OrgClient, answer: SubResponse) -> Iterator[dict[str, Any]]:
    """A query answer's rows, following `nextRecordsUrl` page by page (each page is a call)."""
    if not answer.ok:
        raise SalesforceError(answer.reference, answer.status, answer.reference, answer.body)
    page: dict[str, Any] = answer.body
    while True:
        yield from page.get("records", [])
        next_url = page.get("nextRecordsUrl")
        if page.get("done", True) or not next_url:
            return
        page = client.call(lambda sf, url=next_url: sf.query_more(url, identifier_is_url=True))  # type: ignore[misc]


def composite_batches(requests: Sequence[SubRequest]) -> Iterator[list[SubRequest]]:
    """Calls of up to 25 subrequests, at most 5 of them queries, the queries first: other subrequests
    ride along in the calls the queries need anyway."""
    queries = [request for request in requests if request.query]
    others = [request for request in requests if not request.query]
    while queries or others:
        batch, queries = queries[:MAX_QUERIES], queries[MAX_QUERIES:]
        room = MAX_SUBREQUESTS - len(batch)
        batch, others = batch + others[:room], others[room:]
        yield batch


def describe_many(client: OrgClient, names: Iterable[str]) -> Iterator[SubResponse]:
    """Describes of many objects, 25 to a call; each answer's reference is the object name."""
    return composite_get(client, [describe_request(name) for name in names])


def query_many(client: OrgClient, queries: Iterable[tuple[str, str]]) -> Iterator[SubResponse]:
    """SOQL queries (reference, statement), 5 to a call, as the Composite resource allows."""
    return composite_get(client, [query_request(reference, statement) for reference, statement in queries])
