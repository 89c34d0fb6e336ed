"""Integration-manifests source: systems outside Salesforce, declared in YAML (docs/integration-manifests.md).

Salesforce alone cannot say where a callout's data ends up, who receives it under CCPA, or when a mobile
app recorded a choice; a manifest declares it. Each file is validated strictly and as a whole: a mistake
rejects that file with errors naming the file and the key path, and the other files still load. Reading
manifests spends no Salesforce API call; one file is one chunk (one graph transaction).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from harvesters.chunk import Chunk
from lineage import (
    EdgeRecord,
    FlowEdge,
    GatedByEdge,
    HasSystemEdge,
    IntegrationKind,
    IntegrationRecord,
    NodeRecord,
    NodeRef,
    PurposeRecord,
    ReadsEdge,
    SendsToEdge,
    ServesEdge,
    SystemRecord,
    SystemRole,
    WritesEdge,
    field_key,
    integration_key,
    org_key,
    sobject_key,
)
from lineage.records import AttributeValue
from lineage.vocabulary import Label

T = TypeVar("T")

SUPPORTED_VERSION = 1
MANIFEST_SUFFIXES = (".yaml", ".yml")
FIRST_PARTY = SystemRole.FIRST_PARTY.value
ROLES = tuple(role.value for role in SystemRole)
TRANSPORTS = ("rest_callout", "bulk_api", "rest_api", "outbound_message", "change_data_capture",
              "external_service", "webhook")
WHOLE_OBJECT = "*"
SIGNAL_ENTRY = "opt_out_preference_signal"  # the manifest key, the integration's name suffix and its entry kind
# The Salesforce artefact a flow names in `via` ("Kind:name"), as the integrations source keys it.
ARTIFACT_KINDS = {
    "ApexClass": IntegrationKind.APEX_CLASS, "Flow": IntegrationKind.FLOW,
    "NamedCredential": IntegrationKind.NAMED_CREDENTIAL, "ExternalCredential": IntegrationKind.EXTERNAL_CREDENTIAL,
    "RemoteProxy": IntegrationKind.REMOTE_SITE, "ConnectedApplication": IntegrationKind.CONNECTED_APP,
    "WorkflowOutboundMessage": IntegrationKind.OUTBOUND_MESSAGE,
    "PlatformEventChannelMember": IntegrationKind.CDC_CHANNEL,
    "LightningComponentBundle": IntegrationKind.COMPONENT, "AuraDefinitionBundle": IntegrationKind.COMPONENT,
}

ENTRY_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")  # no dots or slashes: they separate parts of names
FIELD_REF = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*|\*)$")
ARTIFACT_REF = re.compile(r"^[A-Za-z][A-Za-z0-9]*:\S.*$")
RECORD_REF = re.compile(r"^[A-Za-z][A-Za-z0-9_]*:[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
ORG_ID = re.compile(r"^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$",
                  re.IGNORECASE)
COUNTRY = re.compile(r"^[A-Z]{2}$")
# The requests a consumer may make (Cal. Civ. Code §§1798.100 to .121): to know, delete, correct, opt out of sale or
# sharing, limit the use of sensitive personal information.
REQUEST_TYPES = ("know", "delete", "correct", "opt_out", "limit")
DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


class Direction(StrEnum):
    """Relative to Salesforce."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


# --- what a valid manifest holds ------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    description: str | None = None
    cron: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class FlowEntry:
    """One movement of data between Salesforce and a system."""

    id: str
    direction: Direction
    transport: str
    via: str  # the Salesforce artefact that moves the data, "Kind:name"
    fields: tuple[str, ...]
    consent_checked: bool
    opt_out_checked: bool
    purpose: str | None = None
    returns: tuple[str, ...] = ()
    keyed_by: tuple[str, ...] = ()
    schedule: Schedule | None = None
    endpoint: str | None = None
    authentication: str | None = None
    signature_validation: bool | None = None
    forwards_app_timestamp: bool | None = None
    notes: str | None = None
    request_types: tuple[str, ...] = ()  # the consumer requests an intake flow carries
    verifies_identity_for: tuple[str, ...] = ()  # the ones it demands identity verification for
    disclosed_purposes: tuple[str, ...] = ()  # what the notice at collection told consumers (inbound flows)


@dataclass(frozen=True)
class SignalHandling:
    """What a consumer-facing system does with opt-out preference signals (Global Privacy Control)."""

    detected: bool  # does it read the signal (the Sec-GPC header, navigator.globalPrivacyControl)
    relayed: bool  # does it pass each one on to Salesforce as an opt-out of sale and sharing
    via: str | None = None  # the Salesforce artefact that receives them, "Kind:name"
    notes: str | None = None


@dataclass(frozen=True)
class ConsentEvent:
    """A privacy choice as the system recorded it, and when it was passed on to Salesforce."""

    id: str
    subject: str  # "Individual:<Id>"
    change: str
    recorded_at: datetime
    purposes: tuple[str, ...] = ()
    relayed_at: datetime | None = None
    salesforce_records: tuple[str, ...] = ()

    @property
    def is_opt_out(self) -> bool:
        return self.change.startswith("opt_out")

    @property
    def relay_delay_hours(self) -> float | None:
        if self.relayed_at is None:
            return None
        return round((self.relayed_at - self.recorded_at).total_seconds() / 3600, 2)


