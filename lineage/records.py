"""What harvesters hand to `lineage/`: typed, frozen records of the graph's nodes and edges.

Every record has a stable `key` and the `evidence` it came from (the harvested artefact: a describe,
a flow version, an event-log file). Keys are built here, from the record's own identifying fields,
so two harvests of the same thing always land on the same node:

    Org          org:{org_id}
    SObject      sobject:{org_id}:{object}
    Field        field:{org_id}:{object}.{field}
    System       system:{host}                      (host lower-cased; shared by every org and scope)
    Integration  integration:{org_id}:{kind}:{name}
    Purpose      purpose:{org_id}:{name}
    Preference   preference:{org_id}:{object}.{field}   (the checkbox that records the choice)
    Subject      subject:{hmac}                     (64 lower-case hex digits; shared by every org)
    Identifier   identifier:{hmac}                  (one keyed hash of one identifier; shared by every org)
    HarvestRun   run:{run_id}                       (written by `lineage.writers.record_harvest_run`)
    User         user:{org_id}:{user_id}            (the 18-character id; no name, no username)
    ConfigurationChange  change:{org_id}:{entry_id}  (a SetupAuditTrail entry)
    RetentionCount  retention-count:{org_id}:{object}:{period}:{counted_in}  (one COUNT() of one harvest run)

An edge's key is `{rel}:{source key}->{target key}`, plus `@{discriminator}` where one pair of
nodes may be joined twice by the same relationship (a field flowing to a system through two
integrations is two FLOWS_TO edges, each with its own `via` and `consent_checked`).

Record attributes become node or edge properties; `None` removes the property (the record is the
whole truth about what its source knows), except for attributes listed in `KEEP_WHEN_UNKNOWN`,
which more than one source may supply (a manifest knows a system's name; an Apex callout does not).

What one business says of a shared node belongs on that business's edge, not on the node: a System's
CCPA role and country are properties of the org's `HAS_SYSTEM` edge (`HasSystemEdge`), since two orgs
may give one vendor different roles.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from lineage.identifiers import IdentifierKind, is_identifier_hmac
from lineage.vocabulary import Label, Rel

Scalar = str | int | float | bool | date | datetime
PropertyValue = Scalar | list[str] | list[int] | list[float] | list[bool] | None
# What a record may hold for a property: tuples keep records hashable and become lists in the graph.
AttributeValue = PropertyValue | tuple[str, ...] | tuple[int, ...] | tuple[float, ...] | tuple[bool, ...]

# Stamped by the writer on every node and edge; no record may carry an attribute of these names.
STAMPS = frozenset({"key", "first_seen", "last_seen", "run_id", "retired_at", "org_key",
                    "observed_by", "observed_runs", "retired_by"})

_PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SUBJECT_HMAC = re.compile(r"^[0-9a-f]{64}$")


class SystemRole(StrEnum):
    """What a system is to one business under CCPA/CPRA: its own (first party, not a recipient), or a recipient."""

    FIRST_PARTY = "first_party"
    SERVICE_PROVIDER = "service_provider"
    CONTRACTOR = "contractor"
    THIRD_PARTY = "third_party"


class IntegrationKind(StrEnum):
    NAMED_CREDENTIAL = "named_credential"
    EXTERNAL_CREDENTIAL = "external_credential"
    REMOTE_SITE = "remote_site"
    CONNECTED_APP = "connected_app"
    OUTBOUND_MESSAGE = "outbound_message"
    FLOW = "flow"
    APEX_CLASS = "apex_class"
    COMPONENT = "component"
    CDC_CHANNEL = "cdc_channel"
    MANIFEST = "manifest"
    OPENLINEAGE = "openlineage"
    REPORT_EXPORT = "report_export"


class ConsentStatus(StrEnum):
    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"
    SEEN = "seen"
    NOT_SEEN = "not_seen"


@dataclass(frozen=True)
class NodeRef:
    """Where an edge starts or ends: a node's label (from the vocabulary) and its key."""

    label: Label
    key: str

    def __post_init__(self) -> None:
        if not isinstance(self.label, Label):
            raise TypeError(f"an edge endpoint's label must be a lineage.Label, not {self.label!r}")
        if not self.key:
            raise ValueError("an edge endpoint needs a key")


