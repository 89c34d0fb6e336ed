from collections.abc import Iterator

import pytest

from harvesters.models import OrgConnection
from lineage import Graph
from salesforce_simulator import Simulator
from tests.lineage.systems_orgs import (
    connect_demo,
    connect_partner,
    demo_harvested,
    purge_partner_org,
    write_partner_org,
)


@pytest.fixture
def two_orgs(graph: Graph, demo_simulator: Simulator) -> Iterator[tuple[OrgConnection, OrgConnection]]:
    """The demo org harvested with its manifests and the partner org, connected as `demo` and `partner`."""
    demo_harvested(graph, demo_simulator)
    write_partner_org(graph)
    yield connect_demo(demo_simulator), connect_partner()
    purge_partner_org(graph)
