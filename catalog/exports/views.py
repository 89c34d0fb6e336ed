"""The export pages: a field search's or a system list's filters and a stated reason, posted, answer the CSV file.

Both lists carry a small export form under their results (the `export_form` tag); this page is where it lands when
the reason is missing or a filter is bad (a 400 naming it), and a page of its own to link to (GET: what would be
exported, and the form). Only roles that may export (privacy officer, auditor) reach it; others get the 403 page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from catalog.accounts import roles
from catalog.exports import services
from catalog.exports.forms import ExportReasonForm
from catalog.exports.services import Exporter, ExportFile
from catalog.inventory import services as inventory
from catalog.inventory.api import FieldFilterSet
from catalog.pages import found
from catalog.systems import services as systems
from catalog.systems.api import SystemFilterSet
from catalog.templatetags.catalog_words import words
from lineage.queries.pages import PageRequest

WEB_PAGE = "web page"
YES_NO = {"true": "yes", "false": "no"}


@dataclass(frozen=True)
class ExportPage:
    """What the export page says of the list it exports, and where it posts and leads back to."""

    title: str
    what: str  # "fields", "systems"
    action: str
    back_url: str
    back_label: str
    list_label: str  # the list's name in the breadcrumbs


def download(exported: ExportFile) -> StreamingHttpResponse:
    """The file as an attachment, streamed as the graph is read; never cached (it lists personal data's places)."""
    response = StreamingHttpResponse(exported.chunks, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def may_export(request: HttpRequest) -> None:
    if not roles.can_export(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def field_export(request: HttpRequest, alias: str) -> HttpResponse | StreamingHttpResponse:
    """The org's fields passing the field search's filters, as CSV, once a reason is given."""
    may_export(request)
    org = found(inventory.org_named, alias)
    filterset = FieldFilterSet.bound(_filters_of(request))
    form = ExportReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and filterset.is_valid() and form.is_valid():
        return download(services.export_fields(alias, filterset.chosen(), filterset.given(), _exporter(request, form)))
    total = inventory.fields_of(alias, filterset.chosen(), PageRequest(size=1)).total if filterset.is_valid() else None
    search = reverse("catalog-fields", args=[org.alias])
    page = ExportPage(f"Export the fields of {org.alias}", "fields", reverse("catalog-fields-export", args=[org.alias]),
                      _with_filters(search, filterset.form), "Back to the field search", f"Fields of {org.alias}")
    return _export_page(request, page, filterset.form, form, total)


@require_http_methods(["GET", "POST"])
def system_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The systems passing the system list's filters, with each org's role and the integrations reaching them."""
    may_export(request)
    filterset = SystemFilterSet(_filters_of(request))
    form = ExportReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and filterset.is_valid() and form.is_valid():
        return download(services.export_systems(filterset.query(), filterset.given(), _exporter(request, form)))
    total = systems.systems(filterset.query(), PageRequest(size=1)).total if filterset.is_valid() else None
    page = ExportPage("Export the systems", "systems", reverse("system-export"),
                      _with_filters(reverse("system-list"), filterset.form), "Back to the systems", "Systems")
    return _export_page(request, page, filterset.form, form, total)


def _filters_of(request: HttpRequest) -> QueryDict:
    return request.POST if request.method == "POST" else request.GET


def _exporter(request: HttpRequest, form: ExportReasonForm) -> Exporter:
    return Exporter(actor=request.user, reason=form.cleaned_data["reason"], origin=WEB_PAGE)


def given_filters(filters: forms.Form) -> list[tuple[str, str]]:
    """The filters a list's form was given, by name, as its hidden inputs carry them on (empty ones left out)."""
    return [(name, str(filters.data.get(name))) for name in filters.fields if filters.data.get(name)]


def _with_filters(url: str, filters: forms.Form) -> str:
    given = QueryDict(mutable=True)
    for name, value in given_filters(filters):
        given[name] = value
    return f"{url}?{given.urlencode()}" if given else url


def _in_words(filters: forms.Form) -> list[tuple[str, str]]:
    """Each filter given, by its label, with its value in words: yes or no, a choice's words, text as typed."""
    return [(str(filters.fields[name].label or name), _value_words(filters.fields[name], value))
            for name, value in given_filters(filters)]


def _value_words(field: forms.Field, value: str) -> str:
    if not isinstance(field, forms.ChoiceField):
        return value
    if value in YES_NO:
        return YES_NO[value]
    choices = cast(Iterable[tuple[object, object]], field.choices)  # flat choices: filters have no groups
    said = next((str(label) for choice, label in choices if choice == value), value)
    return words(said) if said == value else said


def _export_page(request: HttpRequest, page: ExportPage, filters: forms.Form, form: ExportReasonForm,
                 total: int | None) -> HttpResponse:
    filter_errors = [(str(filters.fields[name].label or name) if name in filters.fields else name, str(messages[0]))
                     for name, messages in filters.errors.items()]
    context = {"export": page, "form": form, "total": total, "filters": _in_words(filters) if not filter_errors else [],
               "filter_errors": filter_errors, "hidden": given_filters(filters)}
    failed = bool(filter_errors) or request.method == "POST"
    return render(request, "exports/export.html", context, status=400 if failed else 200)
