"""The main navigation: one entry per area of the product, shown to the roles that may open it.

A page that is not built yet has no URL name to resolve: its entry is shown as coming, never as a link to a 404.
Whoever adds the page gives its view the URL name written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from catalog.accounts import roles


@dataclass(frozen=True)
class NavArea:
    label: str
    url_name: str
    allowed: Callable[[roles.User], bool]


@dataclass(frozen=True)
class NavItem:
    """An entry as a page draws it: `url` is empty while the page is still to come."""

    label: str
    url: str
    current: bool


AREAS: tuple[NavArea, ...] = (
    NavArea("Dashboard", "home", roles.can_view),
    NavArea("Harvests", "harvest-list", roles.can_view),
    NavArea("Catalog", "catalog-index", roles.can_view),
    NavArea("Systems", "system-list", roles.can_view),
    NavArea("Lineage", "lineage-explorer", roles.can_view),
    NavArea("Records", "record-index", roles.can_view),
    NavArea("Findings", "finding-list", roles.can_view),
    NavArea("Data maps", "data-map-page", roles.can_look_up_consumers),
    NavArea("Audit log", "audit-log", roles.can_view_audit_log),
    NavArea("API docs", "api-docs", roles.can_view),
)


def url_or_empty(url_name: str, *args: str) -> str:
    """The page's address, or "" while no page has that URL name (or none takes these arguments)."""
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""


def nav_items(user: roles.User, path: str) -> list[NavItem]:
    """The areas `user` may open, the one `path` is in marked current."""
    items = []
    for area in AREAS:
        if area.allowed(user):
            url = url_or_empty(area.url_name)
            items.append(NavItem(area.label, url, current=_is_within(path, url)))
    return items


def _is_within(path: str, url: str) -> bool:
    # The dashboard is "/": only itself is within it, not every page.
    return path == url if url == "/" else bool(url) and path.startswith(url)


def navigation(request: HttpRequest) -> dict[str, object]:
    """Template context processor: `nav_items` and `user_roles` of the signed-in user (none when anonymous)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    return {"nav_items": nav_items(user, request.path), "user_roles": roles.role_names(user)}
