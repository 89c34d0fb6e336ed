"""Describe JSON for compact object definitions, shaped like real Salesforce payloads.

The key lists below are the key sets, in order, of the real describe payloads under
/work/shared/data/salesforce/describe/ (a test keeps them equal), so a compact object
and a captured one look alike to any client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FIELD_KEYS = (
    "aggregatable", "aiPredictionField", "autoNumber", "byteLength", "calculated",
    "calculatedFormula", "cascadeDelete", "caseSensitive", "compoundFieldName",
    "controllerName", "createable", "custom", "defaultValue", "defaultValueFormula",
    "defaultedOnCreate", "dependentPicklist", "deprecatedAndHidden", "digits",
    "displayLocationInDecimal", "encrypted", "externalId", "extraTypeInfo", "filterable",
    "filteredLookupInfo", "formulaTreatNullNumberAsZero", "groupable", "highScaleNumber",
    "htmlFormatted", "idLookup", "inlineHelpText", "label", "length", "mask", "maskType",
    "name", "nameField", "namePointing", "nillable", "permissionable", "picklistValues",
    "polymorphicForeignKey", "precision", "queryByDistance", "referenceTargetField",
    "referenceTo", "relationshipName", "relationshipOrder", "restrictedDelete",
    "restrictedPicklist", "scale", "searchPrefilterable", "soapType", "sortable", "type",
    "unique", "updateable", "writeRequiresMasterRead",
)  # fmt: skip

OBJECT_KEYS = (
    "actionOverrides", "activateable", "associateEntityType", "associateParentEntity",
    "childRelationships", "compactLayoutable", "createable", "custom", "customSetting",
    "deepCloneable", "defaultImplementation", "deletable", "deprecatedAndHidden",
    "extendedBy", "extendsInterfaces", "feedEnabled", "fields", "hasSubtypes",
    "implementedBy", "implementsInterfaces", "isInterface", "isSubtype", "keyPrefix",
    "label", "labelPlural", "layoutable", "listviewable", "lookupLayoutable", "mergeable",
    "mruEnabled", "name", "namedLayoutInfos", "networkScopeFieldName", "queryable",
    "recordTypeInfos", "replicateable", "retrieveable", "searchLayoutable", "searchable",
    "sobjectDescribeOption", "supportedScopes", "triggerable", "undeletable", "updateable",
    "urls",
)  # fmt: skip

GLOBAL_ENTRY_KEYS = (
    "activateable", "associateEntityType", "associateParentEntity", "createable", "custom",
    "customSetting", "deepCloneable", "deletable", "deprecatedAndHidden", "feedEnabled",
    "hasSubtypes", "isInterface", "isSubtype", "keyPrefix", "label", "labelPlural",
    "layoutable", "mergeable", "mruEnabled", "name", "queryable", "replicateable",
    "retrieveable", "searchable", "triggerable", "undeletable", "updateable", "urls",
)  # fmt: skip

CHILD_RELATIONSHIP_KEYS = (
    "cascadeDelete", "childSObject", "deprecatedAndHidden", "field", "junctionIdListNames",
    "junctionReferenceTo", "relationshipName", "restrictedDelete",
)  # fmt: skip

MASTER_RECORD_TYPE_ID = "012000000000000AAA"

# type → (soapType, default length, bytes per character of length)
_TYPE_SHAPES: dict[str, tuple[str, int, int]] = {
    "id": ("tns:ID", 18, 1),
    "reference": ("tns:ID", 18, 1),
    "string": ("xsd:string", 255, 3),
    "encryptedstring": ("xsd:string", 175, 3),
    "textarea": ("xsd:string", 255, 3),
    "email": ("xsd:string", 80, 3),
    "phone": ("xsd:string", 40, 3),
    "url": ("xsd:string", 255, 3),
    "picklist": ("xsd:string", 255, 3),
    "multipicklist": ("xsd:string", 4099, 3),
    "combobox": ("xsd:string", 255, 3),
    "boolean": ("xsd:boolean", 0, 0),
    "int": ("xsd:int", 0, 0),
    "double": ("xsd:double", 0, 0),
    "currency": ("xsd:double", 0, 0),
    "percent": ("xsd:double", 0, 0),
    "date": ("xsd:date", 0, 0),
    "datetime": ("xsd:dateTime", 0, 0),
    "time": ("xsd:time", 0, 0),
    "base64": ("xsd:base64Binary", 32000000, 4),
    "address": ("urn:address", 0, 0),
    "location": ("urn:location", 0, 0),
}

FIELD_TYPES = tuple(_TYPE_SHAPES)
_NUMERIC = {"double", "currency", "percent"}
_UNGROUPABLE = {"double", "currency", "percent", "datetime", "address", "location", "base64"}
_UNFILTERABLE_LONG_TEXT = 255  # textareas longer than this are long text: not filterable


@dataclass
class CompactField:
    """One field as the org-definition YAML states it (see docs/org-definition.md)."""

    name: str
    type: str = "string"
    label: str = ""
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    digits: int | None = None
    reference_to: list[str] = field(default_factory=list)
    relationship_name: str | None = None
    picklist_values: list[str] = field(default_factory=list)
    nillable: bool | None = None
    unique: bool = False
    external_id: bool = False
    encrypted: bool = False
    custom: bool | None = None
    formula: str | None = None
    default_value: Any = None
    help_text: str | None = None
    compound_field_name: str | None = None
    cascade_delete: bool = False
    name_field: bool = False
    description: str | None = None
    classification: str | None = None  # FieldDefinition.SecurityClassification
    compliance_groups: list[str] = field(default_factory=list)  # FieldDefinition.ComplianceGroup
    business_status: str | None = None  # FieldDefinition.BusinessStatus
    business_owner: str | None = None  # FieldDefinition.BusinessOwnerId
    overrides: dict[str, Any] = field(default_factory=dict)  # raw describe keys, applied last
    extra: dict[str, Any] = field(default_factory=dict)  # keys the loader does not interpret

    @property
    def is_custom(self) -> bool:
        return self.custom if self.custom is not None else self.name.endswith("__c")


@dataclass
class CompactObject:
    """One object as the org-definition YAML states it."""

    name: str
    label: str = ""
    label_plural: str = ""
    custom: bool | None = None
    key_prefix: str | None = None
    last_modified: datetime | None = None
    record_types: list[str] = field(default_factory=list)
    fields: list[CompactField] = field(default_factory=list)
    system_fields: bool = True  # add Id, Name, OwnerId, IsDeleted, audit fields when absent
    description: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)  # raw describe keys, applied last
    sharing_model: str | None = None  # organization-wide default for internal users (EntityDefinition)
    external_sharing_model: str | None = None  # the same for external users
    # An external object's (`__x`) ExternalDataSource (its DeveloperName) and table there (Tooling CustomObject)
    external_data_source: str | None = None
    external_name: str | None = None

    @property
    def is_custom(self) -> bool:
        return self.custom if self.custom is not None else self.name.endswith("__c")

    def all_fields(self) -> list[CompactField]:
        """The declared fields, preceded by the system fields Salesforce always has."""
        if not self.system_fields:
            return list(self.fields)
        declared = {f.name for f in self.fields}
        system = [f for f in system_fields_for(self) if f.name not in declared]
        id_field = [f for f in system if f.name == "Id"]
        return id_field + list(self.fields) + [f for f in system if f.name != "Id"]


@dataclass(frozen=True)
class ChildRelationship:
    child_sobject: str
    field: str
    relationship_name: str | None
    cascade_delete: bool = False


def system_fields_for(obj: CompactObject) -> list[CompactField]:
    """Fields every (custom) object carries without declaring them."""
    label = obj.label or obj.name
    return [
        CompactField("Id", "id", f"{label} ID", custom=False, nillable=False),
        CompactField("OwnerId", "reference", "Owner ID", reference_to=["User"],
                     relationship_name="Owner", custom=False, nillable=False),
        CompactField("IsDeleted", "boolean", "Deleted", custom=False),
        CompactField("Name", "string", f"{label} Name", length=80, custom=False,
                     name_field=True),
        CompactField("CreatedDate", "datetime", "Created Date", custom=False, nillable=False),
        CompactField("CreatedById", "reference", "Created By ID", reference_to=["User"],
                     relationship_name="CreatedBy", custom=False, nillable=False),
        CompactField("LastModifiedDate", "datetime", "Last Modified Date", custom=False,
                     nillable=False),
        CompactField("LastModifiedById", "reference", "Last Modified By ID",
                     reference_to=["User"], relationship_name="LastModifiedBy", custom=False,
                     nillable=False),
        CompactField("SystemModstamp", "datetime", "System Modstamp", custom=False,
                     nillable=False),
    ]  # fmt: skip


def label_from_name(api_name: str) -> str:
    """``FinServ__Account_Number__c`` → ``Account Number``."""
    base = api_name.removesuffix("__c").removesuffix("__pc")
    base = base.split("__")[-1]
    return base.replace("_", " ").strip() or api_name


def field_describe(spec: CompactField) -> dict[str, Any]:
    """The describe JSON of one field, keys in the real payloads' order."""
    if spec.type not in _TYPE_SHAPES:
        raise ValueError(f"unknown field type {spec.type!r} on {spec.name}")
    values = _field_defaults(spec)
    values.update(_type_specifics(spec))
    values.update(spec.overrides)
    return {key: values[key] for key in FIELD_KEYS}


