"""Event Monitoring: EventLogFile records and their CSV log files, SetupAuditTrail, LoginHistory.

``register(org)`` declares the three objects (describe included) and gives them record sources,
so the REST query route, Bulk API 2.0 and describe serve them like any other object. Daily log
files are generated deterministically from the definition's ``event_logs:`` section: one file
per event type per day, rows derived from a seed of org id, type and day, plus the literal
entries injected on their days. Log bodies are written row by row, never held whole.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import io
import random
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from salesforce_simulator import faults, soql
from salesforce_simulator.describe import CompactField, CompactObject
from salesforce_simulator.generator import GENERATED_REPORTS
from salesforce_simulator.org import (
    ListRecordSource,
    Org,
    Record,
    RecordSource,
    record_id,
    to_18,
)
from salesforce_simulator.routing import Route, SalesforceError, SimRequest, SimResponse

EXPORTED_REPORT = record_id("00O", 1)  # the generated exports are of the generated org's first report

EVENT_LOG_FILE = "EventLogFile"
SETUP_AUDIT_TRAIL = "SetupAuditTrail"
LOGIN_HISTORY = "LoginHistory"

# Columns of each event type's log file, as Salesforce's EventLogFile docs list them.
_COMMON = ["EVENT_TYPE", "TIMESTAMP", "REQUEST_ID", "ORGANIZATION_ID", "USER_ID"]
_TIMING = ["RUN_TIME", "CPU_TIME", "URI", "SESSION_KEY", "LOGIN_KEY"]
_DERIVED = ["TIMESTAMP_DERIVED", "USER_ID_DERIVED", "CLIENT_IP"]
COLUMNS: dict[str, list[str]] = {
    "API": [*_COMMON, *_TIMING, "USER_TYPE", "REQUEST_STATUS", "DB_TOTAL_TIME", "API_TYPE",
            "API_VERSION", "CLIENT_NAME", "METHOD_NAME", "ENTITY_NAME", "ROWS_PROCESSED",
            "REQUEST_SIZE", "RESPONSE_SIZE", "DB_BLOCKS", "DB_CPU_TIME", "QUERY_ID",
            *_DERIVED, "URI_ID_DERIVED"],
    "RestApi": [*_COMMON, *_TIMING, "USER_TYPE", "REQUEST_STATUS", "DB_TOTAL_TIME",
                "ENTITY_NAME", "METHOD", "MEDIA_TYPE", "STATUS_CODE", "USER_AGENT",
                "NUMBER_FIELDS", "ROWS_PROCESSED", "REQUEST_SIZE", "RESPONSE_SIZE", "DB_BLOCKS",
                "DB_CPU_TIME", "CONNECTED_APP_ID", "QUERY_ID", *_DERIVED, "URI_ID_DERIVED"],
    "BulkApi": [*_COMMON, *_TIMING, "JOB_ID", "BATCH_ID", "ENTITY_TYPE", "OPERATION_TYPE",
                "MESSAGE", "NUMBER_FAILURES", "ROWS_PROCESSED", *_DERIVED],
    "ReportExport": [*_COMMON, "CLIENT_IP", "URI", "SESSION_KEY", "LOGIN_KEY",
                     "REPORT_DESCRIPTION", "USER_AGENT", "TIMESTAMP_DERIVED", "USER_ID_DERIVED",
                     "URI_ID_DERIVED"],
    "Report": [*_COMMON, *_TIMING, "REQUEST_STATUS", "DB_TOTAL_TIME", "ENTITY_NAME",
               "DISPLAY_TYPE", "RENDERING_TYPE", "REPORT_ID", "ROW_COUNT",
               "NUMBER_EXCEPTION_FILTERS", "NUMBER_COLUMNS", "AVERAGE_ROW_SIZE", "SORT",
               "DB_BLOCKS", "DB_CPU_TIME", "NUMBER_BUCKETS", "ORIGIN", *_DERIVED,
               "URI_ID_DERIVED", "REPORT_ID_DERIVED"],
    "ApexCallout": [*_COMMON, *_TIMING, "TYPE", "METHOD", "URL", "SUCCESS", "TIME",
                    "REQUEST_SIZE", "RESPONSE_SIZE", *_DERIVED],
    "ApiTotalUsage": ["EVENT_TYPE", "TIMESTAMP", "REQUEST_ID", "ORGANIZATION_ID", "USER_ID",
                      "API_FAMILY", "API_VERSION", "API_RESOURCE", "CLIENT_NAME", "HTTP_METHOD",
                      "CLIENT_IP", "COUNTS_AGAINST_API_LIMIT", "CONNECTED_APP_ID",
                      "ENTITY_NAME", "STATUS_CODE", "UNIQUE_ID", "TIMESTAMP_DERIVED",
                      "USER_ID_DERIVED"],
}
_NUMBER_COLUMNS = {
    "RUN_TIME", "CPU_TIME", "DB_TOTAL_TIME", "ROWS_PROCESSED", "REQUEST_SIZE", "RESPONSE_SIZE",
    "DB_BLOCKS", "DB_CPU_TIME", "NUMBER_FIELDS", "NUMBER_FAILURES", "ROW_COUNT",
    "NUMBER_EXCEPTION_FILTERS", "NUMBER_COLUMNS", "AVERAGE_ROW_SIZE", "NUMBER_BUCKETS", "TIME",
    "STATUS_CODE",
}
_ID_COLUMNS = {"USER_ID", "ORGANIZATION_ID", "URI_ID_DERIVED", "REPORT_ID", "CONNECTED_APP_ID",
               "JOB_ID", "BATCH_ID"}


def columns_for(org: Org, event_type: str) -> list[str]:
    """The documented columns, then any further keys the literal entries of that type carry."""
    base = COLUMNS.get(event_type, [*_COMMON, *_DERIVED])
    extra: list[str] = []
    for entry in org.event_logs.entries:
        if entry.event_type == event_type:
            extra.extend(k for k in entry.row if k not in base and k not in extra)
    return [*base, *extra]


def field_types(columns: list[str]) -> list[str]:
    """LogFileFieldTypes: Salesforce's type names per column."""
    def kind(name: str) -> str:
        if name in _NUMBER_COLUMNS:
            return "Number"
        if name == "TIMESTAMP_DERIVED":
            return "DateTime"
        if name in _ID_COLUMNS or name == "USER_ID_DERIVED":
            return "Id"
        if name == "SUCCESS" or name == "COUNTS_AGAINST_API_LIMIT":
            return "Boolean"
        return "String"

    return [kind(name) for name in columns]