@dataclass(frozen=True)
class SystemEntry:
    key: str
    name: str
    kind: str
    role: str  # one of ROLES; "first_party" is not a CCPA recipient
    country: str
    hosts: tuple[str, ...]
    operator: str | None = None
    dpa_signed: bool | None = None
    retention_period: str | None = None
    retention_basis: str | None = None
    data_categories: tuple[str, ...] = ()
    salesforce_artifacts: tuple[str, ...] = ()
    opt_out_sla_hours: float | None = None
    opt_out_preference_signal: SignalHandling | None = None
    flows: tuple[FlowEntry, ...] = ()
    consent_events: tuple[ConsentEvent, ...] = ()
    consumer_id_field: str | None = None  # Object.Field: where the org keeps the id this system knows a consumer by

    @property
    def recipient_role(self) -> SystemRole | None:
        return None if self.role == FIRST_PARTY else SystemRole(self.role)


@dataclass(frozen=True)
class Manifest:
    file_name: str
    organization: str
    salesforce_org_id: str
    systems: tuple[SystemEntry, ...]
    maintained_by: str | None = None
    reviewed_at: date | None = None

    @property
    def stem(self) -> str:
        return Path(self.file_name).stem


class ManifestError(ValueError):
    """A manifest that cannot be loaded; `problems` are "<file>: <key path>: <what is wrong>" lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- reading the directory ------------------------------------------------------------------------


def manifest_directory(configured: str) -> Path | None:
    """An org connection's manifest folder (`OrgConnection.manifest_dir`); None when it names none."""
    return Path(configured).expanduser() if configured.strip() else None


def manifest_files(directory: Path) -> list[Path]:
    """The manifests in `directory` (not its subdirectories), in name order so runs are repeatable."""
    return sorted(path for path in directory.iterdir() if path.is_file() and path.suffix in MANIFEST_SUFFIXES)


def manifest_chunks(directory: Path | None, org_id: str) -> Iterator[Chunk]:
    """One chunk per manifest file of `org_id` in `directory`; a rejected file is a chunk of errors only.

    Manifests that name another org are skipped (a warning says so). No Salesforce call is made. No folder
    is a warning; a folder that does not exist is an error, so a full run does not retire what it declared.
    """
    if directory is None:
        yield Chunk(warnings=["manifests: no manifest folder is set for this org (add_org --manifest-dir)"])
        return
    if not directory.exists():
        yield Chunk(errors=[f"{directory}: the manifest folder does not exist: no manifests harvested"])
        return
    if not directory.is_dir():
        yield Chunk(errors=[f"{directory}: the manifest directory is not a directory"])
        return
    claims = Claims()
    for path in manifest_files(directory):
        yield manifest_chunk(path, org_id, claims)


@dataclass
class Claims:
    """What earlier files of one directory declared, so two files cannot give one host two owners."""

    stems: dict[str, str] = field(default_factory=dict)  # file stem → file name
    hosts: dict[str, str] = field(default_factory=dict)  # host → "<file>#<system>"

    def conflicts(self, manifest: Manifest) -> list[str]:
        problems = []
        if manifest.stem in self.stems:
            problems.append(f"{manifest.file_name}: has the same name as {self.stems[manifest.stem]} "
                            "(integrations are named after the file stem)")
        for system in manifest.systems:
            for index, host in enumerate(system.hosts):
                owner = self.hosts.get(host)
                if owner is not None:
                    problems.append(f"{manifest.file_name}: systems.{system.key}.hosts[{index}]: "
                                    f"host '{host}' is already declared by {owner}")
        return problems

    def claim(self, manifest: Manifest) -> None:
        self.stems[manifest.stem] = manifest.file_name
        for system in manifest.systems:
            self.hosts.update(dict.fromkeys(system.hosts, f"{manifest.file_name}#{system.key}"))


def manifest_chunk(path: Path, org_id: str, claims: Claims | None = None) -> Chunk:
    """The records of one manifest file, or its problems (and nothing else) when it is not valid."""
    try:
        manifest = load_manifest(path)
    except ManifestError as error:
        return Chunk(errors=error.problems)
    if not same_org(manifest.salesforce_org_id, org_id):
        return Chunk(warnings=[f"{path.name}: the manifest is for org {manifest.salesforce_org_id}, not {org_id}: "
                               "skipped"])
    claims = claims if claims is not None else Claims()
    conflicts = claims.conflicts(manifest)
    if conflicts:
        return Chunk(errors=conflicts)
    claims.claim(manifest)
    return manifest_records(manifest, org_id)


@dataclass(frozen=True)
class ConsumerIdField:
    """A field of a consumer's record holding the id another system knows them by (a system's
    `consumer_id_field`): the consents source indexes its values as that system's external ids."""

    sobject: str
    field: str
    system: str  # the manifest's system key, which a look-up names (`external_ids[].system`)