# --- keys -------------------------------------------------------------------------------------------


def org_key(org_id: str) -> str:
    return f"org:{_part(org_id, 'org_id')}"


def sobject_key(org_id: str, sobject: str) -> str:
    return f"sobject:{_part(org_id, 'org_id')}:{_part(sobject, 'sobject')}"


def field_key(org_id: str, sobject: str, name: str) -> str:
    return f"field:{_part(org_id, 'org_id')}:{_part(sobject, 'sobject')}.{_part(name, 'field')}"


def system_key(host: str) -> str:
    return f"system:{_part(host, 'host').lower()}"


def integration_key(org_id: str, kind: IntegrationKind, name: str) -> str:
    return f"integration:{_part(org_id, 'org_id')}:{IntegrationKind(kind).value}:{_part(name, 'name')}"


def user_key(org_id: str, user_id: str) -> str:
    return f"user:{_part(org_id, 'org_id')}:{_part(user_id, 'user_id')}"


def configuration_change_key(org_id: str, entry_id: str) -> str:
    return f"change:{_part(org_id, 'org_id')}:{_part(entry_id, 'entry_id')}"


def retention_count_key(org_id: str, sobject: str, period: str, counted_in: str) -> str:
    return (f"retention-count:{_part(org_id, 'org_id')}:{_part(sobject, 'sobject')}:{_part(period, 'period')}:"
            f"{_part(counted_in, 'counted_in')}")


def purpose_key(org_id: str, name: str) -> str:
    return f"purpose:{_part(org_id, 'org_id')}:{_part(name, 'name')}"


def preference_key(org_id: str, sobject: str, field: str) -> str:
    return f"preference:{_part(org_id, 'org_id')}:{_part(sobject, 'sobject')}.{_part(field, 'field')}"


def subject_key(subject_hmac: str) -> str:
    if not _SUBJECT_HMAC.fullmatch(subject_hmac):
        raise ValueError("a subject is keyed only by a 64-digit lower-case hex HMAC, never a raw identifier")
    return f"subject:{subject_hmac}"


def identifier_key(identifier_hmac: str) -> str:
    if not is_identifier_hmac(identifier_hmac):
        raise ValueError("an identifier is keyed only by its 64-digit lower-case hex HMAC, never a raw identifier")
    return f"identifier:{identifier_hmac}"


def subject_hmac_for(
    secret: bytes, *, email: str | None = None, phone: str | None = None, external_id: str | None = None
) -> str:
    """The keyed hash (HMAC-SHA256) of a consumer's strongest identifier: email, else phone, else external id.

    Identifiers are normalised first (email trimmed and lower-cased, phone reduced to its digits) so
    the same consumer found in a Contact, a Lead and a DSAR request gets the same key.
    """
    if not secret:
        raise ValueError("subject keys need a non-empty HMAC secret")
    if email and email.strip():
        material = "email:" + email.strip().lower()
    elif phone and re.sub(r"\D", "", phone):
        material = "phone:" + re.sub(r"\D", "", phone)
    elif external_id and external_id.strip():
        material = "external_id:" + external_id.strip()
    else:
        raise ValueError("a subject needs an email, a phone or an external id")
    return hmac.new(secret, material.encode(), hashlib.sha256).hexdigest()


def _part(value: str, what: str) -> str:
    if not value or not value.strip():
        raise ValueError(f"a key needs a non-empty {what}")
    return value.strip()


# --- nodes ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NodeRecord:
    """A node of the lineage graph as one source saw it."""

    label: ClassVar[Label]
    KEEP_WHEN_UNKNOWN: ClassVar[frozenset[str]] = frozenset()

    evidence: str

    @property
    def key(self) -> str:
        raise NotImplementedError

    @property
    def ref(self) -> NodeRef:
        return NodeRef(self.label, self.key)

    def properties(self) -> dict[str, PropertyValue]:
        """The node's properties (without the writer's stamps); `None` removes a property."""
        return _properties_of(self, keep_when_unknown=self.KEEP_WHEN_UNKNOWN)

    def __post_init__(self) -> None:
        _check_evidence(self.evidence)
        self.key  # noqa: B018 - validate the identifying fields at construction, not at write time