# ---------------------------------------------------------------------------------------
# Log files


@dataclass(frozen=True)
class LogFile:
    """One daily log: which type, which day (offset from org.now), its id and sequence."""

    id: str
    event_type: str
    day: int  # negative: days before org.now

    def log_date(self, org: Org) -> datetime:
        start = org.now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return start + timedelta(days=self.day)


def log_files(org: Org) -> list[LogFile]:
    """Every daily log file the org has, newest day first, types in definition order."""
    config = org.event_logs
    days = set(range(-config.days, 0)) | {entry.day for entry in config.entries}
    types = list(config.event_types)
    types += [e.event_type for e in config.entries if e.event_type not in types]
    files: list[LogFile] = []
    for day in sorted(days, reverse=True):
        for index, event_type in enumerate(types):
            number = (-day) * 100 + index + 1 if day < 0 else 90_000 + day * 100 + index + 1
            files.append(LogFile(record_id("0AT", number), event_type, day))
    return files


def _log_file(org: Org, file_id: str) -> LogFile | None:
    return next((f for f in log_files(org) if f.id[:15] == file_id[:15]), None)


def _rng(org: Org, log: LogFile) -> random.Random:
    digest = hashlib.sha256(f"{org.id}|{log.event_type}|{log.day}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - synthetic data


def _token(rng: random.Random, length: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(alphabet) for _ in range(length))


def _moment(org: Org, log: LogFile, rng: random.Random, index: int) -> datetime:
    """Row ``index`` falls in its own slice of the day, so rows come out in time order."""
    slots = max(1, org.event_logs.rows_per_day)
    slot_ms = 86_400_000 // slots
    offset = (index % slots) * slot_ms + rng.randrange(max(1, slot_ms))
    return log.log_date(org) + timedelta(milliseconds=offset)


def _generated_row(org: Org, log: LogFile, rng: random.Random, index: int) -> dict[str, Any]:
    moment = _moment(org, log, rng, max(index, 0))
    user = rng.choice(org.users).id if org.users else record_id("005", 1)
    objects = sorted(org.objects) or ["Account"]
    values: dict[str, Any] = {
        "EVENT_TYPE": log.event_type,
        "TIMESTAMP": moment.strftime("%Y%m%d%H%M%S.") + f"{moment.microsecond // 1000:03d}",
        "TIMESTAMP_DERIVED": soql.render_value(moment, "datetime").replace("+0000", "Z"),
        "REQUEST_ID": _token(rng, 22),
        "ORGANIZATION_ID": org.id[:15],
        "USER_ID": user[:15],
        "USER_ID_DERIVED": user,
        "CLIENT_IP": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
        "SESSION_KEY": _token(rng, 16),
        "LOGIN_KEY": _token(rng, 16),
        "ENTITY_NAME": rng.choice(objects),
        "ENTITY_TYPE": rng.choice(objects),
        "API_VERSION": org.max_api_version,
        "UNIQUE_ID": f"{_token(rng, 8)}-{index:06d}",
    }
    values.update(_type_values(org, log, rng, values))
    return values


def _type_values(org: Org, log: LogFile, rng: random.Random, base: dict[str, Any]) -> dict[str, Any]:
    entity = base["ENTITY_NAME"]
    version = org.max_api_version
    rows = rng.randrange(0, 2000)
    common: dict[str, Any] = {
        "RUN_TIME": rng.randrange(5, 900), "CPU_TIME": rng.randrange(1, 300),
        "DB_TOTAL_TIME": rng.randrange(1_000_000, 90_000_000), "DB_BLOCKS": rng.randrange(0, 5000),
        "DB_CPU_TIME": rng.randrange(0, 200), "REQUEST_STATUS": "S", "USER_TYPE": "Standard",
        "ROWS_PROCESSED": rows, "REQUEST_SIZE": rng.randrange(100, 4000),
        "RESPONSE_SIZE": rng.randrange(200, 900_000),
    }
    per_type: dict[str, dict[str, Any]] = {
        "API": {"API_TYPE": rng.choice(["E", "P"]), "METHOD_NAME": rng.choice(["query",
                "queryMore", "describeSObjects", "retrieve"]), "CLIENT_NAME": "",
                "URI": f"/services/Soap/u/{version}"},
        "RestApi": {"METHOD": rng.choice(["GET", "GET", "POST", "PATCH"]), "STATUS_CODE": 200,
                    "MEDIA_TYPE": "application/json", "USER_AGENT": "python-requests/2.32",
                    "NUMBER_FIELDS": rng.randrange(1, 40),
                    "URI": f"/services/data/v{version}/query"},
        "BulkApi": {"JOB_ID": record_id("750", rng.randrange(1, 10**6))[:15],
                    "BATCH_ID": record_id("751", rng.randrange(1, 10**6))[:15],
                    "OPERATION_TYPE": rng.choice(["query", "insert", "upsert"]), "MESSAGE": "",
                    "NUMBER_FAILURES": 0, "URI": f"/services/async/{version}/job"},
        "ReportExport": {"REPORT_DESCRIPTION": f"{entity} export", "USER_AGENT": "Mozilla/5.0",
                         "URI": f"/{EXPORTED_REPORT[:15]}", "URI_ID_DERIVED": EXPORTED_REPORT},
        "Report": {"REPORT_ID": record_id("00O", rng.randrange(1, GENERATED_REPORTS + 1))[:15],
                   "DISPLAY_TYPE": "D", "RENDERING_TYPE": "W", "ROW_COUNT": rows,
                   "NUMBER_COLUMNS": rng.randrange(3, 25), "ORIGIN": "ReportRunFromLightning",
                   "URI": "/lightning/r/Report"},
        "ApexCallout": {"TYPE": "REST", "METHOD": rng.choice(["GET", "POST"]),
                        "URL": "https://api.example-partner.test/v1/accounts", "SUCCESS": 1,
                        "TIME": rng.randrange(20, 2000)},
        "ApiTotalUsage": {"API_FAMILY": rng.choice(["REST", "SOAP", "Bulk"]),
                          "API_RESOURCE": f"/v{version}/query", "HTTP_METHOD": "GET",
                          "COUNTS_AGAINST_API_LIMIT": "true", "STATUS_CODE": 200,
                          "CLIENT_NAME": ""},
    }
    return {**common, **per_type.get(log.event_type, {})}


def log_rows(org: Org, log: LogFile) -> Iterator[dict[str, Any]]:
    """Generated rows merged in time order with the literal entries of that type and day."""
    rng = _rng(org, log)
    literal_rng = _rng(org, LogFile(log.id, log.event_type, log.day - 10_000))
    generated: Iterator[dict[str, Any]] = iter(())
    if log.day < 0 and log.event_type in org.event_logs.event_types:
        generated = (_generated_row(org, log, rng, i) for i in range(org.event_logs.rows_per_day))
    literal = sorted(
        (_literal_row(org, log, literal_rng, entry.row) for entry in org.event_logs.entries
         if entry.event_type == log.event_type and entry.day == log.day),
        key=_timestamp)
    return heapq.merge(generated, literal, key=_timestamp)


def _timestamp(row: Mapping[str, Any]) -> str:
    return str(row.get("TIMESTAMP", ""))  # yyyyMMddHHmmss.SSS sorts as text


def _literal_row(org: Org, log: LogFile, rng: random.Random, literal: Mapping[str, Any]) -> dict[str, Any]:
    row = _generated_row(org, log, rng, 0)
    row.update(literal)
    return _rederived(org, row, literal)


def _rederived(org: Org, row: dict[str, Any], literal: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the *_DERIVED columns consistent with the literal values they derive from."""
    user = str(literal.get("USER_ID") or "")
    if user and "USER_ID_DERIVED" not in literal:
        known = org.user_by_id(user)  # the org's own spelling of the id, as User rows show it
        row["USER_ID_DERIVED"] = known.id if known else (to_18(user) if len(user) == 15 else user)
    uri_id = re.fullmatch(r"/(\w{15}|\w{18})", str(literal.get("URI") or ""))
    if uri_id and "URI_ID_DERIVED" not in literal:
        row["URI_ID_DERIVED"] = to_18(uri_id.group(1)[:15])
    report = str(literal.get("REPORT_ID") or "")
    if report and "REPORT_ID_DERIVED" in row and "REPORT_ID_DERIVED" not in literal:
        row["REPORT_ID_DERIVED"] = to_18(report[:15])
    return row


def _csv_line(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(values)
    return buffer.getvalue().encode("utf-8")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def log_body(org: Org, log: LogFile) -> Iterator[bytes]:
    """The CSV log file, one line at a time: a quoted header row, then quoted values."""
    columns = columns_for(org, log.event_type)
    yield _csv_line(columns)
    for row in log_rows(org, log):
        yield _csv_line([_text(row.get(column)) for column in columns])


_LENGTHS: dict[tuple[str, str, int, int, int], int] = {}


def log_length(org: Org, log: LogFile) -> int:
    """The body's size in bytes; measured once by writing it (nothing kept but the number)."""
    config = org.event_logs
    key = (org.id, log.id, config.rows_per_day, len(config.entries), len(org.users) + len(org.objects))
    if key not in _LENGTHS:
        _LENGTHS[key] = sum(len(line) for line in log_body(org, log))
    return _LENGTHS[key]


def faulty(body: Iterator[bytes], active: faults.Faults, total: int) -> Iterator[bytes]:
    """Apply the log-file faults: cut the body mid-row, or break one row's quoting."""
    if active.malformed_logs:
        body = _malformed(body)
    if active.truncated_logs:
        body = _truncated(body, max(1, total * 2 // 3))
    return body


def _malformed(body: Iterator[bytes]) -> Iterator[bytes]:
    for number, line in enumerate(body):
        if number == 2:
            # an unbalanced quote and a missing column, as a corrupted export shows them
            yield line.rstrip(b"\n").rsplit(b",", 1)[0].replace(b'"', b"", 1) + b',"unterminated\n'
        else:
            yield line


def _truncated(body: Iterator[bytes], limit: int) -> Iterator[bytes]:
    sent = 0
    for line in body:
        if sent + len(line) >= limit:
            yield line[: max(1, limit - sent)]
            return
        sent += len(line)
        yield line


# ---------------------------------------------------------------------------------------
# Records and objects


def _record_for(org: Org, log: LogFile) -> Record:
    version = org.max_api_version
    columns = columns_for(org, log.event_type)
    created = log.log_date(org) + timedelta(days=1, hours=3)
    stamp = soql.render_value(created, "datetime")
    return {
        "Id": log.id,
        "IsDeleted": False,
        "CreatedDate": stamp,
        "CreatedById": org.users[0].id if org.users else None,
        "LastModifiedDate": stamp,
        "LastModifiedById": org.users[0].id if org.users else None,
        "SystemModstamp": stamp,
        "EventType": log.event_type,
        "LogDate": soql.render_value(log.log_date(org), "datetime"),
        "LogFile": f"/services/data/v{version}/sobjects/EventLogFile/{log.id}/LogFile",
        "LogFileContentType": "CSV",
        "LogFileLength": float(log_length(org, log)),
        "LogFileFieldNames": ",".join(columns),
        "LogFileFieldTypes": ",".join(field_types(columns)),
        "Sequence": 0,
        "Interval": "Daily",
        "ApiVersion": float(version),
    }


class EventLogFileSource(RecordSource):
    """EventLogFile rows computed from the definition; nothing is stored."""

    def __init__(self, org: Org) -> None:
        self.org = org

    def __iter__(self) -> Iterator[Record]:
        return (_record_for(self.org, log) for log in log_files(self.org))

    def get(self, record_id_: str) -> Record | None:
        log = _log_file(self.org, record_id_)
        return _record_for(self.org, log) if log is not None else None


def _f(name: str, type_: str, **extra: Any) -> CompactField:
    return CompactField(name, type_, custom=False, **extra)


def _system() -> list[CompactField]:
    return [
        _f("IsDeleted", "boolean"), _f("CreatedDate", "datetime"),
        _f("CreatedById", "reference", reference_to=["User"], relationship_name="CreatedBy"),
        _f("LastModifiedDate", "datetime"),
        _f("LastModifiedById", "reference", reference_to=["User"],
           relationship_name="LastModifiedBy"),
        _f("SystemModstamp", "datetime"),
    ]


def _event_log_file_object(org: Org) -> CompactObject:
    fields = [
        _f("Id", "id"), *_system(),
        _f("EventType", "picklist", picklist_values=sorted(COLUMNS)),
        _f("LogDate", "datetime"), _f("LogFile", "base64"),
        _f("LogFileContentType", "string"), _f("LogFileLength", "double", precision=18, scale=0),
        _f("LogFileFieldNames", "string", length=1333), _f("LogFileFieldTypes", "string",
                                                           length=1333),
        _f("Sequence", "int"), _f("Interval", "picklist", picklist_values=["Daily", "Hourly"]),
        _f("ApiVersion", "double", precision=18, scale=1),
    ]
    return _object(org, EVENT_LOG_FILE, "Event Log File", "0AT", fields)


def _setup_audit_trail_object(org: Org) -> CompactObject:
    fields = [
        _f("Id", "id"), _f("Action", "string"), _f("Section", "string"),
        _f("Display", "string", length=1000), _f("DelegateUser", "string", length=80),
        _f("ResponsibleNamespacePrefix", "string", length=15),
        _f("CreatedByContext", "string", length=40), _f("CreatedByIssuer", "string"),
        _f("CreatedDate", "datetime"),
        _f("CreatedById", "reference", reference_to=["User"], relationship_name="CreatedBy"),
    ]
    return _object(org, SETUP_AUDIT_TRAIL, "Setup Audit Trail", "0Ym", fields,
                   org.setup_audit_trail)


def _login_history_object(org: Org) -> CompactObject:
    fields = [
        _f("Id", "id"),
        _f("UserId", "reference", reference_to=["User"], relationship_name="User"),
        _f("LoginTime", "datetime"), _f("LoginType", "picklist"), _f("SourceIp", "string"),
        _f("LoginUrl", "string"), _f("Browser", "string"), _f("Platform", "string"),
        _f("Status", "string"), _f("Application", "string"), _f("ClientVersion", "string"),
        _f("ApiType", "string"), _f("ApiVersion", "string"), _f("CountryIso", "string"),
        _f("AuthMethodReference", "string"), _f("LoginGeoId", "reference",
                                                 reference_to=["LoginGeo"],
                                                 relationship_name="LoginGeo"),
        _f("TlsProtocol", "string"), _f("CipherSuite", "string"),
    ]
    return _object(org, LOGIN_HISTORY, "Login History", "0Ya", fields, org.login_history)


def _object(org: Org, name: str, label: str, prefix: str, fields: list[CompactField],
            rows: Iterable[Record] = ()) -> CompactObject:
    """A compact object whose fields also cover every key its literal rows carry."""
    declared = {f.name for f in fields}
    for row in rows:
        for key, value in row.items():
            if key not in declared and key != "attributes":
                fields.append(_f(key, _guess_type(key, value)))
                declared.add(key)
    return CompactObject(name, label, f"{label}s", custom=False, key_prefix=prefix,
                         fields=fields, system_fields=False,
                         last_modified=org.now - timedelta(days=365))


def _guess_type(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "double"
    if key.endswith(("Date", "Time")) or (isinstance(value, str) and re.fullmatch(
            r"\d{4}-\d{2}-\d{2}T.*", value)):
        return "datetime"
    return "string"


def _with_ids(rows: list[Record], prefix: str) -> list[Record]:
    """Literal rows, each with an Id (generated from its position when the YAML gave none)."""
    return [row if row.get("Id") else {"Id": record_id(prefix, index + 1), **row}
            for index, row in enumerate(rows)]


def register(org: Org) -> None:
    """Declare EventLogFile, SetupAuditTrail and LoginHistory on ``org`` (idempotent)."""
    from salesforce_simulator import definition  # the loader imports this module's users

    with org.lock:
        if org.sobject(EVENT_LOG_FILE) is None and EVENT_LOG_FILE not in org.hidden_types:
            definition.register_compact_object(org, _event_log_file_object(org), list)
            org.record_sources[EVENT_LOG_FILE] = EventLogFileSource(org)
        if org.sobject(SETUP_AUDIT_TRAIL) is None and SETUP_AUDIT_TRAIL not in org.hidden_types:
            definition.register_compact_object(org, _setup_audit_trail_object(org), list)
            org.record_sources[SETUP_AUDIT_TRAIL] = ListRecordSource(
                _with_ids(org.setup_audit_trail, "0Ym"))
        if org.sobject(LOGIN_HISTORY) is None and LOGIN_HISTORY not in org.hidden_types:
            definition.register_compact_object(org, _login_history_object(org), list)
            org.record_sources[LOGIN_HISTORY] = ListRecordSource(
                _with_ids(org.login_history, "0Ya"))


# ---------------------------------------------------------------------------------------
# The LogFile blob route


def log_file_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    """``GET sobjects/EventLogFile/{id}/LogFile``: the CSV body, streamed line by line."""
    org = request.org
    log = _log_file(org, match.group("id"))
    if log is None:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
    active = faults.active()
    body: Iterator[bytes] = log_body(org, log)
    if active.truncated_logs or active.malformed_logs:
        body = faulty(body, active, log_length(org, log))
    return SimResponse(body=body, content_type="text/csv")


ROUTES: list[Route] = [
    Route("GET", re.compile(r"/?sobjects/EventLogFile/(?P<id>0AT\w{12,15})/LogFile/?"),
          log_file_handler),
]
