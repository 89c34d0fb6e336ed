"""Bulk API 2.0 query jobs: ``jobs/query`` create, status, results (CSV, Sforce-Locator), abort.

Results stream: a job never holds its rows. Each results page re-enters the query through the
iterator left behind by the previous page (kept per locator), or, for a locator read out of
order, re-runs the query and skips to the locator's offset. Every request to these resources
counts as one API call.
"""

from __future__ import annotations

import base64
import binascii
import csv
import dataclasses
import io
import itertools
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from salesforce_simulator import indexes, rest, soql
from salesforce_simulator.org import Org, record_id
from salesforce_simulator.routing import Route, SalesforceError, SimRequest, SimResponse

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^",
              "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
DEFAULT_MAX_RECORDS = 10_000  # a page when the client names no maxRecords
FINISHED = {"JobComplete", "Aborted", "Failed"}


@dataclass
class QueryJob:
    id: str
    org_id: str
    operation: str
    query: str
    sobject: str
    created_by: str
    created: datetime
    api_version: str
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: str = "UploadComplete"
    polls: int = 0
    records_processed: int | None = None
    processed: threading.Event = field(default_factory=threading.Event)  # the counting pass ended
    started: float = 0.0
    finished: float = 0.0
    # iterators of raw records, parked under the locator that continues them
    cursors: dict[str, Iterator[dict[str, Any]]] = field(default_factory=dict)
    # the last page served, by (locator, maxRecords): a client that timed out asks for it again, and gets
    # it without the query being run again up to its offset (pages are read one at a time, under the lock)
    last_page: tuple[tuple[str, int], SimResponse] | None = None
    pages_lock: threading.Lock = field(default_factory=threading.Lock)

    def info(self) -> dict[str, Any]:
        stamp = soql.render_value(self.created, "datetime")
        return {
            "id": self.id, "operation": self.operation, "object": self.sobject,
            "createdById": self.created_by, "createdDate": stamp, "systemModstamp": stamp,
            "state": self.state, "concurrencyMode": "Parallel", "contentType": "CSV",
            "apiVersion": float(self.api_version), "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }

    def status(self) -> dict[str, Any]:
        body = self.info()
        body.update({"jobType": "V2Query", "numberRecordsProcessed": self.records_processed or 0,
                     "retries": 0,
                     "totalProcessingTime": int((self.finished - self.started) * 1000),
                     "isPkChunkingSupported": True})
        return body


_JOBS: dict[str, QueryJob] = {}
_LOCK = threading.Lock()
_COUNTER = itertools.count(1)


# ---------------------------------------------------------------------------------------
# Query plumbing: the org's objects as the SOQL evaluator needs them


@dataclass
class QuerySources:
    """Records, describes and id look-ups of one org at one API version (as REST query uses)."""

    org: Org
    api_version: str
    include_deleted: bool = False

    def __post_init__(self) -> None:
        self.records = rest.org_records(self.org, self.include_deleted)
        self.describe = rest.org_describe(self.org, self.api_version)
        self.lookup = self.org.get_record
        self.index = indexes.index_finder(self.org, self.include_deleted)


def _sources(org: Org, job: QueryJob) -> QuerySources:
    return QuerySources(org, job.api_version, include_deleted=job.operation == "queryAll")


def _parse(text: str) -> soql.Query:
    try:
        return soql.parse(text)
    except soql.SoqlError as error:
        raise SalesforceError(400, error.error_code, error.message) from error


def _rows(org: Org, job: QueryJob) -> Iterator[dict[str, Any]]:
    """The shaped result rows of the job's query, streamed from the record source."""
    query = _parse(job.query)
    sources = _sources(org, job)
    try:
        return soql.execute(query, sources.records, describe=sources.describe,
                            lookup=sources.lookup, now=org.now, index=sources.index,
                            base_url=f"/services/data/v{job.api_version}/sobjects")
    except soql.SoqlError as error:
        raise SalesforceError(400, error.error_code, error.message) from error


def _matching(org: Org, job: QueryJob) -> Iterator[Any]:
    """The job's rows unshaped, as the counting pass needs them (narrow ones where the org makes them)."""
    sources = _sources(org, job)
    query = dataclasses.replace(_parse(job.query), fields=(), field_sets=(), subqueries=(), order_by=(), count=True)
    try:
        return soql.matching_records(query, sources.records, describe=sources.describe, lookup=sources.lookup,
                                     now=org.now, index=sources.index)
    except soql.SoqlError as error:
        raise SalesforceError(400, error.error_code, error.message) from error


def _columns(org: Org, job: QueryJob) -> list[tuple[str, ...]]:
    query = _parse(job.query)
    sources = _sources(org, job)
    return soql.columns(query, describe=sources.describe)


# ---------------------------------------------------------------------------------------
# Handlers


def _job_or_404(request: SimRequest, job_id: str) -> QueryJob:
    with _LOCK:
        job = _JOBS.get(job_id)
    if job is None or job.org_id != request.org.id:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
    return job


def create_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    payload = request.json()
    if not isinstance(payload, dict):
        raise SalesforceError(400, "INVALIDJOB", "Invalid job request")
    operation = payload.get("operation")
    if operation not in ("query", "queryAll"):
        raise SalesforceError(400, "INVALIDJOB", f"Invalid operation: {operation}")
    text = payload.get("query")
    if not text:
        raise SalesforceError(400, "INVALIDJOB", "Query is required for query jobs")
    delimiter = str(payload.get("columnDelimiter", "COMMA"))
    line_ending = str(payload.get("lineEnding", "LF"))
    if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
        raise SalesforceError(400, "INVALIDJOB", "Invalid columnDelimiter or lineEnding")
    if payload.get("contentType", "CSV") != "CSV":
        raise SalesforceError(400, "INVALIDJOB", "Invalid contentType; only CSV is supported")
    job = _new_job(request, str(operation), str(text), delimiter, line_ending)
    if _parse(job.query).count or _parse(job.query).count_field is not None:
        raise SalesforceError(400, "INVALIDJOB", "Aggregate queries are not supported by Bulk API 2.0")
    _rows(request.org, job)  # validates now: a query Salesforce refuses creates no job
    with _LOCK:
        _JOBS[job.id] = job
    body = job.info()
    _start(request.org, job)
    return SimResponse(body=body)


def _start(org: Org, job: QueryJob) -> None:
    """Process the job in the background, as Salesforce does: one counting pass, rows not kept."""

    def process() -> None:
        job.started = time.monotonic()
        try:
            count = 0
            for count, _ in enumerate(_matching(org, job), start=1):
                if count % 10_000 == 0 and job.state == "Aborted":
                    break  # an aborted job stops processing
            job.records_processed = count
        finally:
            job.finished = time.monotonic()
            job.processed.set()

    threading.Thread(target=process, name=f"bulk-{job.id}", daemon=True).start()


def _new_job(request: SimRequest, operation: str, text: str, delimiter: str,
             line_ending: str) -> QueryJob:
    query = _parse(text)
    sources = QuerySources(request.org, request.api_version or request.org.max_api_version)
    describe = sources.describe(query.sobject)
    sobject = describe.get("name", query.sobject) if describe else query.sobject
    user = request.user.id if request.user else ""
    return QueryJob(
        id=record_id("750", next(_COUNTER)), org_id=request.org.id, operation=operation,
        query=text, sobject=str(sobject), created_by=user,
        created=datetime.now(UTC).replace(microsecond=0),
        api_version=request.api_version or request.org.max_api_version,
        column_delimiter=delimiter, line_ending=line_ending,
    )


def status_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    """Job status: UploadComplete → InProgress → JobComplete (never complete on the first poll)."""
    job = _job_or_404(request, match.group("job"))
    with _LOCK:
        job.polls += 1
        if job.state in ("UploadComplete", "InProgress"):
            done = job.processed.is_set() and job.polls > 1
            job.state = "JobComplete" if done else "InProgress"
    return SimResponse(body=job.status())


def abort_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    job = _job_or_404(request, match.group("job"))
    payload = request.json()
    if not isinstance(payload, dict) or payload.get("state") != "Aborted":
        raise SalesforceError(400, "INVALIDJOB", "Query jobs can only be set to state Aborted")
    with _LOCK:
        if job.state in FINISHED:
            raise SalesforceError(400, "INVALIDJOB",
                                  f"Job {job.id} is in state {job.state} and cannot be aborted")
        job.state = "Aborted"
        job.cursors.clear()
    return SimResponse(body=job.info())


def delete_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    job = _job_or_404(request, match.group("job"))
    with _LOCK:
        if job.state not in FINISHED:
            raise SalesforceError(400, "INVALIDJOB",
                                  f"Job {job.id} must be complete, aborted or failed to delete")
        _JOBS.pop(job.id, None)
    return SimResponse(status=204)


def list_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    with _LOCK:
        jobs = [j for j in _JOBS.values() if j.org_id == request.org.id]
    records = [{**job.info(), "jobType": "V2Query"} for job in jobs]
    return SimResponse(body={"done": True, "records": records, "nextRecordsUrl": None})


def submitted_queries(org_id: str) -> list[str]:
    """The SOQL of every query job the org received, oldest first: what a test checks a client asked."""
    with _LOCK:
        return [job.query for job in _JOBS.values() if job.org_id == org_id]


# ---------------------------------------------------------------------------------------
# Results


def encode_locator(offset: int) -> str:
    """Locators are opaque to clients; Salesforce's look like base64 of the offset."""
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int:
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded, validate=True).decode())
    except (ValueError, binascii.Error) as error:
        raise SalesforceError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from error


