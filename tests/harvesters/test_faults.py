"""Faults as the README documents them: each failing request is retried on its own (5xx, no answer, an
expired session), every call is counted once, and a harvest of the demo org completes under 10 % errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

import salesforce_simulator
from harvesters import runs
from harvesters.client import OrgClient, RetryPolicy, SalesforceUnavailableError
from harvesters.connections import credentials_for
from harvesters.models import OrgConnection, RunStatus
from lineage import Graph, org_key, purge_org
from salesforce_simulator import Simulator
from tests.conftest import connect_simulated_org
from tests.harvesters.simulated import simulated_client

DEMO_MANIFESTS = Path(salesforce_simulator.__file__).parent / "orgs" / "demo" / "manifests"
QUICK = RetryPolicy(attempts=3, base_delay_s=0.01)
ORGANIZATION = "SELECT Id, Name FROM Organization LIMIT 1"


@pytest.fixture
def demo_connection(demo_org: Simulator, graph: Graph, db: None) -> OrgConnection:
    purge_org(graph, org_key(demo_org.org.id))
    return connect_simulated_org("demo", demo_org)


def query_calls(demo_org: Simulator) -> list[int]:
    return [call.status for call in demo_org.calls if call.path.rstrip("/").endswith("/query") and not call.subrequest]


# --- one request at a time ------------------------------------------------------------------------------


def test_a_request_answered_with_server_errors_is_sent_again_alone_and_every_call_counted_once(
    demo_org: Simulator,
):
    client = simulated_client(demo_org, retry=RetryPolicy(attempts=8, base_delay_s=0.01))
    demo_org.set_faults(error_rate=0.4, seed=2)

    answers = [client.call(lambda sf: sf.query(ORGANIZATION)) for _ in range(12)]

    assert all(answer["records"] for answer in answers)
    sent = query_calls(demo_org)
    assert sent.count(200) == 12, sent
    assert {500, 503} & set(sent), sent
    assert client.first_api_used is not None
    assert client.last_api_used is not None
    assert client.last_api_used - client.first_api_used + 1 == demo_org.api_usage == len(sent)


def test_a_request_that_fails_every_attempt_is_unavailable_after_the_clients_attempts(demo_org: Simulator):
    client = simulated_client(demo_org, retry=QUICK)
    demo_org.set_faults(error_rate=1.0, error_statuses=[503])

    with pytest.raises(SalesforceUnavailableError, match="Salesforce answered HTTP 503 after 3 attempts"):
        client.call(lambda sf: sf.query(ORGANIZATION))

    assert query_calls(demo_org) == [503, 503, 503]


def test_a_request_without_an_answer_is_retried_then_unavailable(demo_org: Simulator):
    client = simulated_client(demo_org, retry=QUICK, timeout=0.5)
    demo_org.set_faults(describe_timeout_objects=["Contact"], describe_timeout_s=1.0)

    with pytest.raises(SalesforceUnavailableError, match=r"no answer from Salesforce \(ReadTimeout\) after 3"):
        client.call(lambda sf: sf.restful("sobjects/Contact/describe"))

    account: Any = client.call(lambda sf: sf.restful("sobjects/Account/describe"))
    assert account["name"] == "Account"


def test_an_expired_session_logs_in_again_between_server_errors(demo_org: Simulator):
    client = simulated_client(demo_org, retry=RetryPolicy(attempts=6, base_delay_s=0.01))
    demo_org.set_faults(error_rate=0.2, session_expiry_calls=4, seed=7)

    answers = [client.call(lambda sf: sf.query(ORGANIZATION)) for _ in range(20)]

    assert all(answer["records"] for answer in answers)
    assert client.logins > 1
    assert 401 in query_calls(demo_org)


# --- a whole harvest, as `harvest <alias> --full --sync` runs it -------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@override_settings(HARVEST_MANIFEST_DIR=str(DEMO_MANIFESTS))
def test_a_full_harvest_of_the_demo_org_completes_under_ten_percent_errors_and_expiring_sessions(
    demo_connection: OrgConnection, demo_org: Simulator, seed: int
):
    demo_org.set_faults(error_rate=0.1, session_expiry_calls=40, seed=seed)

    run = runs.harvest_now(runs.request_harvest(demo_connection, full=True))

    assert run.status == RunStatus.SUCCEEDED, (run.reason, run.errors)
    assert not run.errors
    statuses = {call.status for call in demo_org.calls}
    assert {500, 503} & statuses, "no server error was injected"
    assert 401 in statuses, "no session expired"
    assert run.api_calls == demo_org.api_usage


@pytest.mark.django_db(transaction=True)
@override_settings(HARVEST_MANIFEST_DIR=str(DEMO_MANIFESTS))
def test_a_step_salesforce_fails_for_good_is_a_run_error_naming_it_and_nothing_is_retired(
    demo_connection: OrgConnection, demo_org: Simulator, graph: Graph, monkeypatch: pytest.MonkeyPatch
):
    first = runs.harvest_now(runs.request_harvest(demo_connection, full=True))
    assert first.status == RunStatus.SUCCEEDED, first.errors
    # Account's describe never answers in time: its schema chunk fails for good; every other step lands.
    monkeypatch.setattr(runs, "client_for", lambda org: OrgClient(credentials_for(org), timeout=3.0, retry=QUICK))
    demo_org.set_faults(describe_timeout_objects=["Account"], describe_timeout_s=4.0)

    run = runs.harvest_now(runs.request_harvest(demo_connection, full=True))

    assert run.status == RunStatus.PARTIAL, (run.status, run.reason)
    assert run.errors[0].startswith("schema chunk 1 of 2 (Account, "), run.errors
    steps = {error.split(": ")[0] for error in run.errors[1:]}
    assert steps <= {f"{source} source" for source in run.sources}, run.errors  # those reading Account too
    assert all(error.endswith("no answer from Salesforce (ReadTimeout) after 3 attempts") for error in run.errors)
    assert "retired" not in run.counts
    retired = graph.read("MATCH (n) WHERE (n.org_key = $org AND n.retired_at IS NOT NULL) OR $org IN n.retired_by "
                         "RETURN count(n) AS n", org=org_key(first.org.org_id))
    assert retired[0]["n"] == 0