@dataclass(frozen=True, kw_only=True)
class OrgRecord(NodeRecord):
    label: ClassVar[Label] = Label.ORG

    org_id: str
    name: str | None = None
    instance_url: str | None = None
    edition: str | None = None
    sandbox: bool = False

    @property
    def key(self) -> str:
        return org_key(self.org_id)


@dataclass(frozen=True, kw_only=True)
class SObjectRecord(NodeRecord):
    label: ClassVar[Label] = Label.SOBJECT
    # describeGlobal's summary knows none of these: writing it must not erase what a describe run found.
    KEEP_WHEN_UNKNOWN: ClassVar[frozenset[str]] = frozenset({
        "internal_sharing_model", "external_sharing_model", "record_count", "record_count_at",
        "external_data_source", "external_data_source_label", "external_data_source_type",
        "external_data_source_endpoint", "external_name"})

    org_id: str
    name: str
    display_label: str | None = None
    custom: bool = False
    namespace: str | None = None
    key_prefix: str | None = None
    record_types: tuple[str, ...] = ()
    # Organization-wide defaults (EntityDefinition): who may see the records, a security measure of the RoPA.
    internal_sharing_model: str | None = None
    external_sharing_model: str | None = None
    record_count: int | None = None  # Salesforce's cached count (limits/recordCount), deleted rows left out
    record_count_at: datetime | None = None  # when it was read, on Salesforce's clock
    # A Salesforce Connect external object (`__x`): its rows live in another system, read through the org.
    external: bool = False
    # Which system that is: the object's ExternalDataSource (DeveloperName, label, adapter type, the endpoint's
    # scheme and host, or its named credential), and the object's table there.
    external_data_source: str | None = None
    external_data_source_label: str | None = None
    external_data_source_type: str | None = None
    external_data_source_endpoint: str | None = None
    external_name: str | None = None
    # The target of a lookup that no harvest described (not in describeGlobal, or not queryable), written by name
    # so the lookup is an edge; the object's own harvest makes it a real one (`placeholder` false).
    placeholder: bool = False

    @property
    def key(self) -> str:
        return sobject_key(self.org_id, self.name)


@dataclass(frozen=True, kw_only=True)
class FieldRecord(NodeRecord):
    label: ClassVar[Label] = Label.FIELD

    org_id: str
    sobject: str
    name: str
    type: str
    display_label: str | None = None
    custom: bool = False
    namespace: str | None = None
    encrypted: bool = False
    security_classification: str | None = None
    compliance_groups: tuple[str, ...] = ()
    business_status: str | None = None
    ccpa_category: str | None = None
    sensitive: bool = False
    classification_rule: str | None = None  # the rule that decided the category (or that none applies)
    sensitivity_rule: str | None = None  # the rule that made the field sensitive; None when it is not
    references: tuple[str, ...] = ()
    compound_parent: str | None = None
    description: str | None = None  # FieldDefinition.Description
    help_text: str | None = None  # the describe's inlineHelpText
    picklist_values: tuple[str, ...] = ()  # labels of the active values, the first 50

    @property
    def key(self) -> str:
        return field_key(self.org_id, self.sobject, self.name)

    def properties(self) -> dict[str, PropertyValue]:
        # Lower-cased once here so a name search seeks a text index instead of lower-casing every field it reads.
        return {**super().properties(), "search_text": field_search_text(self.name, self.display_label)}


def field_search_text(name: str, label: str | None) -> str:
    """What a search by a field's name or label looks in: both, lower-cased, a line apart."""
    return f"{name}\n{label or ''}".lower()


