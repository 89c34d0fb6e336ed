"""A run keeps the org's daily API limit (DailyApiRequests Max) that Salesforce reports on every answer in
Sforce-Limit-Info, so its page can say what share of the day's calls it spent and what remained."""

from __future__ import annotations

import pytest

from harvesters import runs
from harvesters.connections import client_for
from harvesters.models import OrgConnection, RunStatus
from lineage import Graph, org_key, purge_org
from salesforce_simulator import Simulator
from tests.harvesters.worker_runs import connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_connection(demo_org: Simulator, graph: Graph) -> OrgConnection:
    purge_org(graph, org_key(demo_org.org.id))
    return connect("demo", demo_org)


def test_a_run_keeps_the_orgs_daily_limit_and_what_remained_of_it_before_and_after(
    demo_connection: OrgConnection, demo_org: Simulator
):
    demo_org.reset()

    run = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=["consents"]))

    limit = demo_org.org.daily_api_limit
    assert run.status == RunStatus.SUCCEEDED, run.errors
    assert (run.api_daily_limit, run.api_remaining_before) == (limit, limit)
    assert run.api_remaining_after == limit - demo_org.api_usage == limit - (run.api_calls or 0)


def test_the_limit_comes_with_the_runs_own_answers_at_no_extra_call(demo_connection: OrgConnection,
                                                                      demo_org: Simulator):
    run = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=["consents"]))

    assert run.api_daily_limit is not None
    assert not [call for call in demo_org.calls if call.path.rstrip("/").endswith("/limits")]


def test_the_run_agrees_with_salesforces_limits_resource(demo_connection: OrgConnection, demo_org: Simulator):
    run = runs.harvest_now(runs.request_harvest(demo_connection, full=True, sources=["consents"]))

    daily = client_for(demo_connection).call(lambda sf: sf.limits())["DailyApiRequests"]

    assert run.api_remaining_after is not None
    assert daily == {"Max": run.api_daily_limit, "Remaining": run.api_remaining_after - 1}  # less the /limits call
