"""The logs source on the demo org: event-log files streamed into ACCESSED edges and report exports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import override_settings

from harvesters.chunk import Chunk
from harvesters.logs import (
    AuditEntry,
    LogFileError,
    LogFileInfo,
    ReportExport,
    authorising_entries,
    check_log_event_types,
    id18,
    log_rows,
    log_units,
    logs_chunks,
    new_log_files,
)
from harvesters.schema import list_objects, schema_chunk, summary_records
from lineage import (
    AccessEdge,
    Graph,
    GraphWriter,
    OrgRecord,
    UserRecord,
    bootstrap_schema,
    org_key,
    purge_org,
)
from salesforce_simulator import Simulator
from tests.harvesters.simulated import simulated_client as client_for

DAYS = 30
DEFAULT_TYPES = 5  # API, RestApi, BulkApi, Report, ReportExport
REPORT_OBJECTS = ["Loan_Application__c", "FinServ__FinancialAccount__c", "Account", "KYC_Check__c"]
MOBILE_APP = "GPB Mobile Banking"
CORE_BANKING_APP = "Tallyforge Core Banking Sync"
TAX_ID_REPORT = "00O8d0AcctTaxIdECJ"
EXAMINER_REPORT = "00O8d0RegQtrExtESE"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def write(graph: Graph, org_id: str, chunks: list[Chunk], run_id: str = "logs-run") -> None:
    writer = GraphWriter(graph, run_id, org_key(org_id), datetime.now(UTC))
    for chunk in chunks:
        writer.write_chunk(chunk.nodes, chunk.edges)


@pytest.fixture(scope="module")
def harvested(demo_simulator: Simulator, graph: Graph) -> tuple[list[Chunk], int]:
    """The demo org's schema (the objects and report fields the edges point at), then 30 days of logs;
    yields the log chunks and the API calls the logs alone spent."""
    org_id = demo_simulator.org.id
    bootstrap_schema(graph)  # the key constraints the writers' MATCHes rely on
    purge_org(graph, org_key(org_id))
    client = client_for(demo_simulator)
    summaries = list_objects(client) or []
    nodes, edges = summary_records(org_id, summaries)
    org = OrgRecord(org_id=org_id, evidence="org connection")
    GraphWriter(graph, "schema-run", org_key(org_id), datetime.now(UTC)).write_chunk([org, *nodes], edges)
    write(graph, org_id, [schema_chunk(client, org_id, REPORT_OBJECTS)], "schema-run")
    demo_simulator.reset()
    chunks = list(logs_chunks(client, org_id))
    calls = demo_simulator.api_usage
    write(graph, org_id, chunks)
    return chunks, calls


@pytest.fixture
def chunks(harvested: tuple[list[Chunk], int]) -> list[Chunk]:
    return harvested[0]


def accessed(graph: Graph, org_id: str, app: str, sobject: str) -> list[dict[str, Any]]:
    rows = graph.read(
        "MATCH (i:Integration {key: $app})-[r:ACCESSED]->(o:SObject {key: $object}) RETURN properties(r) AS r",
        app=f"integration:{org_id}:connected_app:{app}", object=f"sobject:{org_id}:{sobject}")
    return [row["r"] for row in rows]


def export_node(graph: Graph, org_id: str, report_id: str) -> dict[str, Any]:
    rows = graph.read("MATCH (i:Integration {org_key: $org, activity: 'report_export', report_id: $report}) "
                      "RETURN properties(i) AS i", org=org_key(org_id), report=report_id)
    assert len(rows) == 1, rows
    node: dict[str, Any] = rows[0]["i"]
    return node


# --- the demo org, end to end ------------------------------------------------------------------------


def test_thirty_days_of_log_files_are_read_without_error(chunks: list[Chunk], demo_simulator: Simulator):
    evidence = {edge.evidence for chunk in chunks for edge in chunk.edges if isinstance(edge, AccessEdge)}

    assert [error for chunk in chunks for error in chunk.errors] == []
    # the audit trail's chunk, then a chunk a file (a day's ReportExport file shares the Report file's chunk)
    assert len(chunks) == 1 + DAYS * (DEFAULT_TYPES - 1)
    assert len(evidence) == DAYS * (DEFAULT_TYPES - 1)  # every API, RestApi, BulkApi and Report file gave edges


def test_the_mobile_relays_late_opt_out_post_is_an_access_by_the_mobile_app(graph: Graph, chunks: list[Chunk],
                                                                          demo_simulator: Simulator):
    org_id = demo_simulator.org.id
    posted = at("2026-11-16T03:10:41.305Z")  # EventLog:RestApi@-4, CONNECTED_APP_ID 0H48d0MobileApp

    [edge] = accessed(graph, org_id, MOBILE_APP, "ContactPointTypeConsent")

    assert edge["first_accessed_at"].to_native() <= posted <= edge["last_accessed_at"].to_native()
    assert edge["rows"] >= 3 + 1  # the late opt-out's 3 rows and the on-time one's 1
    day_file = [c for c in chunks if any(isinstance(e, AccessEdge) and e.first_accessed_at <= posted
                                         <= e.last_accessed_at and e.source.key.endswith(MOBILE_APP)
                                         and e.target.key.endswith(":ContactPointTypeConsent") for e in c.edges)]
    assert len(day_file) == 1


@pytest.mark.usefixtures("harvested")  # the graph it reads
def test_core_bankings_nightly_balance_upsert_is_an_access_by_its_connected_app(graph: Graph,
                                                                               demo_simulator: Simulator):
    """The BulkApi row names no connected app: the integration user signed in only through
    'Tallyforge Core Banking Sync' (LoginHistory), so the upsert is that app's."""
    org_id = demo_simulator.org.id
    upserted = at("2026-11-19T09:30:15.600Z")  # EventLog:BulkApi@-1, 1,184 rows

    [edge] = accessed(graph, org_id, CORE_BANKING_APP, "FinServ__FinancialAccount__c")

    assert edge["first_accessed_at"].to_native() <= upserted <= edge["last_accessed_at"].to_native()
    assert edge["rows"] >= 1184
    assert len(edge["log_files"]) >= 1