def consumer_id_fields(directory: Path | None, org_id: str) -> tuple[ConsumerIdField, ...]:
    """The consumer-id fields the valid manifests of `org_id` in `directory` declare (the manifests source reports
    the others' problems)."""
    if directory is None or not directory.is_dir():
        return ()
    declared: dict[ConsumerIdField, None] = {}
    for path in manifest_files(directory):
        try:
            manifest = load_manifest(path)
        except ManifestError:
            continue
        if same_org(manifest.salesforce_org_id, org_id):
            declared.update(dict.fromkeys(_consumer_id_field(system) for system in manifest.systems
                                          if system.consumer_id_field))
    return tuple(declared)


def _consumer_id_field(system: SystemEntry) -> ConsumerIdField:
    sobject, name = str(system.consumer_id_field).split(".", 1)
    return ConsumerIdField(sobject, name, system.key)


def same_org(declared: str, org_id: str) -> bool:
    """Salesforce ids match on their case-sensitive 15-character form (18-character ids add a checksum)."""
    return declared[:15] == org_id[:15]


def load_manifest(path: Path) -> Manifest:
    """Read and validate one manifest file; raises ManifestError listing every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError([f"{path.name}: cannot be read ({error})"]) from error
    return parse_manifest(text, path.name)


def parse_manifest(text: str, file_name: str) -> Manifest:
    try:
        raw = yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        raise ManifestError([f"{file_name}: {_yaml_problem(error)}"]) from error
    except yaml.YAMLError as error:
        raise ManifestError([f"{file_name}: not valid YAML ({error})"]) from error
    check = Check(file_name)
    manifest = read_manifest(check, raw)
    if check.problems:
        raise ManifestError(check.problems)
    return manifest


class StrictLoader(yaml.SafeLoader):
    """YAML's safe loader that refuses a key written twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    return f"{where}{error.problem or error.context or 'not valid YAML'}"


# --- validation -----------------------------------------------------------------------------------

_ABSENT: Any = object()  # a required key that is missing: reported once, by `Check.mapping`


@dataclass
class Check:
    """Validation of one file: every problem is kept with the key path where it was found.

    Readers return a stand-in value after reporting a problem, so the rest of the file is still checked;
    a file with any problem is rejected whole, so stand-ins never reach the graph.
    """

    file_name: str
    problems: list[str] = field(default_factory=list)

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{self.file_name}: {path or '(top level)'}: {message}")

    def wrong(self, value: object, path: str, expected: str) -> None:
        if value is not _ABSENT:
            self.fail(path, f"expected {expected}, got {_shown(value)}")

    def mapping(self, value: object, path: str, *, required: Iterable[str], optional: Iterable[str] = (),
                open_ended: bool = False) -> dict[str, Any]:
        """The keys of a mapping, with missing required keys and (unless `open_ended`) unknown keys reported."""
        if not isinstance(value, dict):
            self.wrong(value, path, "a mapping")
            return {}
        required, optional = tuple(required), tuple(optional)
        for key in required:
            if key not in value:
                self.fail(_child(path, key), "missing (required)")
        for key in value:
            if not isinstance(key, str):
                self.fail(path, f"key {_shown(key)} is not a string")
            elif not open_ended and key not in required and key not in optional and not key.startswith("x_"):
                self.fail(_child(path, key), f"unknown key (expected one of {', '.join((*required, *optional))})")
        return {key: entry for key, entry in value.items() if isinstance(key, str)}

    def text(self, value: object, path: str) -> str:
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.wrong(value, path, "a non-empty string")
        return ""

    def flag(self, value: object, path: str) -> bool:
        if isinstance(value, bool):
            return value
        self.wrong(value, path, "true or false")
        return False

    def choice(self, value: object, path: str, choices: Iterable[str]) -> str:
        choices = tuple(choices)
        if isinstance(value, str) and value in choices:
            return value
        if value is not _ABSENT:
            self.fail(path, f"{_shown(value)} is not one of {', '.join(choices)}")
        return choices[0]

    def matching(self, value: object, path: str, pattern: re.Pattern[str], what: str) -> str:
        if isinstance(value, str) and pattern.fullmatch(value.strip()):
            return value.strip()
        if isinstance(value, str):
            self.fail(path, f"{_shown(value)} is not {what}")
        else:
            self.wrong(value, path, what)
        return ""

    def items(self, value: object, path: str, *, non_empty: bool = False) -> list[Any]:
        if not isinstance(value, list):
            self.wrong(value, path, "a list")
            return []
        if non_empty and not value:
            self.fail(path, "must not be empty")
        return value

    def texts(self, value: object, path: str) -> tuple[str, ...]:
        return tuple(self.text(item, f"{path}[{i}]") for i, item in enumerate(self.items(value, path)))

    def matchings(self, value: object, path: str, pattern: re.Pattern[str], what: str, *,
                  non_empty: bool = False) -> tuple[str, ...]:
        items = self.items(value, path, non_empty=non_empty)
        return tuple(self.matching(item, f"{path}[{i}]", pattern, what) for i, item in enumerate(items))

    def choices(self, value: object, path: str, choices: Iterable[str]) -> tuple[str, ...]:
        """A list of distinct values, each one of `choices`."""
        choices = tuple(choices)
        chosen = tuple(self.choice(item, f"{path}[{i}]", choices) for i, item in enumerate(self.items(value, path)))
        self.unique(chosen, path, "value")
        return chosen

    def day(self, value: object, path: str) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.wrong(value, path, "a date (YYYY-MM-DD)")
        return date.min

    def moment(self, value: object, path: str) -> datetime:
        moment = value
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                moment = None
        if isinstance(moment, datetime) and moment.tzinfo is not None:
            return moment
        if isinstance(moment, datetime):
            self.fail(path, f"{_shown(value)} has no time zone (write it as 2026-11-14T19:22:05Z)")
        else:
            self.wrong(value, path, "a timestamp with a time zone (2026-11-14T19:22:05Z)")
        return datetime.min.replace(tzinfo=ZoneInfo("UTC"))

    def hours(self, value: object, path: str) -> float:
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        self.wrong(value, path, "a positive number of hours")
        return 0.0

    def unique(self, keys: Iterable[str], path: str, what: str) -> None:
        seen: set[str] = set()
        for index, key in enumerate(keys):
            if key and key in seen:
                self.fail(f"{path}[{index}]", f"{what} '{key}' appears twice")
            seen.add(key)


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _shown(value: object) -> str:
    if value is None:
        return "nothing (the key has no value)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


