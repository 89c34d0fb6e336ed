"""The REST API: versions, resources, describes, records, limits, query paging and composite."""

from __future__ import annotations

import contextvars
import itertools
import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from salesforce_simulator import faults, indexes, runtime, soql, tooling
from salesforce_simulator.org import Org, Record, SObjectType, record_id, sf_datetime
from salesforce_simulator.routing import Route, SalesforceError, SimRequest, SimResponse

DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200
MAX_SUBREQUESTS = 25
MAX_COMPOSITE_QUERIES = 5  # queries and sObject Collections per composite request
CURSOR_IDLE_SECONDS = 15 * 60  # Salesforce drops an idle query locator after 15 minutes
MAX_CURSORS = 1000
SINGLE_PASS_ROWS = 10_000  # results up to this size are buffered instead of counted separately

NOT_FOUND_MESSAGE = "The requested resource does not exist"


def not_found(message: str = NOT_FOUND_MESSAGE) -> SalesforceError:
    return SalesforceError(404, "NOT_FOUND", message)


def version_of(request: SimRequest) -> str:
    return request.api_version or request.org.max_api_version


# ----------------------------------------------------------------------------------------
# Versions and resources


def release_label(version: str) -> str:
    """``59.0`` → ``Winter '24``: three releases a year, Winter '24 being version 59."""
    steps = int(float(version)) - 59
    season = ("Winter", "Spring", "Summer")[steps % 3]
    return f"{season} '{24 + steps // 3}"


def versions(request: SimRequest, match: re.Match[str]) -> SimResponse:
    ordered = sorted(request.org.api_versions, key=float)
    return SimResponse(body=[
        {"label": release_label(v), "url": f"/services/data/v{v}", "version": v} for v in ordered
    ])  # fmt: skip


def resources(request: SimRequest, match: re.Match[str]) -> SimResponse:
    base = f"/services/data/v{version_of(request)}"
    names = ("tooling", "metadata", "eclair", "folders", "prechatForms", "chatter", "tabs",
             "appMenu", "quickActions", "queryAll", "commerce", "wave", "iot", "analytics",
             "search", "identity", "composite", "parameterizedSearch", "fingerprint", "theme",
             "nouns", "event", "serviceTemplates", "recent", "connect", "licensing", "limits",
             "process", "async-queries", "query", "jobs", "match", "emailConnect", "compactLayouts",
             "knowledgeManagement", "sobjects", "actions", "support")  # fmt: skip
    body = {name: f"{base}/{name}" for name in names}
    body["identity"] = f"{runtime.current().base_url}/id/{request.org.id}/" + (
        request.user.id if request.user else ""
    )
    return SimResponse(body=body)


# ----------------------------------------------------------------------------------------
# Describes


def _if_modified_since(request: SimRequest) -> datetime | None:
    raw = request.headers.get("If-Modified-Since")
    if not raw:
        return None
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _unchanged_since(request: SimRequest, modified: datetime) -> bool:
    since = _if_modified_since(request)
    # HTTP dates have whole seconds, so compare at that precision
    return since is not None and modified.replace(microsecond=0) <= since


