"""Throttling per API token (each token its own budget), per user for sessions, per address for anonymous calls."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from catalog.accounts.tokens import token_of


class PerTokenRateThrottle(SimpleRateThrottle):
    """Rates from REST_FRAMEWORK's DEFAULT_THROTTLE_RATES: `token`, `user` (a session) and `anon`."""

    scope = "token"

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = _scope_of(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self) -> str | None:
        rates: dict[str, str] = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]  # type: ignore[assignment]  # read now: tests override it
        return rates.get(self.scope)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = token_of(request.auth)
        if token is not None:
            ident = token.token_key
        elif request.user and request.user.is_authenticated:
            ident = str(request.user.pk)
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _scope_of(request: Request) -> str:
    if token_of(request.auth) is not None:
        return "token"
    return "user" if request.user and request.user.is_authenticated else "anon"