def test_a_user_without_an_app_accesses_as_a_user_known_only_by_id(graph: Graph, chunks: list[Chunk]):
    users = {node.user_id: node for chunk in chunks for node in chunk.nodes if isinstance(node, UserRecord)}

    analyst = users["0058d0DKowalczyAGA"]  # runs the tax-id report in the UI (EventLog:Report@-3)
    assert "Dmitri" not in repr(analyst)
    assert "@" not in repr(analyst)
    targets = graph.read("MATCH (:User {key: $user})-[:ACCESSED]->(o:SObject) RETURN o.name AS name",
                         user=analyst.key)
    assert "Loan_Application__c" in {row["name"] for row in targets}


@pytest.mark.usefixtures("harvested")  # the graph it reads
def test_the_audit_trail_lands_as_configuration_changes_without_usernames(graph: Graph, demo_simulator: Simulator):
    org_id = demo_simulator.org.id

    rows = graph.read("MATCH (c:ConfigurationChange {org_key: $org}) RETURN properties(c) AS c", org=org_key(org_id))
    changes = {row["c"]["entry_id"]: row["c"] for row in rows}

    grant = changes["0Ym8d0000Sat010CQA"]
    assert (grant["action"], grant["section"], grant["changed_by"]) == \
        ("PermSetAssign", "Manage Users", "0058d00000MVegaAAD")
    assert grant["changed_at"].to_native() == at("2026-10-31T15:02:00Z")
    assert grant["display"] == ("Permission set Regulatory Report Export: assigned to user user:0058d00LBrennanAMA "
                                "(CHG-4471, expires 2026-11-01)")
    assert not any("@" in (change.get("display") or "") for change in changes.values())
    assert "0Ym8d0000Sat011CQA" in changes  # the unassignment after it


@pytest.mark.usefixtures("harvested")  # the graph it reads
def test_the_unaudited_export_of_account_numbers_and_tax_ids_is_visible(graph: Graph, demo_simulator: Simulator):
    org_id = demo_simulator.org.id

    export = export_node(graph, org_id, TAX_ID_REPORT)
    read = {row["key"] for row in graph.read(
        "MATCH (:Integration {key: $key})-[:READS]->(f:Field) RETURN f.key AS key", key=export["key"])}

    assert export["audit_entry_found"] is False
    assert export["audit_entry_ids"] == []
    assert graph.read("MATCH (:Integration {key: $key})-[r:AUTHORISED_BY]->() RETURN r", key=export["key"]) == []
    assert export["user_id"] == "0058d0DKowalczyAGA"
    assert export["exported_at"].to_native() == at("2026-11-17T21:47:09.517Z")
    assert export["row_count"] == 61  # the run at 21:46:51 before it (EventLog:Report@-3)
    assert export["report_name"] == "Customer Accounts with Tax IDs"
    assert {f"field:{org_id}:Loan_Application__c.Tax_Id__c",
            f"field:{org_id}:FinServ__FinancialAccount__c.FinServ__FinancialAccountNumber__c"} <= read


