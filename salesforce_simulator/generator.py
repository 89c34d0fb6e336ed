"""Deterministic synthetic orgs, computed from a seed and an index (``--generate``).

Every record is a pure function of (seed, index): row N is produced without producing rows
0..N-1, so a million consumers stream in constant memory and the same seed always serves
the same org. The consumers themselves come from ``population.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from salesforce_simulator import definition
from salesforce_simulator.describe import CompactField, CompactObject
from salesforce_simulator.org import (
    EventLogConfig,
    IndexedRecordSource,
    OAuthClient,
    Org,
    Record,
    SObjectType,
    User,
    base62,
    record_id,
    sf_datetime,
)
from salesforce_simulator.population import GENERATED_POD, fraction, mix, pick, populate

# ----------------------------------------------------------------------------------------
# Whole generated orgs

_GENERATED_TYPES = (
    "string", "string", "email", "phone", "picklist", "date", "datetime", "currency",
    "double", "boolean", "textarea", "reference", "int", "percent", "url",
)  # fmt: skip
# Fields about people, named as real orgs name them (so the classifier finds personal and sensitive ones):
# (API name stem, label, type, share of them Shield-encrypted). About one field in PERSONAL_FIELD_SHARE is one.
_PERSONAL_FIELDS = (
    ("Email", "Email", "email", 0.0), ("Mobile_Phone", "Mobile phone", "phone", 0.0),
    ("Birthdate", "Birth date", "date", 0.1), ("Home_Address", "Home address", "textarea", 0.1),
    ("Gender", "Gender", "picklist", 0.0), ("SSN", "Social Security Number", "string", 0.6),
    ("Tax_Id", "Tax ID", "string", 0.5), ("Passport_Number", "Passport number", "string", 0.5),
    ("Drivers_License", "Driver license number", "string", 0.3), ("Bank_Account", "Bank account number", "string", 0.5),
    ("Health_Condition", "Health condition", "textarea", 0.4), ("Religion", "Religion", "picklist", 0.0),
    ("Ethnicity", "Ethnicity", "picklist", 0.0), ("Precise_Location", "Precise geolocation", "string", 0.2),
)  # fmt: skip
PERSONAL_FIELD_SHARE = 0.15
RECORDS_PER_GENERATED_OBJECT = 5
GENERATED_REPORTS = 49  # the reports 00O 1 to 49, which the generated event logs run and export
EVENT_TYPES = ("API", "RestApi", "BulkApi", "ReportExport", "Report", "ApexCallout",
               "ApiTotalUsage", "Login")  # fmt: skip


@dataclass(frozen=True)
class GeneratedCredentials:
    username: str
    password: str
    security_token: str
    consumer_key: str
    consumer_secret: str


def _token(seed: int, salt: int, width: int) -> str:
    """``width`` deterministic base-62 characters (two hashes, so no run of leading zeros)."""
    return base62(((mix(seed, salt, 1) << 64) | mix(seed, salt, 2)) % 62**width, width)


def generated_credentials(seed: int) -> GeneratedCredentials:
    return GeneratedCredentials(
        username=f"admin@generated-{seed}.example",
        password=f"Gen-{_token(seed, 902, 12)}",
        security_token=_token(seed, 901, 20),
        consumer_key="3MVG9" + _token(seed, 903, 20) + _token(seed, 904, 20) + _token(seed, 905, 20),
        consumer_secret=_token(seed, 906, 20),
    )


def generate_org(
    objects: int = 50, fields: int = 20, integrations: int = 5, consumers: int = 1000,
    log_days: int = 7, seed: int = 7,
) -> Org:  # fmt: skip
    """A synthetic org: ``objects`` custom objects of ``fields`` fields, a consumer population,
    ``integrations`` named credentials with outbound messages, and ``log_days`` of event logs."""
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    org = Org(id=_org_id(seed), name=f"Generated Org {seed}", instance_name=f"GEN{seed % 100}",
              now=now, daily_api_limit=1_000_000)  # fmt: skip
    creds = generated_credentials(seed)
    admin = User(id=record_id("005", 1, GENERATED_POD), username=creds.username,
                 password=creds.password, security_token=creds.security_token,
                 name="Gen Admin", email=creds.username, profile="System Administrator")  # fmt: skip
    org.users = [admin]
    org.oauth_clients = [OAuthClient("Recordkeeper", creds.consumer_key, creds.consumer_secret,
                                     run_as=admin.username)]  # fmt: skip
    definition.register_compact_object(org, definition.user_object())
    definition.register_compact_object(org, definition.report_object())
    org.add_records("Report", generated_reports(now, admin.id, seed, log_days))
    populate(org, {"consumers": consumers, "seed": seed, "opt_out_processing_rate": 0.08})
    _add_generated_objects(org, objects, fields, seed)
    org.tooling = _integrations(integrations, seed)
    org.event_logs = EventLogConfig(days=log_days, event_types=list(EVENT_TYPES))
    return org


def generated_reports(now: datetime, owner_id: str, seed: int, log_days: int) -> list[Record]:
    """The reports the generated Report event logs name (00O ids 1 to 49): most run within the logged days,
    every seventh never run."""
    span_minutes = max(1, log_days) * 1440
    return [{
        "Id": record_id("00O", n), "Name": f"Report {n}", "DeveloperName": f"Report_{n}",
        "FolderName": pick(("Private Reports", "Ops Shared Reports", "Marketing Reports"), seed, n, 91),
        "Format": pick(("Tabular", "Summary", "Matrix"), seed, n, 92), "Description": None, "OwnerId": owner_id,
        "CreatedDate": sf_datetime(now - timedelta(days=30 + n)), "IsDeleted": False,
        "LastRunDate": None if n % 7 == 0 else sf_datetime(now - timedelta(minutes=mix(seed, n, 90) % span_minutes)),
    } for n in range(1, GENERATED_REPORTS + 1)]  # fmt: skip


def _org_id(seed: int) -> str:
    return record_id("00D", seed % 62**9, GENERATED_POD)


def generated_object(index: int, fields: int, seed: int) -> CompactObject:
    """Generated custom object ``index``; the same arguments always give the same object."""
    name = f"Gen{index:05d}__c"
    specs = [_generated_field(index, n, seed) for n in range(fields)]
    modified = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=mix(seed, index, 60) % 7000)
    return CompactObject(name, f"Gen {index:05d}", f"Gen {index:05d}s", custom=True,
                         key_prefix=generated_key_prefix(index),
                         last_modified=modified, fields=specs)  # fmt: skip


def generated_key_prefix(index: int) -> str:
    """Custom-object key prefixes a0A, a0B, …, then b.., c.. (never a standard prefix)."""
    number = 36 * 62 * 62 + 100 + index  # first character from "a" on
    return base62(number, 3)


def _generated_field(index: int, n: int, seed: int) -> CompactField:
    if fraction(seed, index, n, 64) < PERSONAL_FIELD_SHARE:
        return _personal_field(index, n, seed)
    kind = pick(_GENERATED_TYPES, seed, index, n, 61)
    name = f"Field{n:03d}__c"
    spec = CompactField(name, kind, f"Field {n:03d}")
    if kind == "reference":
        spec.reference_to = [pick(("Contact", "Account", "Individual"), seed, index, n, 62)]
        spec.relationship_name = f"Field{n:03d}__r"
    elif kind == "picklist":
        spec.picklist_values = ["Alpha", "Beta", "Gamma"]
    if fraction(seed, index, n, 63) < 0.05:
        spec.classification = "Confidential"
        spec.compliance_groups = ["CCPA"]
    return spec


def _personal_field(index: int, n: int, seed: int) -> CompactField:
    """A field about a person (an email, a tax id, a religion …), some Shield-encrypted, by seed."""
    stem, label, kind, encrypted_share = pick(_PERSONAL_FIELDS, seed, index, n, 65)
    spec = CompactField(f"{stem}_{n:03d}__c", kind, label, encrypted=fraction(seed, index, n, 66) < encrypted_share)
    if kind == "picklist":
        spec.picklist_values = ["Declined to state", "Other"]
    if fraction(seed, index, n, 63) < 0.05:
        spec.classification = "Confidential"
        spec.compliance_groups = ["CCPA"]
    return spec


def _add_generated_objects(org: Org, count: int, fields: int, seed: int) -> None:
    load = functools.lru_cache(maxsize=32)(functools.partial(_generated_object_by_index, fields, seed))
    ui_host = f"{org.instance_name.lower()}.my.salesforce.com"
    for index in range(count):
        prefix = generated_key_prefix(index)  # only prefixes and dates are kept per object
        modified = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=mix(seed, index, 60) % 7000)
        name = f"Gen{index:05d}__c"
        org.objects[name] = SObjectType(
            name=name, key_prefix=prefix, last_modified=modified, custom=True,
            build_describe=functools.partial(_describe_generated, load, index, ui_host),
            build_global_entry=functools.partial(_global_generated, load, index, ui_host),
            load_compact=functools.partial(load, index),
        )  # fmt: skip
        org.record_sources[name] = IndexedRecordSource(
            prefix, RECORDS_PER_GENERATED_OBJECT,
            functools.partial(_generated_record, load, index, org.now, seed),
        )  # fmt: skip


def _generated_object_by_index(fields: int, seed: int, index: int) -> CompactObject:
    return generated_object(index, fields, seed)


def _describe_generated(
    load: Callable[[int], CompactObject], index: int, ui_host: str, api_version: str
) -> dict[str, Any]:
    from salesforce_simulator import describe

    return describe.object_describe(load(index), api_version, ui_host)


def _global_generated(
    load: Callable[[int], CompactObject], index: int, ui_host: str, api_version: str
) -> dict[str, Any]:
    from salesforce_simulator import describe

    return describe.global_entry(load(index), api_version, ui_host)


def _generated_record(
    load: Callable[[int], CompactObject], index: int, now: datetime, seed: int, n: int
) -> Record:
    obj = load(index)
    row: Record = {"Id": record_id(obj.key_prefix or "a00", n, GENERATED_POD),
                   "Name": f"{obj.label} {n}", "IsDeleted": False,
                   "CreatedDate": sf_datetime(now - timedelta(days=n + 1)),
                   "LastModifiedDate": sf_datetime(now - timedelta(days=n))}  # fmt: skip
    for position, spec in enumerate(obj.fields):
        row[spec.name] = _generated_value(spec, mix(seed, index, n, position))
    return row


def _generated_value(spec: CompactField, roll: int) -> Any:
    values: dict[str, Callable[[], Any]] = {
        "string": lambda: f"value {roll % 1000}",
        "email": lambda: f"user{roll % 100000}@example.com",
        "phone": lambda: f"+1415{roll % 10_000_000:07d}",
        "picklist": lambda: spec.picklist_values[roll % len(spec.picklist_values)],
        "date": lambda: f"2026-{1 + roll % 12:02d}-{1 + roll % 28:02d}",
        "datetime": lambda: f"2026-{1 + roll % 12:02d}-{1 + roll % 28:02d}T10:00:00.000+0000",
        "currency": lambda: round((roll % 1_000_000) / 100, 2),
        "double": lambda: round((roll % 1_000_000) / 1000, 3),
        "percent": lambda: roll % 100,
        "int": lambda: roll % 10000,
        "boolean": lambda: bool(roll & 1),
        "textarea": lambda: f"note {roll % 1000}",
        "url": lambda: f"https://example.com/{roll % 1000}",
        "reference": lambda: None,
    }
    return values.get(spec.type, lambda: None)()


def _integrations(count: int, seed: int) -> dict[str, list[Record]]:
    named = [
        {"Id": record_id("0XA", n, GENERATED_POD), "DeveloperName": f"Partner{n:03d}",
         "MasterLabel": f"Partner {n:03d}", "Endpoint": f"https://partner{n:03d}.example.test",
         "PrincipalType": "NamedUser", "NamespacePrefix": None, **_audit_dates(seed, n, 71)}
        for n in range(count)
    ]  # fmt: skip
    outbound = [
        {"Id": record_id("04k", n, GENERATED_POD), "Name": f"SyncPartner{n:03d}",
         "ApiVersion": 61.0, **_audit_dates(seed, n, 72), "Metadata": {
             "endpointUrl": f"https://partner{n:03d}.example.test/notify",
             "fields": ["Id", "Email", "Phone"][: 1 + mix(seed, n, 70) % 3],
             "includeSessionId": False, "name": f"SyncPartner{n:03d}"}}
        for n in range(count)
    ]  # fmt: skip
    return {"NamedCredential": named, "WorkflowOutboundMessage": outbound}


def _audit_dates(seed: int, index: int, salt: int) -> dict[str, datetime]:
    """CreatedDate and LastModifiedDate, as every Tooling row of a real org carries them."""
    created = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=mix(seed, index, salt) % 8000)
    return {"CreatedDate": created, "LastModifiedDate": created + timedelta(hours=mix(seed, index, salt + 1) % 2000)}


__all__ = ["fraction", "generate_org", "generated_object", "mix", "pick", "populate"]
