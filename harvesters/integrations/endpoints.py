"""Where data goes: endpoints resolved to `System` nodes keyed by host, and the edges that reach them.

A System is only a host here: its name comes from integration manifests (kept when this source does not
know it), and its role and country for the org from the org's manifest `HAS_SYSTEM` edge. Email sent by
Salesforce itself (`emailSimple` flow actions, email alerts) leaves through Salesforce's own mail servers to the
recipients' mailboxes, so it lands on one pseudo-host, `SALESFORCE_EMAIL_HOST`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from harvesters.integrations.apex import Callout, FieldRef
from harvesters.integrations.consent_guards import ConsentGuard
from lineage import (
    EdgeRecord,
    FlowEdge,
    NodeRef,
    ReadsEdge,
    SendsToEdge,
    SystemRecord,
    WritesEdge,
    field_key,
    sobject_key,
)
from lineage.vocabulary import Label

SALESFORCE_EMAIL_HOST = "salesforce-email"


def host_of(url: str | None) -> str | None:
    """The lower-cased host of an absolute URL, or None for anything else (merge fields, paths)."""
    if not url or "://" not in url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.lower() if host else None


@dataclass(frozen=True)
class Endpoints:
    """Named credentials and External Service registrations by name, to turn references into hosts."""

    named_credentials: Mapping[str, str] = field(default_factory=dict)  # name → host
    external_services: Mapping[str, str] = field(default_factory=dict)  # registration → named credential

    def host_for(self, callout: Callout) -> str | None:
        if callout.named_credential is not None:
            return self.named_credentials.get(callout.named_credential)
        return callout.host

    def external_service_host(self, action_name: str) -> str | None:
        registration = action_name.split(".", 1)[0]
        credential = self.external_services.get(registration)
        return self.named_credentials.get(credential) if credential else None


def system_node(host: str, evidence: str) -> SystemRecord:
    return SystemRecord(host=host, evidence=evidence)


@dataclass
class EdgeSet:
    """The nodes and edges one integration contributes, de-duplicated (one edge per key)."""

    org_id: str
    integration: NodeRef
    evidence: str
    systems: dict[str, SystemRecord] = field(default_factory=dict)
    edges: dict[str, EdgeRecord] = field(default_factory=dict)

    def add(self, edge: EdgeRecord) -> None:
        self.edges.setdefault(edge.key, edge)

    def sends_to(self, host: str, channel: str) -> NodeRef:
        system = self.systems.setdefault(host, system_node(host, self.evidence))
        self.add(SendsToEdge(source=self.integration, target=system.ref, channel=channel, evidence=self.evidence))
        return system.ref

    def reads(self, refs: Mapping[FieldRef, bool | None] | Iterable[FieldRef]) -> None:
        enforced: Mapping[FieldRef, bool | None] = refs if isinstance(refs, Mapping) else dict.fromkeys(refs)
        for (sobject, name), enforces in sorted(enforced.items()):
            self.reads_object(sobject, enforces=enforces)
            self.add(ReadsEdge(source=self.integration, target=self._field(sobject, name),
                               enforces_security=enforces, evidence=self.evidence))

    def reads_object(self, sobject: str, *, enforces: bool | None = None) -> None:
        edge = ReadsEdge(source=self.integration, target=self._sobject(sobject), enforces_security=enforces,
                         evidence=self.evidence)
        known = self.edges.get(edge.key)
        if isinstance(known, ReadsEdge):
            # The object is read securely only if every read of it is.
            edge = ReadsEdge(source=edge.source, target=edge.target, evidence=self.evidence,
                             enforces_security=_both(known.enforces_security, enforces))
        self.edges[edge.key] = edge

    def writes(self, refs: Iterable[FieldRef]) -> None:
        for sobject, name in sorted(refs):
            self.add(WritesEdge(source=self.integration, target=self._sobject(sobject), evidence=self.evidence))
            self.add(WritesEdge(source=self.integration, target=self._field(sobject, name), evidence=self.evidence))

    def flows_out(self, refs: Iterable[FieldRef], system: NodeRef, *, consent: bool, opt_out: bool | None,
                  check: ConsentGuard | None = None) -> None:
        for sobject, name in sorted(refs):
            self._flow(self._field(sobject, name), system, consent, opt_out, check)

    def flows_in(self, system: NodeRef, refs: Iterable[FieldRef], *, consent: bool, opt_out: bool | None,
                 check: ConsentGuard | None = None) -> None:
        for sobject, name in sorted(refs):
            self._flow(system, self._field(sobject, name), consent, opt_out, check)

    def _flow(self, source: NodeRef, target: NodeRef, consent: bool, opt_out: bool | None,
              check: ConsentGuard | None) -> None:
        known = self.edges.get(FlowEdge(source=source, target=target, via=self.integration.key,
                                        consent_checked=consent, evidence=self.evidence).key)
        if isinstance(known, FlowEdge):
            # Two paths move the same field: the edge is checked only if both are.
            opt_out = _both(known.opt_out_checked, opt_out)
            check = check if known.consent_checked and consent else None
            consent = known.consent_checked and consent
        edge = FlowEdge(source=source, target=target, via=self.integration.key, consent_checked=consent,
                        opt_out_checked=opt_out, evidence=self.evidence,
                        consent_check=check.check if check and consent else None,
                        consent_check_line=check.line if check and consent else None,
                        consent_check_method=check.method if check and consent else None)
        self.edges[edge.key] = edge

    def _sobject(self, sobject: str) -> NodeRef:
        return NodeRef(Label.SOBJECT, sobject_key(self.org_id, sobject))

    def _field(self, sobject: str, name: str) -> NodeRef:
        return NodeRef(Label.FIELD, field_key(self.org_id, sobject, name))


def _both(first: bool | None, second: bool | None) -> bool | None:
    if first is None or second is None:
        return None if first is None and second is None else False
    return first and second
