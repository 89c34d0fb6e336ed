"""Is Recordkeeper able to work? The state of its database, its lineage graph and its task broker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from catalog.celery import app as celery_app
from lineage import get_graph

BROKER_TIMEOUT_S = 2
DOWN = "not answering"  # all an anonymous caller learns of a failure; the reason goes to the log
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Check("database", True, connection.vendor)


def check_neo4j() -> Check:
    graph = get_graph()
    graph.ping()
    return Check("neo4j", True, f"database {graph.database}")


def check_broker() -> Check:
    with celery_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_S)
        return Check("broker", True, broker.transport_cls)


CHECKS: tuple[tuple[str, Callable[[], Check]], ...] = (
    ("database", check_database),
    ("neo4j", check_neo4j),
    ("broker", check_broker),
)


def system_checks() -> list[Check]:
    """Run every check; a failing one is reported by name only (its exception is logged), never raised."""
    results = []
    for name, run in CHECKS:
        try:
            results.append(run())
        except Exception:
            log.warning("health check %s failed", name, exc_info=True)
            results.append(Check(name, False, DOWN))
    return results
