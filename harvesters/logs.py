"""Logs source: EventLogFile CSVs streamed into ACCESSED edges and report exports.

Only log files created after `since` are listed (`CreatedDate > since`: Salesforce writes a day's
file the next morning, so `LogDate` would miss a file written after the last run for a day before
it), and only daily files (`Interval = 'Daily'`: hourly files repeat the daily ones). Each body is
streamed line by line through the CSV reader; nothing holds a whole file. A file lands whole or
not at all: a truncated or malformed file (byte count short of `LogFileLength`, broken quoting,
rows of the wrong width) adds its error to the chunk and none of its rows, because ACCESSED counts
are added once per file (the writer remembers each file's evidence) and must never be partial.

Who accessed what (ACCESSED sources are an Integration or a User):

* a row naming a connected app (`CONNECTED_APP_ID`) → `Integration(connected_app, <app name>)`,
  the name read from ConnectedApplication, the same node the integrations source writes;
* a row of a user who signed in through exactly one OAuth app in the window (LoginHistory,
  `LoginType = 'Remote Access 2.0'`) → that app's `Integration(connected_app, <Application>)`:
  integrations run as a dedicated user, and that user's API traffic is the app's traffic;
* otherwise a row with a `CLIENT_NAME` (the client's self-declared name) → `Integration(connected_app,
  <client name>)` with `identified_by = "client_name"`;
* otherwise a plain user → `User(<18-char user id>)`: API and report access by a person or an
  unnamed client. Only the user id is stored, never the name or username (the catalog keeps as
  little personal data as it can).

ACCESSED targets are objects: `ENTITY_NAME` (API, RestApi, Report) or `ENTITY_TYPE` (BulkApi), with
`ROWS_PROCESSED` (or a report's `ROW_COUNT`) as rows; column positions come from each file's header.

Report exports (ReportExport rows, which carry no row count) become one `Integration` each
(kind `report_export`, name `<report id>/<request id>`): report id, name, type, format, folder,
user id, time, the row count of the user's latest run of that report before the export (the day's
Report file, read in the same chunk), its columns (Analytics API report describe) with READS edges
to the fields they name, and the SetupAuditTrail entries that authorise it (AUTHORISED_BY edges,
and `audit_entry_ids`, `audit_entry_found` on the node): a grant (assignment, permission or profile
change) before the export, within AUDIT_LOOKBACK, naming the exporting user (username or id) or the
report, not expired ("expires YYYY-MM-DD") and not revoked before the export.

SetupAuditTrail entries of the window the logs cover (from AUDIT_LOOKBACK before the oldest new
file) become `ConfigurationChange` nodes, in the first chunk: action, section, time, the id of the
user who made the change, whether a delegate did, and the entry's text with every username replaced
by `user:<id>` (or `user:unknown` when the org did not name it).

Event types read by default: API, RestApi, BulkApi, Report, ReportExport (one API call per file:
a blob cannot travel in a Composite call). ApiTotalUsage repeats the API, REST and Bulk calls without
row counts (reading it as well would count every request twice): it is read only when asked for
(`event_types`), and then counts requests with 0 rows. ApexCallout rows name a URL, not an object:
this source makes nothing of them and never downloads them (Apex classes reach systems through
the integrations source).
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.util import exception_handler

from harvesters.chunk import Chunk
from harvesters.client import OrgClient
from harvesters.composite import SubResponse, answer_records, api_name, query_many
from lineage import (
    AccessEdge,
    AuthorisedByEdge,
    ConfigurationChangeRecord,
    EdgeRecord,
    IntegrationKind,
    IntegrationRecord,
    NodeRecord,
    NodeRef,
    ReadsEdge,
    UserRecord,
    configuration_change_key,
    field_key,
    sobject_key,
)
from lineage.vocabulary import Label

DEFAULT_EVENT_TYPES = ("API", "RestApi", "BulkApi", "Report", "ReportExport")
ACCESS_EVENT_TYPES = frozenset({"API", "RestApi", "BulkApi", "Report", "ApiTotalUsage"})
READABLE_EVENT_TYPES = ACCESS_EVENT_TYPES | {"ReportExport"}
AUDIT_LOOKBACK = timedelta(days=30)
MAX_IDS_PER_QUERY = 200
READ_CHUNK_BYTES = 64 * 1024
API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SALESFORCE_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
ID_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
USERNAME = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
EXPIRES = re.compile(r"expires\s+(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
GRANT = re.compile(r"assign|grant|perm|profile|sharing|access", re.IGNORECASE)
REVOCATION = re.compile(r"unassign|remov|delet|revok", re.IGNORECASE)
LOG_FILE_QUERY = (
    "SELECT Id, EventType, LogDate, Interval, Sequence, LogFileLength, CreatedDate FROM EventLogFile "
    "WHERE Interval = 'Daily' AND EventType IN ({types}){since} ORDER BY LogDate, EventType"
)
CONNECTED_APP_QUERY = "SELECT Id, Name FROM ConnectedApplication"
USER_QUERY = "SELECT Id, Username FROM User WHERE Username IN ({names})"
log = logging.getLogger(__name__)
REPORT_FIELDS = "SELECT Id, Name, DeveloperName, FolderName, Format FROM Report"


class LogFileError(ValueError):
    """A log body that cannot be trusted whole: cut short or not valid CSV."""


@dataclass(frozen=True)
class LogFileInfo:
    id: str
    event_type: str
    log_date: datetime
    length: int | None

    @property
    def evidence(self) -> str:
        return f"EventLogFile:{self.id}"


@dataclass(frozen=True)
class AuditEntry:
    """One SetupAuditTrail row: a configuration change, who made it and when."""

    id: str
    action: str
    section: str
    display: str
    created_at: datetime
    created_by: str
    delegate_user: str | None = None


@dataclass
class Access:
    """Use of one object by one principal within one log file."""

    requests: int
    rows: int
    first: datetime
    last: datetime

    def add(self, rows: int, at: datetime) -> None:
        self.requests += 1
        self.rows += rows
        self.first = min(self.first, at)
        self.last = max(self.last, at)


@dataclass(frozen=True)
class ReportRun:
    user_id: str
    report_id: str
    at: datetime
    row_count: int | None
    entity: str | None


@dataclass(frozen=True)
class ReportExport:
    request_id: str
    user_id: str
    report_id: str
    at: datetime
    description: str | None


@dataclass(frozen=True)
class ReportInfo:
    id: str
    name: str | None = None
    developer_name: str | None = None
    folder: str | None = None
    report_format: str | None = None
    report_type: str | None = None
    columns: tuple[str, ...] = ()


# --- listing --------------------------------------------------------------------------------------


def configured_event_types() -> tuple[str, ...]:
    """The event types of settings.HARVEST_LOG_EVENT_TYPES, or the default when it names none."""
    chosen = tuple(settings.HARVEST_LOG_EVENT_TYPES) or DEFAULT_EVENT_TYPES
    unknown = sorted(set(chosen) - READABLE_EVENT_TYPES)
    if unknown:
        raise ImproperlyConfigured(f"HARVEST_LOG_EVENT_TYPES: this source cannot read {', '.join(unknown)} "
                                   f"(it reads {', '.join(sorted(READABLE_EVENT_TYPES))})")
    return chosen


def check_log_event_types(**_: Any) -> list[checks.CheckMessage]:
    """`manage.py check` (and every command) names a wrong HARVEST_LOG_EVENT_TYPES before a run fails on it."""
    try:
        configured_event_types()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="harvesters.E001")]
    return []


def new_log_files(
    client: OrgClient, since: datetime | None, event_types: Sequence[str] = DEFAULT_EVENT_TYPES
) -> list[LogFileInfo]:
    """Daily log files of `event_types` created after `since` (all the org keeps when None), oldest first."""
    types = ", ".join(f"'{api_name(name)}'" for name in event_types)
    after = f" AND CreatedDate > {soql_datetime(since)}" if since else ""
    soql = LOG_FILE_QUERY.format(types=types, since=after)
    rows = client.call(lambda sf: list(sf.query_all_iter(soql)))
    return [log_file_info(row) for row in rows]


def error_code(error: SalesforceMalformedRequest) -> str | None:
    """Salesforce's `errorCode` of a refused request (`INVALID_TYPE`, `INVALID_FIELD`, …)."""
    content = error.content
    first = content[0] if isinstance(content, list) and content else None
    return str(first.get("errorCode")) if isinstance(first, dict) else None


