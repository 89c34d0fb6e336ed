"""One consumer's data map: where their data lives, where it went, under which consent, and where that breaks.

Built from the graph's facts about one subject (`lineage.queries.datamaps`): their records per object (record ids,
never values), the categories of personal information those objects hold (field classification with the overrides
in force), every system their data flows to through the lineage edges of those objects' fields, their consents and
opt-outs, retention per system, who reads those objects, and the gaps between what they chose and what the flows do.
Every entry carries the `Evidence` it rests on: the graph keys along its path and the harvested artefact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from catalog.classification.services import overrides_in_force_at
from catalog.records.activities import Evidence
from harvesters.models import OrgConnection
from lineage import ConsentStatus, SystemRole, get_graph
from lineage.overrides import OverrideMirror, overrides_in_force
from lineage.queries.datamaps import (
    WHOLE_OBJECT,
    ConsentEventFact,
    ConsentFact,
    FlowFact,
    IntegrationFact,
    SubjectFacts,
    SystemFact,
    subject_facts,
)


class GapKind(StrEnum):
    """Where what a consumer chose and what the flows do part ways."""

    # A flow carries their data to a recipient for a purpose they opted out of.
    FLOW_AGAINST_OPT_OUT = "flow_against_opt_out"
    # A sync moves their data without an opt-out check while they opted out of processing.
    SYNC_IGNORES_PROCESSING_OPT_OUT = "sync_ignores_processing_opt_out"
    # An opt-out recorded in another system reached Salesforce after that system's SLA.
    OPT_OUT_LATE = "opt_out_late"


@dataclass(frozen=True)
class CategoryHeld:
    """A category of personal information an object holds, from its fields' classification (overrides included)."""

    category: str  # the CCPA category (identifiers, financial_information …); "sensitive" alone when only that
    sensitive: bool  # sensitive personal information (CPRA) among its fields
    fields: tuple[str, ...]  # the fields' API names
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class RecordsHeld:
    """The consumer's records in one object: their ids (never their values) and the categories the object holds."""

    sobject: str
    sobject_key: str
    org_key: str
    record_ids: tuple[str, ...]
    categories: tuple[CategoryHeld, ...]
    evidence: Evidence  # the HAS_RECORD edge and the harvested rows it names


@dataclass(frozen=True)
class RecipientFlow:
    """A system their data flows to (or is received from), through one integration, with what the org says of it."""

    system_key: str
    host: str
    name: str | None
    role: str | None  # service_provider, contractor, third_party, first_party; None: nobody declared it
    country: str | None
    integration_key: str
    integration: str  # the integration's name
    integration_kind: str
    direction: str  # "sends" (their data leaves to the system) or "receives" (the system writes it back)
    purposes: tuple[str, ...]  # what the integration serves (declared) or is gated by
    fields: tuple[str, ...]  # "Object.Field" of their objects that it carries
    consent_checked: bool
    opt_out_checked: bool | None  # None: nobody says
    evidence: tuple[Evidence, ...]
    channels: tuple[str, ...] = ()  # how the integration sends: email, callout, outbound_message …
    runs_through: str | None = None  # a manifest entry's: the integration it describes (an Apex class, a flow …)


@dataclass(frozen=True)
class ConsentHeld:
    """A consent to a purpose (per channel) or a raised opt-out checkbox (a preference), with when it was captured."""

    target_key: str  # the Purpose or Preference node
    name: str  # the purpose's name, or the preference's (Individual.HasOptedOutProcessing)
    kind: str  # "purpose" or "preference"
    status: str  # opt_in, opt_out, seen, not_seen
    channel: str | None  # Email, Phone …; None: all processing
    captured_at: datetime | None
    effective_from: date | None
    effective_to: date | None
    meaning: str | None  # what a preference's raised checkbox asks, in words
    evidence: Evidence


@dataclass(frozen=True)
class RetentionHeld:
    """How long a system keeps the data it holds of theirs, as its manifest states."""

    system_key: str | None  # None: the org itself
    system: str  # the system's name, or its host
    period: str  # ISO 8601 duration, e.g. P7Y
    basis: str | None
    evidence: Evidence


