"""The HTTPS server: TLS from its own CA, loopback only, versions, routing errors, concurrency."""

from __future__ import annotations

import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from simple_salesforce.api import Salesforce

from salesforce_simulator import Simulator, load_org, tls
from salesforce_simulator.server import SimulatorHTTPServer

from .conftest import SMALL_ORG


def handshake(simulator: Simulator, context: ssl.SSLContext, host: str = "127.0.0.1") -> str:
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname=host) as secure:  # fmt: skip
        return str(secure.version())


def test_server_certificate_verifies_against_the_simulator_ca(simulator: Simulator) -> None:
    context = ssl.create_default_context(cafile=simulator.ca_bundle)
    assert handshake(simulator, context, "127.0.0.1").startswith("TLSv1.")
    assert handshake(simulator, context, "localhost").startswith("TLSv1.")

def test_a_client_trusting_another_ca_is_refused(simulator: Simulator, tmp_path: Path) -> None:
    other_ca = tls.ensure_certificates(tmp_path).ca_cert
    stranger = ssl.create_default_context(cafile=str(other_ca))
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(simulator, stranger)


def test_certificates_are_made_once_and_reused(tmp_path: Path) -> None:
    first = tls.ensure_certificates(tmp_path)
    ca_pem, server_pem = first.ca_cert.read_bytes(), first.server_cert.read_bytes()
    again = tls.ensure_certificates(tmp_path)
    assert again.ca_cert.read_bytes() == ca_pem
    assert again.server_cert.read_bytes() == server_pem


def test_server_refuses_a_non_loopback_address() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SimulatorHTTPServer(("0.0.0.0", 0), None, None)  # type: ignore[arg-type]  # noqa: S104


def test_versions_list_label_url_and_version(sf_session: requests.Session, simulator: Simulator) -> None:
    response = sf_session.get(simulator.base_url + "/services/data/")
    assert response.status_code == 200
    assert response.json() == [
        {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"},
        {"label": "Spring '24", "url": "/services/data/v60.0", "version": "60.0"},
        {"label": "Summer '24", "url": "/services/data/v61.0", "version": "61.0"},
        {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"},
    ]


def test_version_root_lists_resources(sf: Salesforce) -> None:
    resources = sf.restful("")
    assert resources is not None
    assert resources["sobjects"] == "/services/data/v61.0/sobjects"
    assert resources["query"] == "/services/data/v61.0/query"
    assert resources["limits"] == "/services/data/v61.0/limits"


def test_unknown_resource_is_404_not_found(sf: Salesforce, sf_session: requests.Session) -> None:
    response = sf_session.get(sf.base_url + "no/such/thing", headers=sf.headers)
    assert response.status_code == 404
    assert response.json() == [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]


def test_unserved_api_version_is_404(sf: Salesforce, sf_session: requests.Session, simulator: Simulator) -> None:
    response = sf_session.get(simulator.base_url + "/services/data/v20.0/limits", headers=sf.headers)
    assert response.status_code == 404


def test_wrong_method_is_405_with_the_allowed_ones(sf: Salesforce, sf_session: requests.Session) -> None:
    response = sf_session.put(sf.base_url + "limits", headers=sf.headers)
    assert response.status_code == 405
    assert response.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_missing_session_is_401_invalid_session_id(sf_session: requests.Session, simulator: Simulator) -> None:
    response = sf_session.get(simulator.base_url + "/services/data/v61.0/limits")
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_concurrent_clients_are_all_served(sf: Salesforce) -> None:
    def count_contacts(_: int) -> int:
        return int(sf.query("SELECT COUNT() FROM Contact")["totalSize"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        totals = list(pool.map(count_contacts, range(48)))
    assert totals == [totals[0]] * 48


def test_a_silent_client_does_not_block_others(simulator: Simulator, sf: Salesforce) -> None:
    with socket.create_connection(("127.0.0.1", simulator.port)):  # connects, never handshakes
        assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0


def test_two_simulators_run_side_by_side(tmp_path: Path) -> None:
    with Simulator(load_org(SMALL_ORG), state_dir=tmp_path) as one, \
            Simulator(load_org(SMALL_ORG), state_dir=tmp_path) as two:  # fmt: skip
        assert one.port != two.port
        assert one.ca_bundle == two.ca_bundle
