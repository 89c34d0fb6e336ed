"""Swagger UI and ReDoc served from this server (drf-spectacular-sidecar): no CDN, and no inline script."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.templatetags.static import static
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

# Both viewers set styles inline (ReDoc builds its CSS at run time): styles only, scripts stay 'self'.
VIEWER_CSP_UPDATE = {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# ReDoc draws its maker's logo from their CDN in every sidebar, with no option to leave it out: a blank image instead.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
BLANK_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI; its init script is fetched from this same URL with ?script."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().get(request, *args, **kwargs)  # type: ignore[no-untyped-call]
        response._csp_update = VIEWER_CSP_UPDATE  # type: ignore[attr-defined]  # read by django-csp's middleware
        return response


@cache
def redoc_bundle_offline() -> str:
    """The sidecar's ReDoc bundle asking nothing of another machine (its source map read from the static files)."""
    found = finders.find(REDOC_BUNDLE)
    if not isinstance(found, str):
        raise ImproperlyConfigured(f"{REDOC_BUNDLE} is not among the static files (drf_spectacular_sidecar)")
    bundle = Path(found).read_text(encoding="utf-8")
    if REDOCLY_LOGO not in bundle:  # a new ReDoc: what else it asks of another machine needs a look
        raise ImproperlyConfigured(f"ReDoc no longer draws {REDOCLY_LOGO}: check what this version fetches")
    source_map = static(f"{REDOC_BUNDLE}.map")
    return bundle.replace(REDOCLY_LOGO, BLANK_IMAGE).replace(
        "sourceMappingURL=redoc.standalone.js.map", f"sourceMappingURL={source_map}")


class RedocView(SpectacularRedocView):
    """ReDoc, without the web fonts drf-spectacular's own page loads from a CDN; init script at ?script, the
    bundle (without its maker's logo from a CDN) at ?bundle."""

    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response | HttpResponse:
        if request.GET.get("script") is not None:
            schema_url = json.dumps(self._get_schema_url(request))  # type: ignore[no-untyped-call]
            return HttpResponse(f'Redoc.init({schema_url}, {{}}, document.getElementById("redoc-container"));\n',
                                content_type="application/javascript")
        if request.GET.get("bundle") is not None:
            return HttpResponse(redoc_bundle_offline(), content_type="application/javascript")
        response = Response({"title": self.title, "redoc_standalone": f"{request.path}?bundle",
                             "script_url": f"{request.path}?script"}, template_name=self.template_name)
        response._csp_update = VIEWER_CSP_UPDATE  # type: ignore[attr-defined]  # read by django-csp's middleware
        return response