def _field_defaults(spec: CompactField) -> dict[str, Any]:
    system_managed = spec.type == "id" or spec.name in {
        "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
        "SystemModstamp", "IsDeleted",
    }  # fmt: skip
    writable = not system_managed and spec.formula is None
    is_boolean = spec.type == "boolean"
    return {
        "aggregatable": spec.type not in {"boolean", "textarea", "address", "location"},
        "aiPredictionField": False,
        "autoNumber": False,
        "byteLength": 0,
        "calculated": spec.formula is not None,
        "calculatedFormula": spec.formula,
        "cascadeDelete": spec.cascade_delete,
        "caseSensitive": False,
        "compoundFieldName": spec.compound_field_name,
        "controllerName": None,
        "createable": writable,
        "custom": spec.is_custom,
        "defaultValue": spec.default_value if not is_boolean else bool(spec.default_value),
        "defaultValueFormula": None,
        "defaultedOnCreate": is_boolean or system_managed or spec.name == "OwnerId",
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": 0,
        "displayLocationInDecimal": False,
        "encrypted": spec.encrypted,
        "externalId": spec.external_id,
        "extraTypeInfo": None,
        "filterable": spec.type not in {"textarea", "multipicklist"} or _short_text(spec),
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": spec.type not in _UNGROUPABLE and _short_text(spec),
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": spec.type == "id" or spec.external_id or spec.name_field,
        "inlineHelpText": spec.help_text,
        "label": spec.label or label_from_name(spec.name),
        "length": 0,
        "mask": None,
        "maskType": None,
        "name": spec.name,
        "nameField": spec.name_field,
        "namePointing": False,
        "nillable": _nillable(spec, system_managed),
        "permissionable": spec.is_custom and writable and spec.nillable is not False,
        "picklistValues": [],
        "polymorphicForeignKey": False,
        "precision": 0,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": [],
        "relationshipName": None,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": False,
        "scale": 0,
        "searchPrefilterable": False,
        "soapType": _TYPE_SHAPES[spec.type][0],
        "sortable": spec.type not in {"address", "location", "multipicklist"}
        and _short_text(spec),
        "type": spec.type,
        "unique": spec.unique,
        "updateable": writable,
        "writeRequiresMasterRead": False,
    }