@dataclass(frozen=True, kw_only=True)
class SystemRecord(NodeRecord):
    """Anything outside the org, keyed by host so every integration of every org that reaches it meets on one
    node. Its role and country belong to each business's relationship with it (`HasSystemEdge`)."""

    label: ClassVar[Label] = Label.SYSTEM
    KEEP_WHEN_UNKNOWN: ClassVar[frozenset[str]] = frozenset({"name"})

    host: str
    name: str | None = None

    @property
    def key(self) -> str:
        return system_key(self.host)


@dataclass(frozen=True, kw_only=True)
class IntegrationRecord(NodeRecord):
    """The thing that moves data; `attributes` holds what its kind adds (endpoint, sharing mode, version)."""

    label: ClassVar[Label] = Label.INTEGRATION

    org_id: str
    kind: IntegrationKind
    name: str
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict, hash=False)

    @property
    def key(self) -> str:
        return integration_key(self.org_id, self.kind, self.name)

    def __post_init__(self) -> None:
        super().__post_init__()
        own = {f.name for f in fields(self)}
        for name in self.attributes:
            if not _PROPERTY_NAME.fullmatch(name) or name in STAMPS or name in own:
                raise ValueError(f"integration attribute {name!r} is not a free snake_case property name")

    def properties(self) -> dict[str, PropertyValue]:
        own = _properties_of(self, keep_when_unknown=frozenset(), skip=frozenset({"attributes"}))
        return {**{name: _property_value(value) for name, value in self.attributes.items()}, **own}


@dataclass(frozen=True, kw_only=True)
class PurposeRecord(NodeRecord):
    """A purpose, read from DataUsePurpose or declared in a manifest: both may name the same one, and
    neither erases what only the other knows."""

    label: ClassVar[Label] = Label.PURPOSE
    KEEP_WHEN_UNKNOWN: ClassVar[frozenset[str]] = frozenset({"description", "legal_basis", "declared",
                                                             "data_use_purpose"})

    org_id: str
    name: str
    description: str | None = None
    legal_basis: str | None = None
    declared: bool | None = None  # True when a manifest declares it
    data_use_purpose: str | None = None  # the org's DataUsePurpose row (its id) when Salesforce records it

    @property
    def key(self) -> str:
        return purpose_key(self.org_id, self.name)


@dataclass(frozen=True, kw_only=True)
class PreferenceRecord(NodeRecord):
    """A choice a consumer records about processing or a channel (an opt-out checkbox such as
    `Individual.HasOptedOutProcessing` or `Account.PersonDoNotCall`): what subjects say, not why the business
    processes, so never a `Purpose`. A subject's choice is its CONSENTED edge to it."""

    label: ClassVar[Label] = Label.PREFERENCE

    org_id: str
    sobject: str
    field: str
    meaning: str  # what the raised checkbox asks, in words
    opted_out_when: bool  # the checkbox's value that means "opted out" (CanStorePiiElsewhere: false)
    channel: str | None = None  # ContactPointType the choice is about (Email, Phone); None: all processing

    @property
    def key(self) -> str:
        return preference_key(self.org_id, self.sobject, self.field)

    @property
    def name(self) -> str:
        return f"{self.sobject}.{self.field}"

    def properties(self) -> dict[str, PropertyValue]:
        return {**super().properties(), "name": self.name}


@dataclass(frozen=True, kw_only=True)
class SubjectRecord(NodeRecord):
    """A consumer. It holds no email, phone or name: only `hmac`, of a stable id (the Individual's, else the
    record's), which survives an email change. A look-up finds it through its `IdentifierRecord`s."""

    label: ClassVar[Label] = Label.SUBJECT

    hmac: str

    @property
    def key(self) -> str:
        return subject_key(self.hmac)


@dataclass(frozen=True, kw_only=True)
class IdentifierRecord(NodeRecord):
    """One identifier of a consumer as the look-up index holds it: its keyed hash (`lineage.identifiers`), its kind
    and the id of the key that made it, never the identifier. It IDENTIFIES one subject, or several (a phone two
    people share): a look-up returns them all."""

    label: ClassVar[Label] = Label.IDENTIFIER

    hmac: str
    kind: IdentifierKind
    key_id: str

    @property
    def key(self) -> str:
        return identifier_key(self.hmac)


