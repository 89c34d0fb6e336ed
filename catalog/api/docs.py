"""Swagger UI and ReDoc served from this server (drf-spectacular-sidecar): no CDN, and no inline script."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

# Both viewers set styles inline (ReDoc builds its CSS at run time): styles only, scripts stay 'self'.
VIEWER_CSP_UPDATE = {"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI; its init script is fetched from this same URL with ?script."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().get(request, *args, **kwargs)  # type: ignore[no-untyped-call]
        response._csp_update = VIEWER_CSP_UPDATE  # type: ignore[attr-defined]  # read by django-csp's middleware
        return response


class RedocView(SpectacularRedocView):
    """ReDoc, without the web fonts drf-spectacular's own page loads from a CDN; init script at ?script."""

    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response | HttpResponse:
        if request.GET.get("script") is not None:
            schema_url = json.dumps(self._get_schema_url(request))  # type: ignore[no-untyped-call]
            return HttpResponse(f'Redoc.init({schema_url}, {{}}, document.getElementById("redoc-container"));\n',
                                content_type="application/javascript")
        viewer = self._redoc_standalone()  # type: ignore[no-untyped-call]
        response = Response({"title": self.title, "redoc_standalone": viewer,
                             "script_url": f"{request.path}?script"}, template_name=self.template_name)
        response._csp_update = VIEWER_CSP_UPDATE  # type: ignore[attr-defined]  # read by django-csp's middleware
        return response
