"""Every catalog list is read a page at a time: SKIP/LIMIT with a bounded size, and the total of all pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

MAX_PAGE_SIZE = 500
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows, and how many rows all pages hold (at least, when `more_than_total`)."""

    total: int
    rows: tuple[T, ...]
    more_than_total: bool = False  # counting stopped at `total`: more rows than that match


@dataclass(frozen=True)
class PageRequest:
    number: int = 1
    size: int = 50

    def __post_init__(self) -> None:
        if self.number < 1:
            raise ValueError(f"page numbers start at 1, not {self.number}")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise ValueError(f"a page holds 1 to {MAX_PAGE_SIZE} rows, not {self.size}")

    @property
    def skip(self) -> int:
        return (self.number - 1) * self.size
