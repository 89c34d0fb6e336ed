"""Fixtures for the simulator's tests: a running simulator, a CA-trusting session, a client.

``simulator`` serves ``orgs/small.yaml`` over HTTPS on a free loopback port for the whole
session; ``sf_session`` is a requests.Session that trusts the simulator's CA (and nothing
else) through a mounted adapter — never by turning verification off; ``sf`` is a
simple-salesforce client logged in with the SOAP flow against the simulator.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from requests.adapters import HTTPAdapter
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import SalesforceError
from simple_salesforce.login import SalesforceLogin

from salesforce_simulator import Simulator, load_org

SMALL_ORG = Path(__file__).parent / "orgs" / "small.yaml"
API_VERSION = "61.0"


class CATrustingAdapter(HTTPAdapter):
    """An HTTPAdapter whose TLS context trusts one CA file."""

    def __init__(self, ca_file: str, **kwargs: Any) -> None:
        self.ssl_context = ssl.create_default_context(cafile=ca_file)
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self.ssl_context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self.ssl_context
        return super().proxy_manager_for(*args, **kwargs)


def trusting_session(simulator: Simulator) -> requests.Session:
    session = requests.Session()
    session.mount(simulator.base_url, CATrustingAdapter(simulator.ca_bundle))
    return session


@pytest.fixture(scope="session")
def jwt_key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """(private key PEM, certificate PEM) of the connected app's JWT signing key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "recordkeeper-test-jwt")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return private, certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory, jwt_key_pair: tuple[bytes, bytes]) -> Iterator[Simulator]:
    org = load_org(SMALL_ORG)
    org.oauth_clients[0].jwt_certificate_pem = jwt_key_pair[1]
    state = tmp_path_factory.mktemp("simulator-state")
    with Simulator(org, state_dir=state) as running:
        yield running


@pytest.fixture
def fresh(simulator: Simulator) -> Iterator[Simulator]:
    """The simulator with usage, call log and faults zeroed before and after the test."""
    simulator.reset()
    yield simulator
    simulator.reset()


@pytest.fixture(scope="session")
def sf_session(simulator: Simulator) -> requests.Session:
    return trusting_session(simulator)


def sobject(sf: Salesforce, name: str) -> SFType:
    """``sf.<name>``, narrowed to the SFType it is.

    simple-salesforce types attribute access as SFBulkHandler | SFBulk2Handler | SFType
    (``bulk`` and ``bulk2`` are the handlers); every other name answers an SFType.
    """
    handle = getattr(sf, name)
    assert isinstance(handle, SFType)
    return handle


def error_body(error: SalesforceError) -> list[dict[str, Any]]:
    """A REST failure's decoded JSON body: simple-salesforce types ``content`` as bytes but stores the parsed list."""
    content: object = error.content
    assert isinstance(content, list)
    return content


def soap_login(simulator: Simulator, session: requests.Session, username: str | None = None,
               password: str | None = None, security_token: str | None = None) -> tuple[str, str]:
    """simple-salesforce's own SOAP login, pointed at the simulator through ``scratch_url``."""
    creds = simulator.credentials()
    return SalesforceLogin(
        username=username or creds["username"],
        password=password if password is not None else creds["password"],
        security_token=security_token if security_token is not None else creds["security_token"],
        sf_version=API_VERSION, session=session, scratch_url=simulator.base_url,
    )


@pytest.fixture
def sf(simulator: Simulator, sf_session: requests.Session) -> Salesforce:
    session_id, _ = soap_login(simulator, sf_session)
    return Salesforce(instance_url=simulator.base_url, session_id=session_id,
                      session=sf_session, version=API_VERSION)
