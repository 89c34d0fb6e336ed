
import pytest

from harvesters.models import OrgConnection
from lineage import Graph
from tests.conftest import register_offline_org
from tests.lineage.lineage_org import ORG_ID, write_lineage_org


@pytest.fixture(scope="session")
def lineage_graph(graph: Graph) -> Graph:
    write_lineage_org(graph)
    return graph


@pytest.fixture
def lineage_bank(lineage_graph: Graph) -> OrgConnection:
    """The registered org whose lineage the graph holds (tests.lineage.lineage_org)."""
    return register_offline_org("lin-bank", "https://lin-bank.my.salesforce.com", org_id=ORG_ID)
