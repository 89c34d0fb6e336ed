
import pytest

from harvesters.models import OrgConnection
from lineage import Graph
from salesforce_simulator import Simulator
from tests.catalog.inventory.demo_harvest import harvest_demo_schema
from tests.conftest import register_offline_org
from tests.lineage.queries.inventory_org import ORG_ID, write_inventory_org


@pytest.fixture(scope="session")
def inventory_graph(graph: Graph) -> Graph:
    write_inventory_org(graph)
    return graph


@pytest.fixture
def bank(inventory_graph: Graph) -> OrgConnection:
    """The registered org whose schema the graph holds (tests.lineage.queries.inventory_org)."""
    return register_offline_org("inv-bank", "https://inv-bank.my.salesforce.com", org_id=ORG_ID)


@pytest.fixture
def harvested_demo(demo_org: Simulator, graph: Graph) -> OrgConnection:
    """The demo org connected as "demo", its schema harvested (the test needs django_db(transaction=True))."""
    return harvest_demo_schema(demo_org, graph)
