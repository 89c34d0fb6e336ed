"""Event Monitoring over HTTPS with simple-salesforce: EventLogFile records, their CSV log files
with the documented columns per event type, injected entries, faults, audit and login rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.format import format_soql

from salesforce_simulator import Simulator, eventlogs
from tests.salesforce_simulator.catalog_org import catalog_simulator, client_for

# A few documented columns of each type (Salesforce's EventLogFile supported event types).
DOCUMENTED = {
    "API": {"API_TYPE", "API_VERSION", "CLIENT_NAME", "METHOD_NAME", "ENTITY_NAME", "ROWS_PROCESSED",
            "REQUEST_STATUS", "QUERY_ID"},
    "RestApi": {"METHOD", "STATUS_CODE", "ENTITY_NAME", "ROWS_PROCESSED", "MEDIA_TYPE", "USER_AGENT"},
    "BulkApi": {"JOB_ID", "BATCH_ID", "ENTITY_TYPE", "OPERATION_TYPE", "NUMBER_FAILURES", "ROWS_PROCESSED"},
    "ReportExport": {"REPORT_DESCRIPTION", "URI", "URI_ID_DERIVED", "CLIENT_IP", "USER_AGENT"},
    "Report": {"REPORT_ID", "ROW_COUNT", "ENTITY_NAME", "DISPLAY_TYPE", "NUMBER_COLUMNS", "ORIGIN"},
    "ApexCallout": {"TYPE", "METHOD", "URL", "SUCCESS", "TIME", "REQUEST_SIZE", "RESPONSE_SIZE"},
    "ApiTotalUsage": {"API_FAMILY", "API_RESOURCE", "API_VERSION", "CLIENT_NAME", "CONNECTED_APP_ID",
                      "COUNTS_AGAINST_API_LIMIT", "ENTITY_NAME", "HTTP_METHOD", "STATUS_CODE", "UNIQUE_ID"},
}
EVERY_TYPE = ["EVENT_TYPE", "TIMESTAMP", "REQUEST_ID", "ORGANIZATION_ID", "USER_ID"]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    with catalog_simulator(tmp_path_factory.mktemp("catalog-eventlogs")) as running:
        yield running


@pytest.fixture(scope="module")
def client(catalog: Simulator) -> tuple[Salesforce, requests.Session]:
    return client_for(catalog)


@pytest.fixture(scope="module")
def esf(client: tuple[Salesforce, requests.Session]) -> Salesforce:
    return client[0]


@pytest.fixture
def no_faults(catalog: Simulator) -> Iterator[Simulator]:
    catalog.reset()
    yield catalog
    catalog.reset()


def log_file(esf: Salesforce, event_type: str, day: str = "2026-11-19T00:00:00Z") -> dict[str, Any]:
    soql = format_soql(
        "SELECT Id, EventType, LogDate, LogFile, LogFileLength, LogFileContentType, Interval, Sequence, "
        "ApiVersion, LogFileFieldNames FROM EventLogFile WHERE EventType = {} AND LogDate = {:literal}",
        event_type, day)
    records = esf.query(soql)["records"]
    assert len(records) == 1, records
    record: dict[str, Any] = records[0]
    return record


def download(catalog: Simulator, client: tuple[Salesforce, requests.Session], url: str) -> requests.Response:
    sf, session = client
    return session.get(catalog.base_url + url, headers={"Authorization": f"Bearer {sf.session_id}"})


# --- EventLogFile records -------------------------------------------------------------------


def test_one_daily_log_file_per_type_and_day(esf: Salesforce) -> None:
    result = esf.query_all("SELECT EventType, LogDate FROM EventLogFile ORDER BY LogDate DESC, EventType")
    assert result["totalSize"] == 3 * 7
    assert result["records"][0]["LogDate"] == "2026-11-19T00:00:00.000+0000"
    recent = esf.query("SELECT Id FROM EventLogFile WHERE LogDate = LAST_N_DAYS:1")
    assert recent["totalSize"] == 7


def test_log_file_record_points_at_its_blob(esf: Salesforce) -> None:
    record = log_file(esf, "API")
    assert record["LogFile"] == f"/services/data/v62.0/sobjects/EventLogFile/{record['Id']}/LogFile"
    assert record["Id"].startswith("0AT")
    assert (record["LogFileContentType"], record["Interval"], record["Sequence"]) == ("CSV", "Daily", 0)


@pytest.mark.parametrize("event_type", sorted(DOCUMENTED))
def test_log_file_csv_has_the_documented_columns_for_each_type(
    esf: Salesforce, client: tuple[Salesforce, requests.Session], catalog: Simulator, event_type: str
) -> None:
    record = log_file(esf, event_type)
    response = download(catalog, client, record["LogFile"])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    header_line = response.text.splitlines()[0]
    columns = next(csv.reader([header_line]))
    assert header_line == ",".join(f'"{column}"' for column in columns)  # the header row is quoted
    assert columns[:5] == EVERY_TYPE
    assert DOCUMENTED[event_type] <= set(columns)
    assert record["LogFileFieldNames"] == ",".join(columns)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 12
    assert {row["EVENT_TYPE"] for row in rows} == {event_type}
    assert [row["TIMESTAMP"] for row in rows] == sorted(row["TIMESTAMP"] for row in rows)


def test_log_file_length_is_the_size_of_the_body(
    esf: Salesforce, client: tuple[Salesforce, requests.Session], catalog: Simulator
) -> None:
    record = log_file(esf, "RestApi")
    body = download(catalog, client, record["LogFile"]).content
    assert record["LogFileLength"] == len(body)


def test_log_files_are_the_same_every_time(
    esf: Salesforce, client: tuple[Salesforce, requests.Session], catalog: Simulator
) -> None:
    url = log_file(esf, "BulkApi")["LogFile"]
    assert download(catalog, client, url).content == download(catalog, client, url).content


def test_literal_entry_appears_on_its_day_with_derived_ids(
    esf: Salesforce, client: tuple[Salesforce, requests.Session], catalog: Simulator
) -> None:
    record = log_file(esf, "ReportExport", day="2026-11-18T00:00:00Z")
    rows = list(csv.DictReader(io.StringIO(download(catalog, client, record["LogFile"]).text)))
    exports = [row for row in rows if row["REPORT_DESCRIPTION"] == "Balances of every account"]
    assert len(rows) == 13
    assert len(exports) == 1
    export = exports[0]
    assert (export["USER_ID"], export["USER_ID_DERIVED"]) == ("0058d000001CtlA", "0058d000001CtlAAAA")
    assert export["URI_ID_DERIVED"].startswith("00O8d0000ExpRpt")
    assert export["CLIENT_IP"] == "198.51.100.7"


def test_unknown_log_file_is_not_found(client: tuple[Salesforce, requests.Session], catalog: Simulator) -> None:
    response = download(catalog, client, "/services/data/v62.0/sobjects/EventLogFile/0AT8d0000NoSuchAAA/LogFile")
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


# --- faults ------------------------------------------------------------------------------------


def test_truncated_fault_cuts_the_log_file_mid_row(
    esf: Salesforce, client: tuple[Salesforce, requests.Session], no_faults: Simulator
) -> None:
    record = log_file(esf, "API")
    no_faults.set_faults(truncated_logs=True)
    body = download(no_faults, client, record["LogFile"]).content
    assert 0 < len(body) < record["LogFileLength"]
    assert not body.endswith(b"\n")


def test_malformed_fault_breaks_the_csv_quoting(
    esf: Salesforce, client: tuple[Salesforce, requests.Session], no_faults: Simulator
) -> None:
    record = log_file(esf, "API")
    no_faults.set_faults(malformed_logs=True)
    text = download(no_faults, client, record["LogFile"]).text
    with pytest.raises(csv.Error):
        list(csv.reader(io.StringIO(text), strict=True))


# --- audit trail and login history ------------------------------------------------------------------


def test_setup_audit_trail_is_queryable_with_its_author(esf: Salesforce) -> None:
    rows = esf.query("SELECT Action, Section, Display, CreatedBy.Name, CreatedDate FROM SetupAuditTrail "
                     "WHERE CreatedDate = LAST_N_DAYS:30")["records"]
    assert [(r["Action"], r["CreatedBy"]["Name"]) for r in rows] == [("changedFieldEncryption", "Cato Admin")]


def test_login_history_is_queryable(esf: Salesforce) -> None:
    rows = esf.query("SELECT UserId, LoginTime, SourceIp, Status, Application FROM LoginHistory")["records"]
    assert rows[0]["SourceIp"] == "198.51.100.7"
    assert rows[0]["LoginTime"] == "2026-11-19T08:00:00.000+0000"


def test_event_log_file_is_described_like_other_objects(esf: Salesforce) -> None:
    client: Any = esf  # simple-salesforce types sobject attributes loosely
    names = {field["name"] for field in client.EventLogFile.describe()["fields"]}
    assert {"EventType", "LogDate", "LogFile", "LogFileLength", "Interval", "Sequence"} <= names


# --- pure helpers ------------------------------------------------------------------------------------


def test_every_documented_type_has_a_column_list() -> None:
    assert set(eventlogs.COLUMNS) == set(DOCUMENTED)
    for event_type, columns in eventlogs.COLUMNS.items():
        assert len(columns) == len(set(columns)), event_type
