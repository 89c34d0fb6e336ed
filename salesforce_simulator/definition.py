"""Loads the YAML org-definition format (docs/org-definition.md) into an ``Org``."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from salesforce_simulator import describe
from salesforce_simulator.describe import ChildRelationship, CompactField, CompactObject
from salesforce_simulator.org import (
    EventLogConfig,
    EventLogEntry,
    OAuthClient,
    Org,
    Record,
    Scenario,
    SObjectType,
    User,
    base62,
    sf_datetime,
)

SHARED_PREFIX = "shared:"
PACKAGE_DIR = Path(__file__).resolve().parent
ORGS_DIR = PACKAGE_DIR / "orgs"

# Key prefixes of the standard objects a definition is likely to declare compactly.
STANDARD_KEY_PREFIXES = {
    "Account": "001", "Contact": "003", "User": "005", "Opportunity": "006",
    "Lead": "00Q", "Case": "500", "Task": "00T", "Event": "00U", "Campaign": "701",
    "RecordType": "012", "Profile": "00e", "Individual": "0PK",
    "ContactPointEmail": "9CE", "ContactPointPhone": "0ow", "ContactPointAddress": "8lW",
    "ContactPointTypeConsent": "0ZY", "ContactPointConsent": "0ZZ", "DataUsePurpose": "0oN",
    "DataUseLegalBasis": "0oL", "AuthorizationForm": "0cI", "AuthorizationFormConsent": "0cK",
    "EventLogFile": "0AT", "LoginHistory": "0Ya", "SetupAuditTrail": "0Ym",
    "Organization": "00D",
}  # fmt: skip


class DefinitionError(ValueError):
    """The org definition is not valid."""


def shared_data_dir() -> Path:
    """Where ``shared:`` paths point: env RECORDKEEPER_SHARED_DATA, default ../shared/data."""
    configured = os.environ.get("RECORDKEEPER_SHARED_DATA")
    if configured:
        return Path(configured).expanduser().resolve()
    return (PACKAGE_DIR.parent.parent / "shared" / "data").resolve()


def resolve_path(reference: str, base_dir: Path) -> Path:
    if reference.startswith(SHARED_PREFIX):
        return shared_data_dir() / reference[len(SHARED_PREFIX) :]
    path = Path(reference).expanduser()
    return path if path.is_absolute() else base_dir / path


def find_definition(path_or_name: str | os.PathLike[str]) -> Path:
    """A YAML path, or the name of a bundled org (``demo`` → orgs/demo.yaml)."""
    candidate = Path(path_or_name)
    if candidate.suffix in {".yaml", ".yml"} or candidate.exists():
        return candidate.resolve()
    bundled = ORGS_DIR / f"{path_or_name}.yaml"
    if bundled.exists():
        return bundled
    raise DefinitionError(f"no org definition at {path_or_name!r} and no bundled org by that name")


def load_org(path_or_name: str | os.PathLike[str]) -> Org:
    path = find_definition(path_or_name)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise DefinitionError(f"{path}: the top level must be a mapping")
    org = build_org(data, path.parent)
    org.source_path = str(path)
    return org


def build_org(data: Mapping[str, Any], base_dir: Path) -> Org:
    """An Org from an already-parsed definition; relative paths resolve against base_dir."""
    data = inline_files(data, base_dir)
    org = _org_header(data.get("org") or {})
    org.users = [_user(entry) for entry in data.get("users") or []]
    org.oauth_clients = [_oauth_client(entry, base_dir) for entry in data.get("oauth_clients") or []]
    org.sharing_models = _sharing_models(data.get("sharing_models") or {})
    for reference in data.get("describe_files") or []:
        _add_describe_file(org, reference, base_dir)
    _add_compact_objects(org, [_compact_object(entry) for entry in data.get("objects") or []])
    for object_name, rows in (data.get("records") or {}).items():
        org.add_records(object_name, [_literal_row(object_name, row) for row in rows or []])
    org.tooling = {
        name: [_record(row) for row in rows or []]
        for name, rows in (data.get("tooling") or {}).items()
    }
    org.event_logs = _event_logs(data.get("event_logs") or {})
    org.hidden_types = {str(name) for name in data.get("hidden_types") or []}
    org.external_data_sources = [_external_data_source(entry) for entry in data.get("external_data_sources") or []]
    org.setup_audit_trail = [_record(row) for row in data.get("setup_audit_trail") or []]
    org.login_history = [_record(row) for row in data.get("login_history") or []]
    org.scenarios = {
        name: _scenario(name, entry) for name, entry in (data.get("scenarios") or {}).items()
    }
    org.field_metadata = {
        str(key): _record(value) for key, value in (data.get("field_metadata") or {}).items()
    }
    org.report_metadata = {
        str(key): _record(value) for key, value in (data.get("report_metadata") or {}).items()
    }
    org.integration_manifests = [
        str(resolve_path(str(path), base_dir)) for path in data.get("integration_manifests") or []
    ]
    if data.get("population"):
        from salesforce_simulator.population import populate

        populate(org, dict(data["population"]))
    return org


def inline_files(node: Any, base_dir: Path) -> Any:
    """Replace every ``{$file: relative/path}`` mapping by the text of that file."""
    if isinstance(node, Mapping):
        if set(node) == {"$file"}:
            return resolve_path(str(node["$file"]), base_dir).read_text(encoding="utf-8")
        return {key: inline_files(value, base_dir) for key, value in node.items()}
    if isinstance(node, list):
        return [inline_files(item, base_dir) for item in node]
    return node


def _external_data_source(entry: Mapping[str, Any]) -> Record:
    """An `ExternalDataSource` row as Salesforce answers it, from `{name, label, type, endpoint}`."""
    if "name" not in entry:
        raise DefinitionError(f"external_data_sources: a source without a name: {dict(entry)}")
    return {"DeveloperName": str(entry["name"]), "MasterLabel": str(entry.get("label") or entry["name"]),
            "Type": str(entry.get("type") or "OData4"), "Endpoint": entry.get("endpoint"),
            "Repository": entry.get("repository"), "IsWritable": bool(entry.get("writable", False)),
            "PrincipalType": str(entry.get("principal_type") or "NamedUser"), "NamespacePrefix": None}


def _org_header(header: Mapping[str, Any]) -> Org:
    if "id" not in header or "name" not in header:
        raise DefinitionError("org: needs at least id and name")
    org = Org(id=str(header["id"]), name=str(header["name"]))
    org.edition = str(header.get("edition", org.edition))
    org.instance_name = str(header.get("instance_name", org.instance_name))
    org.daily_api_limit = int(header.get("daily_api_limit", org.daily_api_limit))
    org.jwt_audience = str(header.get("jwt_audience", org.jwt_audience)).rstrip("/")
    if not org.jwt_audience.startswith("https://"):
        raise DefinitionError(f"org.jwt_audience: expected an https:// URL, got {org.jwt_audience!r}")
    if header.get("api_versions"):
        org.api_versions = [str(version) for version in header["api_versions"]]
    if header.get("now"):
        org.now = to_datetime(header["now"])
    return org


def to_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]  # Salesforce's +0000 → +00:00
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _user(entry: Mapping[str, Any]) -> User:
    known = {"id", "username", "password", "security_token", "name", "email", "profile"}
    return User(
        id=str(entry["id"]),
        username=str(entry["username"]),
        password=str(entry.get("password", "")),
        security_token=str(entry.get("security_token", "")),
        name=str(entry.get("name", entry["username"])),
        email=str(entry.get("email", entry["username"])),
        profile=str(entry.get("profile", "Standard User")),
        extra={k: _value(v) for k, v in entry.items() if k not in known},
    )


def _oauth_client(entry: Mapping[str, Any], base_dir: Path) -> OAuthClient:
    certificate = entry.get("jwt_certificate")
    pem: bytes | None = None
    if certificate:
        text = str(certificate)
        pem = text.encode() if "BEGIN" in text else resolve_path(text, base_dir).read_bytes()
    return OAuthClient(
        name=str(entry.get("name", entry["consumer_key"])),
        consumer_key=str(entry["consumer_key"]),
        consumer_secret=str(entry.get("consumer_secret", "")),
        jwt_certificate_pem=pem,
        run_as=entry.get("run_as"),
    )


def _add_describe_file(org: Org, reference: Any, base_dir: Path) -> None:
    spec = reference if isinstance(reference, Mapping) else {"path": reference}
    path = resolve_path(str(spec["path"]), base_dir)
    payload = json.loads(path.read_text(encoding="utf-8"))
    modified = to_datetime(spec["last_modified"]) if spec.get("last_modified") else org.now
    if "sobjects" in payload and "fields" not in payload:
        _merge_describe_global(org, payload)
        return
    # Fields the org added to a captured object (a custom field on Account): served after the captured ones.
    payload["fields"] = [*payload["fields"],
                         *(describe.field_describe(_compact_field(entry)) for entry in spec.get("extra_fields") or [])]
    name = str(payload["name"])
    org.objects[name] = SObjectType(
        name=name,
        key_prefix=payload.get("keyPrefix"),
        last_modified=modified,
        build_describe=partial(_served_unchanged, payload),
        build_global_entry=partial(_global_entry_from_describe, payload),
        custom=bool(payload.get("custom")),
    )


def _served_unchanged(payload: dict[str, Any], _api_version: str) -> dict[str, Any]:
    return payload


def _global_entry_from_describe(payload: dict[str, Any], _api_version: str) -> dict[str, Any]:
    entry = {key: payload.get(key) for key in describe.GLOBAL_ENTRY_KEYS}
    urls = payload.get("urls") or {}
    entry["urls"] = {key: value for key, value in urls.items() if not key.startswith("ui")}
    return entry


def _merge_describe_global(org: Org, payload: dict[str, Any]) -> None:
    org.global_encoding = str(payload.get("encoding", org.global_encoding))
    org.global_max_batch_size = int(payload.get("maxBatchSize", org.global_max_batch_size))
    org.global_only_entries.extend(payload.get("sobjects") or [])


def _compact_field(entry: Mapping[str, Any]) -> CompactField:
    if "name" not in entry:
        raise DefinitionError(f"field without a name: {dict(entry)}")
    known = set(CompactField.__dataclass_fields__) - {"overrides", "extra"}
    values = {key: entry[key] for key in known if key in entry}
    if "picklist" in entry:
        values.setdefault("picklist_values", entry["picklist"])
    extra = {k: _value(v) for k, v in entry.items() if k not in known | {"describe", "picklist"}}
    for key in ("reference_to", "picklist_values", "compliance_groups"):
        if isinstance(values.get(key), str):
            values[key] = [values[key]]
    if "compliance_groups" in values:
        values["compliance_groups"] = [str(group) for group in values["compliance_groups"]]
    values["picklist_values"] = [str(value) for value in values.get("picklist_values") or []]
    return CompactField(**values, overrides=dict(entry.get("describe") or {}), extra=extra)


def _compact_object(entry: Mapping[str, Any]) -> CompactObject:
    if "name" not in entry:
        raise DefinitionError(f"object without a name: {dict(entry)}")
    modified = entry.get("last_modified")
    return CompactObject(
        name=str(entry["name"]),
        label=str(entry.get("label", "")),
        label_plural=str(entry.get("label_plural", "")),
        custom=entry.get("custom"),
        key_prefix=entry.get("key_prefix"),
        last_modified=to_datetime(modified) if modified else None,
        record_types=[str(name) for name in entry.get("record_types") or []],
        fields=[_compact_field(spec) for spec in entry.get("fields") or []],
        system_fields=bool(entry.get("system_fields", True)),
        description=entry.get("description"),
        overrides=dict(entry.get("describe") or {}),
        sharing_model=_sharing_model(entry.get("sharing_model"), f"objects.{entry['name']}.sharing_model"),
        external_sharing_model=_sharing_model(entry.get("external_sharing_model"),
                                              f"objects.{entry['name']}.external_sharing_model"),
        external_data_source=entry.get("external_data_source"),
        external_name=entry.get("external_name"),
    )


# The organization-wide defaults EntityDefinition reports (InternalSharingModel / ExternalSharingModel).
SHARING_MODELS = ("None", "Private", "Read", "ReadWrite", "ReadWriteTransfer", "FullAccess", "ControlledByParent",
                  "ControlledByLeadOrContact", "ControlledByCampaign", "ReadSelect")


def _sharing_model(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if str(value) not in SHARING_MODELS:
        raise DefinitionError(f"{where}: {value!r} is not one of {', '.join(SHARING_MODELS)}")
    return str(value)


def _sharing_models(entries: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """`sharing_models: {Object: {internal: Private, external: Private}}` for objects of describe files."""
    found: dict[str, tuple[str, str]] = {}
    for name, entry in entries.items():
        if not isinstance(entry, Mapping) or "internal" not in entry:
            raise DefinitionError(f"sharing_models.{name}: expected {{internal: …, external: …}}")
        internal = _sharing_model(entry["internal"], f"sharing_models.{name}.internal")
        external = _sharing_model(entry.get("external", internal), f"sharing_models.{name}.external")
        found[str(name)] = (str(internal), str(external))
    return found


def _add_compact_objects(org: Org, objects: list[CompactObject]) -> None:
    declared = {obj.name for obj in objects}
    if "User" not in org.objects and "User" not in declared:
        objects = [user_object(), *objects]
    assign_key_prefixes(org, objects)
    for obj in objects:
        register_compact_object(org, obj)
        org.objects[obj.name].declared = obj.name in declared


def children_in_org(org: Org, name: str) -> list[ChildRelationship]:
    """Child relationships of ``name`` implied by every compact object of the org.

    Computed once per set of objects: a generated org has thousands of them.
    """
    key = f"children:{len(org.objects)}"
    found = org.cache.get(key)
    if found is None:
        compact = [c for c in (obj.compact for obj in list(org.objects.values())) if c is not None]
        found = describe.children_by_parent(compact)
        org.cache = {k: v for k, v in org.cache.items() if not k.startswith("children:")}
        org.cache[key] = found
    result: list[ChildRelationship] = found.get(name, [])
    return result


def register_compact_object(
    org: Org, obj: CompactObject, children: Callable[[], list[ChildRelationship]] | None = None
) -> None:
    """Serve ``obj``; its child relationships come from the whole org unless given."""
    if children is None:
        children = partial(children_in_org, org, obj.name)
    ui_host = f"{org.instance_name.lower()}.my.salesforce.com"
    org.objects[obj.name] = SObjectType(
        name=obj.name,
        key_prefix=obj.key_prefix,
        last_modified=obj.last_modified or org.now,
        build_describe=lambda version: describe.object_describe(obj, version, ui_host, children()),
        build_global_entry=lambda version: describe.global_entry(obj, version, ui_host),
        custom=obj.is_custom,
        load_compact=partial(_same, obj),
    )


def _same(obj: CompactObject) -> CompactObject:
    return obj


def assign_key_prefixes(org: Org, objects: list[CompactObject]) -> None:
    """Give every compact object a key prefix: its standard one, or the next free custom one."""
    used = {obj.key_prefix for obj in org.objects.values() if obj.key_prefix}
    used |= {obj.key_prefix for obj in objects if obj.key_prefix}
    next_custom = 0
    for obj in objects:
        if obj.key_prefix:
            continue
        standard = STANDARD_KEY_PREFIXES.get(obj.name)
        if standard and standard not in used:
            obj.key_prefix = standard
        else:
            while (candidate := "a" + base62(next_custom, 2)) in used:
                next_custom += 1
            obj.key_prefix = candidate
        used.add(obj.key_prefix)


def user_object() -> CompactObject:
    """The User object every org has, in the compact form."""
    fields = [
        CompactField("Username", "string", "Username", length=80, custom=False, unique=True),
        CompactField("FirstName", "string", "First Name", length=40, custom=False),
        CompactField("LastName", "string", "Last Name", length=80, custom=False),
        CompactField("Email", "email", "Email", custom=False),
        CompactField("IsActive", "boolean", "Active", custom=False),
        CompactField("ProfileName", "string", "Profile Name", custom=False),
    ]
    return CompactObject("User", "User", "Users", custom=False, key_prefix="005", fields=fields)


def report_object() -> CompactObject:
    """The Report object every org has (queried by LastRunDate for the reports run lately), compact."""
    fields = [
        CompactField("DeveloperName", "string", "Report Unique Name", length=80, custom=False),
        CompactField("FolderName", "string", "Folder Name", length=255, custom=False),
        CompactField("Format", "picklist", "Format", custom=False,
                     picklist_values=["Tabular", "Summary", "Matrix", "MultiBlock"]),
        CompactField("Description", "string", "Description", length=255, custom=False),
        CompactField("LastRunDate", "datetime", "Last Run", custom=False),
    ]
    return CompactObject("Report", "Report", "Reports", custom=False, key_prefix="00O", fields=fields)


_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


def _literal_row(object_name: str, row: Mapping[str, Any]) -> Record:
    """A ``records:`` row; its Id must look like a Salesforce id (15 or 18 characters)."""
    record = _record(row)
    if not _ID.fullmatch(str(record.get("Id", ""))):
        raise DefinitionError(f"records.{object_name}: {record.get('Id')!r} is not a 15- or 18-character id")
    record.setdefault("IsDeleted", False)
    return record


def _record(row: Mapping[str, Any]) -> Record:
    return {str(key): _value(value) for key, value in row.items()}


def _value(value: Any) -> Any:
    """YAML scalars as Salesforce's JSON writes them (timestamps become strings)."""
    if isinstance(value, datetime):
        return sf_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value


def _event_logs(section: Mapping[str, Any]) -> EventLogConfig:
    entries = [
        EventLogEntry(str(entry["event_type"]), int(entry.get("day", 0)), _record(entry["row"]))
        for entry in section.get("entries") or []
    ]
    return EventLogConfig(
        days=int(section.get("days", 0)),
        event_types=[str(name) for name in section.get("event_types") or []],
        entries=entries,
        rows_per_day=int(section.get("rows_per_day", EventLogConfig.rows_per_day)),
    )


def _scenario(name: str, entry: Mapping[str, Any]) -> Scenario:
    known = {"kind", "description", "refs"}
    return Scenario(
        name=name,
        kind=str(entry.get("kind", "failure")),
        description=str(entry.get("description", "")),
        refs=[str(ref) for ref in entry.get("refs") or []],
        extra={k: _value(v) for k, v in entry.items() if k not in known},
    )
