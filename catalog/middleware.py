"""Middleware of the project as a whole."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect

from catalog.views import healthz
from lineage.graph import GRAPH_UNAVAILABLE, retrying_at_most

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
API_PREFIX = "/api/"


class HealthCheckMiddleware:
    """Answers /healthz before host validation and the HTTPS redirect: a container's or load balancer's probe
    calls the server by its own address, over plain HTTP, which production settings would refuse. It says
    only what is up or down."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH:
            return healthz(request)
        return self.get_response(request)


class PageLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page sends an anonymous visitor to the login page, except the views marked `login_not_required`
    (login, /healthz). The API is left to answer for itself: a 401 with its error body, never a redirect."""

    def process_view(self, request: HttpRequest, view_func: Callable[..., HttpResponseBase],
                     view_args: tuple[Any, ...], view_kwargs: dict[Any, Any]) -> HttpResponseBase | None:
        if request.path_info.startswith(API_PREFIX):
            return None
        refused = super().process_view(request, view_func, view_args, view_kwargs)
        if refused is None or request.headers.get("HX-Request") != "true":
            return refused
        # An HTMX request (a poll after the session expired) would swap the login page into a fragment of the
        # page: the browser goes to the login page whole, and back to the page it showed afterwards.
        shown = urlsplit(request.headers.get("HX-Current-URL", ""))
        back_to = (shown.path + (f"?{shown.query}" if shown.query else "")) or request.get_full_path()
        login = redirect_to_login(back_to, self.get_login_url(view_func), self.get_redirect_field_name(view_func))
        return HttpResponseClientRedirect(login["Location"])


class GraphUnavailableMiddleware:
    """A page read from the lineage graph while the graph does not answer is a 503 saying so in words, not a 500
    (the API says the same as a problem, catalog.api.errors), after settings.NEO4J_WEB_RETRY_SECONDS of retrying
    rather than a worker's 30 seconds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with retrying_at_most(settings.NEO4J_WEB_RETRY_SECONDS):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, GRAPH_UNAVAILABLE) or request.path_info.startswith(API_PREFIX):
            return None
        log.warning("%s: the lineage graph is unavailable: %s", request.path_info, exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response
