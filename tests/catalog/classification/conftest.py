from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from harvesters.models import OrgConnection
from lineage import FieldRecord, Graph, GraphWriter, HasFieldEdge, OrgRecord, SObjectRecord, bootstrap_schema, purge_org
from lineage import org_key as key_of_org
from tests.conftest import register_offline_org

ORG_ID = "00D000000000OVRAAA"
ORG_KEY = key_of_org(ORG_ID)
EVIDENCE = "describe (override test org)"


def review_fields() -> tuple[FieldRecord, ...]:
    """Contact's fields as a harvest classified them: Email personal, Department not, Tax id sensitive."""
    return (
        FieldRecord(org_id=ORG_ID, sobject="Contact", name="Email", type="email", display_label="Email",
                    ccpa_category="identifiers", classification_rule="email type: identifiers", evidence=EVIDENCE),
        FieldRecord(org_id=ORG_ID, sobject="Contact", name="Department", type="string", display_label="Department",
                    evidence=EVIDENCE),
        FieldRecord(org_id=ORG_ID, sobject="Contact", name="Tax_Id__c", type="string", custom=True,
                    display_label="Tax ID", ccpa_category="identifiers", sensitive=True,
                    classification_rule="tax id: identifiers", sensitivity_rule="SSN or tax id", evidence=EVIDENCE),
    )


def write_review_org(graph: Graph, run_id: str, fields: tuple[FieldRecord, ...]) -> GraphWriter:
    """Write the org's Contact and these fields as one run of a harvest does; the writer can retire the rest."""
    writer = GraphWriter(graph, run_id, ORG_KEY, datetime.now(UTC))
    contact = SObjectRecord(org_id=ORG_ID, name="Contact", display_label="Contact", evidence=EVIDENCE)
    edges = [HasFieldEdge(source=contact.ref, target=each.ref, evidence=EVIDENCE) for each in fields]
    writer.write_chunk([OrgRecord(org_id=ORG_ID, evidence=EVIDENCE), contact, *fields], edges)
    return writer


@pytest.fixture(autouse=True)
def fresh_throttles() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def review_graph(graph: Graph) -> Iterator[Graph]:
    bootstrap_schema(graph)
    purge_org(graph, ORG_KEY)
    write_review_org(graph, "override-test-1", review_fields())
    yield graph
    purge_org(graph, ORG_KEY)


@pytest.fixture
def review_bank(review_graph: Graph) -> OrgConnection:
    """A registered org whose Contact (Email, Department, Tax_Id__c) the graph holds."""
    return register_offline_org("review-bank", "https://review-bank.my.salesforce.com", org_id=ORG_ID)
