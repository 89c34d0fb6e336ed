"""Sorted indexes of the id and lookup columns of generated objects, read as a real org's query optimizer
reads its indexes: `IndividualId >= 'x' AND IndividualId < 'y'` or `Id IN (…)` finds its rows by binary
search instead of a scan of a million rows.

An index keeps, per column, the row numbers of a generated source ordered by the key SOQL compares on
(`soql.index_key`): 4 bytes a row; a key is recomputed from its row number when a bound is looked up. It
is built on first use in three passes over the column (a sample for bucket splitters, the row numbers
bucketed, each bucket sorted), so building never holds the keys of every row at once. An index only
narrows the rows a query reads: the WHERE clause still decides each of them, so the rows and their order
are the scan's. Literal rows (mutable, few) are scanned as before.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from salesforce_simulator import soql
from salesforce_simulator.org import (
    ChainedRecordSource,
    IndexedRecordSource,
    ListRecordSource,
    Org,
    Record,
    RecordSource,
)

SAMPLE_ROWS = 4096  # keys sampled for the bucket splitters
BUCKETS = 64  # a bucket's row numbers are sorted at a time: its keys are all a build holds

_ABSENT = object()  # a sparse source's row number with no row

_BUILD_LOCK = threading.Lock()  # one build at a time: two jobs asking for one column build it once


@dataclass(frozen=True)
class ColumnIndex:
    """The row numbers of one column ordered by key, and those whose value is null."""

    order: array[int]
    nulls: array[int]
    key_at: Callable[[int], str]

    def positions(self, key_range: soql.KeyRange) -> tuple[int, int]:
        """The slice of `order` whose keys lie in `key_range` (not for the null range)."""
        low, high = 0, len(self.order)
        if key_range.low is not None:
            find = bisect.bisect_right if key_range.low_open else bisect.bisect_left
            low = find(self.order, key_range.low, key=self.key_at)
        if key_range.high is not None:
            find = bisect.bisect_left if key_range.high_open else bisect.bisect_right
            high = find(self.order, key_range.high, lo=low, key=self.key_at)
        return low, max(low, high)

    def row_numbers(self, ranges: Iterable[soql.KeyRange]) -> list[int]:
        """Every row number whose key lies in one of `ranges`, ascending (the scan's order), once each."""
        found: set[int] = set()
        for key_range in ranges:
            if key_range.null:
                found.update(self.nulls)
            else:
                found.update(self.order[slice(*self.positions(key_range))])
        return sorted(found)

    def size(self, ranges: Iterable[soql.KeyRange]) -> int:
        """How many rows `ranges` select, at most (overlapping ranges count twice)."""
        return sum(self._size(key_range) for key_range in ranges)

    def _size(self, key_range: soql.KeyRange) -> int:
        if key_range.null:
            return len(self.nulls)
        low, high = self.positions(key_range)
        return high - low


def build_index(count: int, value_at: Callable[[int], Any]) -> ColumnIndex | None:
    """The index of a column of `count` rows whose row `n` holds `value_at(n)` (`_ABSENT` for no row);
    None when a value is not indexable (see `soql.index_key`)."""
    def key_at(number: int) -> str:
        return soql.index_key(value_at(number)) or ""

    try:
        splitters = _splitters(count, value_at)
        buckets = [array("I") for _ in range(len(splitters) + 1)]
        nulls = array("I")
        for number in range(count):
            value = value_at(number)
            if value is _ABSENT:
                continue
            key = soql.index_key(value)
            if key is None:
                nulls.append(number)
            else:
                buckets[bisect.bisect_right(splitters, key)].append(number)
    except ValueError:
        return None
    order = array("I")
    for bucket in buckets:
        order.extend(sorted(bucket, key=key_at))
    return ColumnIndex(order, nulls, key_at)


def _splitters(count: int, value_at: Callable[[int], Any]) -> list[str]:
    step = max(1, count // SAMPLE_ROWS)
    values = (value_at(number) for number in range(0, count, step))
    keys = sorted({key for value in values if value is not _ABSENT and (key := soql.index_key(value)) is not None})
    stride = max(1, len(keys) // BUCKETS)
    return keys[stride::stride]


def column_index(source: IndexedRecordSource, field: str) -> ColumnIndex | None:
    """The source's index of `field`, built on first use (None: the column cannot be indexed)."""
    if field not in source.column_indexes:
        with _BUILD_LOCK:
            if field not in source.column_indexes:
                source.column_indexes[field] = build_index(source.count, _column(source, field))
    return source.column_indexes[field]


def _column(source: IndexedRecordSource, field: str) -> Callable[[int], Any]:
    """Row `n`'s value of `field`: from the source's column maker when it has one (no whole row made)."""
    maker = source.columns.get(field)
    if maker is not None:
        return maker

    def value_at(number: int) -> Any:
        row = source.make(number)
        return _ABSENT if row is None else soql.raw_value(row, field)

    return value_at


@dataclass
class _Candidates:
    """Rows of an object's parts in order: an indexed part's rows in its ranges, a literal part whole."""

    parts: list[tuple[RecordSource, ColumnIndex | None]]
    ranges: tuple[soql.KeyRange, ...]
    include_deleted: bool
    size: int
    fields: frozenset[str] | None = None  # narrow rows of these fields where every part makes them

    def __iter__(self) -> Iterator[Record]:
        rows = itertools.chain.from_iterable(self._part_rows(source, index) for source, index in self.parts)
        return rows if self.include_deleted else (row for row in rows if not row.get("IsDeleted"))

    def _part_rows(self, source: RecordSource, index: ColumnIndex | None) -> Iterator[Record]:
        if index is None or not isinstance(source, IndexedRecordSource):
            return iter(source)
        numbers = index.row_numbers(self.ranges)
        wanted = None if self.fields is None else self.fields if self.include_deleted else self.fields | {"IsDeleted"}
        narrow = source.narrow(wanted, numbers) if wanted is not None else None
        made = narrow if narrow is not None else map(source.make, numbers)
        return (row for row in made if row is not None)


@dataclass(frozen=True)
class OrgIndexes:
    """An org's indexes and narrow rows as `soql.execute` asks for them (`soql.Indexes`). An object with no
    generated part, or a part that is neither generated nor literal, is scanned as before."""

    org: Org
    include_deleted: bool

    def find(self, object_name: str, field: str, ranges: tuple[soql.KeyRange, ...],
             fields: frozenset[str] | None = None) -> _Candidates | None:
        parts = self._parts(object_name)
        if parts is None:
            return None
        indexed: list[tuple[RecordSource, ColumnIndex | None]] = []
        size = 0
        for part in parts:
            index = column_index(part, field) if isinstance(part, IndexedRecordSource) else None
            if isinstance(part, IndexedRecordSource) and index is None:
                return None  # a column some value of which an index cannot order: scanned
            size += index.size(ranges) if index is not None else len(part.rows) if isinstance(
                part, ListRecordSource) else 0
            indexed.append((part, index))
        return _Candidates(indexed, ranges, self.include_deleted, size, fields)

    def narrow(self, object_name: str, fields: frozenset[str]) -> Iterable[Record] | None:
        parts = self._parts(object_name)
        wanted = fields if self.include_deleted else fields | {"IsDeleted"}
        streams: list[Iterable[Record]] = []
        for part in parts or ():
            rows = part.narrow(wanted) if isinstance(part, IndexedRecordSource) else part
            if rows is None:
                return None
            streams.append(rows)
        if parts is None:
            return None
        rows = itertools.chain.from_iterable(streams)
        return rows if self.include_deleted else (row for row in rows if not row.get("IsDeleted"))

    def _parts(self, object_name: str) -> list[RecordSource] | None:
        source = self.org.record_sources.get(object_name) if object_name != "User" else None
        parts = _parts(source) if source is not None else []
        if not any(isinstance(part, IndexedRecordSource) for part in parts) or not all(
                isinstance(part, IndexedRecordSource | ListRecordSource) for part in parts):
            return None
        return parts


def index_finder(org: Org, include_deleted: bool) -> OrgIndexes:
    """The indexes a query of `org` reads (deleted rows left out unless `include_deleted`, as queryAll)."""
    return OrgIndexes(org, include_deleted)


def _parts(source: RecordSource) -> list[RecordSource]:
    if isinstance(source, ChainedRecordSource):
        return [leaf for part in source.sources for leaf in _parts(part)]
    return [source]
