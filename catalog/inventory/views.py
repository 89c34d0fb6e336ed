"""The catalog pages: the orgs, an org's objects, its fields searched and filtered, one object, one field in full.

Thin views: reading goes through catalog.inventory.services; the field filters are the API's FieldFilterSet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from catalog.accounts import roles
from catalog.inventory import services
from catalog.inventory.api import FieldFilterSet
from catalog.navigation import url_or_empty
from catalog.pages import address_without_blanks, found, lineage_url, may_view, page_asked, pager_for
from catalog.templatetags.catalog_words import words
from catalog.views import HtmxHttpRequest
from harvesters.classification import CcpaCategory
from lineage.queries.inventory import FieldFilter, FieldIntegration, PageRequest

FIELD_RESULTS_FRAGMENT = "inventory/_field_results.html"
OBJECT_SEARCH_MAX = 100

# The API's filters in a privacy officer's words: each yes/no filter's three choices, and its hint.
BOOLEAN_WORDING: dict[str, tuple[str, str, str, str]] = {
    "sensitive": ("Any", "Sensitive only", "Not sensitive", "Sensitive personal information under the CPRA"),
    "encrypted": ("Any", "Encrypted only", "Not encrypted", "Shield Platform Encryption"),
    "unclassified": ("Any", "Unclassified only", "Classified only",
                     "Unclassified: no CCPA category, not personal information by the rules"),
    "custom": ("Any", "Custom only", "Standard only", "Fields added to the org, or Salesforce's own"),
}
HINTS = {"search": "Part of the field's API name or label", "object": "The object's API name, e.g. Contact",
         "namespace": "A managed package's prefix, e.g. FinServ", "ccpa_category": "Cal. Civ. Code § 1798.140(v)(1)"}


class ObjectSearchForm(forms.Form):
    search = forms.CharField(label="Search the objects by name or label", required=False,
                             max_length=OBJECT_SEARCH_MAX)






@require_GET
def catalog_index(request: HttpRequest) -> HttpResponse:
    """The connected orgs, each with its objects, fields, personal and sensitive fields."""
    may_view(request)
    context = {"orgs": services.catalog_orgs(), "systems_url": url_or_empty("system-list"),
               "can_start": roles.can_run_harvests(request.user)}
    return render(request, "inventory/index.html", context)


@require_GET
def catalog_org(request: HttpRequest, alias: str) -> HttpResponse:
    """The org's objects by name, searched by name or label, a page at a time."""
    may_view(request)
    org = found(services.org_named, alias)
    form = ObjectSearchForm(request.GET)
    asked, page_errors = page_asked(request)
    valid = form.is_valid() and not page_errors
    _add_errors(form, page_errors)
    search = form.cleaned_data.get("search") if valid else None
    page = services.objects_of(alias, asked, search or None) if valid else None
    context = {"org": org, "form": form, "page": page, "search": search,
               "pager": pager_for(request, asked, page.total) if page else None,
               "can_start": roles.can_run_harvests(request.user)}
    return render(request, "inventory/org.html", context, status=200 if valid else 400)


@require_GET
def catalog_fields(request: HtmxHttpRequest, alias: str) -> HttpResponse:
    """The org's fields, searched and filtered with the API's filters; HTMX swaps the results in place."""
    may_view(request)
    org = found(services.org_named, alias)
    filterset = FieldFilterSet.bound(request.GET)
    form = _worded(filterset.form)
    asked, page_errors = page_asked(request)
    valid = filterset.is_valid() and not page_errors
    _add_errors(form, page_errors)
    chosen = filterset.chosen() if valid else None
    page = services.fields_of(alias, chosen, asked) if chosen else None
    context = {"org": org, "form": form, "page": page, "filtered": chosen is not None and chosen != FieldFilter(),
               "pager": pager_for(request, asked, page.total, page.more_than_total) if page else None,
               "can_start": roles.can_run_harvests(request.user)}
    if request.htmx:  # htmx swaps 2xx answers only: a bad value's message must still reach the page
        fragment = render(request, FIELD_RESULTS_FRAGMENT, {**context, "htmx_errors": True})
        return push_url(fragment, address_without_blanks(request))
    return render(request, "inventory/fields.html", context, status=200 if valid else 400)


@require_GET
def catalog_object(request: HttpRequest, alias: str, name: str) -> HttpResponse:
    """One object's facts and its fields, a page at a time."""
    may_view(request)
    org = found(services.org_named, alias)
    detail = found(services.object_of, alias, name)
    asked, page_errors = page_asked(request)
    if page_errors:
        asked = PageRequest()
    page = services.fields_of(alias, FieldFilter(sobject=name), asked)
    context = {"org": org, "object": detail, "page": page, "pager": pager_for(request, asked, page.total)}
    return render(request, "inventory/object.html", context)


@require_GET
def catalog_field(request: HttpRequest, alias: str, name: str, field: str) -> HttpResponse:
    """One field: its classification with the rules that decided it beside Salesforce's, and who touches it."""
    may_view(request)
    org = found(services.org_named, alias)
    detail = found(services.field_of, alias, name, field)
    context = {"org": org, "field": detail, "lineage_url": lineage_url(detail.key),
               "integrations": [_linked(each) for each in detail.integrations]}
    return render(request, "inventory/field.html", context)


@dataclass(frozen=True)
class IntegrationLink:
    """An integration touching the field, with its page's address (empty while that page does not exist)."""

    integration: FieldIntegration
    url: str
    target_url: str  # the system its data goes to, when that page exists


def _linked(integration: FieldIntegration) -> IntegrationLink:
    target = integration.target_key or ""
    return IntegrationLink(integration, url_or_empty("integration-detail", integration.key),
                           url_or_empty("system-detail", target) if target.startswith("system:") else "")






def _add_errors(form: forms.Form, page_errors: dict[str, str]) -> None:
    form.is_valid()  # the form's own errors first, so the page's join them
    for name, message in page_errors.items():
        form.add_error(None, f"{name.replace('_', ' ').capitalize()}: {message}")






def _worded(form: forms.Form) -> forms.Form:
    """The filterset's form with page words: "Any" first in every choice, yes/no said for each filter."""
    for name, (any_, yes, no, hint) in BOOLEAN_WORDING.items():
        field = cast(forms.ChoiceField, form.fields[name])
        field.choices = [("", any_), ("true", yes), ("false", no)]
        field.help_text = hint
        field.error_messages["invalid_choice"] = f"“%(value)s” is not a choice here: choose {any_}, {yes} or {no}."
    category = cast(forms.ChoiceField, form.fields["ccpa_category"])
    category.choices = [(each.value, words(each.value)) for each in CcpaCategory]
    cast(Any, category).empty_label = "Any category"  # django-filter's field puts its empty choice first
    category.error_messages["invalid_choice"] = "“%(value)s” is not a CCPA category: choose one from the list."
    for name, hint in HINTS.items():
        form.fields[name].help_text = hint
    return form