def _last_modified_header(modified: datetime) -> dict[str, str]:
    return {"Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True)}


def describe_global_body(org: Org, version: str) -> dict[str, Any]:
    """describeGlobal: captured entries as they are, then every compact object's entry."""
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in org.global_only_entries:
        name = str(entry.get("name"))
        obj = org.objects.get(name)
        entries.append(obj.global_entry(version) if obj and obj.declared else entry)
        seen.add(name)
    for name in sorted(org.objects):
        if name not in seen:
            entries.append(org.objects[name].global_entry(version))
    return {"encoding": org.global_encoding, "maxBatchSize": org.global_max_batch_size,
            "sobjects": entries}  # fmt: skip


def describe_global(request: SimRequest, match: re.Match[str]) -> SimResponse:
    modified = request.org.latest_change()
    if _unchanged_since(request, modified):
        return SimResponse(status=304, body=None, headers=_last_modified_header(modified))
    return SimResponse(
        body=describe_global_body(request.org, version_of(request)),
        headers=_last_modified_header(modified),
    )


def sobject_or_404(org: Org, name: str) -> SObjectType:
    obj = org.sobject(name)
    if obj is None:
        raise not_found()
    return obj


def describe_sobject(request: SimRequest, match: re.Match[str]) -> SimResponse:
    obj = sobject_or_404(request.org, match["sobject"])
    delay = faults.active().describe_delay(obj.name)
    if delay:
        time.sleep(delay)  # the fault: a describe slower than the client's timeout
    if _unchanged_since(request, obj.last_modified):
        return SimResponse(status=304, body=None, headers=_last_modified_header(obj.last_modified))
    return SimResponse(
        body=obj.describe(version_of(request)), headers=_last_modified_header(obj.last_modified)
    )


def sobject_basic_info(request: SimRequest, match: re.Match[str]) -> SimResponse:
    obj = sobject_or_404(request.org, match["sobject"])
    return SimResponse(body={"objectDescribe": obj.global_entry(version_of(request)),
                             "recentItems": []})  # fmt: skip


# ----------------------------------------------------------------------------------------
# Records


def _field_names(obj: SObjectType, version: str) -> list[str]:
    return [str(f["name"]) for f in obj.describe(version)["fields"]]


def _value(row: Record, name: str) -> Any:
    if name in row:
        return row[name]
    lowered = name.lower()
    return next((value for key, value in row.items() if key.lower() == lowered), None)


def shaped_record(obj: SObjectType, row: Record, version: str, names: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"attributes": {
        "type": obj.name, "url": f"/services/data/v{version}/sobjects/{obj.name}/{row['Id']}"}}
    for name in names:
        body[name] = _value(row, name)
    return body


def get_record(request: SimRequest, match: re.Match[str]) -> SimResponse:
    version = version_of(request)
    obj = sobject_or_404(request.org, match["sobject"])
    row = request.org.get_record(obj.name, match["id"])
    if row is None or row.get("IsDeleted"):
        raise not_found()
    known = _field_names(obj, version)
    requested = request.param("fields")
    names = known
    if requested:
        canonical = {name.lower(): name for name in known}
        names = []
        for name in (part.strip() for part in requested.split(",") if part.strip()):
            if name.lower() not in canonical:
                raise SalesforceError(400, "INVALID_FIELD",
                                      f"No such column '{name}' on sobject of type {obj.name}")
            names.append(canonical[name.lower()])
    return SimResponse(body=shaped_record(obj, row, version, names))


# Writes exist so composite requests (and allOrNone roll-backs) behave; they touch literal rows.
_UNDO: contextvars.ContextVar[list[Callable[[], None]] | None] = contextvars.ContextVar(
    "salesforce_simulator_undo", default=None
)


def _remember(undo: Callable[[], None]) -> None:
    log = _UNDO.get()
    if log is not None:
        log.append(undo)


def create_record(request: SimRequest, match: re.Match[str]) -> SimResponse:
    obj = sobject_or_404(request.org, match["sobject"])
    values = request.json()
    if not isinstance(values, dict):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "Expected a JSON object for the record")
    names = {name.lower(): name for name in _field_names(obj, version_of(request))}
    for key in values:
        if key != "attributes" and key.lower() not in names:
            raise SalesforceError(400, "INVALID_FIELD",
                                  f"No such column '{key}' on sobject of type {obj.name}")
    new_id = _new_id(obj)
    now = faults.org_time().strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    row = {names[k.lower()]: v for k, v in values.items() if k != "attributes"}
    row.update({"Id": new_id, "IsDeleted": False, "CreatedDate": now, "LastModifiedDate": now,
                "SystemModstamp": now})  # fmt: skip
    if request.user is not None:
        row.setdefault("OwnerId", request.user.id)
        row.update({"CreatedById": request.user.id, "LastModifiedById": request.user.id})
    request.org.add_records(obj.name, [row])
    _remember(lambda: row.update(IsDeleted=True))
    location = f"/services/data/v{version_of(request)}/sobjects/{obj.name}/{new_id}"
    return SimResponse(status=201, body={"id": new_id, "success": True, "errors": []},
                       headers={"Location": location})  # fmt: skip


