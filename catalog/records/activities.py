"""Processing activities made from the graph's facts (`lineage.queries.processing`): every statement of a record of
processing with the evidence it rests on, and the judgements the law asks for (which regime applies, whether a DPIA
is indicated, what is sold or shared) each with its reason.

Nothing here reads the graph or the database: `generate` turns facts into activities, so the same facts always make
the same record (a snapshot, an as-of date and the live record differ only in the facts they are given).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from django.utils.text import slugify

from lineage.queries.processing import (
    CodeFact,
    FieldFact,
    IntegrationFact,
    ObjectFact,
    ProcessingFacts,
    PurposeFact,
    SystemFact,
)
from lineage.queries.retention import query_artefact

T = TypeVar("T")

UNASSIGNED_KEY = "no-known-purpose"
UNASSIGNED_NAME = "Personal information with no known purpose"
BUSINESS_COUNTRY = "US"  # the CCPA business's own country: a recipient elsewhere is a cross-border transfer
PROFILING_SYSTEM_KINDS = frozenset({"data_enrichment", "scoring", "credit_bureau", "analytics", "advertising"})


@dataclass(frozen=True)
class Evidence:
    """Where a statement comes from: the graph keys (and relationship types) along its path, and the harvested
    artefact behind the last step (a describe, a manifest entry, an Apex class, a DataUsePurpose row …)."""

    path: tuple[str, ...]
    artefact: str | None


@dataclass(frozen=True)
class Stated(Generic[T]):
    """One statement of the record, and the evidence it rests on (none: a judgement from the other statements)."""

    value: T
    evidence: tuple[Evidence, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Recipient:
    system_key: str
    host: str
    name: str | None
    role: str | None  # service_provider, contractor, third_party, first_party; None: nobody declared it
    country: str | None
    integration: str  # the integration's name that moves the data there
    dpa_signed: bool | None  # a contract on file, as the manifest says


@dataclass(frozen=True)
class Retention:
    system: str  # a host, or the org itself
    period: str | None  # ISO 8601 duration, e.g. P7Y
    basis: str | None


@dataclass(frozen=True)
class KeptPastRetention:
    """An object's records older than the activity's retention period, as a harvest counted them in Salesforce."""

    sobject: str
    period: str  # ISO 8601 duration: the longest the activity's manifests state
    older: int | None  # records created before `cutoff`; None: not counted (`not_counted` says why)
    cutoff: datetime
    counted_at: datetime
    not_counted: str | None

    @property
    def described(self) -> str:
        if self.older is None:
            return f"{self.sobject}: not counted ({self.not_counted or 'no reason recorded'})"
        return f"{self.sobject}: {self.older} records older than {self.period} (created before {self.cutoff:%Y-%m-%d})"


@dataclass(frozen=True)
class Security:
    sensitive_fields: int
    encrypted_sensitive_fields: int
    # Of its own Apex, and of any Apex class or component reading or writing its sensitive fields: those running
    # without sharing, and those enforcing field-level security (USER_MODE, stripInaccessible …).
    code_without_sharing: tuple[str, ...]
    code_enforcing_security: tuple[str, ...]

    @property
    def encryption_coverage(self) -> float | None:
        return self.encrypted_sensitive_fields / self.sensitive_fields if self.sensitive_fields else None


@dataclass(frozen=True)
class Activity:
    key: str
    name: str
    origin: str  # DataUsePurpose, manifest, or unassigned
    purposes: tuple[Stated[str], ...]
    description: Stated[str] | None
    legal_basis: Stated[str] | None
    consumer_categories: tuple[Stated[str], ...]
    personal_categories: tuple[Stated[str], ...]
    sensitive_categories: tuple[Stated[str], ...]
    sources: tuple[Stated[str], ...]
    systems: tuple[Stated[str], ...]
    recipients: tuple[Stated[Recipient], ...]
    sold_or_shared: tuple[Stated[Recipient], ...]
    transfers: tuple[Stated[Recipient], ...]
    retention: tuple[Stated[Retention], ...]
    security: Stated[Security]
    profiling: tuple[Stated[str], ...]
    dpia_indicated: Stated[bool]
    regime: Stated[str]
    fields: tuple[FieldFact, ...] = field(default=(), repr=False)  # every personal field it reaches
    kept_past_retention: tuple[Stated[KeptPastRetention], ...] = ()  # whether it is kept longer, per object

    @property
    def field_count(self) -> int:
        return len({each.key for each in self.fields})


@dataclass(frozen=True)
class _Org:
    """What the record knows of the org beyond each activity's own facts."""

    name: str
    objects: Mapping[str, ObjectFact]  # by name: record types (whose records) and record counts (how many)
    code: tuple[CodeFact, ...]  # the code reading or writing sensitive fields


