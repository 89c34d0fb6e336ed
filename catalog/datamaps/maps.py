"""One consumer's data map: where their data lives, where it went, under which consent, and where that breaks.

Built from the graph's facts about one subject (`lineage.queries.datamaps`): their records per object (record ids,
never values), the categories of personal information those objects hold (field classification with the overrides
in force), every system their data flows to through the lineage edges of those objects' fields, their consents and
opt-outs, retention per system, who reads those objects, and the gaps between what they chose and what the flows do.
Every entry carries the `Evidence` it rests on: the graph keys along its path and the harvested artefact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from catalog.records.activities import Evidence


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
    raise NotImplementedError  # the body lands with lineage.queries.datamaps