_ID_COUNTER = itertools.count(1)


def _new_id(obj: SObjectType) -> str:
    # pod "8n" for records created at runtime keeps them apart from literal and generated ids
    return record_id(obj.key_prefix or "a00", next(_ID_COUNTER), "8n")


def update_record(request: SimRequest, match: re.Match[str]) -> SimResponse:
    obj = sobject_or_404(request.org, match["sobject"])
    row = request.org.get_record(obj.name, match["id"])
    if row is None or row.get("IsDeleted"):
        raise not_found()
    values = request.json()
    if not isinstance(values, dict):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "Expected a JSON object for the record")
    before = dict(row)
    row.update({k: v for k, v in values.items() if k != "attributes"})
    now = faults.org_time().strftime("%Y-%m-%dT%H:%M:%S.000+0000")  # Salesforce stamps every update
    row.update({"LastModifiedDate": now, "SystemModstamp": now})
    if request.user is not None:
        row["LastModifiedById"] = request.user.id
    _remember(lambda: _restore(row, before))
    return SimResponse(status=204)


def _restore(row: Record, before: Record) -> None:
    row.clear()
    row.update(before)


def delete_record(request: SimRequest, match: re.Match[str]) -> SimResponse:
    obj = sobject_or_404(request.org, match["sobject"])
    row = request.org.get_record(obj.name, match["id"])
    if row is None or row.get("IsDeleted"):
        raise SalesforceError(404, "ENTITY_IS_DELETED", "entity is deleted")
    row["IsDeleted"] = True
    _remember(lambda: row.update(IsDeleted=False))
    return SimResponse(status=204)


def _window(request: SimRequest) -> tuple[datetime, datetime]:
    """The ``start``/``end`` parameters of the updated and deleted resources."""
    from salesforce_simulator.definition import to_datetime

    start, end = request.param("start"), request.param("end")
    if not start or not end:
        raise SalesforceError(400, "MISSING_ARGUMENT", "start and end are required")
    try:
        return to_datetime(start), to_datetime(end)
    except ValueError as exc:
        raise SalesforceError(400, "INVALID_DATE_FORMAT", str(exc)) from exc


def _changed_at(row: Record) -> datetime | None:
    from salesforce_simulator.definition import to_datetime

    stamp = row.get("SystemModstamp") or row.get("LastModifiedDate")
    try:
        return to_datetime(stamp) if stamp else None
    except ValueError:
        return None


def updated_ids(request: SimRequest, match: re.Match[str]) -> SimResponse:
    """``sobjects/{name}/updated/?start=&end=``: ids changed in the window."""
    obj = sobject_or_404(request.org, match["sobject"])
    start, end = _window(request)
    ids = [str(row["Id"]) for row in request.org.records(obj.name)
           if not row.get("IsDeleted") and (moment := _changed_at(row)) and start <= moment < end]  # fmt: skip
    return SimResponse(body={"ids": ids, "latestDateCovered": sf_datetime(min(end, request.org.now))})


def deleted_ids(request: SimRequest, match: re.Match[str]) -> SimResponse:
    """``sobjects/{name}/deleted/?start=&end=``: records deleted in the window."""
    obj = sobject_or_404(request.org, match["sobject"])
    start, end = _window(request)
    deleted = [{"id": str(row["Id"]), "deletedDate": sf_datetime(moment)}
               for row in request.org.records(obj.name)
               if row.get("IsDeleted") and (moment := _changed_at(row)) and start <= moment < end]  # fmt: skip
    earliest = request.org.now - timedelta(days=15)  # the recycle bin keeps 15 days
    return SimResponse(body={"deletedRecords": deleted, "earliestDateAvailable": sf_datetime(earliest),
                             "latestDateCovered": sf_datetime(min(end, request.org.now))})  # fmt: skip


