"""The Tooling API calls of the integrations source, batched through the Composite resource.

Listings are Tooling queries, 5 to a Composite call (counted like REST queries, to stay inside the
documented limit of 5 queries per Composite request); their further pages are followed one call each.
A query selecting `Metadata` may return one row only (documented), so records whose Metadata is
needed are fetched by id (`tooling/sobjects/<Type>/<Id>`), 25 to a Composite call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from harvesters.client import OrgClient
from harvesters.composite import SubRequest, SubResponse, api_name, composite_get, query_request

Row = dict[str, Any]
log = logging.getLogger(__name__)

LISTINGS: dict[str, str] = {
    "ApexClass": "SELECT Id, Name, NamespacePrefix, ApiVersion, Status, Body, LastModifiedDate FROM ApexClass",
    "NamedCredential": ("SELECT Id, DeveloperName, MasterLabel, Endpoint, PrincipalType, NamespacePrefix, "
                        "LastModifiedDate FROM NamedCredential"),
    "ExternalCredential": ("SELECT Id, DeveloperName, MasterLabel, AuthenticationProtocol, LastModifiedDate "
                           "FROM ExternalCredential"),
    "RemoteProxy": ("SELECT Id, SiteName, EndpointUrl, IsActive, DisableProtocolSecurity, LastModifiedDate "
                    "FROM RemoteProxy"),
    "ExternalServiceRegistration": ("SELECT Id, DeveloperName, NamedCredentialReference "
                                    "FROM ExternalServiceRegistration"),
    "ConnectedApplication": ("SELECT Id, Name, OptionsAllowAdminApprovedUsersOnly, LastModifiedDate "
                             "FROM ConnectedApplication"),
    "WorkflowOutboundMessage": "SELECT Id, Name, TableEnumOrId, LastModifiedDate FROM WorkflowOutboundMessage",
    "Flow": ("SELECT Id, Definition.DeveloperName, MasterLabel, VersionNumber, ProcessType, LastModifiedDate "
             "FROM Flow WHERE Status = 'Active'"),
    "LightningComponentBundle": ("SELECT Id, DeveloperName, MasterLabel, NamespacePrefix, LastModifiedDate "
                                 "FROM LightningComponentBundle"),
    "LightningComponentResource": ("SELECT Id, LightningComponentBundleId, FilePath, Source, LastModifiedDate "
                                   "FROM LightningComponentResource WHERE Format = 'js'"),
    "AuraDefinitionBundle": ("SELECT Id, DeveloperName, MasterLabel, NamespacePrefix, LastModifiedDate "
                             "FROM AuraDefinitionBundle"),
    "AuraDefinition": ("SELECT Id, AuraDefinitionBundleId, Source, LastModifiedDate FROM AuraDefinition "
                       "WHERE DefType = 'COMPONENT'"),
    "PlatformEventChannelMember": ("SELECT Id, DeveloperName, EventChannel, SelectedEntity, CreatedDate, "
                                   "LastModifiedDate FROM PlatformEventChannelMember"),
}
_RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_VERSIONED_PATH = re.compile(r"^/services/data/v[\d.]+/")


class Listing:
    """The rows of one Tooling query, its first page already fetched, later pages fetched as read."""

    def __init__(self, client: OrgClient, first_page: Mapping[str, Any] | None) -> None:
        self._client = client
        self._page = first_page

    def __iter__(self) -> Iterator[Row]:
        page = self._page
        self._page = None  # rows are read once, so a large listing is never held whole
        while page is not None:
            yield from page.get("records") or []
            following = page.get("nextRecordsUrl")
            page = _next_page(self._client, str(following)) if not page.get("done", True) and following else None


def _next_page(client: OrgClient, url: str) -> Mapping[str, Any]:
    relative = _VERSIONED_PATH.sub("", url)
    page = client.call(lambda sf: sf.restful(relative))
    return page if isinstance(page, Mapping) else {}


def list_tooling(
    client: OrgClient, queries: Mapping[str, str], errors: list[str], warnings: list[str] | None = None
) -> dict[str, Listing]:
    """Every listing by Tooling type. A type the org does not have (INVALID_TYPE) is listed empty and said in
    `warnings`; any other refusal is reported in `errors` and listed empty too, so the other types still land."""
    requests = [query_request(api_name(name), soql, tooling=True) for name, soql in queries.items()]
    listings: dict[str, Listing] = {}
    for answer in composite_get(client, requests):
        if answer.ok:
            listings[answer.reference] = Listing(client, answer.body)
            continue
        listings[answer.reference] = Listing(client, None)
        if answer.error_message().startswith("INVALID_TYPE"):
            # The org has no such type (a feature off, an older API version): nothing of that kind to harvest.
            log.info("the org has no Tooling type %s; its integrations are skipped", answer.reference)
            if warnings is not None:
                warnings.append(f"integrations: the org has no Tooling type {answer.reference}; none harvested")
        else:
            errors.append(f"tooling {answer.reference}: {answer.error_message()}")
    return listings


def retrieve(client: OrgClient, records: Sequence[tuple[str, str]]) -> Iterator[SubResponse]:
    """Whole Tooling records (Metadata included) by (type, id), 25 to a Composite call; each answer's
    reference is `<type>_<id>`."""
    requests = [SubRequest(f"{api_name(kind)}_{_record_id(record_id)}", f"tooling/sobjects/{kind}/{record_id}")
                for kind, record_id in records]
    return composite_get(client, requests)


def _record_id(record_id: str) -> str:
    if not _RECORD_ID.fullmatch(record_id):
        raise ValueError(f"{record_id!r} is not a Salesforce record id")
    return record_id


def modified_at(row: Mapping[str, Any]) -> datetime | None:
    """When a row last changed: LastModifiedDate, else CreatedDate (some rows carry only that)."""
    stamp = row.get("LastModifiedDate") or row.get("CreatedDate")
    if not isinstance(stamp, str) or not stamp:
        return None
    return datetime.strptime(stamp.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z") if "." in stamp else \
        datetime.strptime(stamp.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z")


def changed_since(row: Mapping[str, Any], since: datetime | None) -> bool:
    """Whether an incremental run must (re)harvest `row`; a row without a date always is."""
    if since is None:
        return True
    stamp = modified_at(row)
    return stamp is None or stamp > since
