"""Integrations source: what moves data in and out of the org, read from the Tooling API.

Named and external credentials, remote sites, connected apps, outbound messages, flows, Apex
classes, Lightning and Aura components and change-data-capture channel members become `Integration`
nodes with READS / WRITES / SENDS_TO edges, endpoints become `System` nodes (by host), and the
field-level FLOWS_TO edges carry whether a consent check (`consent_checked`) and the processing
opt-out (`opt_out_checked`, `Individual.HasOptedOutProcessing`) guard the move.

Cost on the demo org: 13 listings in 3 Composite calls, then the Metadata of flows, outbound
messages and connected apps 25 records to a Composite call (see `tooling`). An incremental run
(`since`) lists again (3 calls) but retrieves and writes only what changed, plus the flows and
components that depend on a changed Apex class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from harvesters.chunk import Chunk
from harvesters.client import OrgClient
from harvesters.integrations.apex import ApexAnalysis, analyse_apex
from harvesters.integrations.automation import (
    apex_class_records,
    apex_name,
    aura_controllers,
    component_records,
    flow_records,
    lwc_controllers,
)
from harvesters.integrations.configuration import (
    Records,
    cdc_member_records,
    connected_app_records,
    external_credential_records,
    named_credential_records,
    outbound_message_records,
    remote_site_records,
)
from harvesters.integrations.endpoints import SALESFORCE_EMAIL_HOST, Endpoints, host_of
from harvesters.integrations.flows import analyse_flow
from harvesters.integrations.tooling import (
    LISTINGS,
    Listing,
    Row,
    changed_since,
    list_tooling,
    modified_at,
    retrieve,
)

__all__ = ["CHUNK_INTEGRATIONS", "SALESFORCE_EMAIL_HOST", "integration_chunks"]

CHUNK_INTEGRATIONS = 50  # integrations per chunk (one graph transaction each)
RETRIEVED_TYPES = ("ConnectedApplication", "WorkflowOutboundMessage", "Flow")


class _Batcher:
    """Collects records into chunks of `size` integrations; errors ride on the next chunk out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.chunk = Chunk()
        self.count = 0

    def add(self, what: str, build: Callable[[], Records]) -> Iterator[Chunk]:
        try:
            nodes, edges = build()
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            self.chunk.errors.append(f"{what}: unreadable ({type(error).__name__}: {error})")
            return
        self.chunk.nodes += nodes
        self.chunk.edges += edges
        self.count += 1
        if self.count >= self.size:
            yield self.flush()

    def flush(self) -> Chunk:
        chunk, self.chunk, self.count = self.chunk, Chunk(), 0
        return chunk


def integration_chunks(client: OrgClient, org_id: str, *, since: datetime | None = None) -> Iterator[Chunk]:
    """The org's integrations, a chunk of at most `CHUNK_INTEGRATIONS` at a time.

    Write the schema first: edges to objects and fields the graph does not hold are skipped.
    """
    batcher = _Batcher(CHUNK_INTEGRATIONS)
    listings = list_tooling(client, LISTINGS, batcher.chunk.errors, batcher.chunk.warnings)
    named_credentials = list(listings["NamedCredential"])
    endpoints = Endpoints(
        named_credentials={row["DeveloperName"]: host for row in named_credentials
                           if (host := host_of(row.get("Endpoint")))},
        external_services={row["DeveloperName"]: row["NamedCredentialReference"]
                           for row in listings["ExternalServiceRegistration"] if row.get("NamedCredentialReference")},
    )
    classes: dict[str, ApexAnalysis] = {}
    changed_classes: set[str] = set()
    for row in listings["ApexClass"]:
        name = apex_name(row)
        classes[name] = analyse_apex(name, str(row.get("Body") or ""))
        if changed_since(row, since):
            changed_classes.add(name)
            yield from batcher.add(f"ApexClass {name}",
                                   partial(apex_class_records, org_id, row, classes[name], endpoints))
    yield from _settings(batcher, org_id, named_credentials, listings, since)
    yield from _components(batcher, org_id, listings, classes, changed_classes, since)
    yield from _retrieved(batcher, client, org_id, listings, classes, endpoints, since=since,
                          every_flow=bool(changed_classes))
    if batcher.count or batcher.chunk.errors or batcher.chunk.warnings:
        yield batcher.flush()


