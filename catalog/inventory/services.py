"""The one way in to the inventory for the API, the pages and commands: an org's objects and fields by its alias."""

from __future__ import annotations

from dataclasses import dataclass

from harvesters.models import OrgConnection
from lineage import field_key, get_graph, org_key, sobject_key
from lineage.queries.dashboard import InventoryFigures, inventory_figures
from lineage.queries.inventory import (
    FieldDetail,
    FieldFilter,
    FieldSummary,
    ObjectDetail,
    ObjectSummary,
    Page,
    PageRequest,
    field_detail,
    list_fields,
    list_objects,
    object_detail,
)


class NotInCatalogError(LookupError):
    """No org of that alias, or no live object or field of that name in it; the message names which."""


def org_named(alias: str) -> OrgConnection:
    org = OrgConnection.objects.filter(alias=alias).first()
    if org is None:
        raise NotInCatalogError(f"No org with the alias {alias!r}.")
    return org


@dataclass(frozen=True)
class CatalogOrg:
    alias: str
    counts: InventoryFigures | None  # None: never harvested


def catalog_orgs() -> list[CatalogOrg]:
    """Every connected org by alias, with what its graph holds (the dashboard's figures)."""
    orgs = list(OrgConnection.objects.order_by("alias"))
    figures = inventory_figures(get_graph(), [org_key(org.org_id) for org in orgs if org.org_id])
    return [CatalogOrg(org.alias, figures.get(org_key(org.org_id)) if org.org_id else None) for org in orgs]


def objects_of(alias: str, page: PageRequest, search: str | None = None) -> Page[ObjectSummary]:
    """The org's live objects by name (those whose name or label holds `search`); an org never harvested has none."""
    org = org_named(alias)
    if not org.org_id:
        return Page(0, ())
    return list_objects(get_graph(), org_key(org.org_id), page, search)


def object_of(alias: str, name: str) -> ObjectDetail:
    org = org_named(alias)
    detail = object_detail(get_graph(), _sobject_key(org, name)) if org.org_id else None
    if detail is None:
        raise NotInCatalogError(f"The org {alias!r} has no object {name!r}.")
    return detail


def fields_of(alias: str, filters: FieldFilter, page: PageRequest) -> Page[FieldSummary]:
    """The org's live fields passing every filter given, by object and name; an org never harvested has none."""
    org = org_named(alias)
    if not org.org_id:
        return Page(0, ())
    return list_fields(get_graph(), org_key(org.org_id), filters, page)


def field_of(alias: str, sobject: str, name: str) -> FieldDetail:
    org = org_named(alias)
    detail = field_detail(get_graph(), _field_key(org, sobject, name)) if org.org_id else None
    if detail is None:
        raise NotInCatalogError(f"The org {alias!r} has no field {sobject}.{name}.")
    return detail


def _sobject_key(org: OrgConnection, name: str) -> str:
    try:
        return sobject_key(org.org_id, name)
    except ValueError:  # a name no object can have (a character a key may not hold) names none
        raise NotInCatalogError(f"The org {org.alias!r} has no object {name!r}.") from None


def _field_key(org: OrgConnection, sobject: str, name: str) -> str:
    try:
        return field_key(org.org_id, sobject, name)
    except ValueError:
        raise NotInCatalogError(f"The org {org.alias!r} has no field {sobject}.{name}.") from None