# ----------------------------------------------------------------------------------------
# Limits


# Objects whose rows Salesforce leaves out of its record counts (they hang off other objects' rows).
_UNCOUNTED_SUFFIXES = ("ChangeEvent", "Feed", "History", "Share", "OwnerSharingRule")


def record_count(request: SimRequest, match: re.Match[str]) -> SimResponse:
    """`limits/recordCount`: rows per object, deleted ones left out; unknown names are ignored."""
    listed = request.param("sObjects")
    names = [name.strip() for name in listed.split(",") if name.strip()] if listed else sorted(request.org.objects)
    counts = []
    for name in dict.fromkeys(names):
        obj = request.org.sobject(name)
        if obj is None or obj.name.endswith(_UNCOUNTED_SUFFIXES):
            continue
        counts.append({"count": _live_rows(request.org, obj.name), "name": obj.name})
    return SimResponse(body={"sObjects": counts})


def _live_rows(org: Org, name: str) -> int:
    source = org.record_sources.get(name)
    known = source.known_count(include_deleted=False) if source is not None else None
    if known is not None:
        return known
    # Counting means reading every row: kept as a snapshot, which is what Salesforce serves too.
    snapshots: dict[str, int] = org.cache.setdefault("record_counts", {})
    if name not in snapshots:
        snapshots[name] = sum(1 for row in org.records(name) if not row.get("IsDeleted"))
    return snapshots[name]


def limits(request: SimRequest, match: re.Match[str]) -> SimResponse:
    accounting = runtime.current().accounting
    daily = {"Max": accounting.daily_limit, "Remaining": accounting.remaining()}

    def budget(maximum: int) -> dict[str, int]:
        return {"Max": maximum, "Remaining": maximum}

    return SimResponse(body={
        "ActiveScratchOrgs": budget(3), "AnalyticsExternalDataSizeMB": budget(40960),
        "ConcurrentAsyncGetReportInstances": budget(200), "ConcurrentSyncReportRuns": budget(20),
        "DailyAnalyticsDataflowJobExecutions": budget(60), "DailyApiRequests": daily,
        "DailyAsyncApexExecutions": budget(250000), "DailyBulkApiBatches": budget(15000),
        "DailyBulkV2QueryFileStorageMB": budget(976562), "DailyBulkV2QueryJobs": budget(10000),
        "DailyDurableGenericStreamingApiEvents": budget(10000),
        "DailyDurableStreamingApiEvents": budget(10000), "DailyGenericStreamingApiEvents": budget(10000),
        "DailyStandardVolumePlatformEvents": budget(10000), "DailyStreamingApiEvents": budget(10000),
        "DailyWorkflowEmails": budget(2000000), "DataStorageMB": budget(1024),
        "FileStorageMB": budget(20480), "HourlyAsyncReportRuns": budget(1200),
        "HourlyDashboardRefreshes": budget(200), "HourlyDashboardResults": budget(5000),
        "HourlyDashboardStatuses": budget(999999999), "HourlyODataCallout": budget(10000),
        "HourlySyncReportRuns": budget(500), "HourlyTimeBasedWorkflow": budget(1000),
        "MassEmail": budget(5000), "PermissionSets": budget(1500),
        "SingleEmail": budget(5000), "StreamingApiConcurrentClients": budget(2000),
    })  # fmt: skip


# ----------------------------------------------------------------------------------------
# Query and queryAll, paged through query locators


@dataclass
class QueryCursor:
    """An open query: a row iterator consumed page by page, plus what re-runs it."""

    locator: str
    text: str
    include_deleted: bool
    version: str
    total: int
    rows: Iterator[dict[str, Any]]
    position: int = 0
    touched: float = field(default_factory=time.monotonic)