def _settings(batcher: _Batcher, org_id: str, named_credentials: list[Row], listings: Mapping[str, Listing],
              since: datetime | None) -> Iterator[Chunk]:
    builders: list[tuple[str, Iterable[Row], Callable[[str, Row], Records], str]] = [
        ("NamedCredential", named_credentials, named_credential_records, "DeveloperName"),
        ("ExternalCredential", listings["ExternalCredential"], external_credential_records, "DeveloperName"),
        ("RemoteProxy", listings["RemoteProxy"], remote_site_records, "SiteName"),
        ("PlatformEventChannelMember", listings["PlatformEventChannelMember"], cdc_member_records, "DeveloperName"),
    ]
    for kind, rows, build, name_key in builders:
        for row in rows:
            if changed_since(row, since):
                yield from batcher.add(f"{kind} {row.get(name_key)}", partial(build, org_id, row))


def _components(batcher: _Batcher, org_id: str, listings: Mapping[str, Listing], classes: Mapping[str, ApexAnalysis],
                changed_classes: set[str], since: datetime | None) -> Iterator[Chunk]:
    """LWC and Aura bundles with their controllers; a bundle whose controller changed is rewritten too."""
    kinds = [("LightningComponentBundle", "LightningComponentResource", "LightningComponentBundleId", lwc_controllers),
             ("AuraDefinitionBundle", "AuraDefinition", "AuraDefinitionBundleId", aura_controllers)]
    for bundle_type, source_type, bundle_key, controllers_of in kinds:
        controllers: dict[str, set[str]] = {}
        changed_sources: set[str] = set()
        for source in listings[source_type]:
            bundle = str(source.get(bundle_key))
            controllers.setdefault(bundle, set()).update(controllers_of([str(source.get("Source") or "")]))
            if since is not None and (stamp := modified_at(source)) is not None and stamp > since:
                changed_sources.add(bundle)  # an undated source leaves the decision to its bundle's date
        for row in listings[bundle_type]:
            found = tuple(sorted(controllers.get(str(row["Id"]), set())))
            if changed_since(row, since) or str(row["Id"]) in changed_sources or set(found) & changed_classes:
                yield from batcher.add(f"{bundle_type} {row.get('DeveloperName')}",
                                       partial(component_records, org_id, bundle_type, row, found, classes))


def _retrieved(batcher: _Batcher, client: OrgClient, org_id: str, listings: Mapping[str, Listing],
               classes: Mapping[str, ApexAnalysis], endpoints: Endpoints, *, since: datetime | None,
               every_flow: bool) -> Iterator[Chunk]:
    """Records whose Metadata is needed, fetched by id; every flow when an Apex class it may call changed."""
    wanted: dict[str, tuple[str, Row]] = {}
    for kind in RETRIEVED_TYPES:
        for row in listings[kind]:
            if changed_since(row, since) or (kind == "Flow" and every_flow):
                wanted[f"{kind}_{row['Id']}"] = (kind, row)
    for answer in retrieve(client, [(kind, str(row["Id"])) for kind, row in wanted.values()]):
        kind, listed = wanted[answer.reference]
        if not answer.ok:
            batcher.chunk.errors.append(f"{kind} {listed['Id']}: {answer.error_message()}")
            continue
        row = {**listed, **answer.body}
        yield from batcher.add(f"{kind} {row['Id']}",
                               partial(_retrieved_records, org_id, kind, row, classes, endpoints))


def _retrieved_records(org_id: str, kind: str, row: dict[str, Any], classes: Mapping[str, ApexAnalysis],
                       endpoints: Endpoints) -> Records:
    if kind == "ConnectedApplication":
        return connected_app_records(org_id, row)
    if kind == "WorkflowOutboundMessage":
        return outbound_message_records(org_id, row)
    metadata = row.get("Metadata")
    if not isinstance(metadata, Mapping):
        raise TypeError("the flow version has no Metadata")
    return flow_records(org_id, row, analyse_flow(metadata), classes, endpoints)