def log_file_info(row: dict[str, Any]) -> LogFileInfo:
    length = row.get("LogFileLength")
    return LogFileInfo(row["Id"], row["EventType"], salesforce_datetime(row["LogDate"]),
                       None if length is None else int(length))


def log_units(files: Iterable[LogFileInfo]) -> list[list[LogFileInfo]]:
    """One unit (one chunk) per file, except a day's ReportExport file, read with that day's Report file
    (exports carry no row count; the run before them does)."""
    files = list(files)
    report_runs = {f.log_date: f for f in files if f.event_type == "Report"}
    paired = {report_runs[f.log_date].id for f in files if f.event_type == "ReportExport" and f.log_date in report_runs}
    units: list[list[LogFileInfo]] = []
    for info in files:
        if info.id in paired:
            continue
        if info.event_type == "ReportExport" and info.log_date in report_runs:
            units.append([info, report_runs[info.log_date]])
        else:
            units.append([info])
    return units


# --- streaming ------------------------------------------------------------------------------------


def log_lines(client: OrgClient, info: LogFileInfo) -> Iterator[str]:
    """The file's lines as text, streamed; raises LogFileError when fewer bytes arrive than LogFileLength."""
    response = client.call(lambda sf: _open_log_file(sf, info))
    with response:
        received = 0
        decoder = codecs.getincrementaldecoder("utf-8")()
        pending = ""
        for block in response.iter_content(chunk_size=READ_CHUNK_BYTES):
            received += len(block)
            pending += decoder.decode(block)
            *complete, pending = pending.split("\n")
            for line in complete:
                yield line + "\n"
        pending += decoder.decode(b"", final=True)
        if info.length is not None and received < info.length:
            raise LogFileError(f"truncated: {received} of {info.length} bytes")
        if pending:
            yield pending


