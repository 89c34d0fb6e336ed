"""The catalog test org (orgs/catalog.yaml) served by its own simulator, for the Tooling API,
Event Monitoring and Bulk API tests; clients log in as the conftest's ``sf`` fixture does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from simple_salesforce.api import Salesforce

from salesforce_simulator import Simulator, load_org
from salesforce_simulator.org import Org
from tests.salesforce_simulator.conftest import API_VERSION, soap_login, trusting_session

CATALOG_ORG = Path(__file__).parent / "orgs" / "catalog.yaml"


@contextmanager
def catalog_simulator(state_dir: Path, adjust: Callable[[Org], None] | None = None) -> Iterator[Simulator]:
    org = load_org(CATALOG_ORG)
    if adjust is not None:
        adjust(org)
    with Simulator(org, state_dir=state_dir) as running:
        yield running


def client_for(simulator: Simulator) -> tuple[Salesforce, requests.Session]:
    session = trusting_session(simulator)
    session_id, _ = soap_login(simulator, session)
    sf = Salesforce(instance_url=simulator.base_url, session_id=session_id, session=session,
                    version=API_VERSION)
    return sf, session