def generate(activities: Iterable[ProcessingFacts], unreached: Iterable[FieldFact], org_name: str,
             objects: Iterable[ObjectFact] = (), code: Iterable[CodeFact] = ()) -> list[Activity]:
    """The org's activities by name, and last the personal fields no activity reaches (when there are any);
    `objects`: the org's objects' record types, which say whose records an object holds, and record counts;
    `code`: the org's code reading or writing sensitive fields, whose sharing and field-level security an activity
    over those fields depends on."""
    org = _Org(org_name, {each.sobject: each for each in objects}, tuple(code))
    made = sorted((_activity(facts, org) for facts in activities), key=lambda each: each.name.casefold())
    left = tuple(unreached)
    return made + ([_unassigned(left, org)] if left else [])


def activity_key(name: str) -> str:
    return slugify(name.casefold()) or "unnamed"


# --- an activity ----------------------------------------------------------------------------------------------


def _activity(facts: ProcessingFacts, org: _Org) -> Activity:
    named = _naming_purpose(facts.purposes)
    recipients = _recipients(facts)
    fields = _unique_fields(facts.fields)
    sensitive = tuple(each for each in fields if each.sensitive)
    profiling = _profiling(facts)
    consumers = _consumer_categories(facts.fields, org.objects)
    regime = _regime(named.name, consumers)
    return Activity(
        key=activity_key(named.name), name=named.name, origin=_origin(facts.purposes),
        purposes=tuple(Stated(each.name, (_purpose_evidence(each),)) for each in facts.purposes),
        description=_first_stated(facts.purposes, "description"),
        legal_basis=_first_stated(facts.purposes, "legal_basis"),
        consumer_categories=consumers, personal_categories=_categories(facts.fields, sensitive_only=False),
        sensitive_categories=_categories(facts.fields, sensitive_only=True),
        sources=_sources(facts), systems=_systems_holding(facts, org.name), recipients=recipients,
        sold_or_shared=_sold_or_shared(recipients, named.name), transfers=_transfers(recipients),
        retention=_retention(facts), security=_security(facts, sensitive, org.code), profiling=profiling,
        dpia_indicated=_dpia(sensitive, profiling, recipients, _scale(fields, sensitive, org.objects)), regime=regime,
        fields=fields, kept_past_retention=_kept_past_retention(facts))


def _unassigned(fields: tuple[FieldFact, ...], org: _Org) -> Activity:
    sensitive = tuple(each for each in fields if each.sensitive)
    reason = "No purpose in the graph reaches these fields: name the purpose they serve, or confirm they are not kept."
    return Activity(
        key=UNASSIGNED_KEY, name=UNASSIGNED_NAME, origin="unassigned", purposes=(), description=None,
        legal_basis=None, consumer_categories=_consumer_categories(fields, org.objects),
        personal_categories=_categories(fields, sensitive_only=False),
        sensitive_categories=_categories(fields, sensitive_only=True), sources=(),
        systems=(Stated(f"Salesforce org {org.name}", _field_evidence(fields)),), recipients=(), sold_or_shared=(),
        transfers=(), retention=(), security=_security_of(sensitive, _touching(org.code, sensitive)), profiling=(),
        dpia_indicated=Stated(False, reason="Undetermined until a purpose is known."),
        regime=Stated("needs input", reason=reason), fields=fields)


