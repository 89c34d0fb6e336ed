"""Pagination of every list: page numbers, a page size the caller may choose up to API_MAX_PAGE_SIZE."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=`; a page or size that is not a positive whole number, or past the end, is a 400."""

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
        if page is not None and page != "last" and not (page.isdigit() and int(page) >= 1):
            raise ValidationError({self.page_query_param: ["A whole number from 1."]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise ValidationError({self.page_query_param: ["There is no such page."]}) from None
