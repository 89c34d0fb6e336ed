"""The one way in to systems and integrations for the API, the pages and commands: filters by org alias, rows with
each org named by its alias."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.inventory.services import NotInCatalogError
from harvesters.models import OrgConnection
from lineage import get_graph, org_key
from lineage.queries.pages import Page, PageRequest
from lineage.queries.systems import (
    IntegrationDetail,
    IntegrationFilter,
    IntegrationSummary,
    SystemDetail,
    SystemFilter,
    SystemSummary,
    integration_detail,
    list_integrations,
    list_systems,
    system_detail,
)


@dataclass(frozen=True)
class SystemQuery:
    """Which systems to list, as a person or a script asks: the org by alias; None leaves a filter out."""

    org: str | None = None
    role: str | None = None
    country: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class IntegrationQuery:
    org: str | None = None
    kind: str | None = None
    consent_checked: bool | None = None
    opt_out_checked: bool | None = None
    search: str | None = None


def systems(query: SystemQuery, page: PageRequest) -> Page[SystemSummary]:
    """The live systems passing every filter, by host; an org never harvested observes none."""
    scope = org_scope(query.org)
    if scope == "":
        return Page(0, ())
    filters = SystemFilter(org_key=scope, role=query.role, country=query.country, search=query.search)
    return list_systems(get_graph(), filters, page)


def system(key: str) -> SystemDetail:
    detail = system_detail(get_graph(), key)
    if detail is None:
        raise NotInCatalogError(f"No system {key!r} is in the catalog.")
    return detail


def integrations(query: IntegrationQuery, page: PageRequest) -> Page[IntegrationSummary]:
    """The live integrations passing every filter, by org, kind and name; an org never harvested has none."""
    scope = org_scope(query.org)
    if scope == "":
        return Page(0, ())
    filters = IntegrationFilter(org_key=scope, kind=query.kind, consent_checked=query.consent_checked,
                                opt_out_checked=query.opt_out_checked, search=query.search)
    return list_integrations(get_graph(), filters, page)


def integration(key: str) -> IntegrationDetail:
    detail = integration_detail(get_graph(), key)
    if detail is None:
        raise NotInCatalogError(f"No integration {key!r} is in the catalog.")
    return detail


def aliases_by_org_key() -> dict[str, str]:
    """Each harvested org's graph key → its alias, to name the orgs a graph row speaks of."""
    return {org_key(org_id): alias for alias, org_id in
            OrgConnection.objects.exclude(org_id="").values_list("alias", "org_id")}


def org_aliases() -> list[str]:
    return list(OrgConnection.objects.order_by("alias").values_list("alias", flat=True))


def alias_of(scope: str, aliases: dict[str, str]) -> str | None:
    """The alias of the org a provenance scope belongs to (`org:<id>` or `org:<id>:openlineage`), if connected."""
    parts = scope.split(":")
    return aliases.get(":".join(parts[:2])) if len(parts) >= 2 else None


def org_scope(alias: str | None) -> str | None:
    """None: no org filter; "": no org of that alias, or one never harvested (nothing of it is in the graph)."""
    if not alias:
        return None
    org = OrgConnection.objects.filter(alias=alias).first()
    return org_key(org.org_id) if org is not None and org.org_id else ""


__all__ = ["IntegrationQuery", "NotInCatalogError", "SystemQuery", "alias_of", "aliases_by_org_key", "integration",
           "integrations", "org_aliases", "org_scope", "system", "systems"]