def _naming_purpose(purposes: tuple[PurposeFact, ...]) -> PurposeFact:
    """The org's own DataUsePurpose names the activity where there is one; else the first declared purpose."""
    return next((each for each in purposes if each.data_use_purpose), purposes[0])


def _origin(purposes: tuple[PurposeFact, ...]) -> str:
    return "DataUsePurpose" if any(each.data_use_purpose for each in purposes) else "manifest"


def _purpose_evidence(purpose: PurposeFact) -> Evidence:
    """The DataUsePurpose row where Salesforce records the purpose, else the manifest entry declaring it."""
    row = f"DataUsePurpose:{purpose.data_use_purpose}" if purpose.data_use_purpose else None
    return Evidence((purpose.key,), row or purpose.evidence)


def _first_stated(purposes: tuple[PurposeFact, ...], attribute: str) -> Stated[str] | None:
    for purpose in purposes:
        value = getattr(purpose, attribute)
        if value:
            return Stated(value, (_purpose_evidence(purpose),))
    return None


def _unique_fields(fields: Iterable[FieldFact]) -> tuple[FieldFact, ...]:
    return tuple({each.key: each for each in fields}.values())


def _field_evidence(fields: Iterable[FieldFact]) -> tuple[Evidence, ...]:
    """One line per object the fields belong to (and integration, movement and system they pass through): its
    fields share their artefact, and the statement's reason names each field. A line per field would repeat the
    same artefact thousands of times in a large org's record."""
    paths = dict.fromkeys((each.integration_key, each.movement, each.sobject_key, each.system_key, each.evidence)
                          for each in fields)
    return tuple(Evidence(tuple(step for step in steps[:-1] if step), steps[-1]) for steps in paths)


# --- who and what ---------------------------------------------------------------------------------------------

# Which consumers an object's records are about, by its API name (the first pattern that matches).
CONSUMER_CATEGORIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Lead$"), "prospects"),
    (re.compile(r"(Loan|Credit)_?Application|Applicant|KYC", re.IGNORECASE), "applicants"),
    (re.compile(r"^User$"), "employees and contractors (users of the org)"),
    (re.compile(r"^(Contact|Account|Individual|Case|Opportunity|ContactPoint\w*|PartyConsent)$"), "customers"),
    (re.compile(r"^FinServ__|Card|FinancialAccount", re.IGNORECASE), "customers"),
)


# Which consumers a record type's records are about, by its developer name (the first pattern that matches); a
# record type none matches (a product line: BankingAccount) says no more than its object's name.
RECORD_TYPE_CATEGORIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Prospect|Lead", re.IGNORECASE), "prospects"),
    (re.compile(r"Applicant|Application|Borrower", re.IGNORECASE), "applicants"),
    (re.compile(r"Employee|Staff|Personnel", re.IGNORECASE), "employees"),
    (re.compile(r"^(Organi[sz]ation|Business|Company|Corporate|Institution|Vendor|Supplier)", re.IGNORECASE),
     "business contacts (people acting for an organisation)"),
    (re.compile(r"Person|Individual|Customer|Client|Household|^HH_|Retail|Member", re.IGNORECASE), "customers"),
)


def consumer_category(sobject: str) -> str:
    return next((category for pattern, category in CONSUMER_CATEGORIES if pattern.search(sobject)), "consumers")


def record_type_category(name: str) -> str | None:
    """The consumers a record type's records are about (None: its name does not say)."""
    return next((category for pattern, category in RECORD_TYPE_CATEGORIES if pattern.search(name)), None)


