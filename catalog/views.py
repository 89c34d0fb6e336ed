"""Pages and endpoints that belong to no single record-keeping domain."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from catalog.accounts import roles
from catalog.dashboard import dashboard
from catalog.findings.services import live_counts
from catalog.health import system_checks
from harvesters.overview import orgs_with_harvests

ORG_HARVESTS_FRAGMENT = "catalog/_org_harvests.html"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails  # set by django_htmx's middleware


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = system_checks()
    down = [check.name for check in checks if not check.ok]
    body = {
        "status": "down" if down else "ok",
        "down": down,
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return JsonResponse(body, status=503 if down else 200)


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on pages without an icon link (JSON answers): the product's icon."""
    return HttpResponseRedirect(static("recordkeeper/favicon.svg"))


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The dashboard: each org with its running and last harvest (HTMX polls that table while one runs), and what
    the graph holds of it: counts, encryption of sensitive fields, systems by role, what the last harvest changed."""
    if not roles.can_view(request.user):
        raise PermissionDenied
    if request.htmx:
        orgs = orgs_with_harvests()
        return render(request, ORG_HARVESTS_FRAGMENT, {"orgs": orgs, "any_running": any(org.running for org in orgs)})
    board = dashboard()
    context = {"orgs": [org.harvests for org in board.orgs], "any_running": board.any_running, "board": board,
               "findings": live_counts()}
    return render(request, "catalog/home.html", context)