def optional(data: dict[str, Any], key: str, path: str, read: Callable[[object, str], T]) -> T | None:
    return read(data[key], _child(path, key)) if key in data else None


def read_manifest(check: Check, raw: object) -> Manifest:
    top = check.mapping(raw, "", required=("manifest_version", "organization", "salesforce_org_id", "systems"),
                        optional=("maintained_by", "reviewed_at"))
    version = top.get("manifest_version", _ABSENT)
    if version is not _ABSENT and (version != SUPPORTED_VERSION or isinstance(version, bool)):
        check.fail("manifest_version", f"{_shown(version)} is not supported (this Recordkeeper reads version "
                                       f"{SUPPORTED_VERSION})")
    systems_raw = check.mapping(top.get("systems", _ABSENT), "systems", required=(), open_ended=True)
    if "systems" in top and not systems_raw and isinstance(top["systems"], dict):
        check.fail("systems", "must declare at least one system")
    systems = tuple(read_system(check, key, entry, f"systems.{key}") for key, entry in systems_raw.items())
    _check_hosts_unique(check, systems)
    return Manifest(
        file_name=check.file_name,
        organization=check.text(top.get("organization", _ABSENT), "organization"),
        salesforce_org_id=check.matching(top.get("salesforce_org_id", _ABSENT), "salesforce_org_id", ORG_ID,
                                         "a Salesforce org id (00D…)"),
        maintained_by=optional(top, "maintained_by", "", check.text),
        reviewed_at=optional(top, "reviewed_at", "", check.day),
        systems=systems,
    )


SYSTEM_KEYS = ("name", "kind", "role", "country", "hosts")
SYSTEM_OPTIONAL_KEYS = ("operator", "contract", "retention", "data_categories", "salesforce_artifacts",
                        "opt_out_sla_hours", "opt_out_preference_signal", "flows", "consent_events",
                        "consumer_id_field")
# The records the consents source reads a consumer's ids from (`harvesters.consents`), and a field of one of them.
CONSUMER_ID_FIELD = re.compile(r"(Individual|Account|Contact|Lead)\.[A-Za-z][A-Za-z0-9_]*")


def read_system(check: Check, key: str, raw: object, path: str) -> SystemEntry:
    if not ENTRY_KEY.fullmatch(key):
        check.fail(path, f"'{key}' is not a system key (letters, digits, '_' and '-')")
    data = check.mapping(raw, path, required=SYSTEM_KEYS, optional=SYSTEM_OPTIONAL_KEYS)
    hosts = check.matchings(data.get("hosts", _ABSENT), f"{path}.hosts", HOST,
                            "a host name (no scheme, port or path)", non_empty=True)
    check.unique(hosts, f"{path}.hosts", "host")
    contract = optional(data, "contract", path, check_contract(check))
    retention = optional(data, "retention", path, check_retention(check))
    flows = tuple(read_flow(check, entry, f"{path}.flows[{i}]")
                  for i, entry in enumerate(check.items(data.get("flows", []), f"{path}.flows")))
    check.unique((flow.id for flow in flows), f"{path}.flows", "flow id")
    events = tuple(read_consent_event(check, entry, f"{path}.consent_events[{i}]")
                   for i, entry in enumerate(check.items(data.get("consent_events", []), f"{path}.consent_events")))
    check.unique((event.id for event in events), f"{path}.consent_events", "consent event id")
    return SystemEntry(
        key=key, name=check.text(data.get("name", _ABSENT), f"{path}.name"),
        kind=check.matching(data.get("kind", _ABSENT), f"{path}.kind", ENTRY_KEY, "a kind such as core_banking"),
        role=check.choice(data.get("role", _ABSENT), f"{path}.role", ROLES),
        country=read_country(check, data.get("country", _ABSENT), f"{path}.country"),
        hosts=tuple(host.lower() for host in hosts), operator=optional(data, "operator", path, check.text),
        dpa_signed=contract, retention_period=retention[0] if retention else None,
        retention_basis=retention[1] if retention else None,
        data_categories=optional(data, "data_categories", path, check.texts) or (),
        salesforce_artifacts=check.matchings(data.get("salesforce_artifacts", []), f"{path}.salesforce_artifacts",
                                             ARTIFACT_REF, "a Kind:name reference"),
        opt_out_sla_hours=optional(data, "opt_out_sla_hours", path, check.hours),
        opt_out_preference_signal=optional(data, "opt_out_preference_signal", path, check_signal_handling(check)),
        flows=flows, consent_events=events,
        consumer_id_field=optional(data, "consumer_id_field", path, lambda value, where: check.matching(
            value, where, CONSUMER_ID_FIELD, "a field of a consumer's Individual, Account, Contact or Lead, such as "
                                             "Account.Core_Customer_Number__c")),
    )