@dataclass(frozen=True, kw_only=True)
class UserRecord(NodeRecord):
    """A user of the org seen using data (event logs) or changing its configuration (audit trail): an
    employee or an integration's service account, known by id only."""

    label: ClassVar[Label] = Label.USER

    org_id: str
    user_id: str

    @property
    def key(self) -> str:
        return user_key(self.org_id, self.user_id)


@dataclass(frozen=True, kw_only=True)
class ConfigurationChangeRecord(NodeRecord):
    """One SetupAuditTrail entry: who changed what in Setup, when. Usernames in `display` are replaced by
    user ids (or a placeholder) before the record is made."""

    label: ClassVar[Label] = Label.CONFIGURATION_CHANGE

    org_id: str
    entry_id: str
    action: str
    section: str | None = None
    display: str | None = None
    changed_at: datetime
    changed_by: str | None = None  # user id
    delegate: bool = False  # made by someone logged in as the user ("login as")

    @property
    def key(self) -> str:
        return configuration_change_key(self.org_id, self.entry_id)


@dataclass(frozen=True, kw_only=True)
class RetentionCountRecord(NodeRecord):
    """How many records of an object Salesforce held that were created before a retention period's cutoff, counted
    by one harvest run (`counted_in`): history, never retired, so a record as of a date reads the count of then.
    `count` is None when the run did not count (`not_counted` says why: the API budget, a refused query)."""

    label: ClassVar[Label] = Label.RETENTION_COUNT

    org_id: str
    sobject: str
    period: str  # ISO 8601 duration, e.g. P7Y
    cutoff: datetime  # counted_at less the period: records created before it are older than the period
    counted_at: datetime  # the moment the cutoff is taken from
    counted_in: str  # the harvest run's id
    count: int | None = None
    not_counted: str | None = None
    query: str  # the SOQL asked (or that would have been)

    @property
    def key(self) -> str:
        return retention_count_key(self.org_id, self.sobject, self.period, self.counted_in)


@dataclass(frozen=True, kw_only=True)
class HarvestRunRecord(NodeRecord):
    """One harvest of one org: the provenance of its writes (every node and edge it wrote has its `run_id`)."""

    label: ClassVar[Label] = Label.HARVEST_RUN

    run_id: str
    org_id: str
    sources: tuple[str, ...]
    full: bool
    status: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    reason: str | None = None

    @property
    def key(self) -> str:
        return f"run:{_part(self.run_id, 'run_id')}"

    @property
    def org_ref(self) -> NodeRef:
        return NodeRef(Label.ORG, org_key(self.org_id))

    def properties(self) -> dict[str, PropertyValue]:
        # `run_id` is a stamp the writer sets; the record's own id lives in its key.
        return _properties_of(self, keep_when_unknown=frozenset(), skip=frozenset({"run_id"}))


# --- edges ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EdgeRecord:
    """A relationship of the lineage graph between two nodes named by `NodeRef`."""

    rel: ClassVar[Rel]
    SOURCES: ClassVar[frozenset[Label]]
    TARGETS: ClassVar[frozenset[Label]]

    source: NodeRef
    target: NodeRef
    evidence: str

    @property
    def discriminator(self) -> str | None:
        return None

    @property
    def key(self) -> str:
        base = f"{self.rel.value.lower()}:{self.source.key}->{self.target.key}"
        return base if self.discriminator is None else f"{base}@{self.discriminator}"

    def properties(self) -> dict[str, PropertyValue]:
        return _properties_of(self, keep_when_unknown=frozenset(), skip=frozenset({"source", "target"}))

    def __post_init__(self) -> None:
        _check_evidence(self.evidence)
        if self.source.label not in self.SOURCES or self.target.label not in self.TARGETS:
            raise ValueError(
                f"{self.rel.value} joins {sorted(self.SOURCES)} to {sorted(self.TARGETS)}, "
                f"not {self.source.label} to {self.target.label}"
            )


@dataclass(frozen=True, kw_only=True)
class HasObjectEdge(EdgeRecord):
    rel: ClassVar[Rel] = Rel.HAS_OBJECT
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.ORG})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.SOBJECT})