@dataclass(frozen=True)
class Reader:
    """An app, integration or user seen reading one of their objects in the event logs (object-level use)."""

    key: str  # the User, Integration or System node
    kind: str  # "user", "integration" or "system"
    name: str  # a user's id; an integration's or system's name
    sobject: str
    requests: int
    rows: int
    first_accessed_at: datetime
    last_accessed_at: datetime
    evidence: Evidence


@dataclass(frozen=True)
class Gap:
    """Where their choice and a flow part ways: what happened, through which integration, to which system."""

    kind: GapKind
    summary: str  # one sentence a privacy officer reads
    integration_key: str | None
    system_key: str | None
    purpose: str | None  # the purpose or preference they opted out of
    opted_out_at: datetime | None
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class DataMap:
    """One consumer's data map as the graph stood at `as_of`."""

    subject_key: str
    as_of: datetime
    records: tuple[RecordsHeld, ...]
    recipients: tuple[RecipientFlow, ...]
    consents: tuple[ConsentHeld, ...]
    retention: tuple[RetentionHeld, ...]
    readers: tuple[Reader, ...]
    gaps: tuple[Gap, ...]

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category of personal information held of them, across their objects."""
        return tuple(sorted({each.category for held in self.records for each in held.categories}))

    @property
    def sensitive(self) -> bool:
        """Whether any object of theirs holds sensitive personal information."""
        return any(each.sensitive for held in self.records for each in held.categories)

    @property
    def systems(self) -> tuple[str, ...]:
        """The keys of every system their data reaches (recipients and where it came from)."""
        return tuple(sorted({each.system_key for each in self.recipients}))


class SubjectNotFoundError(LookupError):
    """No subject of that key stood in the graph at the moment asked."""


def data_map_of(subject_key: str, *, as_of: datetime | None = None) -> DataMap:
    """The data map of the subject keyed `subject_key` (`subject:<hmac>`) as the graph stood at `as_of` (None: now),
    with the classification overrides in force then. Raises `SubjectNotFoundError` when no such subject stood then."""
    moment = as_of or datetime.now(UTC)
    facts = subject_facts(get_graph(), subject_key, moment, overrides_for(as_of))
    if facts is None:
        raise SubjectNotFoundError(f"No subject {subject_key} in the graph at {moment.isoformat()}.")
    return data_map_from(facts, moment)


def data_map_from(facts: SubjectFacts, as_of: datetime) -> DataMap:
    """The data map the facts of one subject make: the same facts always make the same map."""
    recipients = recipients_of(facts)
    consents = tuple(_consent(each) for each in facts.consents)
    return DataMap(subject_key=facts.key, as_of=as_of, records=_records(facts), recipients=recipients,
                   consents=consents, retention=_retention(facts), readers=_readers(facts),
                   gaps=(*flow_gaps(recipients, consents), *late_opt_out_gaps(facts.consent_events, as_of)))


def overrides_for(as_of: datetime | None) -> dict[str, dict[str, Any]] | None:
    """The classification overrides in force at `as_of`, for the graph's facts; None for now (the graph holds them)."""
    return None if as_of is None else overrides_in_force(_overrides_at(as_of))


def _overrides_at(moment: datetime) -> list[OverrideMirror]:
    """Every org's classification overrides in force at `moment` (a subject may have records in several orgs)."""
    return [mirror for org in OrgConnection.objects.exclude(org_id="") for mirror in overrides_in_force_at(org, moment)]


# --- records and categories --------------------------------------------------------------------------

SENSITIVE_ONLY = "sensitive_personal_information"  # the category of sensitive fields the rules gave no other


