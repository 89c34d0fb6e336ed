"""OpenAPI: the bearer scheme, and the problem responses every operation can answer, documented on each."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from catalog.api.errors import PROBLEM_CONTENT_TYPE
from catalog.api.serializers import ProblemSerializer


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "catalog.accounts.tokens.BearerTokenAuthentication"
    name = "bearerAuth"
    priority = 1  # over drf-spectacular's own knox extension

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "http", "scheme": "bearer",
                "description": "An API token from `manage.py issue_token`, with the scopes the operation needs"}


ERROR_DESCRIPTIONS = {
    400: "A parameter or the body is not valid; `errors` names each field",
    401: "No credentials, or a token that is unknown, revoked or expired",
    403: "The token lacks the operation's scope, or the user's role does not allow it",
    404: "No such object, or a page past the last",
    413: "The body is over DATA_UPLOAD_MAX_MEMORY_SIZE",
    415: "The body is not JSON",
    429: "Too many requests for this token; retry after Retry-After seconds",
}


class ProblemAutoSchema(AutoSchema):
    """Adds to each operation the error answers it can give, with the problem body, unless it declares its own."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if str(code) not in responses:
                answer = OpenApiResponse(ProblemSerializer, description=ERROR_DESCRIPTIONS[code])
                responses[str(code)] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    answer, str(code), [PROBLEM_CONTENT_TYPE],
                                                                   direction)
        return responses

    def _error_codes(self) -> list[int]:
        codes = [401, 403, 429]
        writes = self.method in ("POST", "PUT", "PATCH")
        if writes or self._is_list_view() or self._has_query_filters() or self._has_query_parameters():
            codes.append(400)
        if "{" in self.path or self._is_list_view() or writes or self._names_an_org():  # no such object
            codes.append(404)
        if writes:
            codes.extend([413, 415])
        return codes

    def _has_query_parameters(self) -> bool:
        """The operation declares query parameters of its own (a bad value of one is a 400 naming it)."""
        return any(getattr(each, "location", None) == OpenApiParameter.QUERY
                   for each in self.get_override_parameters())

    def _names_an_org(self) -> bool:
        """The operation is asked about one org by a required `org` query parameter (an unknown one is a 404)."""
        return any(isinstance(each, OpenApiParameter) and each.location == OpenApiParameter.QUERY
                   and each.name == "org" and each.required for each in self.get_override_parameters())

    def _has_query_filters(self) -> bool:
        return bool(getattr(self.view, "filterset_class", None)) or bool(getattr(self.view, "filterset_fields", None))


NO_NULL_CHARACTER = "^[^\\x00]*$"


def text_parameters_refuse_null_characters(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: Django refuses a null character in any text a form reads (a 400 naming the parameter),
    so every free-text query parameter says so in its schema; one with an enum, format or pattern of its own is
    already narrower."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string" and not (
                        {"enum", "format", "pattern"} & schema.keys()):
                    schema["pattern"] = NO_NULL_CHARACTER
    return result