@dataclass
class QueryCursors:
    """Open query locators, oldest evicted first; idle ones expire as Salesforce's do."""

    cursors: OrderedDict[str, QueryCursor] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def open(self, cursor: QueryCursor) -> None:
        with self.lock:
            self._expire()
            self.cursors[cursor.locator] = cursor
            while len(self.cursors) > MAX_CURSORS:
                self.cursors.popitem(last=False)

    def take(self, locator: str) -> QueryCursor | None:
        """The cursor for ``locator``, removed while a page is read (one reader at a time)."""
        with self.lock:
            self._expire()
            return self.cursors.pop(locator, None)

    def clear(self) -> None:
        with self.lock:
            self.cursors.clear()

    def _expire(self) -> None:
        now = time.monotonic()
        for locator in [k for k, c in self.cursors.items() if now - c.touched > CURSOR_IDLE_SECONDS]:
            del self.cursors[locator]


def _new_locator() -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "01g" + "".join(secrets.choice(alphabet) for _ in range(15))


def batch_size(request: SimRequest) -> int:
    """Sforce-Query-Options: batchSize=N (200..2000; Salesforce may return more than asked)."""
    options = request.headers.get("Sforce-Query-Options", "")
    found = re.search(r"batchSize\s*=\s*(\d+)", options)
    if not found:
        return DEFAULT_BATCH_SIZE
    return min(DEFAULT_BATCH_SIZE, max(MIN_BATCH_SIZE, int(found.group(1))))


def org_records(org: Org, include_deleted: bool) -> Callable[[str], Iterable[Record]]:
    def records(name: str) -> Iterable[Record]:
        rows = org.records(name)
        if include_deleted:
            return rows
        return (row for row in rows if not row.get("IsDeleted"))

    return records


def org_describe(org: Org, version: str) -> Callable[[str], dict[str, Any] | None]:
    cache: dict[str, dict[str, Any] | None] = {}

    def describe(name: str) -> dict[str, Any] | None:
        key = name.lower()
        if key not in cache:
            obj = org.sobject(name)
            cache[key] = obj.describe(version) if obj is not None else None
        return cache[key]

    return describe


def _lookup(org: Org) -> Callable[[str, str], Record | None]:
    return org.get_record


CATALOG_OBJECTS = {name.lower() for name in tooling.CATALOG_TYPES}


def run_query(
    org: Org, text: str, include_deleted: bool, version: str
) -> tuple[int, Iterator[dict[str, Any]]]:
    """(totalSize, shaped rows) for ``text``; SOQL errors become Salesforce's 400s."""
    try:
        query = soql.parse(text)
        if query.sobject.lower() in CATALOG_OBJECTS:
            # EntityDefinition and FieldDefinition answer REST queries too (SOAP API 45.0 and later),
            # with the same restrictions as in the Tooling API.
            result = tooling.run_tooling_query(org, text, version)
            return result.total, iter(result.rows)
        records = org_records(org, include_deleted)
        options: dict[str, Any] = {"describe": org_describe(org, version), "lookup": _lookup(org),
                                   "now": org.now, "index": indexes.index_finder(org, include_deleted)}  # fmt: skip
        rows = soql.execute(query, records, base_url=f"/services/data/v{version}/sobjects", **options)
        if query.count_field is not None:
            return 1, rows
        total = _known_total(org, query, include_deleted)
        if query.count:
            return (total if total is not None else soql.count(query, records, **options)), iter(())
        if total is not None:
            return total, rows
        # small results are counted by reading them once; big ones need a counting pass
        head = list(itertools.islice(rows, SINGLE_PASS_ROWS + 1))
        if len(head) <= SINGLE_PASS_ROWS:
            return len(head), iter(head)
        return soql.count(query, records, **options), itertools.chain(head, rows)
    except soql.SoqlError as exc:
        raise SalesforceError(400, exc.error_code, exc.message) from exc


