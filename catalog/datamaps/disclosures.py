"""What a data map answers a consumer's requests with, under CCPA/CPRA.

A right-to-know response (§1798.110): the categories of personal information collected about them, the categories of
sources it came from, the purposes it is collected for, the categories of third parties it is disclosed to, and, when
asked, the specific pieces (their current values, read live). Internal findings (gaps, the users who read it) are
not part of it: they are the business's to fix, on the data map's page.

A deletion preview (§1798.105(c)): every place holding their data (their Salesforce records, every system their data
reaches or comes from), and the service providers, contractors and third parties the business must tell to delete.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from catalog.datamaps.maps import DataMap, RecipientFlow, RecordsHeld
from catalog.datamaps.services import DataMapResult
from harvesters.live_values import NotRead

SENDS: Final = "sends"
SERVICE_PROVIDER: Final = "service_provider"
CONTRACTOR: Final = "contractor"
THIRD_PARTY: Final = "third_party"
FIRST_PARTY: Final = "first_party"
ROLE_WORDS: Final = {SERVICE_PROVIDER: "Service providers", CONTRACTOR: "Contractors", THIRD_PARTY: "Third parties",
                     FIRST_PARTY: "The business's own systems", None: "Recipients whose role nobody has declared"}
ROLE_ORDER: Final = (SERVICE_PROVIDER, CONTRACTOR, THIRD_PARTY, FIRST_PARTY, None)
MUST_TELL: Final = "§1798.105(c)(1): tell it to delete the consumer's personal information"
MUST_TELL_THIRD_PARTY: Final = ("§1798.105(c)(1): the data was sold or shared to it; tell it to delete, unless that "
                                "proves impossible or involves disproportionate effort")
DECIDE_ROLE: Final = "Nobody has declared its role: decide whether it is a service provider, contractor or third party"


@dataclass(frozen=True)
class CategoryCollected:
    category: str
    sensitive: bool  # sensitive personal information (CPRA) among its fields
    objects: tuple[str, ...]  # the Salesforce objects holding it


@dataclass(frozen=True)
class Disclosed:
    """A recipient of their data: its integrations and purposes merged, and the categories of what it receives."""

    system_key: str
    name: str
    host: str
    role: str | None
    country: str | None
    integrations: tuple[str, ...]
    purposes: tuple[str, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class RecipientCategory:
    role: str | None
    words: str
    recipients: tuple[Disclosed, ...]


@dataclass(frozen=True)
class SpecificPiece:
    sobject: str
    record_id: str
    field: str
    value: str | None


@dataclass(frozen=True)
class RightToKnow:
    subject_key: str
    as_of: datetime
    looked_up_at: datetime
    categories: tuple[CategoryCollected, ...]
    sources: tuple[str, ...]
    purposes: tuple[str, ...]
    recipients: tuple[RecipientCategory, ...]
    specific_pieces: tuple[SpecificPiece, ...] | None  # None: not asked for
    not_read: tuple[NotRead, ...]  # specific pieces that could not be read, and why


@dataclass(frozen=True)
class HeldIn:
    """A place holding their data: one object of theirs in Salesforce, or a system outside it."""

    key: str
    kind: str  # "salesforce" or "system"
    name: str
    detail: str


@dataclass(frozen=True)
class ToTell:
    system_key: str
    name: str
    host: str
    role: str | None
    why: str
    integrations: tuple[str, ...]


@dataclass(frozen=True)
class DeletionPreview:
    subject_key: str
    as_of: datetime
    held_in: tuple[HeldIn, ...]
    to_tell: tuple[ToTell, ...]  # service providers, contractors, third parties: the law says to tell them
    role_undeclared: tuple[ToTell, ...]  # nobody has said what they are: someone must decide


def right_to_know(result: DataMapResult) -> RightToKnow:
    data_map = result.data_map
    pieces = None if result.values is None else tuple(
        SpecificPiece(record.sobject, record.record_id, value.field, value.value)
        for record in result.values.records for value in record.values)
    return RightToKnow(
        subject_key=result.subject_key, as_of=data_map.as_of, looked_up_at=result.looked_up_at,
        categories=categories_collected(data_map.records), sources=sources(data_map), purposes=purposes(data_map),
        recipients=recipient_categories(data_map), specific_pieces=pieces,
        not_read=result.values.not_read if result.values is not None else ())


def categories_collected(records: Sequence[RecordsHeld]) -> tuple[CategoryCollected, ...]:
    objects: dict[str, set[str]] = {}
    sensitive: dict[str, bool] = {}
    for held in records:
        for each in held.categories:
            objects.setdefault(each.category, set()).add(held.sobject)
            sensitive[each.category] = sensitive.get(each.category, False) or each.sensitive
    return tuple(CategoryCollected(name, sensitive[name], tuple(sorted(objects[name]))) for name in sorted(objects))


def sources(data_map: DataMap) -> tuple[str, ...]:
    """Where their data came from: the org's records of them, and each system that writes it into the org."""
    held = ", ".join(sorted({each.sobject for each in data_map.records}))
    own = (f"The business's Salesforce records of the consumer ({held})",) if held else ()
    systems = sorted({f"{_name(each)} ({ROLE_WORDS[_role(each)].lower()})" for each in data_map.recipients
                      if each.direction != SENDS})
    return (*own, *systems)