def _object_consumers(sobject: str, kinds: ObjectFact | None) -> tuple[tuple[str, str | None], ...]:
    """Whose records the object holds, each with the record type that says so (None: the object's name says)."""
    by_type = tuple((record_type_category(name), name) for name in (kinds.names if kinds else ()))
    named = tuple((category, name) for category, name in by_type if category)
    unnamed = not by_type or any(category is None for category, _ in by_type)
    return named + (((consumer_category(sobject), None),) if unnamed else ())


def _consumer_categories(fields: Iterable[FieldFact],
                         kinds: Mapping[str, ObjectFact]) -> tuple[Stated[str], ...]:
    """Whose information it is, from the objects holding the fields and their record types."""
    consumers: dict[str, tuple[tuple[str, str | None], ...]] = {}
    by_category: dict[str, list[FieldFact]] = {}
    typed: dict[str, dict[tuple[str, str], None]] = {}
    for each in fields:
        if each.sobject not in consumers:
            consumers[each.sobject] = _object_consumers(each.sobject, kinds.get(each.sobject))
        for category, record_type in consumers[each.sobject]:
            by_category.setdefault(category, []).append(each)
            if record_type:
                typed.setdefault(category, {})[(each.sobject, record_type)] = None
    return tuple(Stated(category, _field_evidence(found) + _record_type_evidence(typed.get(category, {}), kinds),
                        reason="records of " + ", ".join(_record_kinds(found, typed.get(category, {}))))
                 for category, found in sorted(by_category.items()))


def _record_kinds(fields: list[FieldFact], typed: Mapping[tuple[str, str], None]) -> list[str]:
    """Each object, with the record types that put it in the category: "Account (record type PersonAccount)"."""
    types: dict[str, list[str]] = {}
    for sobject, name in typed:
        types.setdefault(sobject, []).append(name)
    return [f"{sobject} (record type {', '.join(types[sobject])})" if sobject in types else sobject
            for sobject in sorted({each.sobject for each in fields})]


def _record_type_evidence(typed: Mapping[tuple[str, str], None],
                          kinds: Mapping[str, ObjectFact]) -> tuple[Evidence, ...]:
    return tuple(Evidence((kinds[sobject].sobject_key, f"record type {name}"), kinds[sobject].evidence)
                 for sobject, name in typed)


def _categories(fields: Iterable[FieldFact], *, sensitive_only: bool) -> tuple[Stated[str], ...]:
    by_category: dict[str, list[FieldFact]] = {}
    for each in fields:
        if each.category and (each.sensitive or not sensitive_only):
            by_category.setdefault(each.category, []).append(each)
    return tuple(Stated(category, _field_evidence(found),
                        reason=", ".join(sorted({f"{each.sobject}.{each.name}" for each in found})))
                 for category, found in sorted(by_category.items()))


# --- where it goes --------------------------------------------------------------------------------------------


def _integration_named(facts: ProcessingFacts, key: str) -> IntegrationFact | None:
    return next((each for each in facts.integrations if each.key == key), None)


def _recipients(facts: ProcessingFacts) -> tuple[Stated[Recipient], ...]:
    """The systems the activity's data is sent to (not those it only comes from)."""
    receiving = {(each.system_key, each.integration_key) for each in facts.fields
                 if each.movement == "sends" and each.system_key and each.integration_key}
    stated: dict[tuple[str, str], Stated[Recipient]] = {}
    for system in facts.systems:
        integration = _integration_named(facts, system.integration_key)
        if integration is None or not _sends_there(integration, system, receiving):
            continue
        recipient = Recipient(system.key, system.host, system.name, system.role, system.country, integration.name,
                              integration.attribute("dpa_signed"))
        evidence = (Evidence((integration.key, "SENDS_TO", system.key), system.evidence),
                    *((Evidence(("HAS_SYSTEM", system.key), system.role_evidence),) if system.role_evidence else ()))
        stated.setdefault((system.key, integration.key), Stated(recipient, evidence))
    return tuple(sorted(stated.values(), key=lambda each: (each.value.host, each.value.integration)))


