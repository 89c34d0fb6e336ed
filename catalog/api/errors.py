"""One body for every API error (RFC 9457 problem details): status, title, detail, and field errors by name."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
logger = logging.getLogger(__name__)


def problem_body(status: int, detail: str = "", errors: dict[str, list[str]] | None = None,
                 **extra: Any) -> dict[str, Any]:
    """The error body: `title` is the status's phrase, `detail` says what happened, `errors` names each field."""
    title = HTTPStatus(status).phrase
    return {"type": "about:blank", "status": status, "title": title, "detail": detail or title,
            "errors": errors or {}, **extra}


def problem_response(status: int, detail: str = "", errors: dict[str, list[str]] | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> Response:
    return Response(problem_body(status, detail, errors, **extra), status=status, headers=headers,
                    content_type=PROBLEM_CONTENT_TYPE)


def field_errors(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors flattened to `{"field.sub": ["message"]}` (non-field ones under `(body)`)."""
    if isinstance(data, dict):
        flat: dict[str, list[str]] = {}
        for name, value in data.items():
            key = "(body)" if name in ("non_field_errors", "detail") and not prefix else f"{prefix}{name}"
            for sub_key, messages in field_errors(value, f"{key}.").items():
                flat.setdefault(sub_key.removesuffix("."), []).extend(messages)
        return flat
    if isinstance(data, list) and data and all(isinstance(item, (dict, list)) for item in data):
        flat = {}
        for index, item in enumerate(data):
            for sub_key, messages in field_errors(item, f"{prefix}{index}.").items():
                flat.setdefault(sub_key, []).extend(messages)
        return flat
    messages = data if isinstance(data, list) else [data]
    return {prefix or "(body)": [str(message) for message in messages]}


def _detail_of(status: int, errors: dict[str, list[str]]) -> str:
    if status == 400 and errors:
        return f"Some values are not valid: {', '.join(sorted(errors))}."
    return HTTPStatus(status).phrase


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, then its answer reshaped as a problem; the graph unavailable is a 503, anything else a 500
    problem whose cause goes to the log, never to the caller."""
    if isinstance(exc, (ServiceUnavailable, SessionExpired, TransientError)):
        logger.warning("the lineage graph is unavailable: %s", exc)
        return problem_response(503, "The lineage graph is unavailable; retry.", headers={"Retry-After": "30"})
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return problem_response(413, f"The body is too large; at most {limit} bytes are accepted.")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        logger.error("API request failed", exc_info=exc)
        return problem_response(500, "Something went wrong on our side; it has been logged.")
    headers = {name: value for name, value in response.items() if name in ("WWW-Authenticate", "Retry-After",
                                                                             "Allow")}
    if isinstance(exc, serializers.ValidationError):
        errors = field_errors(response.data)
        return problem_response(response.status_code, _detail_of(response.status_code, errors), errors,
                                headers=headers)
    detail = str(getattr(exc, "detail", "")) or HTTPStatus(response.status_code).phrase
    return problem_response(response.status_code, detail, headers=headers)


@csrf_exempt  # nothing is there to protect: a POST to a wrong address is a 404 problem, not the CSRF page
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any path under /api/ that names no endpoint, whatever the method: a 404 problem, not the pages' HTML."""
    return JsonResponse(problem_body(404, f"No API endpoint at {request.path}."), status=404,
                        content_type=PROBLEM_CONTENT_TYPE)
