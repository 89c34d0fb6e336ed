"""Connections to a Salesforce org: a token from the configured login URL, then simple-salesforce.

simple-salesforce's own login helpers build `https://{domain}.salesforce.com`, which rules out
My Domain login URLs and test orgs; so the token is obtained here and the client is handed the
instance URL, the session id and an HTTP session that trusts the configured CA.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import jwt
import requests
from defusedxml import ElementTree
from requests.adapters import HTTPAdapter
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession

T = TypeVar("T")
DEFAULT_TIMEOUT_S = 60.0
JWT_LIFETIME_S = 180
PRODUCTION_AUDIENCE = "https://login.salesforce.com"
SANDBOX_AUDIENCE = "https://test.salesforce.com"
API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
SOAP_NS = {"soap": "http://schemas.xmlsoap.org/soap/envelope/", "sf": "urn:partner.soap.sforce.com"}


class OrgAuthError(RuntimeError):
    """The org refused the credentials or the login URL did not answer like Salesforce."""


@dataclass(frozen=True)
class OrgCredentials:
    login_url: str
    api_version: str
    auth_flow: str
    username: str = ""
    client_id: str = ""
    instance_url: str = ""
    ca_bundle: str = ""
    private_key: str = field(default="", repr=False)
    client_secret: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    security_token: str = field(default="", repr=False)
    session_id: str = field(default="", repr=False)
    jwt_audience: str = ""  # the JWT bearer `aud`; empty: the one Salesforce expects for the login URL


@dataclass(frozen=True)
class AccessToken:
    session_id: str = field(repr=False)
    instance_url: str


class _VerifiedAdapter(HTTPAdapter):
    """TLS against a given SSL context and a default timeout, whatever the caller passes.

    requests ignores `Session.verify` when REQUESTS_CA_BUNDLE is set, so trust goes in the context.
    """

    def __init__(self, context: ssl.SSLContext | None, timeout: float) -> None:
        self._context = context
        self._timeout = timeout
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._context is not None:
            kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def http_session(ca_bundle: str = "", *, timeout: float = DEFAULT_TIMEOUT_S) -> requests.Session:
    """A requests session that verifies TLS against the system CAs plus `ca_bundle`, if given."""
    context = None
    if ca_bundle:
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=ca_bundle)
    session = requests.Session()
    session.mount("https://", _VerifiedAdapter(context, timeout))
    return session


def obtain_token(credentials: OrgCredentials, http: requests.Session) -> AccessToken:
    flow = credentials.auth_flow
    if flow == "session_id":
        if not (credentials.session_id and credentials.instance_url):
            raise OrgAuthError("the session-id flow needs a session id and the instance URL")
        return AccessToken(credentials.session_id, credentials.instance_url)
    if flow == "soap_password":
        return _soap_login(credentials, http)
    grants: dict[str, Callable[[OrgCredentials], dict[str, str]]] = {
        "jwt_bearer": _jwt_bearer_grant,
        "client_credentials": _client_credentials_grant,
        "oauth_password": _password_grant,
    }
    if flow not in grants:
        raise OrgAuthError(f"unknown auth flow {flow!r}")
    return _oauth_token(credentials, http, grants[flow](credentials))


def _jwt_bearer_grant(credentials: OrgCredentials) -> dict[str, str]:
    claims = {
        "iss": credentials.client_id,
        "sub": credentials.username,
        "aud": credentials.jwt_audience or default_jwt_audience(credentials.login_url),
        "exp": int(time.time()) + JWT_LIFETIME_S,
    }
    assertion = jwt.encode(claims, credentials.private_key, algorithm="RS256")
    return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}


def default_jwt_audience(login_url: str) -> str:
    """The `aud` Salesforce accepts for a login URL: a My Domain URL is no audience, only these two are."""
    host = (urlsplit(login_url).hostname or "").lower()
    sandbox = host == "test.salesforce.com" or "--" in host.split(".")[0] or host.endswith(".sandbox.my.salesforce.com")
    return SANDBOX_AUDIENCE if sandbox else PRODUCTION_AUDIENCE


def _client_credentials_grant(credentials: OrgCredentials) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": credentials.client_id,
            "client_secret": credentials.client_secret}


def _password_grant(credentials: OrgCredentials) -> dict[str, str]:
    return {"grant_type": "password", "client_id": credentials.client_id,
            "client_secret": credentials.client_secret, "username": credentials.username,
            "password": credentials.password + credentials.security_token}


def _oauth_token(credentials: OrgCredentials, http: requests.Session, form: dict[str, str]) -> AccessToken:
    url = f"{_origin(credentials.login_url)}/services/oauth2/token"
    response = http.post(url, data=form, headers={"Accept": "application/json"})
    body = _json_or_none(response)
    if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        detail = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
        raise OrgAuthError(f"login at {url} failed (HTTP {response.status_code}): {detail or 'no OAuth answer'}")
    return AccessToken(body["access_token"], body["instance_url"])


def _soap_login(credentials: OrgCredentials, http: requests.Session) -> AccessToken:
    url = f"{_origin(credentials.login_url)}/services/Soap/u/{credentials.api_version}"
    envelope = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com"><env:Body><urn:login>'
        f"<urn:username>{escape(credentials.username)}</urn:username>"
        f"<urn:password>{escape(credentials.password + credentials.security_token)}</urn:password>"
        "</urn:login></env:Body></env:Envelope>"
    )
    headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"}
    response = http.post(url, data=envelope.encode(), headers=headers)
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError as error:
        raise OrgAuthError(f"login at {url} answered HTTP {response.status_code} without SOAP") from error
    session_id = root.findtext(".//sf:sessionId", namespaces=SOAP_NS)
    server_url = root.findtext(".//sf:serverUrl", namespaces=SOAP_NS)
    if response.status_code != 200 or not session_id or not server_url:
        fault = root.findtext(".//faultstring") or "no session in the answer"
        raise OrgAuthError(f"login at {url} failed (HTTP {response.status_code}): {fault}")
    return AccessToken(session_id, _origin(server_url))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class OrgClient:
    """simple-salesforce on a token of ours, logging in again once when the session expires."""

    def __init__(self, credentials: OrgCredentials, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.credentials = credentials
        self.http = http_session(credentials.ca_bundle, timeout=timeout)
        self.http.hooks["response"].append(self._note_usage)
        self._salesforce: Salesforce | None = None
        self.logins = 0
        # Salesforce's daily API counter as the first and the latest answers reported it.
        self.first_api_used: int | None = None
        self.last_api_used: int | None = None

    @property
    def salesforce(self) -> Salesforce:
        if self._salesforce is None:
            self._salesforce = self._login()
        return self._salesforce

    def call(self, operation: Callable[[Salesforce], T]) -> T:
        try:
            return operation(self.salesforce)
        except SalesforceExpiredSession:
            if self.credentials.auth_flow == "session_id":
                raise
            self._salesforce = self._login()
            return operation(self._salesforce)

    def _note_usage(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Read Salesforce's counter from every answer, errors and 304s included (they count too)."""
        found = API_USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if found and "/services/data/" in response.url:  # logins are not API calls
            self.last_api_used = int(found.group(1))
            if self.first_api_used is None:
                self.first_api_used = self.last_api_used

    def api_usage(self) -> tuple[int, int] | None:
        """(used, limit) of the org's daily API requests, from the last answer's Sforce-Limit-Info."""
        usage = self.salesforce.api_usage.get("api-usage")
        return None if usage is None else (usage.used, usage.total)

    def _login(self) -> Salesforce:
        token = obtain_token(self.credentials, self.http)
        self.logins += 1
        return Salesforce(instance_url=token.instance_url, session_id=token.session_id, session=self.http,
                          version=self.credentials.api_version)