def _records(facts: SubjectFacts) -> tuple[RecordsHeld, ...]:
    categories: dict[str, list[CategoryHeld]] = {}
    for each in facts.categories:
        categories.setdefault(each.sobject_key, []).append(CategoryHeld(
            category=each.category or SENSITIVE_ONLY, sensitive=each.sensitive, fields=each.fields,
            evidence=tuple(Evidence((each.sobject_key, "HAS_FIELD"), artefact) for artefact in each.evidence)))
    return tuple(RecordsHeld(sobject=each.sobject, sobject_key=each.sobject_key, org_key=each.org_key,
                             record_ids=each.record_ids, categories=tuple(categories.get(each.sobject_key, ())),
                             evidence=Evidence((facts.key, "HAS_RECORD", each.sobject_key), each.evidence))
                 for each in facts.records)


# --- recipients --------------------------------------------------------------------------------------


def recipients_of(facts: SubjectFacts) -> tuple[RecipientFlow, ...]:
    """One entry per integration, system and direction, over all their objects: the fields it carries, and whether
    it checks consent and opt-outs (a check any of its edges lacks is not made; an unknown one counts for nothing)."""
    objects = {each.sobject_key: each.sobject for each in facts.records}
    integrations = {each.key: each for each in facts.integrations}
    systems = {(each.key, each.org_key): each for each in facts.systems}  # what each org says of the system
    grouped: dict[tuple[str, str, str], list[FlowFact]] = {}
    for flow in facts.flows:
        grouped.setdefault((flow.via, flow.system_key, flow.direction), []).append(flow)
    return tuple(_recipient(flows, objects, integrations.get(via), systems.get((system_key, flows[0].org_key)))
                 for (via, system_key, _), flows in sorted(grouped.items()))


def _recipient(flows: list[FlowFact], objects: Mapping[str, str], integration: IntegrationFact | None,
               system: SystemFact | None) -> RecipientFlow:
    first = flows[0]
    carried = tuple(sorted({f"{objects[flow.sobject_key]}.{name}" for flow in flows for name in flow.fields}))
    evidence = tuple(dict.fromkeys(_flow_evidence(flow) for flow in flows))
    if system is not None and system.role_evidence:
        evidence += (Evidence((first.org_key, "HAS_SYSTEM", system.key), system.role_evidence),)
    return RecipientFlow(
        system_key=first.system_key, host=system.host if system else first.system_key.removeprefix("system:"),
        name=system.name if system else None, role=system.role if system else None,
        country=system.country if system else None, integration_key=first.via,
        integration=integration.name if integration else first.via,
        integration_kind=integration.kind if integration else "", direction=first.direction,
        purposes=integration.purposes if integration else (), fields=carried,
        consent_checked=_checked([flow.consent_checked for flow in flows]) is True,
        opt_out_checked=_checked([flow.opt_out_checked for flow in flows]), evidence=evidence,
        channels=integration.channels if integration else (),
        runs_through=integration.runs_through if integration else None)


def _checked(known: list[bool | None]) -> bool | None:
    """False when any edge says it is not checked, True when some say it is and none says not, else None."""
    if any(value is False for value in known):
        return False
    return True if any(value is True for value in known) else None


def _flow_evidence(flow: FlowFact) -> Evidence:
    if flow.hops:  # through other fields: the first such path, key by key
        return Evidence(flow.hops[0], flow.evidence)
    if WHOLE_OBJECT in flow.fields:
        return Evidence((flow.sobject_key, "READS", flow.via, "SENDS_TO", flow.system_key), flow.evidence)
    if flow.direction == "sends":
        return Evidence((flow.sobject_key, "HAS_FIELD", "FLOWS_TO", flow.system_key), flow.evidence)
    return Evidence((flow.system_key, "FLOWS_TO", "HAS_FIELD", flow.sobject_key), flow.evidence)


# --- consents, retention, readers --------------------------------------------------------------------


def _consent(fact: ConsentFact) -> ConsentHeld:
    return ConsentHeld(target_key=fact.target_key, name=fact.name,
                       kind="preference" if fact.target_label == "Preference" else "purpose", status=fact.status,
                       channel=fact.channel, captured_at=fact.captured_at, effective_from=fact.effective_from,
                       effective_to=fact.effective_to, meaning=fact.meaning,
                       evidence=Evidence((fact.edge_key,), fact.evidence))


