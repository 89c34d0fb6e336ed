"""The one way in for org connections: register, update secrets, connect, check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from harvesters.client import OrgClient, OrgCredentials
from harvesters.models import SECRET_FIELDS, AuthFlow, OrgConnection
from harvesters.secrets import SecretUnreadableError

# What each flow cannot work without, beside the login URL.
REQUIRED_BY_FLOW: dict[str, tuple[str, ...]] = {
    AuthFlow.JWT_BEARER: ("username", "client_id", "private_key"),
    AuthFlow.CLIENT_CREDENTIALS: ("client_id", "client_secret"),
    AuthFlow.OAUTH_PASSWORD: ("username", "password", "client_id", "client_secret"),
    AuthFlow.SOAP_PASSWORD: ("username", "password"),
    AuthFlow.SESSION_ID: ("session_id", "instance_url"),
}


class ConnectionInvalidError(ValueError):
    """A connection lacks what its auth flow needs; `field` names the missing value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class OrgIdentity:
    org_id: str
    name: str
    edition: str
    api_version: str
    api_used: int | None
    api_limit: int | None


def missing_for_flow(values: dict[str, Any]) -> list[str]:
    flow = values.get("auth_flow", "")
    if flow not in REQUIRED_BY_FLOW:
        return ["auth_flow"]
    return [name for name in REQUIRED_BY_FLOW[flow] if not values.get(name)]


@transaction.atomic
def register_org(alias: str, **values: Any) -> OrgConnection:
    """Create or update the connection `alias`; secrets left empty keep their stored value."""
    connection = OrgConnection.objects.select_for_update().filter(alias=alias).first() or OrgConnection(alias=alias)
    for name, value in values.items():
        if name in SECRET_FIELDS and not value:
            continue
        setattr(connection, name, value)
    current = {name: getattr(connection, name)
               for name in ("auth_flow", "username", "client_id", "instance_url", *SECRET_FIELDS)}
    missing = missing_for_flow(current)
    if missing:
        raise ConnectionInvalidError(missing[0], f"{missing[0]} is required for the {connection.auth_flow} flow")
    connection.full_clean()
    connection.save()
    return connection


def credentials_for(connection: OrgConnection) -> OrgCredentials:
    return OrgCredentials(
        login_url=connection.login_url, api_version=connection.api_version, auth_flow=connection.auth_flow,
        username=connection.username, client_id=connection.client_id, instance_url=connection.instance_url,
        ca_bundle=connection.ca_bundle, private_key=connection.private_key,
        client_secret=connection.client_secret, password=connection.password,
        security_token=connection.security_token, session_id=connection.session_id,
        jwt_audience=connection.jwt_audience,
    )


def client_for(connection: OrgConnection) -> OrgClient:
    return OrgClient(credentials_for(connection))


def remember_organization(connection: OrgConnection, client: OrgClient) -> dict[str, Any]:
    """Read the org's Organization record and keep its id, edition and instance URL on the connection."""
    organization: dict[str, Any] = client.call(
        lambda sf: sf.query("SELECT Id, Name, OrganizationType FROM Organization LIMIT 1")["records"][0]
    )
    connection.org_id = organization["Id"]
    connection.edition = organization["OrganizationType"]
    connection.instance_url = client.salesforce.base_url.split("/services/")[0]
    connection.save(update_fields=["org_id", "edition", "instance_url", "updated_at"])
    return organization


def check_connection(connection: OrgConnection) -> OrgIdentity:
    """Log in, read the org's identity and API usage, and remember the org id and edition."""
    client = client_for(connection)
    organization = remember_organization(connection, client)
    client.call(lambda sf: sf.limits())
    usage = client.api_usage()
    return OrgIdentity(
        org_id=organization["Id"], name=organization["Name"], edition=organization["OrganizationType"],
        api_version=connection.api_version, api_used=usage[0] if usage else None,
        api_limit=usage[1] if usage else None,
    )


class SecretRotationError(RuntimeError):
    """A stored secret that no key in SECRETS_KEY decrypts: nothing was re-encrypted."""


@transaction.atomic
def rotate_secrets() -> int:
    """Re-encrypt every stored secret under SECRETS_KEY's first key (all in one transaction); how many.

    Run after putting a new key first in SECRETS_KEY; afterwards the old keys can be dropped."""
    rotated = 0
    for connection in OrgConnection.objects.select_for_update().only("pk", "alias").order_by("pk"):
        for name in SECRET_FIELDS:
            try:
                value = getattr(connection, name)  # deferred: read (and decrypted) one field at a time
            except SecretUnreadableError as error:
                raise SecretRotationError(f"{connection.alias}: {name} cannot be decrypted with any key in "
                                          "SECRETS_KEY; nothing was re-encrypted") from error
            if value:
                OrgConnection.objects.filter(pk=connection.pk).update(**{name: value})
                rotated += 1
    return rotated
