"""The systems and integrations pages: lists filtered with the API's filtersets (HTMX swaps the results in place),
one system with the integrations that reach it, one integration with what it reads, writes and sends where.

Thin views: reading goes through catalog.systems.services. Links to other areas' pages (fields, objects, the lineage
explorer) are drawn only where their URL names resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from catalog.navigation import url_or_empty
from catalog.pages import found, lineage_url, may_view, page_asked, pager_for
from catalog.systems import services
from catalog.systems.api import ROLE_WORDS, IntegrationFilterSet, SystemFilterSet
from catalog.views import HtmxHttpRequest
from lineage.queries.pages import PageRequest
from lineage.queries.systems import DataRef, FieldFlow, IntegrationRef, SystemRoleForOrg, short_name

SYSTEM_RESULTS_FRAGMENT = "systems/_system_results.html"
INTEGRATION_RESULTS_FRAGMENT = "systems/_integration_results.html"


@dataclass(frozen=True)
class RoleLine:
    """One org's role for a system, in words."""

    org: str  # the alias, or the graph key of an org no longer connected
    role: str
    country: str | None
    evidence: str | None


@dataclass(frozen=True)
class Linked:
    """A row and its page's address (empty while that page does not exist)."""

    row: Any
    url: str
    org: str = ""
    roles: tuple[RoleLine, ...] = ()
    through: tuple[str, ...] = ()  # the names of the integrations a field's data moves through




@require_GET
def system_list(request: HtmxHttpRequest) -> HttpResponse:
    """The systems outside the orgs, filtered by org, role, country and search; each with its roles."""
    may_view(request)
    filterset = SystemFilterSet(request.GET)
    asked, errors = _asked(request, filterset)
    page = services.systems(filterset.query(), asked) if not errors else None
    aliases = services.aliases_by_org_key()
    rows = [Linked(row, reverse("system-detail", args=[row.key]), roles=_role_lines(row.roles, aliases))
            for row in page.rows] if page else []
    context = {"form": filterset.form, "errors": errors, "page": page, "rows": rows,
               "pager": pager_for(request, asked, page.total) if page else None, "filtered": _filtered(request)}
    return _filtered_page(request, "systems/system_list.html", SYSTEM_RESULTS_FRAGMENT, context, errors)


@require_GET
def system_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One system: each org's role and country, the integrations that send to it, the fields that flow there."""
    may_view(request)
    detail = found(services.system, key)
    aliases = services.aliases_by_org_key()
    context = {"system": detail, "roles": _role_lines(detail.roles, aliases),
               "integrations": [_integration_link(ref, aliases) for ref in detail.integrations],
               "flows": [_flow_link(flow, aliases) for flow in detail.flows],
               "lineage_url": lineage_url(detail.key),
               "observers": sorted({services.alias_of(scope, aliases) or scope for scope in detail.observed_by})}
    return render(request, "systems/system_detail.html", context)


@require_GET
def integration_list(request: HtmxHttpRequest) -> HttpResponse:
    """The orgs' integrations, filtered by org, kind, consent and opt-out checks and search; unchecked ones said."""
    may_view(request)
    filterset = IntegrationFilterSet(request.GET)
    asked, errors = _asked(request, filterset)
    page = services.integrations(filterset.query(), asked) if not errors else None
    aliases = services.aliases_by_org_key()
    rows = [Linked(row, reverse("integration-detail", args=[row.key]), services.alias_of(row.org_key, aliases)
                   or row.org_key) for row in page.rows] if page else []
    context = {"form": _worded(filterset.form), "errors": errors, "page": page, "rows": rows,
               "pager": pager_for(request, asked, page.total) if page else None, "filtered": _filtered(request)}
    return _filtered_page(request, "systems/integration_list.html", INTEGRATION_RESULTS_FRAGMENT, context, errors)


@require_GET
def integration_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One integration: its checks, the systems it sends to, the purposes gating it, what it reads and writes."""
    may_view(request)
    detail = found(services.integration, key)
    aliases = services.aliases_by_org_key()
    alias = services.alias_of(detail.org_key, aliases)
    context = {"integration": detail, "org": alias or detail.org_key,
               "systems": [Linked(ref, reverse("system-detail", args=[ref.key])) for ref in detail.sends_to],
               "reads": [_data_link(ref, alias) for ref in detail.reads],
               "writes": [_data_link(ref, alias) for ref in detail.writes],
               "lineage_url": lineage_url(detail.key)}
    return render(request, "systems/integration_detail.html", context)


# --- helpers ----------------------------------------------------------------------------------------


def _worded(form: forms.Form) -> forms.Form:
    """The yes/no filters in a privacy officer's words, "Any" first (the API takes true or false)."""
    for name in ("consent_checked", "opt_out_checked"):
        cast(forms.ChoiceField, form.fields[name]).choices = [("", "Any"), ("true", "Checked"),
                                                              ("false", "No check found")]
    return form


def _asked(request: HttpRequest, filterset: SystemFilterSet | IntegrationFilterSet) -> tuple[PageRequest,
                                                                                             dict[str, str]]:
    """The page and the filters' errors, each named by its filter, in words for the page's error summary."""
    errors: dict[str, str] = {}
    if not filterset.is_valid():
        errors = {name: str(messages[0]) for name, messages in filterset.errors.items()}
    asked, page_errors = page_asked(request)
    return asked, {**errors, **page_errors}


def _filtered_page(request: HtmxHttpRequest, template: str, fragment: str, context: dict[str, Any],
                   errors: dict[str, str]) -> HttpResponse:
    if request.htmx:  # htmx swaps 2xx answers only: a bad value's message must still reach the page
        return render(request, fragment, context)
    return render(request, template, context, status=400 if errors else 200)


def _filtered(request: HttpRequest) -> bool:
    return any(value for name, value in request.GET.items() if name not in ("page", "page_size"))






def _role_lines(found: tuple[SystemRoleForOrg, ...], aliases: dict[str, str]) -> tuple[RoleLine, ...]:
    return tuple(RoleLine(services.alias_of(each.org_key, aliases) or each.org_key,
                          ROLE_WORDS.get(each.role, each.role), each.country, each.evidence) for each in found)


def _integration_link(ref: IntegrationRef, aliases: dict[str, str]) -> Linked:
    return Linked(ref, reverse("integration-detail", args=[ref.key]),
                  services.alias_of(ref.org_key, aliases) or ref.org_key)


def _flow_link(flow: FieldFlow, aliases: dict[str, str]) -> Linked:
    alias = services.alias_of(flow.org_key, aliases)
    url = url_or_empty("catalog-field", alias, flow.sobject, flow.field) if alias else ""
    return Linked(flow, url, alias or flow.org_key, through=tuple(_short_name(via) for via in flow.vias))


def _short_name(integration_key: str) -> str:
    """An integration's name from its key, a manifest entry's without its file (`system.flow`)."""
    return short_name(integration_key.split(":", 3)[-1])


def _data_link(ref: DataRef, alias: str | None) -> Linked:
    if alias is None:
        return Linked(ref, "")
    if ref.field is None:
        return Linked(ref, url_or_empty("catalog-object", alias, ref.sobject))
    return Linked(ref, url_or_empty("catalog-field", alias, ref.sobject, ref.field))