def _known_total(org: Org, query: soql.Query, include_deleted: bool) -> int | None:
    """totalSize without reading rows: only for an unfiltered query of a counted source."""
    if query.where is not None:
        return None
    obj = org.sobject(query.sobject)
    source = org.record_sources.get(obj.name) if obj is not None and obj.name != "User" else None
    known = source.known_count(include_deleted) if source is not None else None
    if known is None:
        return None
    known = max(0, known - (query.offset or 0))
    return known if query.limit is None else min(known, query.limit)


def query(request: SimRequest, match: re.Match[str]) -> SimResponse:
    text = request.param("q")
    if not text:
        raise SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified")
    include_deleted = match["kind"] == "queryAll"
    version = version_of(request)
    total, rows = run_query(request.org, text, include_deleted, version)
    cursor = QueryCursor(_new_locator(), text, include_deleted, version, total, rows)
    return SimResponse(body=_page(cursor, match["kind"], batch_size(request)))


def query_more(request: SimRequest, match: re.Match[str]) -> SimResponse:
    state = runtime.current()
    cursor = state.cursors.take(match["locator"])
    position = int(match["position"])
    if cursor is None:
        raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    if cursor.position != position:
        # a page asked for again (a retry): re-run the query and skip to that row
        _, rows = run_query(request.org, cursor.text, cursor.include_deleted, cursor.version)
        cursor.rows = itertools.islice(rows, position, None)
        cursor.position = position
    return SimResponse(body=_page(cursor, match["kind"], batch_size(request)))


def _page(cursor: QueryCursor, kind: str, size: int) -> dict[str, Any]:
    records = list(itertools.islice(cursor.rows, size))
    cursor.position += len(records)
    cursor.touched = time.monotonic()
    done = len(records) < size or cursor.position >= cursor.total
    if not done:
        # one look ahead, so the last full page says done instead of leading to an empty one
        extra = next(cursor.rows, None)
        if extra is None:
            done = True
        else:
            cursor.rows = itertools.chain([extra], cursor.rows)
    body: dict[str, Any] = {"totalSize": cursor.total, "done": done}
    if not done:
        body["nextRecordsUrl"] = (
            f"/services/data/v{cursor.version}/{kind}/{cursor.locator}-{cursor.position}"
        )
        runtime.current().cursors.open(cursor)
    body["records"] = records
    return body


# ----------------------------------------------------------------------------------------
# Composite batch and composite


def _subrequest_url(url: str, version: str) -> str:
    """``v61.0/sobjects/…`` (batch style) or ``/services/data/v61.0/…`` → a full path."""
    if url.startswith("/services/"):
        return url
    trimmed = url.lstrip("/")
    if re.match(r"v\d+\.\d+(/|$)", trimmed):
        return f"/services/data/{trimmed}"
    return f"/services/data/v{version}/{trimmed}"


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    return json.dumps(body).encode()


def _response_json(response: SimResponse) -> Any:
    body = response.body
    if isinstance(body, (bytes, str)):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            return json.loads(text) if text else None
        except ValueError:
            return text
    if isinstance(body, Iterator):
        return b"".join(body).decode("utf-8", "replace")
    return body


def composite_batch(request: SimRequest, match: re.Match[str]) -> SimResponse:
    payload = request.json()
    if not isinstance(payload, dict) or not isinstance(payload.get("batchRequests"), list):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "batchRequests is required")
    subrequests: list[dict[str, Any]] = payload["batchRequests"]
    if len(subrequests) > MAX_SUBREQUESTS:
        raise SalesforceError(400, "INVALID_BATCH_REQUEST",
                              f"A batch cannot contain more than {MAX_SUBREQUESTS} requests")
    halt_on_error = bool(payload.get("haltOnError"))
    state = runtime.current()
    results: list[dict[str, Any]] = []
    halted = False
    for sub in subrequests:
        if halted:
            results.append({"statusCode": 412, "result": [
                {"errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted per request"}]})
            continue
        assert request.user is not None
        url = _subrequest_url(str(sub.get("url", "")), version_of(request))
        response = state.dispatch_subrequest(
            str(sub.get("method", "GET")).upper(), url, {}, _body_bytes(sub.get("richInput")),
            request.user, True,
        )
        results.append({"statusCode": response.status, "result": _response_json(response)})
        halted = halt_on_error and response.status >= 400
    has_errors = any(result["statusCode"] >= 400 for result in results)
    return SimResponse(body={"hasErrors": has_errors, "results": results})


