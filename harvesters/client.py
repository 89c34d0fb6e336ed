"""Connections to a Salesforce org: a token from the configured login URL, then simple-salesforce.

simple-salesforce's own login helpers build `https://{domain}.salesforce.com`, which rules out
My Domain login URLs and test orgs; so the token is obtained here and the client is handed the
instance URL, the session id and an HTTP session that trusts the configured CA.
"""

from __future__ import annotations

import logging
import random
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import jwt
import requests
from defusedxml import ElementTree
from requests.adapters import HTTPAdapter
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

T = TypeVar("T")
log = logging.getLogger(__name__)
DEFAULT_TIMEOUT_S = 60.0
JWT_LIFETIME_S = 180
PRODUCTION_AUDIENCE = "https://login.salesforce.com"
SANDBOX_AUDIENCE = "https://test.salesforce.com"
API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
SOAP_NS = {"soap": "http://schemas.xmlsoap.org/soap/envelope/", "sf": "urn:partner.soap.sforce.com"}


class OrgAuthError(RuntimeError):
    """The org refused the credentials or the login URL did not answer like Salesforce."""


# Salesforce's answers worth asking again: a server error, a busy or restarting instance, a gateway.
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


class SalesforceUnavailableError(RuntimeError):
    """Salesforce kept failing one request (5xx, no connection, no answer) through every attempt."""

    def __init__(self, failure: str, attempts: int) -> None:
        super().__init__(f"{failure} after {attempts} attempts")
        self.failure = failure
        self.attempts = attempts


@dataclass(frozen=True)
class RetryPolicy:
    """How a transient failure of one request is retried: exponential backoff with full jitter."""

    attempts: int = 6
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0

    def pause(self, attempt: int) -> float:
        """Seconds to wait after failed attempt `attempt` (1-based): anywhere up to base·2^(attempt-1)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not secrets


DEFAULT_RETRY = RetryPolicy()


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
    """TLS against a given SSL context, a default timeout whatever the caller passes, and each request
    retried on its own when Salesforce answers 5xx or not at all (the harvester only reads, so any request
    may be sent again).

    requests ignores `Session.verify` when REQUESTS_CA_BUNDLE is set, so trust goes in the context.
    """

    def __init__(self, context: ssl.SSLContext | None, timeout: float, retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self._context = context
        self._timeout = timeout
        self._retry = retry
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._context is not None:
            kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        for attempt in range(1, self._retry.attempts):
            try:
                response = super().send(request, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as error:
                if isinstance(error, requests.exceptions.SSLError):  # a certificate does not heal by waiting
                    raise
                failure = type(error).__name__
            else:
                if response.status_code not in TRANSIENT_STATUSES:
                    return response
                failure = f"HTTP {response.status_code}"
                # The session's hooks see every answer once (each one is an API call the org counted).
                for hook in request.hooks.get("response", []):
                    hook(response, **kwargs)
                response.close()
            pause = self._retry.pause(attempt)
            log.warning("%s %s: %s; attempt %d of %d in %.1fs", request.method, urlsplit(request.url or "").path,
                        failure, attempt + 1, self._retry.attempts, pause)
            time.sleep(pause)
        return super().send(request, **kwargs)


def http_session(ca_bundle: str = "", *, timeout: float = DEFAULT_TIMEOUT_S,
                 retry: RetryPolicy = DEFAULT_RETRY) -> requests.Session:
    """A requests session that verifies TLS against the system CAs plus `ca_bundle`, if given, and
    retries each request on its own through transient failures."""
    context = None
    if ca_bundle:
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=ca_bundle)
    session = requests.Session()
    session.mount("https://", _VerifiedAdapter(context, timeout, retry))
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


def server_time(date_header: str) -> datetime | None:
    """An HTTP Date header as an aware UTC datetime; None when absent or unreadable."""
    try:
        stamp = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    return stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class OrgClient:
    """simple-salesforce on a token of ours, logging in again once when the session expires; each request
    is retried on its own through transient failures (`retry`), and one that never succeeds raises
    SalesforceUnavailableError."""

    def __init__(self, credentials: OrgCredentials, *, timeout: float = DEFAULT_TIMEOUT_S,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self.credentials = credentials
        self.retry = retry
        self.http = http_session(credentials.ca_bundle, timeout=timeout, retry=retry)
        self.http.hooks["response"].append(self._note_usage)
        self.http.hooks["response"].append(self._note_clock)
        self._salesforce: Salesforce | None = None
        self.logins = 0
        # Salesforce's daily API counter as the first and the latest answers reported it, and the org's daily
        # limit (DailyApiRequests' Max) the latest answer reported with it.
        self.first_api_used: int | None = None
        self.last_api_used: int | None = None
        self.api_limit: int | None = None
        # Salesforce's clock (the HTTP Date header, UTC) at the first and the latest answer.
        self.first_server_time: datetime | None = None
        self.last_server_time: datetime | None = None

    @property
    def salesforce(self) -> Salesforce:
        if self._salesforce is None:
            self._salesforce = self._login()
        return self._salesforce

    def call(self, operation: Callable[[Salesforce], T]) -> T:
        """`operation` on the org's API; its requests were each retried already, so a failure that is
        still transient here is final: SalesforceUnavailableError."""
        try:
            return self._in_session(operation)
        except SalesforceError as error:
            if error.status in TRANSIENT_STATUSES:
                raise SalesforceUnavailableError(f"Salesforce answered HTTP {error.status}",
                                                 self.retry.attempts) from error
            raise
        except (requests.ConnectionError, requests.Timeout) as error:
            if isinstance(error, requests.exceptions.SSLError):
                raise
            raise SalesforceUnavailableError(f"no answer from Salesforce ({type(error).__name__})",
                                             self.retry.attempts) from error

    def _in_session(self, operation: Callable[[Salesforce], T]) -> T:
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
            self.api_limit = int(found.group(2))
            if self.first_api_used is None:
                self.first_api_used = self.last_api_used

    def _note_clock(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Keep the org's own time: incremental watermarks come from Salesforce's clock, not ours."""
        stamp = server_time(response.headers.get("Date", ""))
        if stamp is not None and "/services/data/" in response.url:
            self.last_server_time = stamp
            if self.first_server_time is None:
                self.first_server_time = stamp

    def api_usage(self) -> tuple[int, int] | None:
        """(used, limit) of the org's daily API requests, from the last answer's Sforce-Limit-Info."""
        usage = self.salesforce.api_usage.get("api-usage")
        return None if usage is None else (usage.used, usage.total)

    def _login(self) -> Salesforce:
        token = obtain_token(self.credentials, self.http)
        self.logins += 1
        return Salesforce(instance_url=token.instance_url, session_id=token.session_id, session=self.http,
                          version=self.credentials.api_version)
