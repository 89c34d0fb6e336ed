"""What every page listing graph rows shares: the role check, the page asked for by the API's rules, the pager that
keeps the filters, a 404 for a name the catalog does not hold, and links to the lineage explorer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import ceil
from typing import TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.http import urlencode
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from catalog.accounts import roles
from catalog.api.pagination import GraphPagination
from catalog.inventory.services import NotInCatalogError
from catalog.navigation import url_or_empty
from lineage.queries.pages import PageRequest

Found = TypeVar("Found")


@dataclass(frozen=True)
class Pager:
    """Where a page of rows sits among all of them, and the links to its neighbours (the filters kept)."""

    number: int
    size: int
    total: int
    query: str  # the GET parameters but the page
    more: bool = False  # counting stopped at `total`: more rows than that, so more pages than `page_count`

    @property
    def page_count(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def first_row(self) -> int:
        return min(self.total, (self.number - 1) * self.size + 1)

    @property
    def last_row(self) -> int:
        return min(self.total, self.number * self.size)

    @property
    def previous_url(self) -> str:
        return self._url(self.number - 1) if self.number > 1 else ""

    @property
    def next_url(self) -> str:
        return self._url(self.number + 1) if self.number < self.page_count or self.more else ""

    def _url(self, number: int) -> str:
        return f"?{self.query}&page={number}" if self.query else f"?page={number}"


def may_view(request: HttpRequest) -> None:
    """The catalog's pages are for the roles that may view it: others get the 403 page."""
    if not roles.can_view(request.user):
        raise PermissionDenied


def found(read: Callable[..., Found], *names: object) -> Found:
    """What `read` finds by `names`; a name the catalog does not hold is the 404 page saying which."""
    try:
        return read(*names)
    except NotInCatalogError as error:
        raise Http404(str(error)) from None


def page_asked(request: HttpRequest) -> tuple[PageRequest, dict[str, str]]:
    """The page the GET parameters ask for, by the API's rules; a bad one is named, and the first page used."""
    try:
        return GraphPagination().page_request(Request(request)), {}
    except ValidationError as error:
        detail = cast(dict[str, list[str]], error.detail)
        return PageRequest(), {name: str(messages[0]) for name, messages in detail.items()}


def pager_for(request: HttpRequest, asked: PageRequest, total: int, more: bool = False) -> Pager:
    """The pager of the page asked for; a page past the last one is the 404 page. `more`: the total is where
    counting stopped, more rows follow."""
    if asked.number > 1 and asked.skip >= total:
        raise Http404(f"There is no page {asked.number} (past the last page).")
    kept = request.GET.copy()
    kept.pop("page", None)
    return Pager(asked.number, asked.size, total, kept.urlencode(), more)


def address_without_blanks(request: HttpRequest) -> str:
    """The page's address with only the filters given (a GET form sends every one, most of them empty)."""
    given = [(name, value) for name, value in request.GET.items() if isinstance(value, str) and value]
    return f"{request.path}?{urlencode(given)}" if given else request.path


def lineage_url(key: str) -> str:
    """The lineage explorer drawn from the node `key`."""
    explorer = url_or_empty("lineage-explorer")
    return f"{explorer}?{urlencode({'node': key})}" if explorer else ""


__all__ = ["Pager", "address_without_blanks", "found", "lineage_url", "may_view", "page_asked", "pager_for"]
