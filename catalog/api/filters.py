"""Filtersets over graph rows, shared by the API and the pages: they validate and document the GET parameters (the
graph query does the filtering), and the schema says every limit a value must keep, so a value it allows is never
refused."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.core.validators import RegexValidator
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

BOOLEAN_CHOICES = (("true", "true"), ("false", "false"))


def _is_true(value: str) -> bool:
    return value == "true"


def boolean_filter(label: str, help_text: str) -> django_filters.TypedChoiceFilter:
    """`true` or `false`; anything else is an error naming the parameter (never silently no filter)."""
    return django_filters.TypedChoiceFilter(choices=BOOLEAN_CHOICES, coerce=_is_true, label=label,
                                            help_text=help_text)


class _GraphRows:
    """The rows come from the graph: the filterset only validates and documents the parameters."""

    model = None


class GraphFilterSet(django_filters.FilterSet):
    """A filterset with no queryset: bound to the GET parameters, valid or naming what is not, and documented."""

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(data=data, queryset=cast(Any, _GraphRows), **kwargs)

    def given(self) -> dict[str, Any]:
        """The filters a valid filterset was given (the empty ones a form sends left out)."""
        return {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "")}

    @classmethod
    def schema_parameters(cls) -> list[OpenApiParameter]:
        return [schema_parameter(name, each) for name, each in cls.base_filters.items()]


def schema_parameter(name: str, each: Any) -> OpenApiParameter:
    """The OpenAPI query parameter of one filter: a boolean, an enum, or a string with its length and pattern."""
    if isinstance(each, django_filters.TypedChoiceFilter):
        return OpenApiParameter(name, OpenApiTypes.BOOL, description=each.extra["help_text"])
    if isinstance(each, django_filters.ChoiceFilter) and "choices" in each.extra:
        # Empty is "any", as a form's blank choice sends it: declared, so a client sending it is not told it erred.
        return OpenApiParameter(name, OpenApiTypes.STR, enum=["", *(value for value, _ in each.extra["choices"])],
                                description=f"{each.extra['help_text']} (empty: any)")
    schema: dict[str, Any] = {"type": "string"}
    if each.extra.get("max_length"):
        schema["maxLength"] = each.extra["max_length"]
    patterns = [str(getattr(check.regex, "pattern", check.regex)) for check in each.extra.get("validators", [])
                if isinstance(check, RegexValidator)]
    if patterns:
        schema["pattern"] = patterns[0]
    return OpenApiParameter(name, schema, description=each.extra["help_text"])


__all__ = ["BOOLEAN_CHOICES", "GraphFilterSet", "boolean_filter", "schema_parameter"]
