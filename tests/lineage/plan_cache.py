"""What Neo4j's plan cache tells parameters apart by: each one's type, and a string's or a list's size class (0, 1,
then the next power of ten: Neo4j 5's SizeBucket); a map is one type whatever it holds."""

from __future__ import annotations

import math
from typing import Any


def engine_types(parameters: dict[str, Any]) -> dict[str, str]:
    """The key the engine would cache a plan of one query text under, for these parameters."""
    return {name: _type_of(value) for name, value in parameters.items()}


def _type_of(value: Any) -> str:
    if isinstance(value, str | list | tuple):
        return f"{type(value).__name__}:{_size_class(len(value))}"
    return type(value).__name__


def _size_class(size: int) -> int:
    return size if size <= 1 else 10 ** math.ceil(math.log10(size))