def _retention(facts: SubjectFacts) -> tuple[RetentionHeld, ...]:
    """Each system's stated periods, once per system however many of its hosts the data reaches."""
    held: dict[tuple[str, str, str | None], RetentionHeld] = {}
    for system in facts.systems:
        for period, basis, artefact in system.retention:
            held.setdefault((system.name or system.host, period, basis), RetentionHeld(
                system_key=system.key, system=system.name or system.host, period=period, basis=basis,
                evidence=Evidence((system.key,), artefact)))
    return tuple(held.values())


def _readers(facts: SubjectFacts) -> tuple[Reader, ...]:
    objects = {each.sobject_key: each.sobject for each in facts.records}
    return tuple(Reader(key=each.reader_key, kind=each.reader_label.lower(), name=each.name,
                        sobject=objects[each.sobject_key], requests=each.requests, rows=each.rows,
                        first_accessed_at=each.first_accessed_at, last_accessed_at=each.last_accessed_at,
                        evidence=Evidence((each.edge_key,), each.evidence))
                 for each in facts.readers)


# --- gaps --------------------------------------------------------------------------------------------

PROCESSING_OPT_OUT = "HasOptedOutProcessing"  # Individual's "Don't Process": an objection to all processing
# How each channel of an opt-out (ContactPointType) reaches a consumer, as integrations' SENDS_TO edges name it.
CHANNELS: Mapping[str, frozenset[str]] = {"email": frozenset({"email"}), "phone": frozenset({"phone", "voice"}),
                                          "sms": frozenset({"sms"})}


def flow_gaps(recipients: tuple[RecipientFlow, ...], consents: tuple[ConsentHeld, ...]) -> tuple[Gap, ...]:
    """Flows that carry their data out against an opt-out of theirs: to a purpose they opted out of, by a channel they
    opted out of, or anywhere beyond the business while they object to processing, with no check that would stop it."""
    opted_out = [each for each in consents if each.status == ConsentStatus.OPT_OUT]
    gaps: dict[tuple[GapKind, str, str | None, str], Gap] = {}
    # The integration itself before the manifest entries describing it: the gap names it, the entry adds evidence.
    for recipient in sorted(recipients, key=lambda each: each.runs_through is not None):
        if recipient.direction != "sends" or recipient.opt_out_checked is True:
            continue
        found = [_purpose_gap(recipient, each) for each in opted_out if _against_purpose(recipient, each)]
        found += [_channel_gap(recipient, each) for each in opted_out if _against_channel(recipient, each)]
        found += [_processing_gap(recipient, each) for each in opted_out if _against_processing(recipient, each)]
        for gap in found:  # once per integration and system, however many hosts and manifest entries say it
            key = (gap.kind, recipient.runs_through or recipient.integration_key, gap.purpose,
                   recipient.name or recipient.host)
            same = gaps.get(key)
            gaps[key] = gap if same is None else replace(
                same, evidence=tuple(dict.fromkeys((*same.evidence, *gap.evidence))))
    return tuple(gaps.values())


def _against_purpose(recipient: RecipientFlow, consent: ConsentHeld) -> bool:
    purposes = {purpose.casefold() for purpose in recipient.purposes}
    return consent.kind == "purpose" and not recipient.consent_checked and consent.name.casefold() in purposes


def _against_channel(recipient: RecipientFlow, consent: ConsentHeld) -> bool:
    channels = CHANNELS.get((consent.channel or "").casefold(), frozenset())
    return (consent.kind == "preference" and not recipient.consent_checked
            and any(each in channels for each in recipient.channels))


def _against_processing(recipient: RecipientFlow, consent: ConsentHeld) -> bool:
    return (consent.kind == "preference" and consent.name.endswith(f".{PROCESSING_OPT_OUT}")
            and recipient.role != SystemRole.FIRST_PARTY)