def read_country(check: Check, value: object, path: str) -> str:
    if isinstance(value, bool):
        # YAML 1.1 reads an unquoted NO (Norway), and a few other country codes, as a boolean.
        check.fail(path, f"got {_shown(value)}: quote the country code (country: 'NO')")
        return ""
    return check.matching(value, path, COUNTRY, "an ISO 3166 alpha-2 country code such as US")


def check_contract(check: Check) -> Callable[[object, str], bool | None]:
    """A contract's `dpa_signed` (what the graph keeps); its other keys are free-form."""

    def read(value: object, path: str) -> bool | None:
        data = check.mapping(value, path, required=(), open_ended=True)
        optional(data, "signed_on", path, check.day)
        return optional(data, "dpa_signed", path, check.flag)

    return read


def check_retention(check: Check) -> Callable[[object, str], tuple[str, str | None]]:
    def read(value: object, path: str) -> tuple[str, str | None]:
        data = check.mapping(value, path, required=("period",), optional=("basis",))
        period = check.matching(data.get("period", _ABSENT), f"{path}.period", DURATION,
                                "an ISO 8601 duration such as P7Y or P30D")
        return period, optional(data, "basis", path, check.text)

    return read


FLOW_KEYS = ("id", "direction", "transport", "via", "fields", "consent_checked", "opt_out_checked")
FLOW_OPTIONAL_KEYS = ("purpose", "returns", "keyed_by", "schedule", "endpoint", "authentication",
                      "signature_validation", "forwards_app_timestamp", "notes", "request_types",
                      "verifies_identity_for", "disclosed_purposes")
FIELD_WHAT = "Object.Field or Object.*"


def read_flow(check: Check, raw: object, path: str) -> FlowEntry:
    data = check.mapping(raw, path, required=FLOW_KEYS, optional=FLOW_OPTIONAL_KEYS)
    transport = check.choice(data.get("transport", _ABSENT), f"{path}.transport", TRANSPORTS)
    for key in ("fields", "returns"):
        if isinstance(data.get(key), list):
            check.unique((ref for ref in data[key] if isinstance(ref, str)), f"{path}.{key}", "field")
    if transport == "webhook" and "transport" in data and "signature_validation" not in data:
        check.fail(f"{path}.signature_validation", "missing (required for a webhook: is the sender's signature "
                                                   "verified?)")
    direction = Direction(check.choice(data.get("direction", _ABSENT), f"{path}.direction",
                                       (d.value for d in Direction)))
    request_types, verifies_identity_for = read_request_handling(check, data, path)
    disclosed_purposes = optional(data, "disclosed_purposes", path, check.texts) or ()
    if disclosed_purposes and direction is Direction.OUTBOUND:
        check.fail(f"{path}.disclosed_purposes", "only an inbound flow collects data: the notice at collection "
                                                 "belongs to the flow that brings the data in")
    return FlowEntry(
        id=check.matching(data.get("id", _ABSENT), f"{path}.id", ENTRY_KEY, "a flow id (letters, digits, '_', '-')"),
        direction=direction,
        transport=transport,
        via=check.matching(data.get("via", _ABSENT), f"{path}.via", ARTIFACT_REF,
                           "a Kind:name reference such as ApexClass:CoreBankingTransactionSync"),
        fields=check.matchings(data.get("fields", _ABSENT), f"{path}.fields", FIELD_REF, FIELD_WHAT, non_empty=True),
        consent_checked=check.flag(data.get("consent_checked", _ABSENT), f"{path}.consent_checked"),
        opt_out_checked=check.flag(data.get("opt_out_checked", _ABSENT), f"{path}.opt_out_checked"),
        purpose=optional(data, "purpose", path, check.text),
        returns=check.matchings(data.get("returns", []), f"{path}.returns", FIELD_REF, FIELD_WHAT),
        keyed_by=check.matchings(data.get("keyed_by", []), f"{path}.keyed_by", FIELD_REF, FIELD_WHAT),
        schedule=optional(data, "schedule", path, check_schedule(check)),
        endpoint=optional(data, "endpoint", path, check.text),
        authentication=optional(data, "authentication", path, check.text),
        signature_validation=optional(data, "signature_validation", path, check.flag),
        forwards_app_timestamp=optional(data, "forwards_app_timestamp", path, check.flag),
        notes=optional(data, "notes", path, check.text),
        request_types=request_types, verifies_identity_for=verifies_identity_for,
        disclosed_purposes=disclosed_purposes,
    )