def results_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    job = _job_or_404(request, match.group("job"))
    if job.state == "Aborted" or job.state == "Failed":
        raise SalesforceError(400, "INVALIDJOB", f"Job {job.id} is {job.state}; no results")
    job.processed.wait()
    with _LOCK:
        job.state = "JobComplete"
    max_records = _max_records(request)
    locator = request.param("locator") or ""
    with job.pages_lock:
        if job.last_page is not None and job.last_page[0] == (locator, max_records):
            return dataclasses.replace(job.last_page[1], headers=dict(job.last_page[1].headers))
        page = _results_page(request, job, locator, max_records)
        job.last_page = ((locator, max_records), page)
        return page


def _results_page(request: SimRequest, job: QueryJob, locator: str, max_records: int) -> SimResponse:
    offset = decode_locator(locator) if locator else 0
    rows = _resume(request.org, job, locator, offset)
    page = list(itertools.islice(rows, max_records))
    more = next(rows, None)
    next_locator = "null"
    if more is not None:
        next_locator = encode_locator(offset + len(page))
        with _LOCK:
            job.cursors[next_locator] = itertools.chain([more], rows)
    body = render_csv(page, _columns(request.org, job), job.column_delimiter, job.line_ending)
    headers = {"Sforce-Locator": next_locator, "Sforce-NumberOfRecords": str(len(page))}
    return SimResponse(body=body, headers=headers, content_type="text/csv")