def _purpose_gap(recipient: RecipientFlow, consent: ConsentHeld) -> Gap:
    return Gap(kind=GapKind.FLOW_AGAINST_OPT_OUT, integration_key=recipient.integration_key,
               system_key=recipient.system_key, purpose=consent.name, opted_out_at=consent.captured_at,
               summary=(f"{recipient.integration} carries their data to {_system_words(recipient)} for "
                        f"{consent.name}, which they opted out of{_on(consent.captured_at)}; it checks neither "
                        "consent nor opt-outs."),
               evidence=(*recipient.evidence, consent.evidence))


def _channel_gap(recipient: RecipientFlow, consent: ConsentHeld) -> Gap:
    channel = (consent.channel or "").lower()
    return Gap(kind=GapKind.FLOW_AGAINST_OPT_OUT, integration_key=recipient.integration_key,
               system_key=recipient.system_key, purpose=consent.name, opted_out_at=consent.captured_at,
               summary=(f"{recipient.integration} sends their data by {channel} through {_system_words(recipient)}, "
                        f"though they opted out of {channel} ({consent.name}){_on(consent.captured_at)}; it checks "
                        "neither consent nor opt-outs."),
               evidence=(*recipient.evidence, consent.evidence))


def _processing_gap(recipient: RecipientFlow, consent: ConsentHeld) -> Gap:
    return Gap(kind=GapKind.SYNC_IGNORES_PROCESSING_OPT_OUT, integration_key=recipient.integration_key,
               system_key=recipient.system_key, purpose=consent.name, opted_out_at=consent.captured_at,
               summary=(f"{recipient.integration} sends their data to {_system_words(recipient)} without an opt-out "
                        f"check, though they opted out of processing ({consent.name}){_on(consent.captured_at)}."),
               evidence=(*recipient.evidence, consent.evidence))


def late_opt_out_gaps(events: tuple[ConsentEventFact, ...], as_of: datetime) -> tuple[Gap, ...]:
    """Opt-outs made in another system that reached Salesforce after its SLA, or have not reached it by `as_of`
    though the SLA has run out."""
    return tuple(_late_gap(each, as_of) for each in events if _late(each, as_of))


def _late(event: ConsentEventFact, as_of: datetime) -> bool:
    if not event.change.startswith("opt_out") or event.opt_out_sla_hours is None or event.recorded_at > as_of:
        return False
    reached = event.relayed_at if event.relayed_at is not None and event.relayed_at <= as_of else as_of
    return reached - event.recorded_at > timedelta(hours=event.opt_out_sla_hours)


def _late_gap(event: ConsentEventFact, as_of: datetime) -> Gap:
    where = event.system_name or event.system or "another system"
    change = event.change.replace("_", " ")
    relayed = event.relayed_at is not None and event.relayed_at <= as_of
    if relayed:
        hours = (event.relayed_at - event.recorded_at).total_seconds() / 3600  # type: ignore[operator]
        reached = f"reached Salesforce {hours:.1f} hours later"
    else:
        reached = "has not reached Salesforce"
    return Gap(kind=GapKind.OPT_OUT_LATE, integration_key=event.key, system_key=next(iter(event.system_keys), None),
               purpose=", ".join(event.purposes) or None, opted_out_at=event.recorded_at,
               summary=(f"Their {change} made in {where} at {event.recorded_at.isoformat()} {reached}, past the "
                        f"{event.opt_out_sla_hours:g}-hour target."),
               evidence=(Evidence((event.key, event.subject_record), event.evidence),))


def _system_words(recipient: RecipientFlow) -> str:
    role = ROLE_WORDS.get(recipient.role or "", "a system of undeclared role")
    return f"{recipient.name or recipient.host} ({role})"


ROLE_WORDS: Mapping[str, str] = {SystemRole.FIRST_PARTY: "the business's own", SystemRole.SERVICE_PROVIDER:
                                 "a service provider", SystemRole.CONTRACTOR: "a contractor",
                                 SystemRole.THIRD_PARTY: "a third party"}


def _on(moment: datetime | None) -> str:
    return f" on {moment.date().isoformat()}" if moment else ""