@dataclass(frozen=True, kw_only=True)
class HasFieldEdge(EdgeRecord):
    rel: ClassVar[Rel] = Rel.HAS_FIELD
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.SOBJECT})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.FIELD})


@dataclass(frozen=True, kw_only=True)
class ReferenceEdge(EdgeRecord):
    """A lookup or master-detail field pointing at the object it references."""

    rel: ClassVar[Rel] = Rel.REFERENCES
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.FIELD})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.SOBJECT})

    relationship_name: str | None = None
    cascade_delete: bool = False


@dataclass(frozen=True, kw_only=True)
class ReadsEdge(EdgeRecord):
    rel: ClassVar[Rel] = Rel.READS
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.INTEGRATION})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.SOBJECT, Label.FIELD})

    enforces_security: bool | None = None  # WITH SECURITY_ENFORCED / USER_MODE / stripInaccessible


@dataclass(frozen=True, kw_only=True)
class WritesEdge(EdgeRecord):
    rel: ClassVar[Rel] = Rel.WRITES
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.INTEGRATION})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.SOBJECT, Label.FIELD})


@dataclass(frozen=True, kw_only=True)
class SendsToEdge(EdgeRecord):
    rel: ClassVar[Rel] = Rel.SENDS_TO
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.INTEGRATION})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.SYSTEM})

    channel: str | None = None  # email, callout, outbound_message, webhook, batch_file …
    signature_validated: bool | None = None


@dataclass(frozen=True, kw_only=True)
class FlowEdge(EdgeRecord):
    """The lineage edge: personal data moving from a field (or system) to a field or system."""

    rel: ClassVar[Rel] = Rel.FLOWS_TO
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.FIELD, Label.SYSTEM})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.FIELD, Label.SYSTEM})

    via: str  # the key of the Integration that moves the data
    consent_checked: bool
    opt_out_checked: bool | None = None
    consent_check: str | None = None  # the check found on the path, as written: "if (!c.HasOptedOutOfEmail)"
    consent_check_line: int | None = None  # its line in the artefact (an Apex class's body)
    consent_check_method: str | None = None  # the Apex method holding it

    @property
    def discriminator(self) -> str | None:
        return self.via


@dataclass(frozen=True, kw_only=True)
class GatedByEdge(EdgeRecord):
    rel: ClassVar[Rel] = Rel.GATED_BY
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.INTEGRATION})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.PURPOSE})

    check: str | None = None  # e.g. "ContactPointTypeConsent.PrivacyConsentStatus"


@dataclass(frozen=True, kw_only=True)
class ServesEdge(EdgeRecord):
    """The purpose a piece of processing serves, as its owner declares it (a manifest flow's `purpose`), whether
    or not a consent check gates it (that is GATED_BY)."""

    rel: ClassVar[Rel] = Rel.SERVES
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.INTEGRATION})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.PURPOSE})


@dataclass(frozen=True, kw_only=True)
class AccessEdge(EdgeRecord):
    """Use seen in one event-log file. Counts add up across files; the same file never counts twice."""

    rel: ClassVar[Rel] = Rel.ACCESSED
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.INTEGRATION, Label.SYSTEM, Label.USER})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.SOBJECT})

    requests: int
    rows: int
    first_accessed_at: datetime
    last_accessed_at: datetime


@dataclass(frozen=True, kw_only=True)
class HasRecordEdge(EdgeRecord):
    """A subject's records in one object. Ids seen within one run add up; a new run starts afresh."""

    rel: ClassVar[Rel] = Rel.HAS_RECORD
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.SUBJECT})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.SOBJECT})

    record_ids: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class IdentifiesEdge(EdgeRecord):
    """An identifier's hash pointing at the subject it identifies."""

    rel: ClassVar[Rel] = Rel.IDENTIFIES
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.IDENTIFIER})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.SUBJECT})