def purposes(data_map: DataMap) -> tuple[str, ...]:
    named = {each.name for each in data_map.consents if each.kind == "purpose"}
    named |= {purpose for each in data_map.recipients for purpose in each.purposes}
    return tuple(sorted(named))


def recipient_categories(data_map: DataMap) -> tuple[RecipientCategory, ...]:
    """The systems their data is sent to, by role, each with the categories of what it receives."""
    by_system: dict[str, list[RecipientFlow]] = {}
    for each in data_map.recipients:
        if each.direction == SENDS:
            by_system.setdefault(each.system_key, []).append(each)
    disclosed = [_disclosed(flows, data_map.records) for flows in by_system.values()]
    return tuple(RecipientCategory(role, ROLE_WORDS[role], tuple(sorted(
        (each for each in disclosed if each.role == role), key=lambda each: each.name.lower())))
        for role in ROLE_ORDER if any(each.role == role for each in disclosed))


def _disclosed(flows: Sequence[RecipientFlow], records: Sequence[RecordsHeld]) -> Disclosed:
    first = flows[0]
    carried = {field for flow in flows for field in flow.fields}
    categories = {each.category for held in records for each in held.categories
                  if any(f"{held.sobject}.{name}" in carried for name in each.fields)}
    return Disclosed(first.system_key, _name(first), first.host, _role(first), first.country,
                     _unique(flow.integration for flow in flows),
                     _unique(purpose for flow in flows for purpose in flow.purposes), tuple(sorted(categories)))


def deletion_preview(data_map: DataMap) -> DeletionPreview:
    held_in = [HeldIn(held.sobject_key, "salesforce", held.sobject, _records_in_words(len(held.record_ids)))
               for held in data_map.records]
    by_system: dict[str, list[RecipientFlow]] = {}
    for each in data_map.recipients:
        by_system.setdefault(each.system_key, []).append(each)
    tell: list[ToTell] = []
    undeclared: list[ToTell] = []
    for key, flows in sorted(by_system.items(), key=lambda item: _name(item[1][0]).lower()):
        first = flows[0]
        integrations = _unique(flow.integration for flow in flows)
        held_in.append(HeldIn(key, "system", _name(first), f"through {', '.join(integrations)}"))
        role = _role(first)
        if role == FIRST_PARTY:
            continue
        told = ToTell(key, _name(first), first.host, role, _obligation(role), integrations)
        (undeclared if role is None else tell).append(told)
    return DeletionPreview(data_map.subject_key, data_map.as_of, tuple(held_in), tuple(tell), tuple(undeclared))


def _obligation(role: str | None) -> str:
    if role is None:
        return DECIDE_ROLE
    return MUST_TELL_THIRD_PARTY if role == THIRD_PARTY else MUST_TELL


def _records_in_words(count: int) -> str:
    return f"{count} record{'' if count == 1 else 's'}"


def _name(flow: RecipientFlow) -> str:
    return flow.name or flow.host


def _role(flow: RecipientFlow) -> str | None:
    return flow.role if flow.role in ROLE_WORDS else None


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))
