"""An override of a demo-org field survives every later harvest through the real harvest path (the simulator
over HTTPS, real Neo4j): a full and an incremental re-harvest keep it, and a graph purged and harvested afresh
gets it back when the run finishes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalog.classification import services
from catalog.inventory.services import field_of, fields_of
from harvesters import runs
from harvesters.models import OrgConnection, RunStatus
from lineage import Graph, org_key, purge_org
from lineage.queries.inventory import FieldFilter, PageRequest
from salesforce_simulator import Simulator
from tests.catalog.accounts.people import privacy_officer
from tests.harvesters.worker_runs import connect

pytestmark = pytest.mark.django_db(transaction=True)


def harvest(connection: OrgConnection, *, full: bool) -> None:
    run = runs.harvest_now(runs.request_harvest(connection, full=full, sources=["schema"]), max_attempts=8)
    assert run.status == RunStatus.SUCCEEDED, run.errors


def overridden_loan_types() -> list[str]:
    page = fields_of("demo", FieldFilter(sobject="Loan_Application__c", ccpa_category="commercial_information"),
                     PageRequest())
    return [row.name for row in page.rows if row.overridden]


@pytest.fixture
def harvested_demo(demo_org: Simulator, graph: Graph) -> Iterator[OrgConnection]:
    purge_org(graph, org_key(demo_org.org.id))
    connection = connect("demo", demo_org)
    harvest(connection, full=True)
    connection.refresh_from_db()
    yield connection
    purge_org(graph, org_key(demo_org.org.id))


def test_an_override_survives_full_and_incremental_re_harvests_and_a_purged_graph(harvested_demo: OrgConnection,
                                                                                 graph: Graph):
    harvested = field_of("demo", "Loan_Application__c", "Loan_Type__c")
    services.override_field("demo", "Loan_Application__c", "Loan_Type__c", ccpa_category="commercial_information",
                            reason="The product a consumer applied for", actor=privacy_officer())

    harvest(harvested_demo, full=True)
    after_full = field_of("demo", "Loan_Application__c", "Loan_Type__c")
    harvest(harvested_demo, full=False)
    after_incremental = field_of("demo", "Loan_Application__c", "Loan_Type__c")
    purge_org(graph, org_key(harvested_demo.org_id))
    harvest(harvested_demo, full=True)
    after_purge = field_of("demo", "Loan_Application__c", "Loan_Type__c")

    assert harvested.ccpa_category != "commercial_information"
    for detail in (after_full, after_incremental, after_purge):
        assert (detail.overridden, detail.ccpa_category, detail.override_reason) == (
            True, "commercial_information", "The product a consumer applied for")
        assert detail.harvested_ccpa_category == harvested.ccpa_category
    assert after_full.run_id != harvested.run_id  # the full re-harvest did write the field again
    assert overridden_loan_types() == ["Loan_Type__c"]
