"""Code and automation as integrations: Apex classes, flows, and Lightning / Aura components.

An Apex class that calls out sends the fields it reads and uses to every system it calls, and what
it constructs from the answers flows back in (see `apex` for what the parser can and cannot see). A
flow's sends go to Salesforce email, to the systems of the Apex class it invokes, or to the named
credential behind an External Service; a component reads what its Apex controllers read, with their
sharing mode and field-level security.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from harvesters.integrations.apex import ApexAnalysis, FieldRef
from harvesters.integrations.configuration import Records, evidence_for, mapping, new_integration, records_of
from harvesters.integrations.consent_guards import ConsentGuard
from harvesters.integrations.endpoints import SALESFORCE_EMAIL_HOST, EdgeSet, Endpoints
from harvesters.integrations.flows import FlowAnalysis, FlowSend
from lineage import IntegrationKind

EMAIL_ACTIONS = frozenset({"emailSimple", "emailAlert"})
_LWC_APEX_IMPORT = re.compile(r"""['"]@salesforce/apex/([\w.]+)\.\w+['"]""")
_AURA_CONTROLLER = re.compile(r"""<aura:component\b[^>]*\bcontroller\s*=\s*["']([\w.]+)["']""", re.IGNORECASE)


def apex_name(row: Mapping[str, Any]) -> str:
    namespace = row.get("NamespacePrefix")
    return f"{namespace}.{row['Name']}" if namespace else str(row["Name"])


def apex_class_records(org_id: str, row: Mapping[str, Any], analysis: ApexAnalysis, endpoints: Endpoints) -> Records:
    hosts = [endpoints.host_for(callout) for callout in analysis.callouts]
    unresolved = tuple(sorted(c.named_credential or "" for c, host in zip(analysis.callouts, hosts, strict=True)
                              if host is None))
    guard = analysis.consent_guard
    record, edges = new_integration(
        org_id, IntegrationKind.APEX_CLASS, analysis.name, evidence_for("ApexClass", row),
        sharing=analysis.sharing, enforces_security=analysis.enforces_security,
        api_version=_text(row.get("ApiVersion")), status=row.get("Status"),
        named_credentials=tuple(sorted({c.named_credential for c in analysis.callouts if c.named_credential})),
        hosts=tuple(sorted({host for host in hosts if host})), unresolved_named_credentials=unresolved or None,
        consent_checks=tuple(sorted(analysis.consent_checks)), consent_checked=analysis.consent_checked,
        opt_out_checked=analysis.opt_out_checked, rest_resource=analysis.rest_resource, **_check_attributes(guard),
    )
    edges.reads(analysis.reads)
    edges.writes(analysis.writes)
    consent = analysis.consent_checked
    for host in sorted({host for host in hosts if host}):
        system = edges.sends_to(host, "callout")
        edges.flows_out(analysis.sent_fields, system, consent=consent, opt_out=analysis.opt_out_checked, check=guard)
        edges.flows_in(system, analysis.writes, consent=consent, opt_out=analysis.opt_out_checked, check=guard)
    return records_of(record, edges)


def flow_records(org_id: str, row: Mapping[str, Any], analysis: FlowAnalysis, classes: Mapping[str, ApexAnalysis],
                 endpoints: Endpoints) -> Records:
    definition = mapping(row.get("Definition"))
    name = str(definition.get("DeveloperName") or str(row.get("FullName") or row["Id"]).split("-")[0])
    record, edges = new_integration(
        org_id, IntegrationKind.FLOW, name, evidence_for("Flow", row), label=row.get("MasterLabel"),
        version=row.get("VersionNumber"), process_type=row.get("ProcessType"), trigger_type=analysis.trigger_type,
        start_object=analysis.start_object, consent_checks=tuple(sorted(analysis.consent_checks)),
        actions=tuple(f"{send.action_type}:{send.action_name}" for send in analysis.sends),
    )
    for sobject in sorted(analysis.objects_read):
        edges.reads_object(sobject)
    edges.reads(analysis.reads)
    edges.writes(analysis.writes)
    for send in analysis.sends:
        _flow_send(edges, send, classes, endpoints)
    return records_of(record, edges)


def _flow_send(edges: EdgeSet, send: FlowSend, classes: Mapping[str, ApexAnalysis], endpoints: Endpoints) -> None:
    if send.action_type in EMAIL_ACTIONS:
        system = edges.sends_to(SALESFORCE_EMAIL_HOST, "email")
        edges.flows_out(send.fields, system, consent=send.consent_checked, opt_out=send.opt_out_checked)
    elif send.action_type == "apex" and send.action_name in classes:
        apex = classes[send.action_name]
        consent = send.consent_checked or apex.consent_checked
        opt_out = send.opt_out_checked or apex.opt_out_checked
        check = None if send.consent_checked else apex.consent_guard  # the flow's own gate has no line to show
        for host in sorted({host for c in apex.callouts if (host := endpoints.host_for(c))}):
            system = edges.sends_to(host, "callout")
            edges.flows_out(send.fields | apex.sent_fields, system, consent=consent, opt_out=opt_out, check=check)
            edges.flows_in(system, apex.writes, consent=consent, opt_out=opt_out, check=check)
    elif send.action_type == "externalService":
        host = endpoints.external_service_host(send.action_name)
        if host:
            system = edges.sends_to(host, "callout")
            edges.flows_out(send.fields, system, consent=send.consent_checked, opt_out=send.opt_out_checked)


def lwc_controllers(sources: Iterable[str]) -> tuple[str, ...]:
    """Apex classes a Lightning web component imports (`@salesforce/apex/[ns.]Class.method`)."""
    return tuple(sorted({found for source in sources for found in _LWC_APEX_IMPORT.findall(source)}))


def aura_controllers(sources: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({found for source in sources for found in _AURA_CONTROLLER.findall(source)}))


def component_records(org_id: str, tooling_type: str, row: Mapping[str, Any], controllers: tuple[str, ...],
                      classes: Mapping[str, ApexAnalysis]) -> Records:
    """A component reads what its controllers read, as securely (or not) as they read it."""
    known = [classes[name] for name in controllers if name in classes]
    framework = "lwc" if tooling_type == "LightningComponentBundle" else "aura"
    record, edges = new_integration(
        org_id, IntegrationKind.COMPONENT, str(row["DeveloperName"]), evidence_for(tooling_type, row),
        framework=framework, label=row.get("MasterLabel"), controllers=controllers,
        controller_sharing=tuple(f"{apex.name}:{apex.sharing}" for apex in known),
        without_sharing=any(apex.sharing == "without" for apex in known) if known else None,
        enforces_security=all(apex.enforces_security for apex in known) if known else None,
    )
    reads: dict[FieldRef, bool | None] = {}
    for apex in known:
        for ref, enforced in apex.reads.items():
            reads[ref] = enforced and reads.get(ref, True) is not False
    edges.reads(reads)
    return records_of(record, edges)


def _check_attributes(guard: ConsentGuard | None) -> dict[str, Any]:
    if guard is None:
        return {}
    return {"consent_check": guard.check, "consent_check_line": guard.line, "consent_check_method": guard.method}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