@pytest.mark.usefixtures("harvested")  # the graph it reads
def test_the_examiner_export_is_covered_by_the_permission_set_grant_in_the_audit_trail(
    graph: Graph, demo_simulator: Simulator
):
    export = export_node(graph, demo_simulator.org.id, EXAMINER_REPORT)

    authorised_by = graph.read("MATCH (:Integration {key: $key})-[:AUTHORISED_BY]->(c:ConfigurationChange) "
                               "RETURN c.entry_id AS entry", key=export["key"])

    assert export["kind"] == "report_export"
    assert export["audit_entry_found"] is True
    assert export["audit_entry_ids"] == ["0Ym8d0000Sat010CQA"]
    assert [row["entry"] for row in authorised_by] == ["0Ym8d0000Sat010CQA"]
    assert export["row_count"] == 503


def test_the_harvest_spends_one_call_per_log_file_and_seven_more(harvested: tuple[list[Chunk], int]):
    """The listing; LoginHistory, SetupAuditTrail and the reports run (one Composite call); the users the
    audit trail names; ConnectedApplication names; the two exported reports' describes; and the report
    the 750 generated exports name, which the org does not have (looked up once)."""
    _, calls = harvested

    assert calls == DAYS * DEFAULT_TYPES + 7


def test_writing_the_same_files_twice_counts_them_once(graph: Graph, chunks: list[Chunk],
                                                       demo_simulator: Simulator):
    org_id = demo_simulator.org.id
    before = accessed(graph, org_id, MOBILE_APP, "ContactPointTypeConsent")

    write(graph, org_id, chunks, "logs-run-again")

    after = accessed(graph, org_id, MOBILE_APP, "ContactPointTypeConsent")
    assert [(r["requests"], r["rows"], r["log_files"]) for r in after] == \
        [(r["requests"], r["rows"], r["log_files"]) for r in before]


def test_a_run_since_now_fetches_no_log_file(demo_org: Simulator):
    client = client_for(demo_org)
    client.salesforce  # noqa: B018 - log in before counting
    demo_org.reset()

    chunks = list(logs_chunks(client, demo_org.org.id, since=datetime.now(UTC)))

    assert chunks == []
    assert demo_org.api_usage == 1  # the EventLogFile listing
    assert not [call for call in demo_org.calls if call.path.endswith("/LogFile")]


def test_only_files_created_after_since_are_listed(demo_org: Simulator):
    since = at("2026-11-19T12:00:00Z")  # the files of 2026-11-19 were written on the 20th at 03:00

    files = new_log_files(client_for(demo_org), since)

    assert {info.log_date.date().isoformat() for info in files} == {"2026-11-19"}
    assert len(files) == DEFAULT_TYPES


@pytest.mark.parametrize("fault", ["malformed_logs", "truncated_logs"])
def test_a_broken_log_file_is_the_chunks_error_and_the_next_files_still_land(demo_org: Simulator, fault: str):
    client = client_for(demo_org)
    stream: Iterator[Chunk] = logs_chunks(client, demo_org.org.id, since=at("2026-11-18T00:00:00Z"))
    audit_trail = next(stream)

    demo_org.set_faults(**{fault: True})
    broken = next(stream)
    demo_org.set_faults()
    rest = list(stream)

    assert audit_trail.nodes
    assert not audit_trail.errors
    assert len(broken.errors) == 1
    assert broken.edges == []
    assert "event log file 0AT" in broken.errors[0]
    assert all(not chunk.errors for chunk in rest)
    assert sum(len(chunk.edges) for chunk in rest) > 0


# --- pure functions ------------------------------------------------------------------------------------