def _sends_there(integration: IntegrationFact, system: SystemFact, receiving: set[tuple[str, str]]) -> bool:
    if (system.key, integration.key) in receiving:
        return True
    return integration.attribute("direction") != "inbound" and system.channel != "consent_event"


def _sources(facts: ProcessingFacts) -> tuple[Stated[str], ...]:
    """Systems the activity's data comes in from: fields received from them."""
    by_system: dict[str, list[FieldFact]] = {}
    for each in facts.fields:
        if each.movement == "receives" and each.system_key:
            by_system.setdefault(each.system_key, []).append(each)
    hosts = {system.key: system.name or system.host for system in facts.systems}
    return tuple(Stated(hosts.get(key, key), _field_evidence(found)) for key, found in sorted(by_system.items()))


def _systems_holding(facts: ProcessingFacts, org_name: str) -> tuple[Stated[str], ...]:
    held_in_org = Stated(f"Salesforce org {org_name}", _field_evidence(facts.fields)) if facts.fields else None
    outside = {system.key: system for system in facts.systems}
    return ((held_in_org,) if held_in_org else ()) + tuple(
        Stated(system.name or system.host, (Evidence((system.integration_key, "SENDS_TO", system.key),
                                                      system.evidence),))
        for system in sorted(outside.values(), key=lambda each: each.host))


def _sold_or_shared(recipients: tuple[Stated[Recipient], ...], purpose: str) -> tuple[Stated[Recipient], ...]:
    """Third parties receiving the data: a sale when for valuable consideration, sharing when for cross-context
    behavioural advertising (Cal. Civ. Code §1798.140(ad), (ah)); service providers and contractors are neither."""
    advertising = bool(re.search(r"marketing|advertis", purpose, re.IGNORECASE))
    why = ("shared: a third party receives it for marketing (cross-context behavioural advertising, "
           "§1798.140(ah))" if advertising else
           "a third party receives it: a sale if for monetary or other valuable consideration (§1798.140(ad))")
    return tuple(Stated(each.value, each.evidence, reason=why) for each in recipients
                 if each.value.role == "third_party")


def _transfers(recipients: tuple[Stated[Recipient], ...]) -> tuple[Stated[Recipient], ...]:
    return tuple(Stated(each.value, each.evidence, reason=f"received in {each.value.country}")
                 for each in recipients if each.value.country and each.value.country != BUSINESS_COUNTRY)


def _retention(facts: ProcessingFacts) -> tuple[Stated[Retention], ...]:
    """Each recipient system's retention, as its manifest entry states it."""
    stated: dict[str, Stated[Retention]] = {}
    for integration in facts.integrations:
        period = integration.attribute("retention")
        system = integration.attribute("system_name") or integration.attribute("system")
        if period and system and system not in stated:
            stated[system] = Stated(Retention(system, period, integration.attribute("retention_basis")),
                                    (Evidence((integration.key,), integration.evidence),))
    return tuple(stated[name] for name in sorted(stated))


def _kept_past_retention(facts: ProcessingFacts) -> tuple[Stated[KeptPastRetention], ...]:
    """Each object's records older than the longest retention period the activity's manifests state (a record past
    it is past every period stated for the activity), as the latest harvest by the as-of date counted them."""
    stating = next((each for each in facts.integrations if each.attribute("retention") == facts.retention_period),
                   None)
    period_evidence = (Evidence((stating.key,), stating.evidence),) if stating else ()
    why = (f"{facts.retention_period} is the longest retention the activity's manifests state"
           + (f" ({stating.attribute('system_name') or stating.attribute('system') or stating.name})" if stating
              else ""))
    return tuple(Stated(KeptPastRetention(each.sobject, each.period, each.count, each.cutoff, each.counted_at,
                                          each.not_counted),
                        (Evidence((each.key,), query_artefact(each.query)), *period_evidence),
                        reason=f"records created before {each.cutoff:%Y-%m-%d}, counted {each.counted_at:%Y-%m-%d}; "
                               + why)
                 for each in facts.retention_counts)


