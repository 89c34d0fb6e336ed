from collections.abc import Iterator

import pytest

from harvesters.models import OrgConnection
from lineage import Graph
from tests.lineage.queries.export_org import connect_export_org, purge_export_org, write_export_org


@pytest.fixture(scope="module")
def export_graph(graph: Graph) -> Iterator[Graph]:
    """The export test org written once a module; purged again afterwards, so its systems never show in another
    module's lists. A test that changes it writes it afresh when done (`rewritten_after`)."""
    write_export_org(graph)
    yield graph
    purge_export_org(graph)


@pytest.fixture
def export_bank(export_graph: Graph) -> OrgConnection:
    """The export test org connected as `exp-bank`."""
    return connect_export_org()


@pytest.fixture
def rewritten_after(export_graph: Graph) -> Iterator[None]:
    """For a test that overrides a field: the org as written, without the override's mirror, for the next test."""
    yield
    write_export_org(export_graph)