@dataclass(frozen=True, kw_only=True)
class ConsentEdge(EdgeRecord):
    """A subject's choice: a consent to a purpose (ContactPointTypeConsent), or a raised opt-out checkbox (a
    `Preference`, status opt_out)."""

    rel: ClassVar[Rel] = Rel.CONSENTED
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.SUBJECT})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.PURPOSE, Label.PREFERENCE})

    status: ConsentStatus
    channel: str | None = None  # ContactPointType: Email, Phone, SMS …
    captured_at: datetime | None = None
    effective_from: date | None = None
    effective_to: date | None = None

    @property
    def discriminator(self) -> str | None:
        return self.channel


@dataclass(frozen=True, kw_only=True)
class HasSystemEdge(EdgeRecord):
    """What one business says of an outside system: its role for that business under CCPA/CPRA and where the
    data is processed. On the org's edge, not the shared System node: another org may give it another role."""

    rel: ClassVar[Rel] = Rel.HAS_SYSTEM
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.ORG})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.SYSTEM})

    role: SystemRole
    country: str | None = None  # ISO 3166 alpha-2

    @property
    def discriminator(self) -> str | None:
        # A new role or country is a new edge and the old one is retired, so a record as of an earlier date still
        # shows what the business said then (an edge changed in place keeps no history).
        return f"{self.role}/{self.country or ''}"


@dataclass(frozen=True, kw_only=True)
class HasRunEdge(EdgeRecord):
    rel: ClassVar[Rel] = Rel.HAS_RUN
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.ORG})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.HARVEST_RUN})


@dataclass(frozen=True, kw_only=True)
class AuthorisedByEdge(EdgeRecord):
    """A data movement (a report export) and the configuration change that permitted it."""

    rel: ClassVar[Rel] = Rel.AUTHORISED_BY
    SOURCES: ClassVar[frozenset[Label]] = frozenset({Label.INTEGRATION})
    TARGETS: ClassVar[frozenset[Label]] = frozenset({Label.CONFIGURATION_CHANGE})


NODE_RECORDS: tuple[type[NodeRecord], ...] = (
    OrgRecord, SObjectRecord, FieldRecord, SystemRecord, IntegrationRecord, PurposeRecord, SubjectRecord,
    HarvestRunRecord, UserRecord, ConfigurationChangeRecord, PreferenceRecord, RetentionCountRecord,
)
EDGE_RECORDS: tuple[type[EdgeRecord], ...] = (
    HasObjectEdge, HasFieldEdge, ReferenceEdge, ReadsEdge, WritesEdge, SendsToEdge, FlowEdge, GatedByEdge,
    AccessEdge, HasRecordEdge, ConsentEdge, AuthorisedByEdge, HasSystemEdge, HasRunEdge, ServesEdge,
)


# --- properties -------------------------------------------------------------------------------------


def _properties_of(
    record: NodeRecord | EdgeRecord, *, keep_when_unknown: frozenset[str], skip: frozenset[str] = frozenset()
) -> dict[str, PropertyValue]:
    props: dict[str, PropertyValue] = {}
    for name in _field_names(type(record)):
        if name in skip:
            continue
        value = getattr(record, name)
        if value is None and name in keep_when_unknown:
            continue
        props[name] = _property_value(value)
    return props


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(record_type: type[NodeRecord] | type[EdgeRecord]) -> tuple[str, ...]:
    if record_type not in _FIELD_NAMES:  # dataclasses.fields() is slow enough to show at 200,000 rows
        _FIELD_NAMES[record_type] = tuple(f.name for f in fields(record_type))
    return _FIELD_NAMES[record_type]


_PLAIN = frozenset({str, int, float, bool})


def _property_value(value: object) -> PropertyValue:
    if type(value) in _PLAIN:  # the common case, and it excludes StrEnum members (a str subclass)
        return value  # type: ignore[return-value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return list(value)
    if value is None or isinstance(value, str | int | float | bool | date | datetime):
        return value
    raise TypeError(f"{type(value).__name__} is not a graph property value")


def _check_evidence(evidence: str) -> None:
    if not evidence or not evidence.strip():
        raise ValueError("every record names the harvested artefact it came from (evidence)")
