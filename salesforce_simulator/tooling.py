"""The Tooling API: ``tooling/query`` (paged like REST query) and ``tooling/sobjects``.

Tooling records come from the org definition's ``tooling:`` section; ``EntityDefinition`` and
``FieldDefinition`` are derived from the org's objects. The restrictions Salesforce documents
for these objects are enforced: FieldDefinition needs a filter on one entity, OR and COUNT()
are refused and LIMIT is ignored on the metadata-catalog objects, and a query selecting
``Metadata`` or ``FullName`` may return one row only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from salesforce_simulator import soql
from salesforce_simulator.org import ListRecordSource, Org, Record, record_id, to_18
from salesforce_simulator.routing import Route, SalesforceError, SimRequest, SimResponse

ENTITY_ID = soql.CATALOG_ROW_ID  # what Salesforce answers as Id for catalog rows; DurableId is the key

# Objects of the metadata catalog: no COUNT(), OR or NOT, and LIMIT is ignored (documented).
CATALOG_TYPES = {"EntityDefinition", "FieldDefinition", "EntityParticle"}
DERIVED_TYPES = ("EntityDefinition", "FieldDefinition", "EntityParticle", "CustomObject", "CustomField")
# What a query of these answers as `entityTypeName` (Salesforce names the storage, not the type).
ENTITY_TYPE_NAMES = {"CustomObject": "CustomEntityDefinition", "CustomField": "CustomFieldDefinition"}
# Organization-wide defaults when the definition states none: Salesforce's own for a new custom object.
DEFAULT_SHARING = ("ReadWrite", "Private")
PARENT_SHARING = ("ControlledByParent", "ControlledByParent")
# Objects that need a filter pinning the entity, and the columns that count as one.
REIFIED_FILTERS = {
    "FieldDefinition": ("EntityDefinitionId", "DurableId"),
    "EntityParticle": ("EntityDefinitionId", "FieldDefinitionId", "DurableId"),
}
_ENTITY_FILTER_PATHS = {
    "entitydefinitionid", "entitydefinition.qualifiedapiname", "entitydefinition.durableid",
    "entitydefinition.developername", "durableid", "fielddefinitionid",
}


# ---------------------------------------------------------------------------------------
# Derived catalog records


def _split_name(api_name: str) -> tuple[str | None, str]:
    """``FinServ__Account_Number__c`` → (``FinServ``, ``Account_Number``)."""
    base = re.sub(r"__(c|r|pc|mdt|e|b|x|kav|ka|Share|History|Feed)$", "", api_name)
    namespace, _, developer = base.rpartition("__")
    return (namespace or None), developer


def _iso(moment: datetime | None) -> str | None:
    return soql.render_value(moment, "datetime") if moment else None


def _entity_durable_id(org: Org, name: str) -> str:
    """Standard objects are keyed by name; custom ones by a stable 01I id derived from the name."""
    obj = org.sobject(name)
    if obj is None or not obj.custom:
        return name
    number = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") % 62**9
    return record_id("01I", number)[:15]


def sharing_models(org: Org, name: str) -> tuple[str, str]:
    """(internal, external) organization-wide default of an object: as declared, else Salesforce's default
    (a detail of a master-detail relationship and Contact follow their parent; others Public Read/Write
    inside, Private outside)."""
    cache: dict[str, tuple[str, str]] = org.cache.setdefault("sharing_models", {})
    if name not in cache:
        cache[name] = _sharing_models_of(org, name)
    return cache[name]


def _sharing_models_of(org: Org, name: str) -> tuple[str, str]:
    if name in org.sharing_models:
        return org.sharing_models[name]
    obj = org.objects[name]
    compact = obj.compact
    if compact is not None and compact.sharing_model:
        return compact.sharing_model, compact.external_sharing_model or compact.sharing_model
    if name == "Contact":
        return PARENT_SHARING
    fields = compact.all_fields() if compact is not None else []
    if any(spec.type == "reference" and spec.cascade_delete for spec in fields):
        return PARENT_SHARING
    return DEFAULT_SHARING


def entity_definitions(org: Org, api_version: str) -> Iterator[Record]:
    """One EntityDefinition row per object of the org."""
    for name in sorted(org.objects):
        yield entity_definition(org, name, api_version)


def entity_definition(org: Org, name: str, api_version: str) -> Record:
    """The EntityDefinition row of one object of the org."""
    obj = org.objects[name]
    entry = obj.global_entry(api_version)
    namespace, developer = _split_name(name)
    internal, external = sharing_models(org, name)
    return {
        "Id": ENTITY_ID,
        "DurableId": _entity_durable_id(org, name),
        "QualifiedApiName": name,
        "DeveloperName": developer,
        "NamespacePrefix": namespace,
        "MasterLabel": entry.get("label", name),
        "Label": entry.get("label", name),
        "PluralLabel": entry.get("labelPlural", name),
        "KeyPrefix": obj.key_prefix,
        "IsCustomizable": True,
        "IsCustomSetting": bool(entry.get("customSetting", False)),
        "IsQueryable": bool(entry.get("queryable", True)),
        "IsDeprecatedAndHidden": False,
        "IsEverCreatable": bool(entry.get("createable", True)),
        "IsEverUpdatable": bool(entry.get("updateable", True)),
        "IsEverDeletable": bool(entry.get("deletable", True)),
        "IsTriggerable": bool(entry.get("triggerable", True)),
        "IsFieldHistoryTracked": False,
        "DeploymentStatus": "Deployed" if obj.custom else None,
        "InternalSharingModel": internal,
        "ExternalSharingModel": external,
        "LastModifiedDate": _iso(obj.last_modified),
        "LastModifiedById": org.users[0].id if org.users else None,
    }


_DATA_TYPES = {
    "id": "Lookup()", "string": "Text({length})", "textarea": "Text Area({length})",
    "encryptedstring": "Text (Encrypted)({length})", "email": "Email", "phone": "Phone",
    "url": "URL({length})", "picklist": "Picklist", "multipicklist": "Picklist (Multi-Select)",
    "combobox": "Picklist", "boolean": "Checkbox", "int": "Number({digits}, 0)",
    "double": "Number({precision}, {scale})", "currency": "Currency({precision}, {scale})",
    "percent": "Percent({precision}, {scale})", "date": "Date", "datetime": "Date/Time",
    "time": "Time", "base64": "File", "address": "Address", "location": "Geolocation",
}


def _data_type(field: Mapping[str, Any]) -> str:
    """The Setup-UI style DataType FieldDefinition reports ('Text(80)', 'Lookup(User)')."""
    kind = str(field.get("type", "string"))
    if kind == "reference":
        targets = ",".join(field.get("referenceTo") or [])
        return f"Lookup({targets})"
    template = _DATA_TYPES.get(kind, kind)
    return template.format(length=field.get("length") or 0, digits=field.get("digits") or 18,
                           precision=field.get("precision") or 18, scale=field.get("scale") or 0)


def _field_metadata(org: Org, entity: str, field_name: str) -> dict[str, Any]:
    """Classification keys of a field: from its compact definition or ``field_metadata``."""
    obj = org.sobject(entity)
    compact = obj.compact if obj is not None else None
    if compact is not None:
        spec = next((f for f in compact.fields if f.name.lower() == field_name.lower()), None)
        if spec is not None:
            return {
                "classification": spec.classification,
                "compliance_groups": spec.compliance_groups,
                "business_status": spec.business_status,
                "business_owner": spec.business_owner,
                "description": spec.description,
                "history_tracked": bool(spec.extra.get("history_tracked", False)),
            }
    found = org.field_metadata.get(f"{entity}.{field_name}") or {}
    return dict(found)


def field_definitions(org: Org, entity: str, api_version: str) -> Iterator[Record]:
    """The FieldDefinition rows of one object, derived from its describe."""
    obj = org.sobject(entity)
    if obj is None:
        return
    describe = obj.describe(api_version)
    durable = _entity_durable_id(org, obj.name)
    for field in describe.get("fields", []):
        yield _field_definition(org, obj.name, durable, field, obj.last_modified)


def _field_definition(
    org: Org, entity: str, durable: str, field: Mapping[str, Any], modified: datetime
) -> Record:
    name = str(field["name"])
    namespace, developer = _split_name(name)
    meta = _field_metadata(org, entity, name)
    groups = meta.get("compliance_groups") or []
    return {
        "Id": ENTITY_ID,
        "DurableId": f"{durable}.{name}",
        "QualifiedApiName": name,
        "DeveloperName": developer,
        "NamespacePrefix": namespace,
        "MasterLabel": field.get("label", name),
        "Label": field.get("label", name),
        "DataType": _data_type(field),
        "Length": field.get("length"),
        "Precision": field.get("precision"),
        "Scale": field.get("scale"),
        "IsNillable": bool(field.get("nillable", True)),
        "IsIndexed": bool(field.get("idLookup", False) or field.get("externalId", False)),
        "IsCalculated": bool(field.get("calculated", False)),
        "IsApiFilterable": bool(field.get("filterable", True)),
        "IsApiSortable": bool(field.get("sortable", True)),
        "IsFieldHistoryTracked": bool(meta.get("history_tracked", False)),
        "IsPolymorphicForeignKey": bool(field.get("polymorphicForeignKey", False)),
        "RelationshipName": field.get("relationshipName"),
        "ExtraTypeInfo": field.get("extraTypeInfo"),
        "ValueTypeId": str(field.get("soapType", "xsd:string")).split(":")[-1],
        "SecurityClassification": meta.get("classification"),
        "ComplianceGroup": ";".join(groups) if isinstance(groups, list) else groups,
        "BusinessStatus": meta.get("business_status"),
        "BusinessOwnerId": meta.get("business_owner"),
        "Description": meta.get("description"),
        "EntityDefinitionId": durable,
        "LastModifiedDate": _iso(modified),
        "LastModifiedById": org.users[0].id if org.users else None,
    }


_PARTICLE_KEYS = (
    "Id", "DurableId", "QualifiedApiName", "DeveloperName", "NamespacePrefix", "MasterLabel",
    "Label", "Length", "Precision", "Scale", "IsNillable", "IsCalculated",
    "IsApiFilterable", "IsApiSortable", "RelationshipName", "ExtraTypeInfo", "ValueTypeId",
    "EntityDefinitionId", "FieldDefinitionId",
)


def entity_particles(org: Org, entity: str, api_version: str) -> Iterator[Record]:
    """EntityParticle rows: one per field of the describe (a compound field and its parts each), with the
    describe's API data type (`string`, `reference`, …) where FieldDefinition shows the Setup UI's."""
    obj = org.sobject(entity)
    if obj is None:
        return
    fields = {str(field["name"]): field for field in obj.describe(api_version).get("fields", [])}
    compounds = {str(field["compoundFieldName"]) for field in fields.values() if field.get("compoundFieldName")}
    for row in field_definitions(org, entity, api_version):
        field = fields[str(row["QualifiedApiName"])]
        particle = {key: row.get(key) for key in _PARTICLE_KEYS}
        particle.update(_particle_columns(field, compounds))
        particle["FieldDefinitionId"] = row["DurableId"]
        yield particle


def _particle_columns(field: Mapping[str, Any], compounds: set[str]) -> Record:
    return {
        "DataType": str(field.get("type", "string")),
        "ByteLength": field.get("byteLength"),
        "Digits": field.get("digits"),
        "IsCompound": str(field["name"]) in compounds,
        "IsComponent": bool(field.get("compoundFieldName")),
        "IsCreatable": bool(field.get("createable", False)),
        "IsUpdatable": bool(field.get("updateable", False)),
        "IsUnique": bool(field.get("unique", False)),
        "IsIdLookup": bool(field.get("idLookup", False)),
        "IsNameField": bool(field.get("nameField", False)),
        "IsAutonumber": bool(field.get("autoNumber", False)),
        "IsCaseSensitive": bool(field.get("caseSensitive", False)),
        "IsDependentPicklist": bool(field.get("dependentPicklist", False)),
        "IsEncrypted": bool(field.get("encrypted", False)),
        "IsHtmlFormatted": bool(field.get("htmlFormatted", False)),
        "IsApiGroupable": bool(field.get("groupable", False)),
        "InlineHelpText": field.get("inlineHelpText"),
        "ReferenceTo": {"referenceTo": list(field.get("referenceTo") or [])},
    }


def custom_objects(org: Org, api_version: str) -> Iterator[Record]:
    """Tooling CustomObject rows: one per custom object (`__c`) and external object (`__x`) of the org."""
    for name in sorted(org.objects):
        if name.endswith(("__c", "__x")):
            yield custom_object(org, name, api_version)


def custom_object(org: Org, name: str, api_version: str) -> Record:
    obj = org.objects[name]
    namespace, developer = _split_name(name)
    internal, external = sharing_models(org, name)
    compact = obj.compact
    description = compact.description if compact is not None else None
    label = obj.global_entry(api_version).get("label", name)
    # An external object's source and table: the Metadata names the ExternalDataSource (its DeveloperName).
    source = compact.external_data_source if compact is not None else None
    table = (compact.external_name if compact is not None else None) or (developer if name.endswith("__x") else None)
    return {
        "Id": to_18(_entity_durable_id(org, name)), "DeveloperName": developer, "NamespacePrefix": namespace,
        "Description": description, "SharingModel": internal, "ExternalSharingModel": external,
        "ExternalName": table, "ExternalRepository": None,
        "ManageableState": "installed" if namespace else "unmanaged", "FullName": name,
        "CreatedDate": _iso(obj.last_modified), "LastModifiedDate": _iso(obj.last_modified),
        "Metadata": {"label": label, "description": description, "sharingModel": internal,
                     "externalSharingModel": external, "deploymentStatus": "Deployed",
                     "externalDataSource": source, "externalName": table, "externalRepository": None},
    }


def custom_fields(org: Org, entities: Iterable[str], api_version: str) -> Iterator[Record]:
    """Tooling CustomField rows: one per custom field (`__c`, `__pc`) of each object named."""
    for entity in entities:
        obj = org.sobject(entity)
        if obj is None:
            continue
        table = obj.name if not obj.custom else _entity_durable_id(org, obj.name)
        for field in obj.describe(api_version).get("fields", []):
            if field.get("custom") or str(field["name"]).endswith(("__c", "__pc")):
                yield _custom_field(org, obj.name, table, field)


def _custom_field(org: Org, entity: str, table: str, field: Mapping[str, Any]) -> Record:
    name = str(field["name"])
    namespace, developer = _split_name(name)
    description = _field_metadata(org, entity, name).get("description")
    number = int.from_bytes(hashlib.blake2b(f"{entity}.{name}".encode(), digest_size=8).digest(), "big") % 62**9
    return {
        "Id": record_id("00N", number), "DeveloperName": developer, "NamespacePrefix": namespace,
        "TableEnumOrId": table, "Description": description, "InlineHelpText": field.get("inlineHelpText"),
        "Length": field.get("length"), "ManageableState": "installed" if namespace else "unmanaged",
        "FullName": f"{entity}.{name}",
        "Metadata": {"label": field.get("label", name), "type": _metadata_type(field), "description": description,
                     "inlineHelpText": field.get("inlineHelpText"), "length": field.get("length") or None,
                     "required": not field.get("nillable", True), "unique": bool(field.get("unique", False)),
                     "encrypted": bool(field.get("encrypted", False)),
                     "referenceTo": (field.get("referenceTo") or [None])[0]},
    }


# Metadata API field types for describe types whose names differ.
_METADATA_TYPES = {"string": "Text", "textarea": "LongTextArea", "reference": "Lookup", "boolean": "Checkbox",
                   "double": "Number", "int": "Number", "datetime": "DateTime", "multipicklist": "MultiselectPicklist",
                   "encryptedstring": "EncryptedText", "url": "Url"}


def _metadata_type(field: Mapping[str, Any]) -> str:
    kind = str(field.get("type", "string"))
    if kind == "reference" and field.get("cascadeDelete"):
        return "MasterDetail"
    return _METADATA_TYPES.get(kind, kind[:1].upper() + kind[1:])


# ---------------------------------------------------------------------------------------
# Describes of tooling types (what the SOQL evaluator validates against)

_KNOWN_FIELDS: dict[str, dict[str, str]] = {
    "EntityDefinition": {"LastModifiedDate": "datetime", "KeyPrefix": "string", "InternalSharingModel": "picklist",
                         "ExternalSharingModel": "picklist"},
    "EntityParticle": {"ReferenceTo": "complexvalue", "InlineHelpText": "string", "ByteLength": "int",
                       "Digits": "int"},
    "CustomObject": {"DeveloperName": "string", "NamespacePrefix": "string", "Description": "string",
                     "SharingModel": "picklist", "ExternalSharingModel": "picklist", "ManageableState": "picklist",
                     "Metadata": "complexvalue", "FullName": "string"},
    "CustomField": {"DeveloperName": "string", "NamespacePrefix": "string", "TableEnumOrId": "string",
                    "Description": "string", "InlineHelpText": "string", "Length": "int",
                    "ManageableState": "picklist", "Metadata": "complexvalue", "FullName": "string"},
    "FieldDefinition": {"LastModifiedDate": "datetime", "Length": "int", "Precision": "int",
                        "Scale": "int", "ComplianceGroup": "multipicklist"},
    "ApexClass": {"Name": "string", "Body": "textarea", "NamespacePrefix": "string",
                  "ApiVersion": "double", "Status": "picklist", "LengthWithoutComments": "int",
                  "CreatedDate": "datetime", "LastModifiedDate": "datetime"},
    "Flow": {"Metadata": "complexvalue", "FullName": "string", "Status": "picklist",
             "VersionNumber": "int", "MasterLabel": "string", "ProcessType": "picklist",
             "DefinitionId": "reference", "LastModifiedDate": "datetime"},
    "WorkflowOutboundMessage": {"Metadata": "complexvalue", "FullName": "string",
                                "Name": "string", "ApiVersion": "double",
                                "EntityDefinitionId": "reference", "TableEnumOrId": "string"},
    # Types every org has, answered with zero rows when the definition declares none.
    "FlowDefinition": {"DeveloperName": "string", "MasterLabel": "string", "NamespacePrefix": "string",
                       "ActiveVersionId": "reference", "LatestVersionId": "reference"},
    "ApexTrigger": {"Name": "string", "TableEnumOrId": "string", "Body": "textarea", "Status": "picklist",
                    "ApiVersion": "double", "NamespacePrefix": "string"},
    "NamedCredential": {"DeveloperName": "string", "MasterLabel": "string", "Endpoint": "url",
                        "PrincipalType": "picklist", "NamespacePrefix": "string"},
    "ExternalCredential": {"DeveloperName": "string", "MasterLabel": "string",
                           "AuthenticationProtocol": "picklist", "NamespacePrefix": "string"},
    "RemoteProxy": {"SiteName": "string", "EndpointUrl": "url", "IsActive": "boolean",
                    "DisableProtocolSecurity": "boolean", "Description": "string", "NamespacePrefix": "string"},
    "ExternalServiceRegistration": {"DeveloperName": "string", "MasterLabel": "string",
                                    "NamedCredentialReference": "string", "Description": "string",
                                    "NamespacePrefix": "string"},
    "ConnectedApplication": {"Name": "string", "OptionsAllowAdminApprovedUsersOnly": "boolean",
                             "OptionsRefreshTokenValidityMetric": "boolean", "StartUrl": "url"},
    "LightningComponentBundle": {"DeveloperName": "string", "MasterLabel": "string", "NamespacePrefix": "string",
                                 "ApiVersion": "double", "Description": "string", "IsExposed": "boolean"},
    "LightningComponentResource": {"LightningComponentBundleId": "reference", "FilePath": "string",
                                   "Format": "picklist", "Source": "textarea"},
    "AuraDefinitionBundle": {"DeveloperName": "string", "MasterLabel": "string", "NamespacePrefix": "string",
                             "ApiVersion": "double", "Description": "string"},
    "AuraDefinition": {"AuraDefinitionBundleId": "reference", "DefType": "picklist", "Format": "picklist",
                       "Source": "textarea"},
    "PlatformEventChannelMember": {"DeveloperName": "string", "MasterLabel": "string", "EventChannel": "string",
                                   "SelectedEntity": "string", "NamespacePrefix": "string"},
}
_STANDARD_FIELDS = {"Id": "id", "CreatedDate": "datetime", "LastModifiedDate": "datetime",
                    "SystemModstamp": "datetime", "CreatedById": "reference",
                    "LastModifiedById": "reference"}
_ONE_ROW_FIELDS = ("metadata", "fullname")


def _value_type(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, Mapping | list):
        return "complexvalue"
    if isinstance(value, datetime) or name.endswith("Date"):
        return "datetime"
    return "string"


def _reference_target(type_name: str, field: str, known_types: Iterable[str]) -> str | None:
    if field in ("CreatedById", "LastModifiedById", "BusinessOwnerId"):
        return "User"
    if not field.endswith("Id") or field == "Id":
        return None
    stem = field[:-2]
    candidates = {t.lower(): t for t in known_types}
    if stem.lower() in candidates:
        return candidates[stem.lower()]
    if stem == "Definition" and type_name == "Flow":
        return "FlowDefinition"
    return None


def tooling_types(org: Org) -> list[str]:
    """The Tooling types ``org`` answers: those its definition holds rows of, and those every org has, less
    the ones it hides."""
    return [name for name in dict.fromkeys([*org.tooling, *DERIVED_TYPES, *_KNOWN_FIELDS])
            if name not in org.hidden_types]


def tooling_describe(org: Org, type_name: str, rows: Iterable[Record]) -> dict[str, Any]:
    """A minimal describe for a tooling type: its known fields plus every key its rows carry."""
    types: dict[str, str] = dict(_STANDARD_FIELDS)
    types.update(_KNOWN_FIELDS.get(type_name, {}))
    for row in rows:
        for key, value in row.items():
            if key != "attributes" and key not in types:
                types[key] = _value_type(key, value)
    known = [*tooling_types(org), "User"]
    fields: list[dict[str, Any]] = []
    for name, kind in types.items():
        target = _reference_target(type_name, name, known)
        if target is not None:
            relationship = name[:-2] if name != "BusinessOwnerId" else "BusinessOwner"
            fields.append({"name": name, "type": "reference", "referenceTo": [target],
                           "relationshipName": relationship})
        else:
            fields.append({"name": name, "type": kind, "referenceTo": [],
                           "relationshipName": None})
    return {"name": type_name, "fields": fields, "queryable": True}


# ---------------------------------------------------------------------------------------
# The query


class ToolingCatalog:
    """What one tooling query can see: tooling rows by type, describes, lookups."""

    def __init__(self, org: Org, api_version: str, entities: list[str] | None = None) -> None:
        self.org = org
        self.api_version = api_version
        self.entities = entities  # FieldDefinition is built for these objects only
        self._describes: dict[str, dict[str, Any] | None] = {}
        self._entity_names: dict[str, str] | None = None
        self._fields: dict[str, dict[str, Record]] = {}  # FieldDefinition rows by object, for relationship paths
        self._entity_rows: dict[str, Record] = {}  # EntityDefinition rows by object, for relationship paths

    def entity_name(self, key: str) -> str | None:
        """The object an EntityDefinition key names: its api name or (15- or 18-character) durable id."""
        if self._entity_names is None:
            self._entity_names = {}
            for name in self.org.objects:
                self._entity_names[name.lower()] = name
                self._entity_names[_entity_durable_id(self.org, name)[:15].lower()] = name
        return self._entity_names.get(key.lower()) or self._entity_names.get(key[:15].lower())

    def type_name(self, name: str) -> str | None:
        lowered = name.lower()
        return next((n for n in tooling_types(self.org) if n.lower() == lowered), None)

    def records(self, name: str) -> Iterable[Record]:
        if name == "EntityDefinition":
            return entity_definitions(self.org, self.api_version)
        if name in ("FieldDefinition", "EntityParticle"):
            make = field_definitions if name == "FieldDefinition" else entity_particles
            entities = self.entities or []
            return itertools.chain.from_iterable(
                make(self.org, entity, self.api_version) for entity in entities)
        if name == "CustomObject":
            return custom_objects(self.org, self.api_version)
        if name == "CustomField":
            return custom_fields(self.org, self.entities or sorted(self.org.objects), self.api_version)
        if name == "User":
            return self.org.records("User")
        return [_with_full_name(row) for row in self.org.tooling.get(name, [])]

    def describe(self, name: str) -> dict[str, Any] | None:
        if name.lower() == "user":
            user = self.org.sobject("User")
            if user is not None:
                return user.describe(self.api_version)
            return {"name": "User", "fields": [{"name": n, "type": "string"} for n in
                                               ("Id", "Name", "Username", "Email")]}
        canonical = self.type_name(name)
        if canonical is None:
            return None
        if canonical not in self._describes:
            sample = self._sample(canonical)
            self._describes[canonical] = tooling_describe(self.org, canonical, sample)
        return self._describes[canonical]

    def _sample(self, name: str) -> list[Record]:
        if name == "EntityDefinition":
            return list(itertools.islice(entity_definitions(self.org, self.api_version), 1))
        if name in ("FieldDefinition", "EntityParticle"):
            make = field_definitions if name == "FieldDefinition" else entity_particles
            first = next(iter(sorted(self.org.objects)), None)
            return list(itertools.islice(make(self.org, first, self.api_version), 1)) if first else []
        if name in ("CustomObject", "CustomField"):
            return list(itertools.islice(self.records(name), 1))
        return list(self.records(name))

    def lookup(self, name: str, key: str) -> Record | None:
        if name == "User":
            return self.org.get_record("User", key)
        if name == "EntityDefinition":
            entity = self.entity_name(key)
            return self.entity_definition(entity) if entity else None
        if name == "FieldDefinition":
            return self.field_definition(key)
        return next((r for r in self.records(name) if str(r.get("Id", ""))[:15] == key[:15]), None)


    def entity_definition(self, entity: str) -> Record:
        """The EntityDefinition row of an object, built once per query: each of its FieldDefinition rows looks it up."""
        if entity not in self._entity_rows:
            self._entity_rows[entity] = entity_definition(self.org, entity, self.api_version)
        return self._entity_rows[entity]

    def field_definition(self, durable_id: str) -> Record | None:
        """The FieldDefinition row a DurableId (`<entity>.<field>`) names, built once per object."""
        entity_key, _, field_name = durable_id.partition(".")
        entity = self.entity_name(entity_key)
        if entity is None:
            return None
        if entity not in self._fields:
            self._fields[entity] = {str(row["QualifiedApiName"]).lower(): row
                                    for row in field_definitions(self.org, entity, self.api_version)}
        return self._fields[entity].get(field_name.lower())


def _with_full_name(row: Record) -> Record:
    if "FullName" in row:
        return row
    name = row.get("DeveloperName") or row.get("Name") or row.get("MasterLabel")
    return {**row, "FullName": name} if name else row


def _entity_filter_values(query: soql.Query) -> list[str]:
    """Entities a FieldDefinition query pins with '=' or IN on a reified column."""
    values: list[str] = []
    for condition in query.conditions():
        path = condition.field.text.lower()
        if path not in _ENTITY_FILTER_PATHS:
            continue
        if isinstance(condition, soql.InList) and not condition.negated:
            values.extend(str(v.value) for v in condition.values)
        elif isinstance(condition, soql.Comparison) and condition.operator == "=":
            values.append(str(condition.value.value))
    return values


def _table_filter_values(query: soql.Query) -> list[str]:
    """Objects a CustomField query pins with TableEnumOrId '=' or IN."""
    values: list[str] = []
    for condition in query.conditions():
        if condition.field.text.lower() != "tableenumorid":
            continue
        if isinstance(condition, soql.InList) and not condition.negated:
            values.extend(str(v.value) for v in condition.values)
        elif isinstance(condition, soql.Comparison) and condition.operator == "=":
            values.append(str(condition.value.value))
    return values


def _entities_for(catalog: ToolingCatalog, values: list[str]) -> list[str]:
    """Object names from entity filter values (api names, durable ids, field durable ids)."""
    names: list[str] = []
    for value in values:
        name = catalog.entity_name(value.split(".")[0])
        if name is not None and name not in names:
            names.append(name)
    return names


def check_catalog_rules(query: soql.Query, type_name: str) -> None:
    """Refuse what Salesforce refuses on the metadata-catalog objects."""
    if type_name not in CATALOG_TYPES:
        return
    if query.count or query.count_field is not None:
        raise SalesforceError(400, "MALFORMED_QUERY", (
            "The requested operation is not yet supported by this SObject storage type, contact "
            "salesforce.com support for more information."))
    if query.uses("OR"):
        raise SalesforceError(400, "MALFORMED_QUERY", "Disjunctions not supported")
    negative = any(isinstance(c, soql.Comparison) and c.operator == "!=" for c in query.conditions())
    if query.uses("NOT") or negative:
        raise SalesforceError(400, "MALFORMED_QUERY", "Only equals comparisons permitted")
    if type_name in REIFIED_FILTERS and not _entity_filter_values(query):
        columns = ",".join(REIFIED_FILTERS[type_name])
        raise SalesforceError(400, "MALFORMED_QUERY",
                              f"{type_name}: a filter on a reified column is required [{columns}]")


@dataclass
class ToolingResult:
    """What a tooling query answers: the entity it read, its rows, or only a COUNT()."""

    entity: str
    rows: list[dict[str, Any]]
    total: int


def run_tooling_query(org: Org, text: str, api_version: str) -> ToolingResult:
    """Every row a tooling query answers (tooling result sets are small: catalog-sized)."""
    query = _parse(text)
    catalog = ToolingCatalog(org, api_version)
    type_name = catalog.type_name(query.sobject)
    if type_name is not None:
        check_catalog_rules(query, type_name)
    if type_name in REIFIED_FILTERS:
        catalog.entities = _entities_for(catalog, _entity_filter_values(query))
    elif type_name == "CustomField" and (tables := _table_filter_values(query)):
        catalog.entities = _entities_for(catalog, tables)  # read the objects filtered on, not the whole org
    if type_name in CATALOG_TYPES and (query.limit is not None or query.offset is not None):
        # documented: LIMIT and OFFSET are ignored on these objects
        query = _without_limits(query)
    entity = ENTITY_TYPE_NAMES.get(type_name or "", type_name or query.sobject)
    if query.count:
        return ToolingResult(entity, [], _count(query, catalog))
    rows = _execute(query, catalog, api_version)
    if any(query.selects(name) for name in _ONE_ROW_FIELDS) and len(rows) > 1:
        raise SalesforceError(400, "MALFORMED_QUERY", (
            "When retrieving results with Metadata or FullName fields, the query qualifications "
            f"must specify no more than one row for retrieval. Result size: {len(rows)}"))
    return ToolingResult(entity, rows, len(rows))


def _without_limits(query: soql.Query) -> soql.Query:
    return dataclasses.replace(query, limit=None, offset=None)


def _parse(text: str) -> soql.Query:
    try:
        return soql.parse(text)
    except soql.SoqlError as error:
        raise SalesforceError(400, error.error_code, error.message) from error


def _execute(query: soql.Query, catalog: ToolingCatalog, api_version: str) -> list[dict[str, Any]]:
    base_url = f"/services/data/v{api_version}/tooling/sobjects"
    try:
        return list(soql.execute(query, catalog.records, describe=catalog.describe,
                                 lookup=catalog.lookup, now=catalog.org.now, base_url=base_url))
    except soql.SoqlError as error:
        raise SalesforceError(400, error.error_code, error.message) from error


def _count(query: soql.Query, catalog: ToolingCatalog) -> int:
    try:
        return soql.count(query, catalog.records, describe=catalog.describe, lookup=catalog.lookup,
                          now=catalog.org.now)
    except soql.SoqlError as error:
        raise SalesforceError(400, error.error_code, error.message) from error


# ---------------------------------------------------------------------------------------
# Paging (query locators)


@dataclass
class _Cursor:
    rows: list[dict[str, Any]]
    entity: str
    position: int


_CURSORS: dict[str, _Cursor] = {}
_CURSOR_LOCK = threading.Lock()
_LOCATOR_COUNTER = itertools.count(1)
DEFAULT_BATCH_SIZE = 2000
MAX_CURSORS = 200


def _batch_size(request: SimRequest) -> int:
    options = request.headers.get("Sforce-Query-Options", "")
    match = re.search(r"batchSize\s*=\s*(\d+)", options)
    if not match:
        return DEFAULT_BATCH_SIZE
    return max(200, min(2000, int(match.group(1))))


def _page(request: SimRequest, cursor: _Cursor, locator: str, size: int) -> dict[str, Any]:
    version = request.api_version or request.org.max_api_version
    end = min(cursor.position + size, len(cursor.rows))
    records = cursor.rows[cursor.position:end]
    cursor.position = end
    done = end >= len(cursor.rows)
    body: dict[str, Any] = {"size": len(cursor.rows), "totalSize": len(cursor.rows),
                            "done": done, "queryLocator": None if done else f"{locator}-{end}",
                            "entityTypeName": cursor.entity, "records": records}
    if not done:
        body["nextRecordsUrl"] = f"/services/data/v{version}/tooling/query/{locator}-{end}"
    else:
        with _CURSOR_LOCK:
            _CURSORS.pop(locator, None)
    return body


def _new_locator() -> str:
    return f"01g8d{next(_LOCATOR_COUNTER):010d}AAA"


def query_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    text = request.param("q")
    if not text:
        raise SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified")
    version = request.api_version or request.org.max_api_version
    result = run_tooling_query(request.org, text, version)
    if not result.rows:
        return SimResponse(body={"size": result.total, "totalSize": result.total, "done": True,
                                 "queryLocator": None, "entityTypeName": result.entity,
                                 "records": []})
    locator = _new_locator()
    cursor = _Cursor(result.rows, result.entity, 0)
    with _CURSOR_LOCK:
        _CURSORS[locator] = cursor
        while len(_CURSORS) > MAX_CURSORS:  # abandoned locators go, oldest first
            _CURSORS.pop(next(iter(_CURSORS)))
    return SimResponse(body=_page(request, cursor, locator, _batch_size(request)))


def query_more_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    locator, position = match.group("locator"), int(match.group("position"))
    with _CURSOR_LOCK:
        cursor = _CURSORS.get(locator)
    if cursor is None or cursor.position != position:
        raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return SimResponse(body=_page(request, cursor, locator, _batch_size(request)))


# ---------------------------------------------------------------------------------------
# tooling/sobjects


def _type_or_404(catalog: ToolingCatalog, name: str) -> str:
    canonical = catalog.type_name(name)
    if canonical is None:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
    return canonical


def global_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    version = request.api_version or request.org.max_api_version
    catalog = ToolingCatalog(request.org, version)
    names = sorted(tooling_types(request.org))
    sobjects = [{"name": name, "label": name, "queryable": True, "retrieveable": True,
                 "custom": False, "keyPrefix": None,
                 "urls": {"sobject": f"/services/data/v{version}/tooling/sobjects/{name}",
                          "describe": f"/services/data/v{version}/tooling/sobjects/{name}/describe"}}
                for name in names if catalog.describe(name) is not None]
    return SimResponse(body={"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})


def describe_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    version = request.api_version or request.org.max_api_version
    catalog = ToolingCatalog(request.org, version)
    name = _type_or_404(catalog, match.group("type"))
    return SimResponse(body=catalog.describe(name))


def retrieve_handler(request: SimRequest, match: re.Match[str]) -> SimResponse:
    """One tooling record with every field, Metadata included (retrieval by id is one row)."""
    version = request.api_version or request.org.max_api_version
    catalog = ToolingCatalog(request.org, version)
    name = _type_or_404(catalog, match.group("type"))
    record = catalog.lookup(name, match.group("id"))
    if record is None:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
    url = f"/services/data/v{version}/tooling/sobjects/{name}/{record.get('Id')}"
    body: dict[str, Any] = {"attributes": {"type": name, "url": url}}
    describe = catalog.describe(name) or {"fields": []}
    types = {f["name"]: f.get("type", "string") for f in describe["fields"]}
    for key, value in _with_full_name(record).items():
        body[key] = soql.render_value(value, types.get(key, "string"))
    return SimResponse(body=body)


ROUTES: list[Route] = [
    Route("GET", re.compile(r"/?tooling/query/?"), query_handler),
    Route("GET", re.compile(r"/?tooling/query/(?P<locator>01g\w+)-(?P<position>\d+)/?"),
          query_more_handler),
    Route("GET", re.compile(r"/?tooling/sobjects/?"), global_handler),
    Route("GET", re.compile(r"/?tooling/sobjects/(?P<type>\w+)/describe/?"), describe_handler),
    Route("GET", re.compile(r"/?tooling/sobjects/(?P<type>\w+)/(?P<id>[\w.]+)/?"),
          retrieve_handler),
]


# ---------------------------------------------------------------------------------------
# FlowDefinitionView: a standard object (REST query, not Tooling) derived from the flows


FLOW_DEFINITION_VIEW = "FlowDefinitionView"


def flow_definition_views(org: Org) -> list[Record]:
    """One FlowDefinitionView row per flow definition, from its latest and active versions."""
    flows = org.tooling.get("Flow", [])
    definitions = {str(d["Id"]): d for d in org.tooling.get("FlowDefinition", []) if d.get("Id")}
    for flow in flows:
        definitions.setdefault(str(flow.get("DefinitionId") or flow.get("Id")), {})
    return [_flow_view(org, def_id, definition, flows) for def_id, definition in definitions.items()]


def _flow_view(org: Org, def_id: str, definition: Record, flows: list[Record]) -> Record:
    versions = [f for f in flows if str(f.get("DefinitionId") or f.get("Id")) == def_id]
    latest: Record = max(versions, key=lambda f: int(f.get("VersionNumber") or 0), default={})
    active_id = definition.get("ActiveVersionId") if definition else None
    if not definition:
        active_id = next((f["Id"] for f in versions if f.get("Status") == "Active"), None)
    active = next((f for f in versions if f.get("Id") == active_id), None)
    shown: Record = active or latest
    metadata = _mapping(shown.get("Metadata"))
    start = _mapping(metadata.get("start"))
    api_name = definition.get("DeveloperName") or str(shown.get("FullName", "")).split("-")[0]
    return {
        "Id": def_id,
        "DurableId": def_id,
        "ApiName": api_name or None,
        "Label": definition.get("MasterLabel") or shown.get("MasterLabel"),
        "Description": definition.get("Description") or shown.get("Description"),
        "ProcessType": shown.get("ProcessType") or metadata.get("processType"),
        "TriggerType": start.get("triggerType"),
        "RecordTriggerType": start.get("recordTriggerType"),
        "TriggerObjectOrEventLabel": start.get("object"),
        "TriggerObjectOrEventId": _entity_durable_id(org, str(start["object"])) if start.get("object") else None,
        "ActiveVersionId": active_id,
        "LatestVersionId": definition.get("LatestVersionId") or latest.get("Id"),
        "IsActive": active_id is not None,
        "IsTemplate": False,
        "ManageableState": "unmanaged",
        "NamespacePrefix": definition.get("NamespacePrefix"),
        "LastModifiedDate": shown.get("LastModifiedDate") or definition.get("LastModifiedDate"),
        "LastModifiedBy": org.users[0].name if org.users else None,
    }


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def register(org: Org) -> None:
    """Declare FlowDefinitionView on ``org`` (idempotent): queryable through REST query."""
    from salesforce_simulator import definition  # the loader imports the modules that use it
    from salesforce_simulator.describe import CompactField, CompactObject

    with org.lock:
        if org.sobject(FLOW_DEFINITION_VIEW) is not None:
            return
        rows = flow_definition_views(org)
        types = {"IsActive": "boolean", "IsTemplate": "boolean", "LastModifiedDate": "datetime",
                 "Id": "id"}
        names = list(rows[0]) if rows else ["Id", "DurableId", "ApiName", "Label", "IsActive"]
        fields = [CompactField(name, types.get(name, "string"), custom=False) for name in names]
        obj = CompactObject(FLOW_DEFINITION_VIEW, "Flow Definition View", "Flow Definition Views",
                            custom=False, key_prefix="300", fields=fields, system_fields=False,
                            last_modified=org.now)
        definition.register_compact_object(org, obj, list)
        org.record_sources[FLOW_DEFINITION_VIEW] = ListRecordSource(rows)