# --- how it is protected and judged ---------------------------------------------------------------------------


def _security(facts: ProcessingFacts, sensitive: tuple[FieldFact, ...],
              code: tuple[CodeFact, ...]) -> Stated[Security]:
    """Its sensitive fields' encryption, and the sharing and field-level security of its own Apex and of any code
    reading or writing those fields."""
    own = tuple(each for each in facts.integrations if each.kind == "apex_class")
    return _security_of(sensitive, tuple({each.key: each for each in own + _touching(code, sensitive)}.values()))


def _touching(code: tuple[CodeFact, ...], fields: tuple[FieldFact, ...]) -> tuple[IntegrationFact, ...]:
    keys = {each.key for each in fields}
    return tuple(each.integration for each in code if not each.field_keys.isdisjoint(keys))


def _security_of(sensitive: tuple[FieldFact, ...], code: tuple[IntegrationFact, ...]) -> Stated[Security]:
    security = Security(
        sensitive_fields=len(sensitive), encrypted_sensitive_fields=sum(1 for each in sensitive if each.encrypted),
        code_without_sharing=tuple(sorted(each.name for each in code if _without_sharing(each))),
        code_enforcing_security=tuple(sorted(each.name for each in code if each.attribute("enforces_security"))))
    evidence = _field_evidence(sensitive) + tuple(Evidence((each.key,), each.evidence) for each in code)
    return Stated(security, evidence)


def _without_sharing(code: IntegrationFact) -> bool:
    """An Apex class declared `without sharing`, or a Lightning component whose Apex runs without it."""
    return code.attribute("sharing") == "without" or code.attribute("without_sharing") is True


def _profiling(facts: ProcessingFacts) -> tuple[Stated[str], ...]:
    """Enrichment, scoring and advertising integrations: profiling (Cal. Civ. Code §1798.140(z))."""
    found: list[Stated[str]] = []
    for each in facts.integrations:
        kind = each.attribute("system_kind")
        if kind in PROFILING_SYSTEM_KINDS or re.search(r"enrich|scor", each.name, re.IGNORECASE):
            found.append(Stated(f"{each.name} ({kind or each.kind})", (Evidence((each.key,), each.evidence),)))
    return tuple(found)


# The scale at which the CPPA's regulations find processing a significant risk to consumers' security: the personal
# information of 250,000 consumers, or the sensitive personal information of 50,000 (11 CCR §7120). An object's
# records stand for its consumers: the count is an upper bound where one consumer has several records.
LARGE_SCALE_RECORDS = 250_000
LARGE_SCALE_SENSITIVE_RECORDS = 50_000


@dataclass(frozen=True)
class _Scale:
    """The largest record count among the objects holding an activity's personal (and its sensitive) fields."""

    largest: ObjectFact | None  # None: none of its objects has a count
    largest_sensitive: ObjectFact | None

    @property
    def uncounted(self) -> bool:
        return self.largest is None

    def reason(self) -> tuple[str | None, tuple[Evidence, ...]]:
        """Why its scale indicates a risk assessment (None: it does not), and the counts behind it."""
        for found, threshold, kind in ((self.largest_sensitive, LARGE_SCALE_SENSITIVE_RECORDS, "sensitive personal"),
                                       (self.largest, LARGE_SCALE_RECORDS, "personal")):
            if found is not None and (found.record_count or 0) >= threshold:
                return (f"it holds {kind} information at a large scale: {found.sobject} has {found.record_count:,} "
                        f"records ({threshold:,} or more, 11 CCR §7120)", (_count_evidence(found),))
        return None, ()


