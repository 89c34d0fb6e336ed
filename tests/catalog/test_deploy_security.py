"""Production settings (DEBUG off) protect the pages: HTTPS-only cookies, HSTS, a login for every page, a
Content-Security-Policy allowing this server only, and static files from the app server."""

from __future__ import annotations

import json
from typing import Any

from tests.catalog.test_settings import PRODUCTION, run_with

PRINT_SECURITY = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'session_secure': settings.SESSION_COOKIE_SECURE, 'csrf_secure': settings.CSRF_COOKIE_SECURE, "
    "'session_httponly': settings.SESSION_COOKIE_HTTPONLY, 'hsts': settings.SECURE_HSTS_SECONDS, "
    "'ssl_redirect': settings.SECURE_SSL_REDIRECT, 'csp': settings.CONTENT_SECURITY_POLICY['DIRECTIVES'], "
    "'middleware': settings.MIDDLEWARE, 'finders': settings.WHITENOISE_USE_FINDERS}))"
)


def production_security() -> dict[str, Any]:
    result = run_with(PRODUCTION, PRINT_SECURITY)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_production_cookies_are_https_only_and_hsts_lasts_a_year():
    loaded = production_security()

    assert loaded["session_secure"] is True
    assert loaded["csrf_secure"] is True
    assert loaded["session_httponly"] is True
    assert loaded["ssl_redirect"] is True
    assert loaded["hsts"] == 31536000


def test_production_pages_need_a_login_and_allow_scripts_and_styles_from_this_server_only():
    loaded = production_security()

    assert "catalog.middleware.PageLoginRequiredMiddleware" in loaded["middleware"]
    assert "csp.middleware.CSPMiddleware" in loaded["middleware"]
    directives = loaded["csp"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_production_serves_the_collected_static_files_with_whitenoise():
    loaded = production_security()

    assert "whitenoise.middleware.WhiteNoiseMiddleware" in loaded["middleware"]
    assert loaded["finders"] is False  # the collected, compressed files; not the source folders
