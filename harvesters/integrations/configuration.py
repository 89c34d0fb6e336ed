"""Integration settings that name an endpoint or an object outright: named and external credentials,
remote sites, connected apps, outbound messages and change-data-capture channel members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harvesters.integrations.apex import FieldRef
from harvesters.integrations.endpoints import EdgeSet, host_of
from lineage import EdgeRecord, IntegrationKind, IntegrationRecord, NodeRecord

Records = tuple[list[NodeRecord], list[EdgeRecord]]
CHANGE_EVENT_SUFFIX = "ChangeEvent"


def evidence_for(tooling_type: str, row: Mapping[str, Any]) -> str:
    return f"tooling:{tooling_type}/{row['Id']}"


def records_of(integration: IntegrationRecord, edges: EdgeSet) -> Records:
    return [integration, *edges.systems.values()], list(edges.edges.values())


def new_integration(org_id: str, kind: IntegrationKind, name: str, evidence: str,
                 **attributes: Any) -> tuple[IntegrationRecord, EdgeSet]:
    record = IntegrationRecord(org_id=org_id, kind=kind, name=name, evidence=evidence,
                               attributes={key: value for key, value in attributes.items() if value is not None})
    return record, EdgeSet(org_id, record.ref, evidence)


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def named_credential_records(org_id: str, row: Mapping[str, Any]) -> Records:
    host = host_of(row.get("Endpoint"))
    record, edges = new_integration(org_id, IntegrationKind.NAMED_CREDENTIAL, row["DeveloperName"],
                                 evidence_for("NamedCredential", row), label=row.get("MasterLabel"),
                                 endpoint=row.get("Endpoint"), host=host, principal_type=row.get("PrincipalType"),
                                 namespace=row.get("NamespacePrefix"))
    if host:
        edges.sends_to(host, "callout")
    return records_of(record, edges)


def external_credential_records(org_id: str, row: Mapping[str, Any]) -> Records:
    record, edges = new_integration(org_id, IntegrationKind.EXTERNAL_CREDENTIAL, row["DeveloperName"],
                                 evidence_for("ExternalCredential", row), label=row.get("MasterLabel"),
                                 authentication_protocol=row.get("AuthenticationProtocol"))
    return records_of(record, edges)


def remote_site_records(org_id: str, row: Mapping[str, Any]) -> Records:
    """A remote site allows callouts to its host; an inactive one allows nothing, so it sends nowhere."""
    host = host_of(row.get("EndpointUrl"))
    active = bool(row.get("IsActive"))
    record, edges = new_integration(org_id, IntegrationKind.REMOTE_SITE, row["SiteName"],
                                    evidence_for("RemoteProxy", row), endpoint=row.get("EndpointUrl"), host=host,
                                    active=active, plain_http=str(row.get("EndpointUrl") or "").lower().startswith("http://"),
                                 protocol_security_disabled=bool(row.get("DisableProtocolSecurity")))
    if host and active:
        edges.sends_to(host, "callout")
    return records_of(record, edges)


def connected_app_records(org_id: str, row: Mapping[str, Any]) -> Records:
    """A connected app is a client of the org's API; its callback host says which system it is."""
    metadata = mapping(row.get("Metadata"))
    oauth = mapping(metadata.get("oauthConfig"))
    host = host_of(oauth.get("callbackUrl"))
    scopes = tuple(str(scope) for scope in oauth.get("scopes") or [])
    record, edges = new_integration(org_id, IntegrationKind.CONNECTED_APP, row["Name"],
                                 evidence_for("ConnectedApplication", row), callback_host=host, scopes=scopes,
                                 description=metadata.get("description"),
                                 client_credentials=oauth.get("isClientCredentialEnabled"),
                                 admin_approved_users_only=row.get("OptionsAllowAdminApprovedUsersOnly"))
    if host:
        edges.sends_to(host, "api_client")
    return records_of(record, edges)


def outbound_message_object(row: Mapping[str, Any]) -> str | None:
    """The object an outbound message belongs to: its FullName's prefix, else TableEnumOrId (a name
    for standard objects; a custom object's 01I id cannot be read without another call)."""
    full_name = str(row.get("FullName") or "")
    if "." in full_name:
        return full_name.split(".", 1)[0]
    table = str(row.get("TableEnumOrId") or "")
    return table if table and not table.startswith("01I") else None


def outbound_message_records(org_id: str, row: Mapping[str, Any]) -> Records:
    """Each field of the message flows to the endpoint's system; the workflow rule that fires the
    message is not harvested, so no consent gate can be seen (consent_checked=False, opt-out unknown)."""
    metadata = mapping(row.get("Metadata"))
    sobject = outbound_message_object(row)
    host = host_of(metadata.get("endpointUrl"))
    names = tuple(str(name) for name in metadata.get("fields") or [])
    record, edges = new_integration(org_id, IntegrationKind.OUTBOUND_MESSAGE, row["Name"],
                                 evidence_for("WorkflowOutboundMessage", row), sobject=sobject,
                                 endpoint=metadata.get("endpointUrl"), host=host, fields=names,
                                 includes_session_id=metadata.get("includeSessionId"))
    if sobject:
        refs: list[FieldRef] = [(sobject, name) for name in names]
        edges.reads(refs)
        if host:
            edges.flows_out(refs, edges.sends_to(host, "outbound_message"), consent=False, opt_out=None)
    elif host:
        edges.sends_to(host, "outbound_message")
    return records_of(record, edges)


def change_event_object(entity: str) -> str | None:
    """`ContactChangeEvent` → Contact; `FinServ__FinancialAccount__ChangeEvent` → FinServ__FinancialAccount__c."""
    if not entity.endswith(CHANGE_EVENT_SUFFIX):
        return None
    stem = entity[: -len(CHANGE_EVENT_SUFFIX)]
    return stem + "c" if stem.endswith("__") else stem


def cdc_member_records(org_id: str, row: Mapping[str, Any]) -> Records:
    """A channel member publishes every change of its object to subscribers outside the org."""
    entity = str(row.get("SelectedEntity") or "")
    sobject = change_event_object(entity)
    record, edges = new_integration(org_id, IntegrationKind.CDC_CHANNEL, row["DeveloperName"],
                                 evidence_for("PlatformEventChannelMember", row), channel=row.get("EventChannel"),
                                 selected_entity=entity or None, sobject=sobject)
    if sobject:
        edges.reads_object(sobject)
    return records_of(record, edges)
