"""API accounting: Sforce-Limit-Info on every response, the daily limit, and the call log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceRefusedRequest

from salesforce_simulator import Simulator, load_org

from .conftest import API_VERSION, SMALL_ORG, soap_login, trusting_session


def usage(response: requests.Response) -> tuple[int, int]:
    used, _, limit = response.headers["Sforce-Limit-Info"].removeprefix("api-usage=").partition("/")
    return int(used), int(limit)


def get(sf: Salesforce, session: requests.Session, path: str) -> requests.Response:
    return session.get(sf.base_url + path, headers=sf.headers)


def test_every_response_reports_api_usage(fresh: Simulator, sf: Salesforce, sf_session: requests.Session) -> None:
    first = get(sf, sf_session, "limits")
    second = get(sf, sf_session, "sobjects/Contact/describe")
    assert usage(first) == (1, 100000)
    assert usage(second) == (2, 100000)


def test_error_responses_carry_the_header_too(fresh: Simulator, sf: Salesforce, sf_session: requests.Session) -> None:
    response = get(sf, sf_session, "sobjects/Nope__c/describe")
    assert response.status_code == 404
    assert usage(response) == (1, 100000)


def test_simple_salesforce_reads_the_usage_header(fresh: Simulator, sf: Salesforce) -> None:
    sf.limits()
    sf.query("SELECT COUNT() FROM Contact")
    assert sf.api_usage["api-usage"].used == 2
    assert sf.api_usage["api-usage"].total == 100000


def test_logins_and_the_versions_list_are_not_counted(fresh: Simulator, sf_session: requests.Session) -> None:
    soap_login(fresh, sf_session)
    sf_session.get(fresh.base_url + "/services/data/")
    assert fresh.api_usage == 0


def test_each_query_page_counts_one_call(fresh: Simulator, sf: Salesforce) -> None:
    sf.query_all("SELECT Id FROM Contact")  # two pages
    assert fresh.api_usage == 2


def test_composite_counts_once(fresh: Simulator, sf: Salesforce) -> None:
    body = {"compositeRequest": [
        {"method": "GET", "referenceId": f"r{n}", "url": f"/services/data/v{API_VERSION}/limits"}
        for n in range(10)]}  # fmt: skip
    sf.restful("composite", method="POST", json=body)
    assert fresh.api_usage == 1


def test_composite_batch_counts_each_subrequest(fresh: Simulator, sf: Salesforce) -> None:
    body = {"batchRequests": [{"method": "GET", "url": f"v{API_VERSION}/limits"}] * 7}
    sf.restful("composite/batch", method="POST", json=body)
    assert fresh.api_usage == 7


def test_the_call_log_names_each_call_and_its_cost(fresh: Simulator, sf: Salesforce) -> None:
    sf.limits()
    body = {"batchRequests": [{"method": "GET", "url": f"v{API_VERSION}/sobjects/Contact/describe"}] * 2}
    sf.restful("composite/batch", method="POST", json=body)
    calls = [(c.method, c.path.rstrip("/"), c.status, c.api_calls, c.subrequest)
             for c in fresh.calls if c.path.startswith("/services/data/")]  # fmt: skip
    assert calls == [
        ("GET", f"/services/data/v{API_VERSION}/limits", 200, 1, False),
        ("GET", f"/services/data/v{API_VERSION}/sobjects/Contact/describe", 200, 1, True),
        ("GET", f"/services/data/v{API_VERSION}/sobjects/Contact/describe", 200, 1, True),
        ("POST", f"/services/data/v{API_VERSION}/composite/batch", 200, 0, False),
    ]
    assert {c.user for c in fresh.calls if c.path.startswith("/services/data/")} == {"admin@testharbor.example"}
    assert [c.path for c in fresh.calls if c.path.startswith("/services/Soap/")] == ["/services/Soap/u/61.0"]


def test_admin_endpoints_show_the_log_and_are_not_counted(
    fresh: Simulator, sf: Salesforce, sf_session: requests.Session
) -> None:
    sf.limits()
    log = sf_session.get(fresh.base_url + "/_simulator/calls").json()
    again = sf_session.get(fresh.base_url + "/_simulator/calls").json()
    assert log["api_usage"] == again["api_usage"] == 1
    data_calls = [call["path"] for call in log["calls"] if call["path"].startswith("/services/data/")]
    assert data_calls == [f"/services/data/v{API_VERSION}/limits/"]
    assert sf_session.post(fresh.base_url + "/_simulator/reset").status_code == 204
    assert sf_session.get(fresh.base_url + "/_simulator/calls").json() == {
        "api_usage": 0, "daily_api_limit": 100000, "calls": []}  # fmt: skip


@pytest.fixture
def tiny(tmp_path: Path) -> Iterator[Simulator]:
    org = load_org(SMALL_ORG)
    org.daily_api_limit = 3
    simulator = Simulator(org, state_dir=tmp_path).start()
    yield simulator
    simulator.stop()


def test_past_the_daily_limit_calls_are_refused_with_403(tiny: Simulator) -> None:
    session = trusting_session(tiny)
    session_id, _ = soap_login(tiny, session)
    sf = Salesforce(instance_url=tiny.base_url, session_id=session_id, session=session, version=API_VERSION)
    for _ in range(3):
        sf.limits()
    refused = session.get(sf.base_url + "limits", headers=sf.headers)
    assert refused.status_code == 403
    assert refused.json() == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert usage(refused) == (3, 3)
    with pytest.raises(SalesforceRefusedRequest):
        sf.limits()


def test_limits_resource_reports_the_remaining_budget(tiny: Simulator) -> None:
    session = trusting_session(tiny)
    session_id, _ = soap_login(tiny, session)
    sf = Salesforce(instance_url=tiny.base_url, session_id=session_id, session=session, version=API_VERSION)
    assert sf.limits()["DailyApiRequests"] == {"Max": 3, "Remaining": 2}
