"""Pages and endpoints that belong to no single record-keeping domain."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from catalog.health import system_checks


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


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/home.html")
