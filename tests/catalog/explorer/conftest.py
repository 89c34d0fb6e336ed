
import pytest

from harvesters.connections import register_org
from harvesters.models import OrgConnection
from lineage import Graph
from tests.lineage.lineage_org import ORG_ID, write_lineage_org


@pytest.fixture(scope="session")
def lineage_graph(graph: Graph) -> Graph:
    write_lineage_org(graph)
    return graph


@pytest.fixture
def lineage_bank(lineage_graph: Graph) -> OrgConnection:
    """The registered org whose lineage the graph holds (tests.lineage.lineage_org)."""
    return register_org("lin-bank", login_url="https://lin-bank.my.salesforce.com",
                        instance_url="https://lin-bank.my.salesforce.com", auth_flow="session_id",
                        session_id="00D!session", org_id=ORG_ID)
