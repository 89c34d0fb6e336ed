"""Logins: the SOAP partner ``login()`` call and the OAuth 2.0 token endpoint, plus sessions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
import threading
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from salesforce_simulator import runtime
from salesforce_simulator.org import OAuthClient, Org, User
from salesforce_simulator.routing import Route, SimRequest, SimResponse

SESSION_SECONDS = 7200
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_SESSION_ALPHABET = string.ascii_letters + string.digits + "._"
XML_TYPE = "text/xml; charset=utf-8"


@dataclass
class Session:
    id: str
    user: User
    client: str | None  # connected-app name, or None for a SOAP login
    created: float
    calls: int = 0


@dataclass
class SessionStore:
    """Live sessions by id. Expiry after N calls is a fault (faults.session_expiry_calls)."""

    sessions: dict[str, Session] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def create(self, org: Org, user: User, client: str | None = None) -> Session:
        token = "".join(secrets.choice(_SESSION_ALPHABET) for _ in range(96))
        session = Session(f"{org.id[:15]}!{token}", user, client, time.time())
        with self.lock:
            self.sessions[session.id] = session
        return session

    def use(self, session_id: str, expiry_calls: int) -> Session | None:
        """The session behind ``session_id``, counting one call; None when invalid or expired."""
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                return None
            expired_by_time = time.time() - session.created > SESSION_SECONDS
            session.calls += 1
            if expired_by_time or (expiry_calls and session.calls > expiry_calls):
                del self.sessions[session_id]
                return None
            return session

    def expire_all(self) -> None:
        with self.lock:
            self.sessions.clear()

    def __len__(self) -> int:
        return len(self.sessions)


# ----------------------------------------------------------------------------------------
# SOAP login


def soap_login(request: SimRequest, match: re.Match[str]) -> SimResponse:
    username, password = _soap_credentials(request.body)
    user = request.org.user_by_username(username or "")
    if user is None or not _password_matches(user, password or ""):
        return _soap_fault(
            "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
        )
    state = runtime.current()
    session = state.sessions.create(request.org, user)
    return SimResponse(
        body=_login_envelope(request.org, user, session, state.base_url, match["version"]),
        content_type=XML_TYPE,
    )


def _soap_credentials(body: bytes) -> tuple[str | None, str | None]:
    try:
        # loopback only, and expat refuses external entities: the body is a client's login
        root = ElementTree.fromstring(body)  # noqa: S314
    except ElementTree.ParseError:
        return None, None
    found: dict[str, str] = {}
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local in {"username", "password"} and element.text is not None:
            found[local] = element.text
    return found.get("username"), found.get("password")


def _password_matches(user: User, supplied: str) -> bool:
    """Password plus security token, or the password alone for a user without a token."""
    candidates = [user.password + user.security_token]
    if not user.security_token:
        candidates.append(user.password)
    return any(hmac.compare_digest(supplied, candidate) for candidate in candidates)


def _login_envelope(org: Org, user: User, session: Session, base_url: str, version: str) -> str:
    org15 = org.id[:15]
    info = {
        "accessibilityMode": "false", "chatterExternal": "false", "currencySymbol": "$",
        "orgAttachmentFileSizeLimit": "5242880", "orgDefaultCurrencyIsoCode": "USD",
        "orgDefaultCurrencyLocale": "en_US", "orgDisallowHtmlAttachments": "false",
        "orgHasPersonAccounts": "true", "organizationId": org.id,
        "organizationMultiCurrency": "false", "organizationName": org.name,
        "profileId": user.extra.get("ProfileId", "00e8d000000SimAAA"),
        "sessionSecondsValid": str(SESSION_SECONDS), "userEmail": user.email,
        "userFullName": user.name, "userId": user.id, "userLanguage": "en_US",
        "userLocale": "en_US", "userName": user.username,
        "userTimeZone": "America/Los_Angeles", "userType": "Standard", "userUiSkin": "Theme3",
    }  # fmt: skip
    user_info = "".join(f"<{key}>{escape(value)}</{key}>" for key, value in info.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns="urn:partner.soap.sforce.com"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{base_url}/services/Soap/m/{version}/{org15}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{base_url}/services/Soap/u/{version}/{org15}</serverUrl>"
        f"<sessionId>{escape(session.id)}</sessionId><userId>{user.id}</userId>"
        f"<userInfo>{user_info}</userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )


def _soap_fault(code: str, message: str) -> SimResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:sf="urn:fault.partner.soap.sforce.com"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring>"
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return SimResponse(status=500, body=body, content_type=XML_TYPE)


# ----------------------------------------------------------------------------------------
# OAuth 2.0 token endpoint


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


def oauth_token(request: SimRequest, match: re.Match[str]) -> SimResponse:
    form = _form(request)
    try:
        user, client = _grant(request, form)
    except OAuthError as exc:
        return SimResponse(
            status=exc.status, body={"error": exc.error, "error_description": exc.description}
        )
    return SimResponse(body=_token_body(request.org, user, client), headers={"Cache-Control": "no-store"})


def _form(request: SimRequest) -> dict[str, str]:
    parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    values = {key: items[0] for key, items in parsed.items()}
    for key, items in request.query.items():
        values.setdefault(key, items[0])
    return values


def _grant(request: SimRequest, form: dict[str, str]) -> tuple[User, OAuthClient]:
    grant = form.get("grant_type", "")
    if grant == "password":
        return _password_grant(request.org, form)
    if grant == "client_credentials":
        return _client_credentials_grant(request, form)
    if grant == JWT_GRANT:
        return _jwt_grant(request.org, form.get("assertion", ""))
    raise OAuthError("unsupported_grant_type", "grant type not supported")


def _client(org: Org, client_id: str, client_secret: str | None) -> OAuthClient:
    client = org.oauth_client(client_id)
    if client is None:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if client_secret is not None and not hmac.compare_digest(client_secret, client.consumer_secret):
        raise OAuthError("invalid_client", "invalid client credentials")
    return client


def _password_grant(org: Org, form: dict[str, str]) -> tuple[User, OAuthClient]:
    client = _client(org, form.get("client_id", ""), form.get("client_secret", ""))
    user = org.user_by_username(form.get("username", ""))
    if user is None or not _password_matches(user, form.get("password", "")):
        raise OAuthError("invalid_grant", "authentication failure")
    return user, client


def _client_credentials_grant(request: SimRequest, form: dict[str, str]) -> tuple[User, OAuthClient]:
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Basic "):
        decoded = base64.b64decode(authorization[6:].strip() + "==").decode("utf-8", "replace")
        client_id, _, client_secret = decoded.partition(":")
    client = _client(request.org, client_id, client_secret)
    user = request.org.user_by_username(client.run_as or "")
    if user is None:
        raise OAuthError("invalid_grant", "no client credentials user enabled")
    return user, client


def _jwt_grant(org: Org, assertion: str) -> tuple[User, OAuthClient]:
    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_grant", "invalid assertion") from exc
    client = _client(org, str(claims.get("iss", "")), None)
    if client.jwt_certificate_pem is None:
        raise OAuthError("invalid_client", "invalid client credentials")
    key = x509.load_pem_x509_certificate(client.jwt_certificate_pem).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise OAuthError("invalid_client", "invalid client credentials")  # RS256 needs RSA
    try:  # like Salesforce, one audience: login.salesforce.com for production, test.salesforce.com for sandboxes
        verified = jwt.decode(
            assertion, key, algorithms=["RS256"], audience=org.jwt_audience, issuer=client.consumer_key,
            options={"require": ["iss", "sub", "aud", "exp"]},
        )  # fmt: skip
    except jwt.ExpiredSignatureError as exc:
        raise OAuthError("invalid_grant", "expired authorization code") from exc
    except jwt.InvalidAudienceError as exc:
        raise OAuthError("invalid_grant", "audience is invalid") from exc
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_grant", "invalid assertion") from exc
    user = org.user_by_username(str(verified["sub"]))
    if user is None:
        raise OAuthError("invalid_grant", "user hasn't approved this consumer")
    return user, client


def _token_body(org: Org, user: User, client: OAuthClient) -> dict[str, Any]:
    state = runtime.current()
    session = state.sessions.create(org, user, client.name)
    identity = f"{state.base_url}/id/{org.id}/{user.id}"
    issued_at = str(int(time.time() * 1000))
    digest = hmac.new(client.consumer_secret.encode(), (identity + issued_at).encode(), hashlib.sha256)
    return {
        "access_token": session.id,
        "instance_url": state.base_url,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": base64.b64encode(digest.digest()).decode(),
    }


def identity(request: SimRequest, match: re.Match[str]) -> SimResponse:
    """The identity URL a token response names (``id``)."""
    user = request.org.user_by_id(match["user"])
    if user is None or match["org"][:15] != request.org.id[:15]:
        return SimResponse(status=404, body=[{"errorCode": "NOT_FOUND", "message": "Bad_Id"}])
    return SimResponse(body={
        "id": f"{runtime.current().base_url}/id/{request.org.id}/{user.id}",
        "user_id": user.id, "organization_id": request.org.id, "username": user.username,
        "display_name": user.name, "email": user.email, "active": True, "user_type": "STANDARD",
        "language": "en_US", "locale": "en_US", "utcOffset": -28800000,
    })  # fmt: skip


ROUTES: list[Route] = [
    Route("POST", re.compile(r"/services/Soap/u/(?P<version>\d+\.\d+)(?:/[\w!.]*)?"), soap_login,
          versioned=False, authenticated=False, counts_api_call=False),
    Route("POST", re.compile(r"/services/oauth2/token"), oauth_token,
          versioned=False, authenticated=False, counts_api_call=False),
    Route("GET", re.compile(r"/id/(?P<org>\w{15,18})/(?P<user>\w{15,18})"), identity,
          versioned=False, authenticated=True, counts_api_call=False),
]  # fmt: skip
