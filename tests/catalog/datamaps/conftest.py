"""The data maps' tests: the demo org harvested whole once a session (the records' fixture), and the same org
connected for real, for a look-up that reads a consumer's values live."""

import pytest

from harvesters.models import OrgConnection
from salesforce_simulator import Simulator
from tests.catalog.records.conftest import demo  # noqa: F401 - the demo org harvested with its purposes
from tests.conftest import connect_simulated_org


@pytest.fixture
def live_demo(demo: OrgConnection, demo_org: Simulator) -> OrgConnection:  # noqa: F811 - the fixture above
    """The harvested demo org connected over HTTPS (the `demo` fixture's connection never contacts the org)."""
    demo.delete()
    return connect_simulated_org("demo", demo_org, org_id=demo_org.org.id)
