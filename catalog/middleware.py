"""Middleware of the project as a whole."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from catalog.views import healthz

HEALTH_PATH = "/healthz"


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
