"""Injected faults: latency, 500/503 errors, session expiry, broken log files, slow describes."""

from __future__ import annotations

import time

import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceGeneralError

from salesforce_simulator import Simulator
from salesforce_simulator.faults import Faults, parse_faults


def statuses(sf: Salesforce, session: requests.Session, calls: int) -> list[int]:
    return [session.get(sf.base_url + "limits", headers=sf.headers).status_code for _ in range(calls)]


def test_latency_delays_every_api_call(fresh: Simulator, sf: Salesforce) -> None:
    fresh.set_faults(latency_ms=150)
    started = time.monotonic()
    sf.limits()
    assert time.monotonic() - started >= 0.15


def test_error_rate_answers_salesforce_shaped_500s(
    fresh: Simulator, sf: Salesforce, sf_session: requests.Session
) -> None:
    fresh.set_faults(error_rate=1.0, error_statuses=[500])
    response = sf_session.get(sf.base_url + "limits", headers=sf.headers)
    assert response.status_code == 500
    [error] = response.json()
    assert error["errorCode"] == "UNKNOWN_EXCEPTION"
    assert error["message"].startswith("An unexpected error occurred. Please include this ErrorId")
    with pytest.raises(SalesforceGeneralError):
        sf.limits()


def test_error_rate_answers_salesforce_shaped_503s(
    fresh: Simulator, sf: Salesforce, sf_session: requests.Session
) -> None:
    fresh.set_faults(error_rate=1.0, error_statuses=[503])
    response = sf_session.get(sf.base_url + "limits", headers=sf.headers)
    assert response.status_code == 503
    assert response.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert "Sforce-Limit-Info" in response.headers


def test_errors_are_deterministic_by_seed(fresh: Simulator, sf: Salesforce, sf_session: requests.Session) -> None:
    fresh.reset()  # call numbers restart, so the seed replays the same draws
    fresh.set_faults(error_rate=0.5, seed=3)
    first = statuses(sf, sf_session, 30)
    fresh.reset()
    fresh.set_faults(error_rate=0.5, seed=3)
    assert statuses(sf, sf_session, 30) == first
    assert {500, 503} & set(first)
    assert 200 in first
    fresh.reset()
    fresh.set_faults(error_rate=0.5, seed=4)
    assert statuses(sf, sf_session, 30) != first


def test_session_expires_after_n_calls(fresh: Simulator, sf: Salesforce) -> None:
    fresh.set_faults(session_expiry_calls=3)
    for _ in range(3):
        sf.limits()
    with pytest.raises(SalesforceExpiredSession):
        sf.limits()


def test_describe_of_a_named_object_outlasts_the_client_timeout(
    fresh: Simulator, sf: Salesforce, sf_session: requests.Session
) -> None:
    fresh.set_faults(describe_timeout_objects=["Contact"], describe_timeout_s=1.5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        sf_session.get(sf.base_url + "sobjects/Contact/describe/", headers=sf.headers, timeout=0.5)
    started = time.monotonic()
    fast = sf_session.get(sf.base_url + "sobjects/Individual/describe/", headers=sf.headers, timeout=0.5)
    assert fast.json()["name"] == "Individual"
    assert time.monotonic() - started < 0.5


def _first_log(sf: Salesforce) -> tuple[str, int]:
    row = sf.query("SELECT Id, LogFileLength FROM EventLogFile WHERE EventType = 'API' ORDER BY LogDate")["records"][0]
    return row["Id"], int(row["LogFileLength"])


def test_truncated_log_files_stop_mid_row(fresh: Simulator, sf: Salesforce, sf_session: requests.Session) -> None:
    log_id, length = _first_log(sf)
    url = f"{sf.base_url}sobjects/EventLogFile/{log_id}/LogFile"
    whole = sf_session.get(url, headers=sf.headers).content
    fresh.set_faults(truncated_logs=True)
    cut = sf_session.get(url, headers=sf.headers).content
    assert len(whole) == length
    assert len(cut) < len(whole)
    assert whole.startswith(cut)
    assert not cut.endswith(b"\n")


def test_malformed_log_files_break_the_csv(fresh: Simulator, sf: Salesforce, sf_session: requests.Session) -> None:
    log_id, _ = _first_log(sf)
    url = f"{sf.base_url}sobjects/EventLogFile/{log_id}/LogFile"
    whole = sf_session.get(url, headers=sf.headers).content
    fresh.set_faults(malformed_logs=True)
    broken = sf_session.get(url, headers=sf.headers).content
    assert broken != whole


def test_faults_are_set_over_the_admin_endpoint(fresh: Simulator, sf_session: requests.Session) -> None:
    response = sf_session.post(fresh.base_url + "/_simulator/faults", json={"latency_ms": 20, "error_rate": 0.25})
    assert response.status_code == 200
    assert response.json()["latency_ms"] == 20
    assert fresh.faults == Faults(latency_ms=20, error_rate=0.25)
    refused = sf_session.post(fresh.base_url + "/_simulator/faults", json={"no_such_fault": 1})
    assert refused.status_code == 400


def test_fault_text_from_the_command_line_parses() -> None:
    faults = parse_faults("latency_ms=50,error_rate=0.1,session_expiry_calls=5,truncated_logs=true,"
                          "describe_timeout_objects=Contact+Account,describe_timeout_s=2.5,seed=9")  # fmt: skip
    assert faults == Faults(latency_ms=50, error_rate=0.1, session_expiry_calls=5, truncated_logs=True,
                            describe_timeout_objects=("Contact", "Account"), describe_timeout_s=2.5, seed=9)
    with pytest.raises(ValueError, match="unknown faults"):
        parse_faults("speed=11")