def _max_records(request: SimRequest) -> int:
    raw = request.param("maxRecords")
    if raw is None:
        return DEFAULT_MAX_RECORDS
    if not raw.isdigit() or int(raw) < 1:
        raise SalesforceError(400, "INVALIDPARAMETER", f"Invalid maxRecords: {raw}")
    return int(raw)


def _resume(org: Org, job: QueryJob, locator: str, offset: int) -> Iterator[dict[str, Any]]:
    with _LOCK:
        parked = job.cursors.pop(locator, None) if locator else None
    if parked is not None:
        return parked
    # an out-of-order locator: run the query again and skip to its offset
    return itertools.islice(_rows(org, job), offset, None)


def _cell(row: dict[str, Any], path: tuple[str, ...]) -> Any:
    current: Any = row
    for name in path:
        if not isinstance(current, dict):
            return None
        current = current.get(name)
    return current


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # Bulk CSV writes datetimes in UTC with a Z, where REST JSON writes +0000
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000", text):
        return text[:-5] + "Z"
    return text


def render_csv(rows: list[dict[str, Any]], columns: list[tuple[str, ...]], delimiter: str,
               line_ending: str) -> bytes:
    """A results page as Bulk API 2.0 writes it: a header row, every value quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITERS[delimiter],
                        lineterminator=LINE_ENDINGS[line_ending], quoting=csv.QUOTE_ALL)
    writer.writerow([".".join(path) for path in columns])
    for row in rows:
        writer.writerow([_csv_text(_cell(row, path)) for path in columns])
    return buffer.getvalue().encode("utf-8")


ROUTES: list[Route] = [
    Route("POST", re.compile(r"/?jobs/query/?"), create_handler),
    Route("GET", re.compile(r"/?jobs/query/?"), list_handler),
    Route("GET", re.compile(r"/?jobs/query/(?P<job>750\w+)/?"), status_handler),
    Route("PATCH", re.compile(r"/?jobs/query/(?P<job>750\w+)/?"), abort_handler),
    Route("DELETE", re.compile(r"/?jobs/query/(?P<job>750\w+)/?"), delete_handler),
    Route("GET", re.compile(r"/?jobs/query/(?P<job>750\w+)/results/?"), results_handler),
]
