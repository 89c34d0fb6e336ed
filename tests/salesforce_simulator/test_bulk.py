"""Bulk API 2.0 query jobs over HTTPS with simple-salesforce: the job lifecycle, CSV results
paged by Sforce-Locator, accounting, and results that stream instead of piling up."""

from __future__ import annotations

import csv
import io
import json
import time
import tracemalloc
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce

from salesforce_simulator import Simulator, bulk
from salesforce_simulator.org import IndexedRecordSource, Org
from salesforce_simulator.routing import SalesforceError, SimRequest, SimResponse
from tests.salesforce_simulator.conftest import API_VERSION

FAST_POLL = 0.01  # simple-salesforce's wait between status polls, in seconds


def jobs_url(simulator: Simulator, suffix: str = "") -> str:
    return f"{simulator.base_url}/services/data/v{API_VERSION}/jobs/query{suffix}"


def headers(sf: Salesforce) -> dict[str, str]:
    return {"Authorization": f"Bearer {sf.session_id}", "Content-Type": "application/json"}


def create_job(sf: Salesforce, session: requests.Session, simulator: Simulator, soql: str,
               **options: Any) -> dict[str, Any]:
    body = {"operation": "query", "query": soql, **options}
    response = session.post(jobs_url(simulator), headers=headers(sf), data=json.dumps(body))
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def poll_until_complete(sf: Salesforce, session: requests.Session, simulator: Simulator,
                        job_id: str) -> list[str]:
    states = []
    for _ in range(200):
        state = session.get(jobs_url(simulator, f"/{job_id}"), headers=headers(sf)).json()["state"]
        states.append(state)
        if state == "JobComplete":
            return states
        time.sleep(FAST_POLL)
    raise AssertionError(f"job never completed: {states[-3:]}")


def bulk2(sf: Salesforce, object_name: str, soql: str, *, query_all: bool = False, **options: Any) -> list[str]:
    """Every CSV page simple-salesforce's bulk2 client reads for ``soql``."""
    handler: Any = getattr(sf.bulk2, object_name)  # simple-salesforce types its handlers loosely
    run = handler.query_all if query_all else handler.query
    return [str(page) for page in run(soql, wait=FAST_POLL, **options)]


