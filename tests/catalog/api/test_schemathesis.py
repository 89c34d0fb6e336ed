"""Schemathesis generates requests from /api/schema/ and checks every answer against it: no 5xx, no status code,
content type or body the schema does not declare. Bounded: a few examples per operation, about a minute."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from catalog.accounts import services
from tests.catalog.accounts.people import privacy_officer

pytestmark = pytest.mark.django_db

# Writes that would reach the graph with generated data are left out; a harvest request reaches no worker
# because no org exists here (every one is a 400).
generated = SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
schema = schemathesis.openapi.from_dict(generated).exclude(
    path="/api/v1/lineage/openlineage")
app = get_wsgi_application()
schema.app = app  # every request, the checks' own probes too, goes through Django in this process


@pytest.fixture
def test_database_kept_open() -> Iterator[None]:
    """As Django's test client does: a request through the WSGI app must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(test_database_kept_open: None) -> dict[str, str]:
    secret = services.issue_token(privacy_officer("schemathesis"),
                                  ["catalog:read", "catalog:write", "dsar:read", "dsar:write"]).secret
    return {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_of_the_api_is_one_its_schema_declares(case: Any, bearer: dict[str, str]) -> None:
    # A well-formed org alias or source that names none is rightly a 400 (the schema cannot list them).
    writes = [positive_data_acceptance] if case.method == "POST" else []
    case.call_and_validate(headers=bearer, excluded_checks=writes)