def _open_log_file(sf: Salesforce, info: LogFileInfo) -> requests.Response:
    url = f"{sf.base_url}sobjects/EventLogFile/{salesforce_id(info.id)}/LogFile"
    response = sf.session.get(url, headers=sf.headers, stream=True)
    if response.status_code == 401:  # OrgClient.call logs in again once on this
        raise SalesforceExpiredSession(url, 401, "EventLogFile", response.content)
    if response.status_code >= 300:
        exception_handler(response, "EventLogFile")  # reads the (small) error body, which frees the connection
    return response


def log_rows(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """Rows keyed by the file's own header; raises LogFileError on broken CSV or a row of the wrong width."""
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
        if not header:
            return
        for row in reader:
            if len(row) != len(header):
                raise LogFileError(f"line {reader.line_num}: {len(row)} values for {len(header)} columns")
            yield dict(zip(header, row, strict=True))
    except csv.Error as error:
        raise LogFileError(f"line {reader.line_num}: {error}") from error


# --- principals and reports -----------------------------------------------------------------------


@dataclass
class LogContext:
    """What turns log rows into records, fetched lazily once per run and cached: connected app names,
    OAuth apps per user, audit entries, users' usernames and exported reports' metadata."""

    client: OrgClient
    org_id: str
    window_start: datetime
    _apps: dict[str, str] | None = None
    _login_apps: dict[str, set[str]] | None = None
    _audit: list[AuditEntry] | None = None
    _usernames: dict[str, str] = field(default_factory=dict)  # of the users audit entries name
    _report_rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    _reports: dict[str, ReportInfo | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # what was read as empty; the next chunk reports it

    def take_warnings(self) -> list[str]:
        taken, self.warnings = self.warnings, []
        return taken

    def principal(self, row: dict[str, str], evidence: str) -> IntegrationRecord | UserRecord:
        user = id18(row.get("USER_ID_DERIVED") or row.get("USER_ID") or "")
        app_id = row.get("CONNECTED_APP_ID") or ""
        if app_id:
            name = self.connected_apps().get(app_id[:15], id18(app_id))
            return self._connected_app(name, evidence)
        apps = self.login_apps().get(user[:15], set())
        if len(apps) == 1:
            return self._connected_app(next(iter(apps)), evidence)
        client_name = row.get("CLIENT_NAME") or ""
        if client_name:
            return IntegrationRecord(org_id=self.org_id, kind=IntegrationKind.CONNECTED_APP, name=client_name,
                                     attributes={"identified_by": "client_name"}, evidence=evidence)
        return UserRecord(org_id=self.org_id, user_id=user or "unknown", evidence=evidence)

    def _connected_app(self, name: str, evidence: str) -> IntegrationRecord:
        # The integrations source's node: no attributes of ours, so none of its own are disturbed.
        return IntegrationRecord(org_id=self.org_id, kind=IntegrationKind.CONNECTED_APP, name=name, evidence=evidence)

    def connected_apps(self) -> dict[str, str]:
        """ConnectedApplication names by 15-character id (one Tooling query, the first time a row names an app)."""
        if self._apps is None:
            rows = self.client.call(lambda sf: sf.toolingexecute("query/?q=" + quote(CONNECTED_APP_QUERY)))
            self._apps = {row["Id"][:15]: row["Name"] for row in rows.get("records", [])}
        return self._apps

    def login_apps(self) -> dict[str, set[str]]:
        if self._login_apps is None:
            self._load_window()
        assert self._login_apps is not None
        return self._login_apps

    def audit_entries(self) -> list[AuditEntry]:
        if self._audit is None:
            self._load_window()
        assert self._audit is not None
        return self._audit

    def _load_window(self) -> None:
        """OAuth sign-ins, audit entries and the reports run in the window: one Composite call (pages beyond
        the first follow), then one query for the users the audit entries name."""
        start = soql_datetime(self.window_start - AUDIT_LOOKBACK)
        queries = [
            ("logins", "SELECT UserId, Application FROM LoginHistory "  # noqa: S608 - a date literal
                       f"WHERE LoginType = 'Remote Access 2.0' AND LoginTime > {start}"),
            ("audit", "SELECT Id, Action, Section, Display, CreatedDate, CreatedById, DelegateUser "  # noqa: S608
                      f"FROM SetupAuditTrail WHERE CreatedDate > {start} ORDER BY CreatedDate"),
            ("reports", f"{REPORT_FIELDS} WHERE LastRunDate > {start}"),
        ]
        answers = {answer.reference: answer for answer in query_many(self.client, queries)}
        self._login_apps = {}
        for row in all_records(self.client, answers["logins"], self.warnings):
            if row.get("Application"):
                self._login_apps.setdefault(row["UserId"][:15], set()).add(row["Application"])
        self._audit = [audit_entry(row) for row in all_records(self.client, answers["audit"], self.warnings)]
        self._report_rows = {row["Id"][:15]: row
                             for row in all_records(self.client, answers["reports"], self.warnings)}
        self._usernames = self._users_named_in(self._audit)

    def _users_named_in(self, entries: list[AuditEntry]) -> dict[str, str]:
        """Usernames the audit entries mention, by user id: how an entry names the user it grants to."""
        names = sorted({name.lower() for entry in entries for name in USERNAME.findall(entry.display)}
                       | {entry.delegate_user.lower() for entry in entries if entry.delegate_user})
        queries = [(f"users{i}", USER_QUERY.format(names=_quoted(part))) for i, part in enumerate(_parts(names))]
        return {row["Id"][:15]: row["Username"]
                for answer in (query_many(self.client, queries) if queries else ())
                for row in all_records(self.client, answer, self.warnings)}

    def describe_reports(self, report_ids: set[str]) -> None:
        """Describe each exported report once per run; ids not among the window's reports are looked up
        in one Composite call (a report deleted since is remembered as unknown)."""
        missing = sorted(r for r in report_ids if r[:15] not in self._reports)
        if not missing:
            return
        self.audit_entries()  # the window's report rows
        unknown = [r for r in missing if r[:15] not in self._report_rows]
        queries = [(f"reports{i}", f"{REPORT_FIELDS} WHERE Id IN ({_quoted(part)})")
                   for i, part in enumerate(_parts([salesforce_id(r) for r in unknown]))]
        for answer in query_many(self.client, queries) if queries else ():
            self._report_rows.update({row["Id"][:15]: row for row in all_records(self.client, answer, self.warnings)})
        for report in missing:
            row = self._report_rows.get(report[:15])
            self._reports[report[:15]] = None if row is None else self._describe(row)

    def _describe(self, row: dict[str, Any]) -> ReportInfo:
        try:
            body = self.client.call(lambda sf: sf.restful(f"analytics/reports/{salesforce_id(row['Id'])}/describe"))
        except SalesforceResourceNotFound:
            body = {}
        return report_info(row, (body or {}).get("reportMetadata") or {})

    def username(self, user_id: str) -> str | None:
        return self.usernames().get(user_id[:15])

    def usernames(self) -> dict[str, str]:
        """Usernames of the users the window's audit entries name, by 15-character user id."""
        if self._audit is None:
            self._load_window()
        return self._usernames

    def report(self, report_id: str) -> ReportInfo | None:
        return self._reports.get(report_id[:15])


def all_records(
    client: OrgClient, answer: SubResponse, warnings: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """A composite query answer's rows, page by page. An object the org does not have, or does not show
    the harvest user (INVALID_TYPE), has no rows, and `warnings` says so."""
    if not answer.ok and answer.error_message().startswith("INVALID_TYPE"):
        message = f"logs: {answer.reference}: {answer.error_message()[:200]}; read as empty"
        log.warning(message)
        if warnings is not None:
            warnings.append(message)
        return
    yield from answer_records(client, answer)


def audit_entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(id=row["Id"], action=row.get("Action") or "", section=row.get("Section") or "",
                      display=row.get("Display") or "", created_at=salesforce_datetime(row["CreatedDate"]),
                      created_by=row.get("CreatedById") or "", delegate_user=row.get("DelegateUser"))


def report_info(row: dict[str, Any], metadata: dict[str, Any]) -> ReportInfo:
    report_type = metadata.get("reportType") or {}
    return ReportInfo(
        id=row["Id"], name=row.get("Name"), developer_name=row.get("DeveloperName"), folder=row.get("FolderName"),
        report_format=row.get("Format") or metadata.get("reportFormat"),
        report_type=report_type.get("type") if isinstance(report_type, dict) else None,
        columns=tuple(str(column) for column in metadata.get("detailColumns") or ()),
    )


def authorising_entries(
    entries: Iterable[AuditEntry], export: ReportExport, username: str | None, report: ReportInfo | None
) -> list[AuditEntry]:
    """Audit entries that could authorise the export: grants (assignments, permission or profile changes)
    naming the user or the report, within AUDIT_LOOKBACK before it, not expired ("expires YYYY-MM-DD")
    and not revoked by a later entry before the export."""
    names = {export.user_id[:15].lower(), export.report_id[:15].lower()}
    names |= {name.lower() for name in (username, report.name if report else None,
                                         report.developer_name if report else None) if name}
    relevant = [entry for entry in entries if export.at - AUDIT_LOOKBACK <= entry.created_at <= export.at
                and any(name in entry.display.lower() for name in names)]
    revocations = [entry.created_at for entry in relevant if REVOCATION.search(entry.action)]
    return [entry for entry in relevant
            if GRANT.search(entry.action) and not REVOCATION.search(entry.action)
            and not _expired(entry, export.at) and not any(entry.created_at < at for at in revocations)]


def _expired(entry: AuditEntry, at: datetime) -> bool:
    found = EXPIRES.search(entry.display)
    return found is not None and at.date().isoformat() > found.group(1)


# --- rows to records ------------------------------------------------------------------------------


def access_records(
    context: LogContext, info: LogFileInfo, rows: Iterable[dict[str, str]]
) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """One file's rows as principals and ACCESSED edges, aggregated per (principal, object)."""
    principals: dict[str, IntegrationRecord | UserRecord] = {}
    uses: dict[tuple[str, str], Access] = {}
    for row in rows:
        target = row.get("ENTITY_NAME") or row.get("ENTITY_TYPE") or ""
        if not target or not API_NAME.fullmatch(target):
            continue
        principal = context.principal(row, info.evidence)
        principals.setdefault(principal.key, principal)
        at = row_time(row)
        rows_read = _int(row.get("ROWS_PROCESSED") or row.get("ROW_COUNT"))
        use = uses.get((principal.key, target))
        if use is None:
            uses[(principal.key, target)] = Access(1, rows_read, at, at)
        else:
            use.add(rows_read, at)
    nodes: list[NodeRecord] = list(principals.values())
    edges: list[EdgeRecord] = [
        AccessEdge(source=principals[key].ref, target=NodeRef(Label.SOBJECT, sobject_key(context.org_id, target)),
                   requests=use.requests, rows=use.rows, first_accessed_at=use.first, last_accessed_at=use.last,
                   evidence=info.evidence)
        for (key, target), use in uses.items()
    ]
    return nodes, edges


def export_records(
    context: LogContext, info: LogFileInfo, exports: list[ReportExport], runs: list[ReportRun]
) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """One Integration per report export, READS edges to its report's columns and object."""
    context.describe_reports({e.report_id for e in exports})
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    for export in exports:
        report = context.report(export.report_id)
        run = latest_run(runs, export)
        entries = authorising_entries(context.audit_entries(), export, context.username(export.user_id), report)
        node = IntegrationRecord(
            org_id=context.org_id, kind=IntegrationKind.REPORT_EXPORT,
            name=f"{id18(export.report_id)}/{export.request_id}", evidence=info.evidence,
            attributes=_export_attributes(context, export, report, run, entries))
        nodes.append(node)
        edges += _export_reads(context.org_id, node, report, run, info.evidence)
        edges += [AuthorisedByEdge(source=node.ref, target=NodeRef(Label.CONFIGURATION_CHANGE,
                                   configuration_change_key(context.org_id, entry.id)), evidence=info.evidence)
                  for entry in entries]
    return nodes, edges


def configuration_chunk(context: LogContext) -> Chunk:
    """The window's SetupAuditTrail entries as ConfigurationChange nodes, usernames replaced by user ids."""
    user_ids = {name.lower(): user_id for user_id, name in context.usernames().items()}
    chunk = Chunk()
    chunk.nodes += [
        ConfigurationChangeRecord(
            org_id=context.org_id, entry_id=entry.id, action=entry.action, section=entry.section or None,
            display=without_usernames(entry.display, user_ids) or None, changed_at=entry.created_at,
            changed_by=id18(entry.created_by) if entry.created_by else None, delegate=bool(entry.delegate_user),
            evidence=f"SetupAuditTrail:{entry.id}")
        for entry in context.audit_entries()
    ]
    chunk.warnings += context.take_warnings()
    return chunk


def without_usernames(text: str, user_ids: dict[str, str]) -> str:
    """`text` with each username replaced by `user:<id>` when the org named it, else by `user:unknown`."""
    return USERNAME.sub(lambda found: f"user:{id18(user_ids.get(found.group(0).lower(), 'unknown'))}", text)


def _export_attributes(
    context: LogContext, export: ReportExport, report: ReportInfo | None, run: ReportRun | None,
    entries: list[AuditEntry],
) -> dict[str, Any]:
    return {
        "activity": "report_export", "report_id": id18(export.report_id),
        "report_name": report.name if report else export.description,
        "report_type": report.report_type if report else None,
        "report_format": report.report_format if report else None,
        "report_folder": report.folder if report else None, "report_found": report is not None,
        "report_columns": report.columns if report else (), "user_id": id18(export.user_id),
        "exported_at": export.at, "row_count": run.row_count if run else None,
        "audit_entry_ids": tuple(entry.id for entry in entries), "audit_entry_found": bool(entries),
        "audit_trail_searched_from": export.at - AUDIT_LOOKBACK,
    }


def _export_reads(
    org_id: str, node: IntegrationRecord, report: ReportInfo | None, run: ReportRun | None, evidence: str
) -> list[EdgeRecord]:
    targets = [NodeRef(Label.FIELD, field_key(org_id, sobject, name))
               for sobject, name in (_column_field(column) for column in (report.columns if report else ()))
               if sobject and name]
    if run and run.entity and API_NAME.fullmatch(run.entity):
        targets.append(NodeRef(Label.SOBJECT, sobject_key(org_id, run.entity)))
    return [ReadsEdge(source=node.ref, target=target, evidence=evidence) for target in targets]


def _column_field(column: str) -> tuple[str, str] | tuple[None, None]:
    """`Object.Field` report columns name a field; standard report types' `ACCOUNT.NAME` style ones do not."""
    parts = column.split(".")
    if len(parts) == 2 and all(API_NAME.fullmatch(part) for part in parts) and not column.isupper():
        return parts[0], parts[1]
    return None, None


def latest_run(runs: list[ReportRun], export: ReportExport) -> ReportRun | None:
    """The exporting user's last run of the report at or before the export (the export has no row count)."""
    before = [run for run in runs if run.user_id[:15] == export.user_id[:15]
              and run.report_id[:15] == export.report_id[:15] and run.at <= export.at]
    return max(before, key=lambda run: run.at, default=None)


def report_export(row: dict[str, str]) -> ReportExport | None:
    report = row.get("URI_ID_DERIVED") or _uri_id(row.get("URI") or "")
    if not report.startswith("00O"):
        return None
    return ReportExport(request_id=row.get("REQUEST_ID") or row.get("TIMESTAMP") or "", user_id=_user(row),
                        report_id=report, at=row_time(row), description=row.get("REPORT_DESCRIPTION") or None)


def report_run(row: dict[str, str]) -> ReportRun | None:
    report = row.get("REPORT_ID_DERIVED") or row.get("REPORT_ID") or ""
    if not report:
        return None
    count = row.get("ROW_COUNT")
    return ReportRun(user_id=_user(row), report_id=report, at=row_time(row),
                     row_count=_int(count) if count else None, entity=row.get("ENTITY_NAME") or None)


# --- chunks ---------------------------------------------------------------------------------------


def log_chunk(client: OrgClient, context: LogContext, unit: list[LogFileInfo]) -> Chunk:
    """One unit of log files read into one chunk; a file that cannot be read whole adds its error only."""
    chunk = Chunk()
    export_file: LogFileInfo | None = None
    exports: list[ReportExport] = []
    runs: list[ReportRun] = []
    for info in unit:
        try:
            if info.event_type == "ReportExport":
                export_file = info
                exports = [e for e in map(report_export, log_rows(log_lines(client, info))) if e is not None]
                continue
            wanted = {(e.user_id[:15], e.report_id[:15]) for e in exports}
            rows = _collecting_runs(log_rows(log_lines(client, info)), wanted, runs)
            if info.event_type in ACCESS_EVENT_TYPES:
                nodes, edges = access_records(context, info, rows)
                chunk.nodes += nodes
                chunk.edges += edges
        except (LogFileError, SalesforceResourceNotFound, UnicodeDecodeError) as error:
            runs.clear()  # a run list from a broken file would give exports wrong row counts
            chunk.errors.append(f"event log file {info.id} ({info.event_type} {info.log_date.date()}): {error}")
    if export_file is not None and exports:
        nodes, edges = export_records(context, export_file, exports, runs)
        chunk.nodes += nodes
        chunk.edges += edges
    chunk.warnings += context.take_warnings()
    return chunk


def _collecting_runs(
    rows: Iterator[dict[str, str]], wanted: set[tuple[str, str]], runs: list[ReportRun]
) -> Iterator[dict[str, str]]:
    """Pass rows on, keeping the report runs of exported (user, report) pairs on the way (read once)."""
    for row in rows:
        run = report_run(row) if wanted else None
        if run is not None and (run.user_id[:15], run.report_id[:15]) in wanted:
            runs.append(run)
        yield row


def logs_chunks(
    client: OrgClient, org_id: str, *, since: datetime | None = None,
    event_types: Sequence[str] = DEFAULT_EVENT_TYPES,
) -> Iterator[Chunk]:
    """The log files created since `since`, a chunk per file (per day for report exports), oldest first; an org
    without EventLogFile (or a harvest user who may not view event log files) is one chunk saying so."""
    try:
        files = new_log_files(client, since, event_types)
    except SalesforceMalformedRequest as error:
        if error_code(error) != "INVALID_TYPE":
            raise
        yield Chunk(warnings=["logs: EventLogFile: INVALID_TYPE (the org has no EventLogFile, or the harvest user "
                              "may not view event log files); no event logs harvested"])
        return
    if not files:
        return
    context = LogContext(client, org_id, window_start=min(info.log_date for info in files))
    yield configuration_chunk(context)  # before the exports whose AUTHORISED_BY edges point at it
    for unit in log_units(files):
        yield log_chunk(client, context, unit)


# --- values ---------------------------------------------------------------------------------------

def salesforce_id(value: str) -> str:
    """A record id, checked before it goes into a URL or a SOQL statement."""
    if not SALESFORCE_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a Salesforce id")
    return value


def id18(value: str) -> str:
    """The case-safe 18-character form of a Salesforce id (logs write 15)."""
    if len(value) != 15:
        return value
    suffix = ""
    for start in range(0, 15, 5):
        bits = sum(1 << i for i, char in enumerate(value[start:start + 5]) if char.isupper())
        suffix += ID_SUFFIX_ALPHABET[bits]
    return value + suffix


def row_time(row: dict[str, str]) -> datetime:
    derived = row.get("TIMESTAMP_DERIVED")
    if derived:
        return datetime.fromisoformat(derived.replace("Z", "+00:00"))
    return datetime.strptime(row["TIMESTAMP"], "%Y%m%d%H%M%S.%f").replace(tzinfo=UTC)


def salesforce_datetime(value: str) -> datetime:
    """Salesforce's `2026-11-14T00:00:00.000+0000`."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def soql_datetime(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def _user(row: dict[str, str]) -> str:
    return id18(row.get("USER_ID_DERIVED") or row.get("USER_ID") or "")


def _uri_id(uri: str) -> str:
    found = re.match(r"/(\w{15}|\w{18})(?:[?/]|$)", uri)
    return found.group(1) if found else ""


def _quoted(values: Sequence[str]) -> str:
    """A SOQL IN list of string literals, quotes and backslashes escaped."""
    return ", ".join("'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'" for value in values)


def _parts(ids: Sequence[str]) -> list[list[str]]:
    return [list(ids[i:i + MAX_IDS_PER_QUERY]) for i in range(0, len(ids), MAX_IDS_PER_QUERY)]