def _nillable(spec: CompactField, system_managed: bool) -> bool:
    if spec.nillable is not None:
        return spec.nillable
    return not (system_managed or spec.type == "boolean")


def _short_text(spec: CompactField) -> bool:
    return spec.type != "textarea" or (spec.length or 255) <= _UNFILTERABLE_LONG_TEXT


def _type_specifics(spec: CompactField) -> dict[str, Any]:
    _, default_length, bytes_per_char = _TYPE_SHAPES[spec.type]
    values: dict[str, Any] = {}
    if default_length:
        length = spec.length or default_length
        values["length"] = length
        values["byteLength"] = length * bytes_per_char
    if spec.type in _NUMERIC:
        values["precision"] = spec.precision if spec.precision is not None else 18
        values["scale"] = spec.scale if spec.scale is not None else 2
    if spec.type == "int":
        values["digits"] = spec.digits if spec.digits is not None else 18
    if spec.type == "textarea":
        values["extraTypeInfo"] = "plaintextarea"
    if spec.type == "reference":
        values["referenceTo"] = list(spec.reference_to)
        values["relationshipName"] = spec.relationship_name or _relationship_name(spec.name)
        values["polymorphicForeignKey"] = len(spec.reference_to) > 1
        values["cascadeDelete"] = spec.cascade_delete
    if spec.type in {"picklist", "multipicklist", "combobox"}:
        values["picklistValues"] = [_picklist_entry(value) for value in spec.picklist_values]
        values["restrictedPicklist"] = spec.type != "combobox"
    if spec.type == "encryptedstring":
        values["mask"] = "X"
        values["maskType"] = "all"
    return values


