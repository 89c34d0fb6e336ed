"""Logins: SOAP login() and the OAuth token endpoint's password, client-credentials and JWT flows."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession
from simple_salesforce.login import token_login

from salesforce_simulator import Simulator

from .conftest import API_VERSION, soap_login

TEST_ORG_ID = "00D8d000001TestEAQ"


def token_url(simulator: Simulator) -> str:
    return simulator.base_url + "/services/oauth2/token"


def client_for(simulator: Simulator, session: requests.Session, session_id: str) -> Salesforce:
    return Salesforce(instance_url=simulator.base_url, session_id=session_id, session=session,
                      version=API_VERSION)  # fmt: skip


def assertion(private_pem: bytes, **claims: Any) -> str:
    """A JWT bearer assertion built the way simple-salesforce builds one."""
    payload = {
        "iss": "3MVG9testharborConsumerKey",
        "sub": "integration@testharbor.example",
        "aud": "https://login.salesforce.com",
        "exp": f"{(datetime.now(UTC) + timedelta(minutes=3)).timestamp():.0f}",
    }
    payload.update(claims)
    return jwt.encode(payload, private_pem, algorithm="RS256")


def jwt_login(simulator: Simulator, session: requests.Session, token: str) -> tuple[str, str]:
    data = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": token}
    return token_login(token_url(simulator), data, "login", "3MVG9testharborConsumerKey", None, None, session)


# -- SOAP -------------------------------------------------------------------------------------


def test_soap_login_answers_session_id_and_server_url(simulator: Simulator, sf_session: requests.Session) -> None:
    session_id, instance = soap_login(simulator, sf_session)
    assert session_id.startswith(TEST_ORG_ID[:15] + "!")
    assert instance == simulator.base_url.removeprefix("https://")
    assert client_for(simulator, sf_session, session_id).query("SELECT Id FROM User")["totalSize"] == 2


def test_soap_login_envelope_carries_user_info_with_organization_id(
    simulator: Simulator, sf_session: requests.Session
) -> None:
    body = ('<?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/'
            'envelope/"><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com">'
            "<n1:username>admin@testharbor.example</n1:username>"
            "<n1:password>Harbor-Admin-1TOKEN8d0Harbor</n1:password></n1:login></env:Body></env:Envelope>")  # fmt: skip
    response = sf_session.post(simulator.base_url + f"/services/Soap/u/{API_VERSION}", data=body,
                               headers={"content-type": "text/xml", "SOAPAction": "login"})  # fmt: skip
    assert response.status_code == 200
    text = response.text
    assert f"<organizationId>{TEST_ORG_ID}</organizationId>" in text
    assert "<userId>0058d000001TstAAAA</userId>" in text
    assert f"<serverUrl>{simulator.base_url}/services/Soap/u/{API_VERSION}/" in text


def test_soap_login_with_a_wrong_password_is_an_invalid_login_fault(
    simulator: Simulator, sf_session: requests.Session
) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        soap_login(simulator, sf_session, password="wrong")
    assert failure.value.code == "INVALID_LOGIN"
    assert "Invalid username, password, security token; or user locked out." in failure.value.auth_message


def test_soap_login_fault_is_http_500_with_sf_exception_code(
    simulator: Simulator, sf_session: requests.Session
) -> None:
    body = ("<Envelope><Body><login><username>nobody@example.com</username>"
            "<password>x</password></login></Body></Envelope>")  # fmt: skip
    response = sf_session.post(simulator.base_url + "/services/Soap/u/61.0", data=body)
    assert response.status_code == 500
    assert "<faultcode>sf:INVALID_LOGIN</faultcode>" in response.text
    assert "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in response.text


def test_user_without_security_token_logs_in_with_the_password_alone(
    simulator: Simulator, sf_session: requests.Session
) -> None:
    session_id, _ = soap_login(simulator, sf_session, username="integration@testharbor.example",
                               password="Harbor-Integration-2", security_token="")  # fmt: skip
    assert session_id


# -- OAuth --------------------------------------------------------------------------------------


def test_password_grant_answers_a_bearer_token(simulator: Simulator, sf_session: requests.Session) -> None:
    response = sf_session.post(token_url(simulator), data={
        "grant_type": "password", "client_id": "3MVG9testharborConsumerKey",
        "client_secret": "testharbor-consumer-secret", "username": "admin@testharbor.example",
        "password": "Harbor-Admin-1TOKEN8d0Harbor"})  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"}
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == simulator.base_url
    assert body["id"] == f"{simulator.base_url}/id/{TEST_ORG_ID}/0058d000001TstAAAA"
    assert client_for(simulator, sf_session, body["access_token"]).limits()["DailyApiRequests"]["Max"] == 100000


def test_password_grant_through_simple_salesforce_token_login(
    simulator: Simulator, sf_session: requests.Session
) -> None:
    data = {"grant_type": "password", "client_id": "3MVG9testharborConsumerKey",
            "client_secret": "testharbor-consumer-secret", "username": "admin@testharbor.example",
            "password": "Harbor-Admin-1TOKEN8d0Harbor"}  # fmt: skip
    session_id, instance = token_login(token_url(simulator), data, "login", "3MVG9testharborConsumerKey",
                                       None, None, sf_session)  # fmt: skip
    assert instance == simulator.base_url.removeprefix("https://")
    assert client_for(simulator, sf_session, session_id).query("SELECT COUNT() FROM Contact")["totalSize"] > 0


@pytest.mark.parametrize(("change", "error"), [
    ({"password": "wrong"}, {"error": "invalid_grant", "error_description": "authentication failure"}),
    ({"client_id": "nobody"}, {"error": "invalid_client_id", "error_description": "client identifier invalid"}),
    ({"client_secret": "wrong"}, {"error": "invalid_client", "error_description": "invalid client credentials"}),
    ({"grant_type": "authorization_code"},
     {"error": "unsupported_grant_type", "error_description": "grant type not supported"}),
])  # fmt: skip
def test_password_grant_errors_are_400_with_oauth_bodies(
    simulator: Simulator, sf_session: requests.Session, change: dict[str, str], error: dict[str, str]
) -> None:
    data = {"grant_type": "password", "client_id": "3MVG9testharborConsumerKey",
            "client_secret": "testharbor-consumer-secret", "username": "admin@testharbor.example",
            "password": "Harbor-Admin-1TOKEN8d0Harbor", **change}  # fmt: skip
    response = sf_session.post(token_url(simulator), data=data)
    assert response.status_code == 400
    assert response.json() == error


def test_client_credentials_grant_runs_as_the_configured_user(
    simulator: Simulator, sf_session: requests.Session
) -> None:
    basic = base64.b64encode(b"3MVG9testharborConsumerKey:testharbor-consumer-secret").decode()
    session_id, _ = token_login(token_url(simulator), {"grant_type": "client_credentials"}, "login",
                                "3MVG9testharborConsumerKey", {"Authorization": f"Basic {basic}"},
                                None, sf_session)  # fmt: skip
    identity = sf_session.get(f"{simulator.base_url}/id/{TEST_ORG_ID}/0058d000001TsuAAAA",
                              headers={"Authorization": f"Bearer {session_id}"})  # fmt: skip
    assert identity.json()["username"] == "integration@testharbor.example"


def test_jwt_bearer_grant_verifies_the_signature(
    simulator: Simulator, sf_session: requests.Session, jwt_key_pair: tuple[bytes, bytes]
) -> None:
    session_id, instance = jwt_login(simulator, sf_session, assertion(jwt_key_pair[0]))
    assert instance == simulator.base_url.removeprefix("https://")
    rows = client_for(simulator, sf_session, session_id).query("SELECT Username FROM User")["records"]
    assert {row["Username"] for row in rows} >= {"integration@testharbor.example"}


def test_jwt_signed_by_another_key_is_an_invalid_grant(simulator: Simulator, sf_session: requests.Session) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        jwt_login(simulator, sf_session, assertion(other))
    assert failure.value.code == "invalid_grant"


@pytest.mark.parametrize(("claims", "description"), [
    ({"exp": "1000000000"}, "expired authorization code"),
    ({"aud": "https://evil.example.com"}, "audience is invalid"),
    ({"sub": "nobody@testharbor.example"}, "user hasn't approved this consumer"),
])  # fmt: skip
def test_jwt_with_bad_claims_is_refused(
    simulator: Simulator, sf_session: requests.Session, jwt_key_pair: tuple[bytes, bytes],
    claims: dict[str, str], description: str,
) -> None:  # fmt: skip
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        jwt_login(simulator, sf_session, assertion(jwt_key_pair[0], **claims))
    assert (failure.value.code, failure.value.auth_message) == ("invalid_grant", description)


@pytest.mark.parametrize("audience", ["https://test.salesforce.com", "https://testharbor.my.salesforce.com"])
def test_jwt_for_another_audience_than_the_orgs_login_server_is_refused_as_salesforce_does(
    simulator: Simulator, sf_session: requests.Session, jwt_key_pair: tuple[bytes, bytes], audience: str
) -> None:
    for aud in (audience, simulator.base_url):
        with pytest.raises(SalesforceAuthenticationFailed) as failure:
            jwt_login(simulator, sf_session, assertion(jwt_key_pair[0], aud=aud))
        assert (failure.value.code, failure.value.auth_message) == ("invalid_grant", "audience is invalid")


def test_a_sandbox_org_accepts_the_sandbox_audience_and_refuses_the_production_one(
    fresh: Simulator, sf_session: requests.Session, jwt_key_pair: tuple[bytes, bytes]
) -> None:
    fresh.org.jwt_audience = "https://test.salesforce.com"
    try:
        session_id, _ = jwt_login(fresh, sf_session, assertion(jwt_key_pair[0], aud="https://test.salesforce.com"))
        with pytest.raises(SalesforceAuthenticationFailed, match="audience is invalid"):
            jwt_login(fresh, sf_session, assertion(jwt_key_pair[0], aud="https://login.salesforce.com"))
    finally:
        fresh.org.jwt_audience = "https://login.salesforce.com"
    assert session_id


# -- sessions -------------------------------------------------------------------------------------


def test_session_expires_after_the_configured_calls_and_a_new_login_works(
    fresh: Simulator, sf_session: requests.Session
) -> None:
    fresh.set_faults(session_expiry_calls=2)
    session_id, _ = soap_login(fresh, sf_session)
    sf = client_for(fresh, sf_session, session_id)
    sf.limits()
    sf.limits()
    with pytest.raises(SalesforceExpiredSession):
        sf.limits()
    raw = sf_session.get(sf.base_url + "limits", headers=sf.headers)
    assert raw.status_code == 401
    assert raw.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    renewed, _ = soap_login(fresh, sf_session)
    assert client_for(fresh, sf_session, renewed).limits()["DailyApiRequests"]["Max"] == 100000


def test_session_ids_are_random(simulator: Simulator, sf_session: requests.Session) -> None:
    assert soap_login(simulator, sf_session)[0] != soap_login(simulator, sf_session)[0]