def rows_of(pages: list[str]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for page in pages:
        rows.extend(csv.DictReader(io.StringIO(page)))
    return rows


# --- through simple-salesforce's bulk2 client -------------------------------------------------


def test_bulk_query_pages_with_sforce_locator_over_several_pages(sf: Salesforce) -> None:
    expected = sf.query("SELECT COUNT() FROM Contact")["totalSize"]
    pages = bulk2(sf, "Contact", "SELECT Id, LastName FROM Contact", max_records=1000)
    assert len(pages) == -(-expected // 1000) >= 3
    ids = [row["Id"] for row in rows_of(pages)]
    assert len(ids) == len(set(ids)) == expected


def test_results_are_csv_with_every_value_quoted(sf: Salesforce) -> None:
    soql = "SELECT Id, FirstName, Email FROM Contact WHERE LastName = 'Quinn'"
    page = bulk2(sf, "Contact", soql)[0]
    lines = page.splitlines()
    assert lines[0] == '"Id","FirstName","Email"'
    assert '"0038d0000Zora01AQA","Zora","zora.quinn@example.com"' in lines


def test_query_all_includes_deleted_rows_and_query_does_not(sf: Salesforce) -> None:
    soql = "SELECT Id, LastName FROM Contact WHERE LastName = 'Away'"
    live = rows_of(bulk2(sf, "Contact", soql))
    everything = rows_of(bulk2(sf, "Contact", soql, query_all=True))
    assert live == []
    assert [row["Id"] for row in everything] == ["0038d0000Gone01AQA"]


def test_relationship_columns_are_dotted_paths(sf: Salesforce) -> None:
    soql = "SELECT Id, Owner.Name FROM FinServ__FinancialAccount__c LIMIT 3"
    rows = rows_of(bulk2(sf, "FinServ__FinancialAccount__c", soql))
    assert len(rows) == 3
    assert set(rows[0]) == {"Id", "Owner.Name"}
    assert rows[0]["Owner.Name"]


# --- the job lifecycle on the wire -------------------------------------------------------------------


def test_job_moves_from_upload_complete_through_in_progress_to_job_complete(
    sf: Salesforce, sf_session: requests.Session, simulator: Simulator
) -> None:
    job = create_job(sf, sf_session, simulator, "SELECT Id FROM Contact")
    assert job["id"].startswith("750")
    assert len(job["id"]) == 18
    assert (job["state"], job["operation"], job["object"], job["contentType"]) == (
        "UploadComplete", "query", "Contact", "CSV")
    states = poll_until_complete(sf, sf_session, simulator, job["id"])
    assert states[0] == "InProgress"
    assert states[-1] == "JobComplete"
    status = sf_session.get(jobs_url(simulator, f"/{job['id']}"), headers=headers(sf)).json()
    assert status["jobType"] == "V2Query"
    assert status["numberRecordsProcessed"] == sf.query("SELECT COUNT() FROM Contact")["totalSize"]


def test_results_headers_name_the_next_locator_and_the_page_size(
    sf: Salesforce, sf_session: requests.Session, simulator: Simulator
) -> None:
    job = create_job(sf, sf_session, simulator, "SELECT Id FROM Contact")
    poll_until_complete(sf, sf_session, simulator, job["id"])
    url = jobs_url(simulator, f"/{job['id']}/results")
    first = sf_session.get(url, headers=headers(sf), params={"maxRecords": "500"})
    assert first.headers["Content-Type"].startswith("text/csv")
    assert first.headers["Sforce-NumberOfRecords"] == "500"
    locator = first.headers["Sforce-Locator"]
    assert locator not in ("", "null")
    second = sf_session.get(url, headers=headers(sf), params={"maxRecords": "500", "locator": locator})
    assert second.headers["Sforce-NumberOfRecords"] == "500"
    again = sf_session.get(url, headers=headers(sf), params={"maxRecords": "500", "locator": locator})
    assert again.text == second.text  # a locator read twice answers the same page
    last = sf_session.get(url, headers=headers(sf), params={"maxRecords": "1000000"})
    assert last.headers["Sforce-Locator"] == "null"


def test_column_delimiter_and_line_ending_are_honoured(
    sf: Salesforce, sf_session: requests.Session, simulator: Simulator
) -> None:
    job = create_job(sf, sf_session, simulator, "SELECT Id, LastName FROM Contact WHERE LastName = 'Quinn'",
                     columnDelimiter="PIPE", lineEnding="CRLF")
    assert (job["columnDelimiter"], job["lineEnding"]) == ("PIPE", "CRLF")
    poll_until_complete(sf, sf_session, simulator, job["id"])
    body = sf_session.get(jobs_url(simulator, f"/{job['id']}/results"), headers=headers(sf)).content
    assert body.startswith(b'"Id"|"LastName"\r\n')


def test_invalid_query_creates_no_job(sf: Salesforce, sf_session: requests.Session, simulator: Simulator) -> None:
    body = {"operation": "query", "query": "SELECT Id, Shoe_Size__c FROM Contact"}
    response = sf_session.post(jobs_url(simulator), headers=headers(sf), data=json.dumps(body))
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"


def test_aborted_job_reports_aborted_and_serves_no_results(
    sf: Salesforce, sf_session: requests.Session, simulator: Simulator
) -> None:
    job = create_job(sf, sf_session, simulator, "SELECT Id FROM Contact")
    bulk2_client: Any = sf.bulk2  # simple-salesforce types its handlers loosely
    aborted = bulk2_client.Contact._client.abort_job(job["id"], True)
    assert aborted["state"] == "Aborted"
    results = sf_session.get(jobs_url(simulator, f"/{job['id']}/results"), headers=headers(sf))
    assert results.status_code == 400


def test_deleting_a_finished_job_forgets_it(sf: Salesforce, sf_session: requests.Session, simulator: Simulator) -> None:
    job = create_job(sf, sf_session, simulator, "SELECT Id FROM Contact LIMIT 5")
    poll_until_complete(sf, sf_session, simulator, job["id"])
    listed = sf_session.get(jobs_url(simulator), headers=headers(sf)).json()
    assert job["id"] in {entry["id"] for entry in listed["records"]}
    deleted = sf_session.delete(jobs_url(simulator, f"/{job['id']}"), headers=headers(sf))
    assert deleted.status_code == 204
    gone = sf_session.get(jobs_url(simulator, f"/{job['id']}"), headers=headers(sf))
    assert gone.status_code == 404


def test_each_bulk_request_counts_one_api_call(
    sf: Salesforce, sf_session: requests.Session, fresh: Simulator
) -> None:
    before = fresh.api_usage
    job = create_job(sf, sf_session, fresh, "SELECT Id FROM Contact LIMIT 10")
    polls = len(poll_until_complete(sf, sf_session, fresh, job["id"]))
    sf_session.get(jobs_url(fresh, f"/{job['id']}/results"), headers=headers(sf))
    assert fresh.api_usage - before == 1 + polls + 1


# --- streaming -------------------------------------------------------------------------------


class _Request:
    """Calls bulk's handlers in-process, the way the server dispatches them."""

    def __init__(self, org: Org) -> None:
        self.org = org

    def __call__(self, method: str, path: str, query: dict[str, list[str]] | None = None,
                 body: Any = None) -> SimResponse:
        for route in bulk.ROUTES:
            match = route.pattern.fullmatch(path)
            if match and route.method == method:
                raw = json.dumps(body).encode() if body is not None else b""
                request = SimRequest(method, path, query or {}, {}, raw, self.org, "62.0", None)
                return route.handler(request, match)
        raise AssertionError(f"no route for {method} {path}")


def _cheap_contact(index: int) -> dict[str, Any]:
    return {"Id": f"0038d{index:013d}", "LastName": f"Consumer {index:06d}", "IsDeleted": False}


@pytest.fixture
def big_org(simulator: Simulator) -> Org:
    """The test org's schema with a Contact source of 50,000 rows computed on demand."""
    org = Org(id="00D8d000001BigOEAA", name="Big", now=simulator.org.now)
    org.objects = dict(simulator.org.objects)
    org.record_sources = {"Contact": IndexedRecordSource("003", 50_000, _cheap_contact)}
    return org


def test_results_stream_without_holding_the_job_rows(big_org: Org) -> None:
    call = _Request(big_org)
    job = call("POST", "/jobs/query", body={"operation": "query", "query": "SELECT Id, LastName FROM Contact"}).body
    while call("GET", f"/jobs/query/{job['id']}").body["state"] != "JobComplete":
        time.sleep(FAST_POLL)
    tracemalloc.start()
    try:
        rows, locator, pages = 0, "", 0
        while locator != "null":
            query = {"maxRecords": ["5000"], **({"locator": [locator]} if locator else {})}
            page = call("GET", f"/jobs/query/{job['id']}/results", query)
            rows += int(page.headers["Sforce-NumberOfRecords"])
            locator, pages = page.headers["Sforce-Locator"], pages + 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (rows, pages) == (50_000, 10)
    assert peak < 12_000_000  # one 5,000-row page at a time (~4 MB), never the 50,000 rows


def test_unknown_job_is_not_found(big_org: Org) -> None:
    with pytest.raises(SalesforceError) as caught:
        _Request(big_org)("GET", "/jobs/query/7508d0000000000AAA")
    assert caught.value.status == 404
