"""Pagination of every list: page numbers, a page size the caller may choose up to API_MAX_PAGE_SIZE."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from lineage.queries.inventory import COUNT_CAP
from lineage.queries.pages import MAX_PAGE_SIZE, PageRequest


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=`: not a whole number in range is a 400 naming it; a page past the end is a 404."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        limit: int = settings.API_MAX_PAGE_SIZE
        return limit

    def get_page_size(self, request: Request) -> int:
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size or 50
        if not given.isdigit() or not 1 <= int(given) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [
                f"A whole number from 1 to {self.max_page_size}."]})
        return int(given)

    def paginate_queryset(self, queryset: QuerySet[Any] | Any, request: Request,
                          view: APIView | None = None) -> list[Any] | None:
        page = request.query_params.get(self.page_query_param)
        if page is not None and not (page.isdigit() and int(page) >= 1):
            raise ValidationError({self.page_query_param: ["A whole number from 1."]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise NotFound(f"There is no page {page} (past the last page).") from None

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


class GraphPagination(PageNumberPagination):
    """Pages of rows a graph query reads itself (SKIP/LIMIT): the same parameters, bounds and body as every list."""

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return min(super().max_page_size, MAX_PAGE_SIZE)

    def page_request(self, request: Request) -> PageRequest:
        """The page asked for; not a whole number in range is a 400 naming the parameter."""
        self.asked_by = request
        given = request.query_params.get(self.page_query_param)
        if given is not None and not (given.isdigit() and int(given) >= 1):
            raise ValidationError({self.page_query_param: ["A whole number from 1."]})
        self.asked = PageRequest(number=int(given or 1), size=self.get_page_size(request))
        return self.asked

    def graph_response(self, total: int, results: Any, more: bool = False) -> Response:
        """The list's body (count, next, previous, results); a page past the last is a 404. `more`: counting stopped
        at `total` and more rows follow (`count_is_lower_bound`)."""
        if self.asked.number > 1 and self.asked.skip >= total:
            raise NotFound(f"There is no page {self.asked.number} (past the last page).")
        return Response({"count": total, "count_is_lower_bound": more,
                         "next": self._link_to(self.asked.number + 1, total, more),
                         "previous": self._link_to(self.asked.number - 1, total), "results": results})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = super().get_paginated_response_schema(schema)
        body["properties"]["count_is_lower_bound"] = {
            "type": "boolean", "description": f"True when counting stopped at `count` (a filtered field list counts "
            f"at most {COUNT_CAP:,} matches, or up to the page asked): more rows than `count` follow, and `next` "
            f"links on."}
        body["required"] = [*body["required"], "count_is_lower_bound"]
        return body

    def _link_to(self, number: int, total: int, more: bool = False) -> str | None:
        if number < 1 or ((number - 1) * self.asked.size >= total and not more):
            return None
        url = self.asked_by.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)