def _scale(fields: tuple[FieldFact, ...], sensitive: tuple[FieldFact, ...],
           objects: Mapping[str, ObjectFact]) -> _Scale:
    def largest(held: tuple[FieldFact, ...]) -> ObjectFact | None:
        counted = [objects[name] for name in {each.sobject for each in held}
                   if name in objects and objects[name].record_count is not None]
        return max(counted, key=lambda each: (each.record_count or 0, each.sobject), default=None)

    return _Scale(largest(fields), largest(sensitive))


def _count_evidence(counted: ObjectFact) -> Evidence:
    when = f" at {counted.record_count_at:%Y-%m-%d %H:%M} UTC" if counted.record_count_at else ""
    return Evidence((counted.sobject_key,), f"limits/recordCount{when}")


def _dpia(sensitive: tuple[FieldFact, ...], profiling: tuple[Stated[str], ...],
          recipients: tuple[Stated[Recipient], ...], scale: _Scale) -> Stated[bool]:
    """A risk assessment is indicated by sensitive personal information, profiling, selling or sharing
    (11 CCR §7150: processing that presents significant risk), or the scale of the processing."""
    large, counts = scale.reason()
    reasons = [text for present, text in (
        (bool(sensitive), f"it processes sensitive personal information ({len(sensitive)} fields)"),
        (bool(profiling), "it profiles consumers"),
        (any(each.value.role == "third_party" for each in recipients), "third parties receive the data"),
        (large is not None, large or ""),
    ) if present]
    if reasons:
        return Stated(True, counts, reason="; ".join(reasons))
    unknown = "; how many records its objects hold is not known" if scale.uncounted else ""
    return Stated(False, counts, reason=f"no sensitive data, profiling, third party or large scale{unknown}")


# Purposes that provide a financial product or service (GLBA), and those that do not, by words of their name.
_NOT_FINANCIAL_SERVICE = re.compile(r"marketing|advertis|analytic|profil|enrich|partner", re.IGNORECASE)
_FINANCIAL_SERVICE = re.compile(r"servic|account|credit|loan|lend|payment|fraud|kyc|aml|transaction|onboard|card",
                                re.IGNORECASE)
_PRIVACY_RIGHTS = re.compile(r"privacy|consent|opt.?out|request", re.IGNORECASE)
GLBA = "GLBA"
CCPA = "CCPA/CPRA"


def _regime(purpose: str, consumers: tuple[Stated[str], ...]) -> Stated[str]:
    """GLBA where the data is collected to provide a financial product or service, else the CCPA: §1798.145(e)
    exempts information processed under the GLBA, not a marketing or analytics use of the same data."""
    if _NOT_FINANCIAL_SERVICE.search(purpose):
        return Stated(CCPA, reason=f"“{purpose}” is not the provision of a financial product or service: the "
                                   "GLBA exemption does not reach it")
    if _FINANCIAL_SERVICE.search(purpose):
        employees = any(each.value.startswith("employees") for each in consumers)
        note = "; its data about employees stays under the CCPA" if employees else ""
        return Stated(GLBA, reason=f"“{purpose}” provides a financial product or service to the consumer: the GLBA "
                                   "governs it, exempt from most of the CCPA (Cal. Civ. Code §1798.145(e)); the "
                                   f"CCPA's data-breach action (§1798.150) still applies{note}")
    if _PRIVACY_RIGHTS.search(purpose):
        return Stated(CCPA, reason=f"“{purpose}” carries out consumers' CCPA rights")
    return Stated("needs input", reason=f"“{purpose}” does not say whether it provides a financial product or "
                                        "service: a privacy officer decides")


__all__ = ["CCPA", "GLBA", "UNASSIGNED_KEY", "UNASSIGNED_NAME", "Activity", "Evidence", "KeptPastRetention",
           "Recipient", "Retention", "Security", "Stated", "activity_key", "consumer_category", "generate",
           "record_type_category"]