@override_settings(HARVEST_LOG_EVENT_TYPES=["RestApi", "LoginEvent"])
def test_an_event_type_the_source_cannot_read_is_a_configuration_error_naming_the_setting():
    [error] = check_log_event_types()

    assert error.id == "harvesters.E001"
    assert "HARVEST_LOG_EVENT_TYPES" in error.msg
    assert "LoginEvent" in error.msg


def test_rows_are_keyed_by_the_files_own_header():
    rows = list(log_rows(['"EVENT_TYPE","ENTITY_NAME"\n', '"API","Contact"\n']))

    assert rows == [{"EVENT_TYPE": "API", "ENTITY_NAME": "Contact"}]


def test_a_row_of_the_wrong_width_or_an_open_quote_is_a_log_file_error():
    with pytest.raises(LogFileError, match="1 values for 2 columns"):
        list(log_rows(['"EVENT_TYPE","ENTITY_NAME"\n', '"API"\n']))
    with pytest.raises(LogFileError):
        list(log_rows(['"EVENT_TYPE","ENTITY_NAME"\n', 'API,"Contact\n', '"API","Lead"\n']))


def test_logs_fifteen_character_ids_get_salesforces_case_safe_suffix():
    assert id18("0058d0DKowalczy") == "0058d0DKowalczyAGA"
    assert id18("00O8d0AcctTaxId") == "00O8d0AcctTaxIdECJ"
    assert id18("0058d0DKowalczyAGA") == "0058d0DKowalczyAGA"


def test_a_days_report_export_file_is_read_with_that_days_report_file():
    day = at("2026-11-17T00:00:00Z")
    files = [LogFileInfo("0AT000000000001AAA", "API", day, 10), LogFileInfo("0AT000000000002AAA", "Report", day, 10),
             LogFileInfo("0AT000000000003AAA", "ReportExport", day, 10)]

    assert [[info.event_type for info in unit] for unit in log_units(files)] == \
        [["API"], ["ReportExport", "Report"]]


def test_an_expired_or_later_grant_does_not_authorise_an_export():
    export = ReportExport(request_id="r1", user_id="0058d00LBrennanAMA", report_id="00O8d0RegQtrExtESE",
                          at=at("2026-11-02T10:00:00Z"), description=None)
    grant = AuditEntry(id="0Ym1", action="PermSetAssign", section="Manage Users", created_by="005",
                       display="Permission set X: assigned to user lucia.brennan@goldenpoppy.example "
                               "(CHG-4471, expires 2026-11-01)", created_at=at("2026-10-31T15:02:00Z"))
    later = AuditEntry(id="0Ym2", action="PermSetAssign", section="Manage Users", created_by="005",
                       display="assigned to user lucia.brennan@goldenpoppy.example",
                       created_at=at("2026-11-03T00:00:00Z"))

    assert authorising_entries([grant, later], export, "lucia.brennan@goldenpoppy.example", None) == []
    on_time = ReportExport(request_id="r2", user_id=export.user_id, report_id=export.report_id,
                           at=at("2026-10-31T15:22:40Z"), description=None)
    assert authorising_entries([grant, later], on_time, "lucia.brennan@goldenpoppy.example", None) == [grant]


def test_a_grant_revoked_before_the_export_or_an_unrelated_change_does_not_authorise_it():
    export = ReportExport(request_id="r1", user_id="0058d00LBrennanAMA", report_id="00O8d0RegQtrExtESE",
                          at=at("2026-10-31T15:22:40Z"), description=None)
    grant = AuditEntry(id="0Ym1", action="PermSetAssign", section="Manage Users", created_by="005",
                       display="assigned to user lucia.brennan@goldenpoppy.example",
                       created_at=at("2026-10-31T15:02:00Z"))
    revoked = AuditEntry(id="0Ym2", action="PermSetUnassign", section="Manage Users", created_by="005",
                         display="unassigned from user lucia.brennan@goldenpoppy.example",
                         created_at=at("2026-10-31T15:10:00Z"))
    password = AuditEntry(id="0Ym3", action="changedPassword", section="Manage Users", created_by="005",
                          display="Changed password for user lucia.brennan@goldenpoppy.example",
                          created_at=at("2026-10-31T15:12:00Z"))

    assert authorising_entries([grant, revoked, password], export, "lucia.brennan@goldenpoppy.example", None) == []