def _relationship_name(field_name: str) -> str | None:
    if field_name.endswith("__c"):
        return field_name[:-3] + "__r"
    if field_name.endswith("Id") and len(field_name) > 2:
        return field_name[:-2]
    return None


def _picklist_entry(value: str) -> dict[str, Any]:
    return {"active": True, "defaultValue": False, "label": value, "validFor": None, "value": value}


def object_urls(name: str, key_prefix: str | None, api_version: str, ui_host: str) -> dict[str, str]:
    base = f"/services/data/v{api_version}/sobjects/{name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts",
        "uiDetailTemplate": f"https://{ui_host}/{{ID}}",
        "uiEditTemplate": f"https://{ui_host}/{{ID}}/e",
        "listviews": f"{base}/listviews",
        "describe": f"{base}/describe",
        "uiNewRecord": f"https://{ui_host}/{key_prefix or '000'}/e",
        "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts",
        "sobject": base,
    }


def global_entry(obj: CompactObject, api_version: str, ui_host: str) -> dict[str, Any]:
    """The object's entry in describeGlobal's ``sobjects`` list."""
    full = _object_values(obj, api_version, ui_host)
    urls = {k: v for k, v in full["urls"].items() if not k.startswith("ui")}
    return {key: (urls if key == "urls" else full[key]) for key in GLOBAL_ENTRY_KEYS}


def object_describe(
    obj: CompactObject,
    api_version: str,
    ui_host: str,
    children: Iterable[ChildRelationship] = (),
) -> dict[str, Any]:
    """The full describe JSON of a compact object, keys in the real payloads' order."""
    values = _object_values(obj, api_version, ui_host)
    values["fields"] = [field_describe(spec) for spec in obj.all_fields()]
    values["childRelationships"] = [_child_entry(child) for child in children]
    values["recordTypeInfos"] = _record_type_infos(obj, api_version)
    values.update(obj.overrides)
    return {key: values[key] for key in OBJECT_KEYS}


