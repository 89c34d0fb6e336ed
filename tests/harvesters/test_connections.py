"""Org connections: every login flow against the simulated demo org, and secrets that stay secret."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection as database
from django.test import Client

import salesforce_simulator
from harvesters.client import OrgAuthError, OrgClient, OrgCredentials, default_jwt_audience
from harvesters.connections import ConnectionInvalidError, check_connection, credentials_for, register_org
from harvesters.models import OrgConnection
from salesforce_simulator import Simulator

DEMO_JWT_KEY = Path(salesforce_simulator.__file__).parent / "orgs" / "demo" / "jwt" / "recordkeeper-jwt.key"
JWT_USER = "recordkeeper@goldenpoppy.example"


def credentials(org: Simulator, flow: str, **overrides: str) -> OrgCredentials:
    given = org.credentials()
    values = {
        "login_url": org.base_url, "api_version": "61.0", "auth_flow": flow, "username": given["username"] or "",
        "client_id": given["consumer_key"] or "", "client_secret": given["consumer_secret"] or "",
        "password": given["password"] or "", "security_token": given["security_token"] or "",
        "ca_bundle": org.ca_bundle,
    }
    return OrgCredentials(**{**values, **overrides})


@pytest.mark.parametrize("flow", ["soap_password", "oauth_password", "client_credentials"])
def test_each_password_and_client_flow_logs_in_and_queries(demo_org: Simulator, flow: str):
    client = OrgClient(credentials(demo_org, flow))

    result = client.call(lambda sf: sf.query("SELECT Id FROM DataUsePurpose"))

    assert result["totalSize"] >= 4
    assert client.logins == 1


def test_jwt_bearer_flow_signs_with_the_connected_apps_key(demo_org: Simulator):
    client = OrgClient(credentials(demo_org, "jwt_bearer", username=JWT_USER, private_key=DEMO_JWT_KEY.read_text()))

    assert client.call(lambda sf: sf.query("SELECT COUNT() FROM DataUsePurpose"))["totalSize"] >= 4


def test_session_id_flow_uses_the_given_session(demo_org: Simulator):
    token = OrgClient(credentials(demo_org, "soap_password"))
    session_id = token.salesforce.session_id
    client = OrgClient(credentials(demo_org, "session_id", session_id=session_id, instance_url=demo_org.base_url))

    assert client.call(lambda sf: sf.query("SELECT COUNT() FROM DataUsePurpose"))["totalSize"] >= 4


def test_a_wrong_password_is_reported_with_salesforces_reason(demo_org: Simulator):
    client = OrgClient(credentials(demo_org, "oauth_password", password="not-the-password"))

    with pytest.raises(OrgAuthError, match="authentication failure"):
        client.call(lambda sf: sf.query("SELECT Id FROM DataUsePurpose"))


def test_an_expired_session_is_renewed_once_and_the_call_succeeds(demo_org: Simulator):
    client = OrgClient(credentials(demo_org, "client_credentials"))
    client.call(lambda sf: sf.query("SELECT Id FROM DataUsePurpose"))
    demo_org.set_faults(session_expiry_calls=1)

    result = client.call(lambda sf: sf.query("SELECT Id FROM DataUsePurpose"))

    assert result["totalSize"] >= 4
    assert client.logins == 2


def test_the_client_verifies_tls_against_the_configured_ca_only(demo_org: Simulator):
    client = OrgClient(credentials(demo_org, "client_credentials", ca_bundle=""))

    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        client.call(lambda sf: sf.query("SELECT Id FROM DataUsePurpose"))


@pytest.mark.django_db
def test_secrets_are_encrypted_at_rest(demo_org: Simulator):
    given = demo_org.credentials()
    register_org("demo", login_url=demo_org.base_url, auth_flow="oauth_password", username=given["username"],
                 client_id=given["consumer_key"], client_secret=given["consumer_secret"],
                 password=given["password"], security_token=given["security_token"], ca_bundle=demo_org.ca_bundle)

    with database.cursor() as cursor:
        cursor.execute("SELECT password, client_secret, security_token FROM harvesters_orgconnection")
        stored = cursor.fetchone()

    assert all(value.startswith("gAAAAA") for value in stored)
    assert given["password"] not in stored
    assert credentials_for(OrgConnection.objects.get(alias="demo")).password == given["password"]


@pytest.mark.django_db
def test_registering_without_what_the_flow_needs_names_the_field(demo_org: Simulator):
    with pytest.raises(ConnectionInvalidError) as error:
        register_org("demo", login_url=demo_org.base_url, auth_flow="jwt_bearer", username=JWT_USER,
                     client_id="3MVG9")
    assert error.value.field == "private_key"
    assert not OrgConnection.objects.exists()


@pytest.mark.django_db
def test_add_org_command_saves_and_tests_the_connection(demo_org: Simulator, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]):
    given = demo_org.credentials()
    monkeypatch.setenv("SALESFORCE_PASSWORD", given["password"] or "")
    monkeypatch.setenv("SALESFORCE_SECURITY_TOKEN", given["security_token"] or "")

    call_command("add_org", "demo", "--login-url", demo_org.base_url, "--auth-flow", "soap_password",
                 "--username", given["username"] or "", "--ca-bundle", demo_org.ca_bundle, "--test")

    output = capsys.readouterr().out
    assert "saved org connection demo" in output
    assert demo_org.org.id in output
    assert str(given["password"]) not in output
    assert OrgConnection.objects.get(alias="demo").org_id == demo_org.org.id


@pytest.mark.django_db
def test_add_org_command_rejects_a_flow_without_its_secret(demo_org: Simulator):
    with pytest.raises(CommandError, match="password is required"):
        call_command("add_org", "demo", "--login-url", demo_org.base_url, "--auth-flow", "soap_password",
                     "--username", "someone@example.com")


@pytest.mark.django_db
def test_check_connection_reports_org_edition_and_api_usage(demo_org: Simulator):
    given = demo_org.credentials()
    org = register_org("demo", login_url=demo_org.base_url, auth_flow="client_credentials",
                       client_id=given["consumer_key"], client_secret=given["consumer_secret"],
                       ca_bundle=demo_org.ca_bundle)

    identity = check_connection(org)

    assert identity.org_id == demo_org.org.id
    assert identity.edition == demo_org.org.edition
    assert identity.api_limit == demo_org.org.daily_api_limit
    assert identity.api_used == demo_org.api_usage


@pytest.mark.django_db
def test_the_admin_never_renders_a_stored_secret(demo_org: Simulator, client: Client):
    given = demo_org.credentials()
    org = register_org("demo", login_url=demo_org.base_url, auth_flow="oauth_password", username=given["username"],
                       client_id=given["consumer_key"], client_secret=given["consumer_secret"],
                       password=given["password"], security_token=given["security_token"])
    client.force_login(User.objects.create_superuser("auditor", "auditor@example.com", "pw-auditor-1"))

    page = client.get(f"/admin/harvesters/orgconnection/{org.pk}/change/").content.decode()

    assert "Stored encrypted" in page
    for secret in (given["password"], given["consumer_secret"], given["security_token"]):
        assert str(secret) not in page


@pytest.mark.django_db(transaction=True)
def test_no_secret_reaches_the_logs_even_at_debug_level(demo_org: Simulator, caplog: pytest.LogCaptureFixture):
    from harvesters import runs

    given = demo_org.credentials()
    connection = register_org("demo", login_url=demo_org.base_url, auth_flow="oauth_password",
                              username=given["username"], client_id=given["consumer_key"],
                              client_secret=given["consumer_secret"], password=given["password"],
                              security_token=given["security_token"], ca_bundle=demo_org.ca_bundle)
    demo_org.set_faults(session_expiry_calls=2)  # a re-login too

    with caplog.at_level(logging.DEBUG):
        runs.harvest_now(runs.request_harvest(connection, full=True, sources=["schema"]))

    assert caplog.records, "nothing was logged: the check would prove nothing"
    for secret in (given["password"], given["consumer_secret"], given["security_token"]):
        assert str(secret) not in caplog.text
    assert repr(credentials_for(connection)).count(str(given["password"])) == 0


@pytest.mark.parametrize(("login_url", "audience"), [
    ("https://login.salesforce.com", "https://login.salesforce.com"),
    ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
    ("https://test.salesforce.com", "https://test.salesforce.com"),
    ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
    ("https://acme--uat.my.salesforce.com", "https://test.salesforce.com"),
    ("https://127.0.0.1:8900", "https://login.salesforce.com"),
])  # fmt: skip
def test_the_jwt_audience_is_salesforces_login_server_never_a_my_domain_url(login_url: str, audience: str):
    assert default_jwt_audience(login_url) == audience


@pytest.mark.django_db
def test_a_jwt_audience_set_on_the_connection_is_signed_and_a_production_org_refuses_the_sandbox_one(
    demo_org: Simulator,
):
    call_command("add_org", "demo", "--login-url", demo_org.base_url, "--auth-flow", "jwt_bearer",
                 "--username", JWT_USER, "--client-id", str(demo_org.credentials()["consumer_key"]),
                 "--private-key-file", str(DEMO_JWT_KEY), "--ca-bundle", demo_org.ca_bundle,
                 "--jwt-audience", "https://test.salesforce.com")
    connection = OrgConnection.objects.get(alias="demo")

    with pytest.raises(OrgAuthError, match="audience is invalid"):
        check_connection(connection)
    connection.jwt_audience = ""
    connection.save()
    assert check_connection(connection).org_id == demo_org.org.id


@pytest.mark.django_db
def test_add_org_refuses_a_jwt_audience_that_is_not_a_url(demo_org: Simulator):
    with pytest.raises(CommandError, match="jwt_audience"):
        call_command("add_org", "demo", "--login-url", demo_org.base_url, "--auth-flow", "jwt_bearer",
                     "--username", JWT_USER, "--client-id", "3MVG9", "--private-key-file", str(DEMO_JWT_KEY),
                     "--jwt-audience", "login.salesforce.com")