_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_COLLECTION_OR_QUERY = re.compile(r"/services/data/v[\d.]+/(query|queryAll|composite/sobjects)(/|\?|$)")


class _UnresolvedReferenceError(Exception):
    def __init__(self, expression: str, reference_id: str) -> None:
        super().__init__(expression)
        self.expression = expression
        self.reference_id = reference_id


def _resolve_path(value: Any, path: str) -> Any:
    for step in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", path):
        key, index = step
        if key:
            if not isinstance(value, dict) or key not in value:
                raise KeyError(key)
            value = value[key]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                raise KeyError(index)
            value = value[int(index)]
    return value


def _substitute(template: Any, results: dict[str, Any]) -> Any:
    """``@{refAccount.id}`` in strings of the url or body → the earlier subrequest's value."""
    if isinstance(template, dict):
        return {key: _substitute(value, results) for key, value in template.items()}
    if isinstance(template, list):
        return [_substitute(item, results) for item in template]
    if not isinstance(template, str):
        return template

    def replace(found: re.Match[str]) -> str:
        reference_id, path = found.group(1), found.group(2)
        if reference_id not in results:
            raise _UnresolvedReferenceError(found.group(0)[2:-1], reference_id)
        try:
            return str(_resolve_path(results[reference_id], path))
        except KeyError as exc:
            raise _UnresolvedReferenceError(found.group(0)[2:-1], reference_id) from exc

    return _REFERENCE.sub(replace, template)


def _validate_composite(subrequests: list[dict[str, Any]]) -> None:
    if len(subrequests) > MAX_SUBREQUESTS:
        raise SalesforceError(400, "INVALID_BATCH_REQUEST",
                              f"Composite requests cannot contain more than {MAX_SUBREQUESTS} subrequests")
    heavy = [s for s in subrequests if _COLLECTION_OR_QUERY.search(str(s.get("url", "")))]
    if len(heavy) > MAX_COMPOSITE_QUERIES:
        raise SalesforceError(400, "INVALID_BATCH_REQUEST",
                              f"Composite requests cannot contain more than {MAX_COMPOSITE_QUERIES} "
                              "query or sObject Collections subrequests")
    for sub in subrequests:
        if not sub.get("referenceId") or not sub.get("url") or not sub.get("method"):
            raise SalesforceError(400, "INVALID_INPUT",
                                  "Each subrequest needs a method, a url and a referenceId")


def composite(request: SimRequest, match: re.Match[str]) -> SimResponse:
    payload = request.json()
    if not isinstance(payload, dict) or not isinstance(payload.get("compositeRequest"), list):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "compositeRequest is required")
    subrequests: list[dict[str, Any]] = payload["compositeRequest"]
    _validate_composite(subrequests)
    all_or_none = bool(payload.get("allOrNone"))
    undo: list[Callable[[], None]] = []
    token = _UNDO.set(undo)
    try:
        responses = _run_composite(request, subrequests, all_or_none)
    finally:
        _UNDO.reset(token)
    if all_or_none and any(r["httpStatusCode"] >= 400 for r in responses):
        for action in reversed(undo):
            action()
        responses = _rolled_back(responses)
    return SimResponse(body={"compositeResponse": responses})


