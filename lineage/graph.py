"""One Neo4j driver per process, created lazily and closed at exit; every query names its database."""

from __future__ import annotations

import atexit
import contextvars
import functools
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction, Record, RoutingControl
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

T = TypeVar("T")
# The graph not answering (down, restarting, or busy): a reader says so and asks to retry, never a 500.
GRAPH_UNAVAILABLE = (ServiceUnavailable, SessionExpired, TransientError)
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# While set, how long a read or write is retried instead of the driver's retry_seconds (see `retrying_at_most`).
_retry_limit: ContextVar[float | None] = ContextVar("graph_retry_limit", default=None)


@dataclass(frozen=True)
class GraphConfig:
    uri: str
    user: str
    password: str
    database: str
    retry_seconds: float = 30.0  # how long a transaction is retried while the server does not answer (the driver's)

    def __repr__(self) -> str:
        return f"GraphConfig(uri={self.uri!r}, user={self.user!r}, database={self.database!r})"


class Graph:
    """The lineage graph: a driver bound to one database."""

    def __init__(self, config: GraphConfig, *, connection_timeout: float = 5.0) -> None:
        self.config = config
        self._driver: Driver = GraphDatabase.driver(
            config.uri, auth=(config.user, config.password), connection_timeout=connection_timeout,
            max_transaction_retry_time=config.retry_seconds,
        )

    @property
    def database(self) -> str:
        return self.config.database

    def read(self, query: LiteralString, **parameters: Any) -> list[Record]:
        return self._execute(query, named_in(query, parameters), RoutingControl.READ)

    def write(self, query: LiteralString, **parameters: Any) -> list[Record]:
        return self._execute(query, named_in(query, parameters), RoutingControl.WRITE)

    def _execute(self, query: LiteralString, parameters: dict[str, Any], routing: RoutingControl) -> list[Record]:
        limit = _retry_limit.get()
        if limit is None or limit >= self.config.retry_seconds:
            records, _, _ = self._driver.execute_query(
                query, parameters_=parameters, database_=self.database, routing_=routing)
            return records
        # A session of the same bookmarks as execute_query's, retrying only as long as the caller can wait.
        with self._driver.session(database=self.database, max_transaction_retry_time=limit,
                                  bookmark_manager=self._driver.execute_query_bookmark_manager) as session:
            work = session.execute_read if routing is RoutingControl.READ else session.execute_write
            return work(lambda transaction: list(transaction.run(query, parameters)))

    def write_transaction(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run `work` in one managed write transaction: it commits whole or not at all (retried if transient)."""
        with self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    def plan(self, query: LiteralString, **parameters: Any) -> list[str]:
        """The operators of the plan the engine would run for `query` (EXPLAIN: nothing is executed)."""
        with self._driver.session(database=self.database) as session:
            summary = session.run(f"EXPLAIN {query}", named_in(query, parameters)).consume()
        operators: list[str] = []
        pending = [summary.plan or {}]
        while pending:
            step = pending.pop()
            operators.append(str(step.get("operatorType", "")).split("@")[0])
            pending += step.get("children", [])
        return operators

    def ping(self) -> None:
        """Raise unless the database answers a query (a single attempt, no retries)."""
        with self._driver.session(database=self.database) as session:
            session.run("RETURN 1").consume()

    def close(self) -> None:
        self._driver.close()


@contextmanager
def retrying_at_most(seconds: float) -> Iterator[None]:
    """Within this block (this thread or task), the graph's reads and writes are retried for at most `seconds`
    while the server does not answer, when that is shorter than the driver's `retry_seconds`: a person waiting on a
    page is told at once, where a worker's task may wait for the graph to come back."""
    token = _retry_limit.set(seconds)
    try:
        yield
    finally:
        _retry_limit.reset(token)


# The engine runs each query on one core; reads of one page's facts that do not wait on each other go side by side.
_readers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="graph-read")


def in_parallel(read: Callable[[], T]) -> Future[T]:
    """`read` started on a reader thread, with the caller's context (its retry limit); its result or error comes out
    of the future. A read started this way must not itself wait on another one (the readers are few)."""
    return _readers.submit(contextvars.copy_context().run, read)


def named_in(query: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters `query` names. The engine keeps one plan per query text and the types of the parameters sent
    (strings and lists by size class), used or not: one the text does not name would only make it plan again."""
    names = _names_in(query)
    return {name: value for name, value in parameters.items() if name in names}


@functools.lru_cache(maxsize=1024)
def _names_in(query: str) -> frozenset[str]:
    return frozenset(_PARAMETER.findall(query))


_lock = threading.Lock()
_graph: Graph | None = None


def get_graph() -> Graph:
    """The process's graph, configured from Django's settings.NEO4J on first use."""
    global _graph
    with _lock:
        if _graph is None:
            _graph = Graph(_config_from_settings())
            atexit.register(close_graph)
        return _graph


def close_graph() -> None:
    global _graph
    with _lock:
        if _graph is not None:
            _graph.close()
            _graph = None


def _config_from_settings() -> GraphConfig:
    from django.conf import settings  # read lazily so lineage works outside a configured Django too

    return GraphConfig(**settings.NEO4J)
