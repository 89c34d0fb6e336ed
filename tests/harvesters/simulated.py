"""A harvester's client for an org served by the simulator, as the tests of each source build it."""

from __future__ import annotations

from harvesters.client import DEFAULT_RETRY, OrgClient, OrgCredentials, RetryPolicy
from salesforce_simulator import Simulator


def simulated_client(org: Simulator, *, retry: RetryPolicy = DEFAULT_RETRY, timeout: float = 60.0) -> OrgClient:
    given = org.credentials()
    return OrgClient(OrgCredentials(login_url=org.base_url, api_version="61.0", auth_flow="client_credentials",
                                    client_id=given["consumer_key"] or "", client_secret=given["consumer_secret"] or "",
                                    ca_bundle=org.ca_bundle), retry=retry, timeout=timeout)