def _run_composite(
    request: SimRequest, subrequests: list[dict[str, Any]], all_or_none: bool
) -> list[dict[str, Any]]:
    state = runtime.current()
    results: dict[str, Any] = {}
    failed: set[str] = set()
    responses: list[dict[str, Any]] = []
    for sub in subrequests:
        reference_id = str(sub["referenceId"])
        if all_or_none and failed:
            responses.append(_halted(reference_id, None))
            continue
        try:
            url = _substitute(str(sub["url"]), results)
            body = _substitute(sub.get("body"), results)
        except _UnresolvedReferenceError as exc:
            failed.add(reference_id)
            responses.append(_halted(reference_id, exc))
            continue
        assert request.user is not None
        headers = {str(k): str(v) for k, v in (sub.get("httpHeaders") or {}).items()}
        response = state.dispatch_subrequest(
            str(sub["method"]).upper(), _subrequest_url(url, version_of(request)), headers,
            _body_bytes(body), request.user, False,
        )  # fmt: skip
        parsed = _response_json(response)
        if response.status >= 400:
            failed.add(reference_id)
        else:
            results[reference_id] = parsed
        kept = {"location", "last-modified"}
        headers_out = {k: v for k, v in response.headers.items() if k.lower() in kept}
        responses.append({"body": parsed, "httpHeaders": headers_out,
                          "httpStatusCode": response.status, "referenceId": reference_id})  # fmt: skip
    return responses


def _halted(reference_id: str, unresolved: _UnresolvedReferenceError | None) -> dict[str, Any]:
    if unresolved is None:
        message = "The transaction was rolled back since another operation in the same transaction failed."
    else:
        message = (f"Invalid reference specified. No value for {unresolved.expression} found in "
                   f"{unresolved.reference_id}. Provided referenceId ids are [{unresolved.reference_id}].")
    return {"body": [{"errorCode": "PROCESSING_HALTED", "message": message}], "httpHeaders": {},
            "httpStatusCode": 400, "referenceId": reference_id}  # fmt: skip


def _rolled_back(responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """After an allOrNone failure: the failure stands, every other subrequest reports the roll-back."""
    first_failure = next(i for i, r in enumerate(responses) if r["httpStatusCode"] >= 400)
    return [
        response if index == first_failure else _halted(str(response["referenceId"]), None)
        for index, response in enumerate(responses)
    ]


_SOBJECT = r"(?P<sobject>\w+)"
_ID = r"(?P<id>[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?)"

ROUTES: list[Route] = [
    Route("GET", re.compile(r"/services/data"), versions,
          versioned=False, authenticated=False, counts_api_call=False),
    Route("GET", re.compile(r""), resources),
    Route("GET", re.compile(r"/sobjects"), describe_global),
    Route("GET", re.compile(rf"/sobjects/{_SOBJECT}/describe"), describe_sobject),
    Route("GET", re.compile(rf"/sobjects/{_SOBJECT}"), sobject_basic_info),
    Route("POST", re.compile(rf"/sobjects/{_SOBJECT}"), create_record),
    Route("GET", re.compile(rf"/sobjects/{_SOBJECT}/updated"), updated_ids),
    Route("GET", re.compile(rf"/sobjects/{_SOBJECT}/deleted"), deleted_ids),
    Route("GET", re.compile(rf"/sobjects/{_SOBJECT}/{_ID}"), get_record),
    Route("PATCH", re.compile(rf"/sobjects/{_SOBJECT}/{_ID}"), update_record),
    Route("DELETE", re.compile(rf"/sobjects/{_SOBJECT}/{_ID}"), delete_record),
    Route("GET", re.compile(r"/limits"), limits),
    Route("GET", re.compile(r"/limits/recordCount"), record_count),
    Route("GET", re.compile(r"/(?P<kind>query|queryAll)"), query),
    Route("GET", re.compile(r"/(?P<kind>query|queryAll)/(?P<locator>01g\w+)-(?P<position>\d+)"), query_more),
    # the batch itself costs nothing: each of its subrequests is counted as it runs
    Route("POST", re.compile(r"/composite/batch"), composite_batch, counts_api_call=False),
    Route("POST", re.compile(r"/composite"), composite),
]  # fmt: skip
