"""The catalog's tests: each starts with the API's throttles at zero."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_throttles() -> Iterator[None]:
    """Each test starts with every token's, user's and address's request count at zero."""
    cache.clear()
    yield
    cache.clear()
