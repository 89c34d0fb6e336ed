"""The one way in to the catalog's exports, for the API and the pages: each checks the stated reason, writes one audit
event (who, what, which org, the filters, why) and hands back the file as CSV text read from the graph page by page.

The audit event is written before the first row leaves, once the graph has answered the count: an export that the
graph could not start is no export, and one cut short was still made.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.text import slugify

from catalog.accounts import audit
from catalog.accounts.audit import without_identifiers
from catalog.accounts.models import ApiToken, AuditAction
from catalog.accounts.reasons import ReasonError, checked_reason
from catalog.exports.tables import Cell, csv_chunks
from catalog.inventory import services as inventory
from catalog.systems import services as systems
from catalog.systems.services import SystemQuery
from lineage import get_graph, org_key
from lineage.queries.exports import (
    FieldExportRow,
    SystemExportRow,
    count_exported_fields,
    exported_fields,
    exported_systems,
)
from lineage.queries.inventory import FieldFilter
from lineage.queries.pages import PageRequest
from lineage.queries.systems import UNKNOWN_ROLE, SystemFilter

MAX_REASON_LENGTH: Final = 500
# What the API's schema says a reason is: some character that is neither whitespace (str.isspace) nor null.
_SPACE: Final = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
REASON_PATTERN: Final = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"
CSV_CONTENT_TYPE: Final = "text/csv; charset=utf-8"
FIELDS: Final = "fields"  # an export's kind, and the object type of its audit event
SYSTEMS: Final = "systems"

FIELD_COLUMNS: Final = (
    "object", "field", "label", "type", "ccpa_category", "sensitive", "classification_rule", "sensitivity_rule",
    "overridden", "override_by", "override_reason", "security_classification", "compliance_groups", "encrypted",
    "custom", "namespace", "first_seen", "last_seen")
SYSTEM_COLUMNS: Final = (
    "system", "host", "name", "org", "role", "country", "integration", "integration_kind", "channel",
    "consent_checked", "opt_out_checked", "unchecked", "first_seen", "last_seen")


@dataclass(frozen=True)
class ExportFile:
    """An export under way: its file name, how many rows it holds, and its text, produced as it is read."""

    filename: str
    rows: int
    chunks: Iterator[str] | Iterator[bytes]
    content_type: str = CSV_CONTENT_TYPE


@dataclass(frozen=True)
class Exporter:
    """Who asks for an export, through what, and why (the audit event's who and reason)."""

    actor: AbstractBaseUser | AnonymousUser  # a page's or the API's user (logged in: both check it first)
    reason: str
    origin: str  # "API" or "web page"
    token: ApiToken | None = None


def stated_reason(reason: str | None) -> str:
    """The reason an export needs, trimmed: none, blank, over MAX_REASON_LENGTH or holding a null character is a
    ReasonError (whitespace is what Python's str.isspace says, as REASON_PATTERN does for the API's schema)."""
    return checked_reason(reason, max_length=MAX_REASON_LENGTH,
                          missing="Say why you are exporting: the audit log records the reason.")


def export_fields(alias: str, filters: FieldFilter, applied: Mapping[str, Any], exporter: Exporter) -> ExportFile:
    """The org's fields passing `filters` (the field list's), as CSV; `applied` are the filters as given, recorded.
    An unknown org is a NotInCatalogError."""
    reason = stated_reason(exporter.reason)
    org = inventory.org_named(alias)
    scope = org_key(org.org_id) if org.org_id else None  # None: never harvested, no field in the graph
    total = count_exported_fields(get_graph(), scope, filters) if scope else 0
    record_export(exporter, reason, FIELDS, alias, applied, total)
    rows = exported_fields(get_graph(), scope, filters) if scope else iter(())
    cells = (_field_cells(row) for row in rows)
    return ExportFile(export_filename(FIELDS, alias), total, csv_chunks(FIELD_COLUMNS, cells))


def export_systems(query: SystemQuery, applied: Mapping[str, Any], exporter: Exporter) -> ExportFile:
    """The systems passing `query` (the system list's), a row per org and integration reaching each, as CSV."""
    reason = stated_reason(exporter.reason)
    total = systems.systems(query, PageRequest(size=1)).total
    record_export(exporter, reason, SYSTEMS, query.org or "", applied, total)
    aliases = systems.aliases_by_org_key()
    scope = _system_filter(query)
    found = exported_systems(get_graph(), scope) if scope is not None else iter(())
    lines = (cells for row in found for cells in _system_lines(row, aliases))
    return ExportFile(export_filename(SYSTEMS, query.org or "all-orgs"), total, csv_chunks(SYSTEM_COLUMNS, lines))


def record_export(exporter: Exporter, reason: str, kind: str, alias: str, applied: Mapping[str, Any], rows: int,
                  file_format: str = "csv") -> None:
    """The export's audit event: who, which kind, which org, the filters as given, how many rows, why."""
    # A search typed into a filter is free text too: an email address or phone number in it is not kept.
    filters = {name: without_identifiers(value) if isinstance(value, str) else value for name, value in applied.items()}
    audit.record(AuditAction.EXPORTED, actor=exporter.actor, token=exporter.token, object_type=kind,
                 object_key=alias, reason=reason,
                 details={"export": kind, "format": file_format, "org": alias or "all orgs", "filters": filters,
                          "rows": rows, "origin": exporter.origin})


def export_filename(kind: str, scope: str, extension: str = "csv") -> str:
    today: date = timezone.localdate()
    return f"recordkeeper-{kind}-{slugify(scope) or 'org'}-{today.isoformat()}.{extension}"


def _system_filter(query: SystemQuery) -> SystemFilter | None:
    """The graph filter of the query; None when its org was never harvested (nothing of it is in the graph)."""
    scope = systems.org_scope(query.org)
    if scope == "":
        return None
    return SystemFilter(org_key=scope, role=query.role, country=query.country, search=query.search)


def _field_cells(row: FieldExportRow) -> tuple[Cell, ...]:
    return (row.object, row.name, row.label, row.type, row.ccpa_category, row.sensitive, row.classification_rule,
            row.sensitivity_rule, row.overridden, row.override_by, row.override_reason, row.security_classification,
            ";".join(row.compliance_groups), row.encrypted, row.custom, row.namespace, row.first_seen, row.last_seen)


def _system_lines(row: SystemExportRow, aliases: dict[str, str]) -> Iterator[tuple[Cell, ...]]:
    """A line per org and integration: each org that declares a role or sends to it through an integration; an
    org's line with no integration when none of its integrations reaches it; one bare line when no org says."""
    roles = {role.org_key: role for role in row.roles}
    orgs = sorted({*roles, *(each.org_key for each in row.integrations)})
    system: tuple[Cell, ...] = (row.key, row.host, row.name)
    seen: tuple[Cell, ...] = (row.first_seen, row.last_seen)
    if not orgs:
        yield (*system, None, UNKNOWN_ROLE, None, None, None, None, None, None, None, *seen)
    for scope in orgs:
        role = roles.get(scope)
        org: tuple[Cell, ...] = (systems.alias_of(scope, aliases) or scope, role.role if role else UNKNOWN_ROLE,
                                 role.country if role else None)
        sending = [each for each in row.integrations if each.org_key == scope]
        if not sending:
            yield (*system, *org, None, None, None, None, None, None, *seen)
        for each in sending:
            yield (*system, *org, each.name, each.kind, each.channel, each.consent_checked, each.opt_out_checked,
                   each.unchecked, *seen)


__all__ = ["CSV_CONTENT_TYPE", "FIELDS", "FIELD_COLUMNS", "MAX_REASON_LENGTH", "REASON_PATTERN", "SYSTEMS",
           "SYSTEM_COLUMNS", "ExportFile", "Exporter", "ReasonError", "export_fields", "export_systems",
           "stated_reason"]