def read_request_handling(check: Check, data: dict[str, Any], path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A privacy-request intake's `request_types` and the subset it `verifies_identity_for`."""
    handled = check.choices(data.get("request_types", []), f"{path}.request_types", REQUEST_TYPES)
    verified = check.choices(data.get("verifies_identity_for", []), f"{path}.verifies_identity_for", REQUEST_TYPES)
    for index, kind in enumerate(verified):
        if kind not in handled:
            check.fail(f"{path}.verifies_identity_for[{index}]", f"'{kind}' is not one of the flow's request_types")
    return handled, verified


def check_signal_handling(check: Check) -> Callable[[object, str], SignalHandling]:
    def read(value: object, path: str) -> SignalHandling:
        data = check.mapping(value, path, required=("detected", "relayed"), optional=("via", "notes"))
        detected = check.flag(data.get("detected", _ABSENT), f"{path}.detected")
        relayed = check.flag(data.get("relayed", _ABSENT), f"{path}.relayed")
        if relayed and not detected and "detected" in data:
            check.fail(f"{path}.relayed", "a signal the system does not detect cannot be relayed")
        return SignalHandling(detected=detected, relayed=relayed,
                              via=optional(data, "via", path, lambda v, p: check.matching(
                                  v, p, ARTIFACT_REF, "a Kind:name reference such as ApexClass:GpcReceiver")),
                              notes=optional(data, "notes", path, check.text))

    return read


def check_schedule(check: Check) -> Callable[[object, str], Schedule]:
    def read(value: object, path: str) -> Schedule:
        data = check.mapping(value, path, required=(), optional=("description", "cron", "timezone"))
        if isinstance(value, dict) and not data:
            check.fail(path, "needs a description, a cron expression or both")
        cron = optional(data, "cron", path, check.text)
        if cron and not 5 <= len(cron.split()) <= 7:
            check.fail(f"{path}.cron", f"{cron!r} is not a cron expression (5 to 7 fields)")
        timezone = optional(data, "timezone", path, check.text)
        if timezone and not _known_timezone(timezone):
            check.fail(f"{path}.timezone", f"{timezone!r} is not an IANA time zone such as America/Los_Angeles")
        return Schedule(description=optional(data, "description", path, check.text), cron=cron, timezone=timezone)

    return read


def _known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


CONSENT_EVENT_KEYS = ("id", "subject", "change", "recorded_at")
CONSENT_EVENT_OPTIONAL_KEYS = ("purposes", "relayed_at", "salesforce_records")


def read_consent_event(check: Check, raw: object, path: str) -> ConsentEvent:
    data = check.mapping(raw, path, required=CONSENT_EVENT_KEYS, optional=CONSENT_EVENT_OPTIONAL_KEYS)
    recorded_at = check.moment(data.get("recorded_at", _ABSENT), f"{path}.recorded_at")
    relayed_at = optional(data, "relayed_at", path, check.moment)
    if relayed_at is not None and "recorded_at" in data and relayed_at < recorded_at:
        check.fail(f"{path}.relayed_at", "is earlier than recorded_at")
    return ConsentEvent(
        id=check.matching(data.get("id", _ABSENT), f"{path}.id", ENTRY_KEY, "an event id (letters, digits, '_', '-')"),
        subject=check.matching(data.get("subject", _ABSENT), f"{path}.subject", RECORD_REF,
                               "a record reference such as Individual:0PK8d00MateoAlvGEE"),
        change=check.matching(data.get("change", _ABSENT), f"{path}.change", ENTRY_KEY,
                              "a change such as opt_out_of_processing"),
        recorded_at=recorded_at, relayed_at=relayed_at,
        purposes=optional(data, "purposes", path, check.texts) or (),
        salesforce_records=check.matchings(data.get("salesforce_records", []), f"{path}.salesforce_records",
                                           RECORD_REF, "a record reference such as ContactPointTypeConsent:<Id>"),
    )


def _check_hosts_unique(check: Check, systems: Iterable[SystemEntry]) -> None:
    owners: dict[str, str] = {}
    for system in systems:
        for index, host in enumerate(system.hosts):
            if host in owners and owners[host] != system.key:
                check.fail(f"systems.{system.key}.hosts[{index}]", f"host '{host}' is already a host of "
                                                                  f"systems.{owners[host]}")
            owners.setdefault(host, system.key)


# --- records --------------------------------------------------------------------------------------


def flow_integration_name(manifest: Manifest, system: SystemEntry, flow: FlowEntry) -> str:
    return f"{manifest.stem}#{system.key}.{flow.id}"


def signal_integration_name(manifest: Manifest, system: SystemEntry) -> str:
    # A flow id has no dots, so no flow meets this name either.
    return f"{manifest.stem}#{system.key}.{SIGNAL_ENTRY}"


def consent_event_integration_name(manifest: Manifest, system: SystemEntry, event: ConsentEvent) -> str:
    # "consent_events." cannot be a flow id (ids have no dots), so an event never meets a flow's name.
    return f"{manifest.stem}#{system.key}.consent_events.{event.id}"


def manifest_records(manifest: Manifest, org_id: str) -> Chunk:
    """Systems, integrations and their edges from one valid manifest."""
    chunk = Chunk()
    purposes: dict[str, NodeRecord] = {}
    for system in manifest.systems:
        chunk.nodes += system_records(manifest, system)
        chunk.edges += system_edges(manifest, system, org_id)
        for flow in system.flows:
            nodes, edges = flow_records(manifest, system, flow, org_id)
            chunk.nodes += [node for node in nodes if not isinstance(node, PurposeRecord)]
            purposes.update({node.key: node for node in nodes if isinstance(node, PurposeRecord)})
            chunk.edges += edges
        for event in system.consent_events:
            node, edges = consent_event_records(manifest, system, event, org_id)
            chunk.nodes.append(node)
            chunk.edges += edges
        if system.opt_out_preference_signal is not None:
            node, edges = signal_records(manifest, system, system.opt_out_preference_signal, org_id)
            chunk.nodes.append(node)
            chunk.edges += edges
    chunk.nodes += purposes.values()
    return chunk


def system_records(manifest: Manifest, system: SystemEntry) -> list[SystemRecord]:
    """One System per host: every integration that reaches the host, from any source, meets on it."""
    evidence = f"manifest:{manifest.file_name}#{system.key}"
    return [SystemRecord(host=host, name=system.name, evidence=evidence) for host in system.hosts]


def system_edges(manifest: Manifest, system: SystemEntry, org_id: str) -> list[HasSystemEdge]:
    """The org's HAS_SYSTEM edge to each host, with the role and country this business declares: another org
    may give the same system another role, so they belong to the org's edge, not to the shared node."""
    org = NodeRef(Label.ORG, org_key(org_id))
    return [HasSystemEdge(source=org, target=record.ref, role=SystemRole(system.role), country=system.country,
                          evidence=record.evidence) for record in system_records(manifest, system)]


def flow_records(
    manifest: Manifest, system: SystemEntry, flow: FlowEntry, org_id: str
) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """The flow's Integration, SENDS_TO its system, FLOWS_TO per field, SERVES its declared purpose, and GATED_BY
    that purpose when the flow checks consent."""
    evidence = f"manifest:{manifest.file_name}#{system.key}/{flow.id}"
    integration = IntegrationRecord(org_id=org_id, kind=IntegrationKind.MANIFEST,
                                    name=flow_integration_name(manifest, system, flow),
                                    attributes=flow_attributes(manifest, system, flow, org_id), evidence=evidence)
    systems = [NodeRef(Label.SYSTEM, record.key) for record in system_records(manifest, system)]
    nodes: list[NodeRecord] = [integration]
    edges: list[EdgeRecord] = [*sent_to_system(integration, manifest, system, flow.transport,
                                               signature_validated=flow.signature_validation)]
    outbound = flow.direction is Direction.OUTBOUND
    edges += field_movement_edges(integration, flow, flow.fields, systems, outward=outbound, org_id=org_id)
    edges += field_movement_edges(integration, flow, flow.returns, systems, outward=not outbound, org_id=org_id)
    if flow.purpose:
        purpose = PurposeRecord(org_id=org_id, name=flow.purpose, declared=True, evidence=evidence)
        nodes.append(purpose)
        edges.append(ServesEdge(source=integration.ref, target=purpose.ref, evidence=evidence))
        if flow.consent_checked:
            edges.append(GatedByEdge(source=integration.ref, target=purpose.ref,
                                     check="consent_checked declared in manifest", evidence=evidence))
    return nodes, edges


def sent_to_system(integration: IntegrationRecord, manifest: Manifest, system: SystemEntry, channel: str, *,
                   signature_validated: bool | None = None) -> list[SendsToEdge]:
    """SENDS_TO from a manifest entry's Integration to each host of its system: what joins the entry to the system
    it exchanges data with, whatever the direction."""
    return [SendsToEdge(source=integration.ref, target=NodeRef(Label.SYSTEM, record.key), channel=channel,
                        signature_validated=signature_validated, evidence=integration.evidence)
            for record in system_records(manifest, system)]


def field_movement_edges(
    integration: IntegrationRecord, flow: FlowEntry, refs: Iterable[str], systems: list[NodeRef], *,
    outward: bool, org_id: str,
) -> list[EdgeRecord]:
    """FLOWS_TO between each named field and each host (field → system when the data leaves Salesforce).

    "Object.*" cannot be expanded without reading the org's fields, so it becomes READS (outward) or
    WRITES (inward) on the object: a query can expand it through HAS_FIELD. A field the org does not
    have is left to the writer, which skips an edge whose endpoint is not in the graph.
    """
    edges: list[EdgeRecord] = []
    for sobject, name in (ref.split(".", 1) for ref in refs):
        if name == WHOLE_OBJECT:
            target = NodeRef(Label.SOBJECT, sobject_key(org_id, sobject))
            whole = ReadsEdge if outward else WritesEdge
            edges.append(whole(source=integration.ref, target=target, evidence=integration.evidence))
            continue
        field_ref = NodeRef(Label.FIELD, field_key(org_id, sobject, name))
        edges += [FlowEdge(source=field_ref if outward else system, target=system if outward else field_ref,
                           via=integration.key, consent_checked=flow.consent_checked,
                           opt_out_checked=flow.opt_out_checked, evidence=integration.evidence)
                  for system in systems]
    return edges


def flow_attributes(
    manifest: Manifest, system: SystemEntry, flow: FlowEntry, org_id: str
) -> dict[str, AttributeValue]:
    schedule = flow.schedule or Schedule()
    whole_objects = tuple(dict.fromkeys(ref.split(".")[0] for ref in (*flow.fields, *flow.returns)
                                        if ref.endswith("." + WHOLE_OBJECT)))
    return {
        **_system_attributes(manifest, system),
        "manifest_entry": "flow", "direction": flow.direction.value, "transport": flow.transport, "via": flow.via,
        "via_integration": via_integration_key(flow.via, org_id),
        "endpoint": flow.endpoint, "authentication": flow.authentication,
        "signature_validation": flow.signature_validation,
        "schedule": schedule.description or schedule.cron, "schedule_cron": schedule.cron,
        "schedule_timezone": schedule.timezone, "purpose": flow.purpose, "consent_checked": flow.consent_checked,
        "opt_out_checked": flow.opt_out_checked, "fields": flow.fields, "returns": flow.returns or None,
        "keyed_by": flow.keyed_by or None, "whole_objects": whole_objects or None,
        "forwards_app_timestamp": flow.forwards_app_timestamp, "notes": flow.notes,
        "request_types": flow.request_types or None, "verifies_identity_for": flow.verifies_identity_for or None,
        "disclosed_purposes": flow.disclosed_purposes or None,
    }


def via_integration_key(via: str, org_id: str) -> str | None:
    """The key of the Integration the integrations source writes for a flow's `via` artefact, if it has one."""
    kind, _, name = via.partition(":")
    return integration_key(org_id, ARTIFACT_KINDS[kind], name) if kind in ARTIFACT_KINDS else None


def consent_event_records(
    manifest: Manifest, system: SystemEntry, event: ConsentEvent, org_id: str
) -> tuple[IntegrationRecord, list[EdgeRecord]]:
    """A consent event as an Integration of kind manifest (the relay of one choice), joined to its system.

    Its timing is data: `relay_delay_hours` against the system's `opt_out_sla_hours` gives
    `relayed_within_sla`, so a late opt-out is a property a finding can match on.
    """
    evidence = f"manifest:{manifest.file_name}#{system.key}/{event.id}"
    node = IntegrationRecord(org_id=org_id, kind=IntegrationKind.MANIFEST,
                             name=consent_event_integration_name(manifest, system, event),
                             attributes=consent_event_attributes(manifest, system, event), evidence=evidence)
    return node, [*sent_to_system(node, manifest, system, "consent_event")]


def signal_records(
    manifest: Manifest, system: SystemEntry, handling: SignalHandling, org_id: str
) -> tuple[IntegrationRecord, list[EdgeRecord]]:
    """The system's handling of opt-out preference signals as an Integration of kind manifest (the relay of the
    signals, or its absence), joined to its system, so a rule can ask which systems drop them."""
    evidence = f"manifest:{manifest.file_name}#{system.key}/{SIGNAL_ENTRY}"
    attributes: dict[str, AttributeValue] = {
        **_system_attributes(manifest, system),
        "manifest_entry": SIGNAL_ENTRY, "signal_detected": handling.detected, "signal_relayed": handling.relayed,
        "via": handling.via, "via_integration": via_integration_key(handling.via, org_id) if handling.via else None,
        "notes": handling.notes,
    }
    node = IntegrationRecord(org_id=org_id, kind=IntegrationKind.MANIFEST,
                             name=signal_integration_name(manifest, system), attributes=attributes, evidence=evidence)
    return node, [*sent_to_system(node, manifest, system, SIGNAL_ENTRY)]


def consent_event_attributes(
    manifest: Manifest, system: SystemEntry, event: ConsentEvent
) -> dict[str, AttributeValue]:
    delay = event.relay_delay_hours
    within: bool | None = None
    if event.is_opt_out and delay is not None and system.opt_out_sla_hours is not None:
        within = delay <= system.opt_out_sla_hours
    return {
        **_system_attributes(manifest, system),
        "manifest_entry": "consent_event", "event_id": event.id, "change": event.change,
        "purposes": event.purposes, "subject_record": event.subject, "salesforce_records": event.salesforce_records,
        "recorded_at": event.recorded_at, "relayed_at": event.relayed_at, "relay_delay_hours": delay,
        "opt_out_sla_hours": system.opt_out_sla_hours, "relayed_within_sla": within,
    }


def _system_attributes(manifest: Manifest, system: SystemEntry) -> dict[str, AttributeValue]:
    """What the manifest says about the system that the System node has no property for."""
    return {
        "manifest": manifest.file_name, "manifest_reviewed_at": manifest.reviewed_at, "system": system.key,
        "system_name": system.name, "system_kind": system.kind, "system_role": system.role,
        "country": system.country, "hosts": system.hosts, "dpa_signed": system.dpa_signed,
        "retention": system.retention_period, "retention_basis": system.retention_basis,
    }