def _object_values(obj: CompactObject, api_version: str, ui_host: str) -> dict[str, Any]:
    label = obj.label or label_from_name(obj.name)
    return {
        "actionOverrides": [],
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "childRelationships": [],
        "compactLayoutable": True,
        "createable": True,
        "custom": obj.is_custom,
        "customSetting": False,
        "deepCloneable": False,
        "defaultImplementation": None,
        "deletable": True,
        "deprecatedAndHidden": False,
        "extendedBy": None,
        "extendsInterfaces": None,
        "feedEnabled": not obj.is_custom,
        "fields": [],
        "hasSubtypes": False,
        "implementedBy": None,
        "implementsInterfaces": None,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix,
        "label": label,
        "labelPlural": obj.label_plural or f"{label}s",
        "layoutable": True,
        "listviewable": None,
        "lookupLayoutable": None,
        "mergeable": False,
        "mruEnabled": True,
        "name": obj.name,
        "namedLayoutInfos": [],
        "networkScopeFieldName": None,
        "queryable": True,
        "recordTypeInfos": [],
        "replicateable": True,
        "retrieveable": True,
        "searchLayoutable": True,
        "searchable": True,
        "sobjectDescribeOption": "FULL",
        "supportedScopes": [
            {"label": "All " + (obj.label_plural or f"{label}s").lower(), "name": "everything"},
            {"label": "My " + (obj.label_plural or f"{label}s").lower(), "name": "mine"},
        ],
        "triggerable": True,
        "undeletable": True,
        "updateable": True,
        "urls": object_urls(obj.name, obj.key_prefix, api_version, ui_host),
    }


def _child_entry(child: ChildRelationship) -> dict[str, Any]:
    return {
        "cascadeDelete": child.cascade_delete,
        "childSObject": child.child_sobject,
        "deprecatedAndHidden": False,
        "field": child.field,
        "junctionIdListNames": [],
        "junctionReferenceTo": [],
        "relationshipName": child.relationship_name,
        "restrictedDelete": False,
    }


def record_type_id(obj: CompactObject, index: int) -> str:
    """A stable RecordType id for the object's index-th declared record type."""
    from salesforce_simulator.org import record_id

    seed = sum(ord(char) for char in obj.name) * 100 + index
    return record_id("012", seed)


def _record_type_infos(obj: CompactObject, api_version: str) -> list[dict[str, Any]]:
    layouts = f"/services/data/v{api_version}/sobjects/{obj.name}/describe/layouts/"
    infos = [
        _record_type_info(name, record_type_id(obj, i), i == 0, False, layouts)
        for i, name in enumerate(obj.record_types)
    ]
    infos.append(
        _record_type_info("Master", MASTER_RECORD_TYPE_ID, not obj.record_types, True, layouts)
    )
    return infos


def _record_type_info(
    name: str, type_id: str, default: bool, master: bool, layouts: str
) -> dict[str, Any]:
    return {
        "active": True,
        "available": True,
        "defaultRecordTypeMapping": default,
        "developerName": name.replace(" ", "_"),
        "master": master,
        "name": name,
        "recordTypeId": type_id,
        "urls": {"layout": layouts + type_id},
    }


def children_by_parent(objects: Iterable[CompactObject]) -> dict[str, list[ChildRelationship]]:
    """Child relationships implied by every compact reference field, keyed by parent."""
    found: dict[str, list[ChildRelationship]] = {}
    for obj in objects:
        for spec in obj.all_fields():
            if spec.type != "reference":
                continue
            for parent in spec.reference_to:
                found.setdefault(parent, []).append(_child_of(obj, spec))
    return found


def _child_of(obj: CompactObject, spec: CompactField) -> ChildRelationship:
    plural = (obj.label_plural or obj.name).replace(" ", "_")
    name = plural + "__r" if spec.is_custom else None
    return ChildRelationship(obj.name, spec.name, name, spec.cascade_delete)


DescribeBuilder = Callable[[str], dict[str, Any]]
