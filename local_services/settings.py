"""Where the local services live and how they are reached, read from the same
environment variables as the Django settings (this package must not import Django)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from local_services.process import ServiceError

REPO_ROOT = Path(__file__).resolve().parent.parent
LAUNCHER_DIR = Path(__file__).resolve().parent / "neo4j_launcher"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}
DEFAULT_NEO4J_URI = "bolt://127.0.0.1:7687"
DEFAULT_NEO4J_PASSWORD = "recordkeeper-dev"  # noqa: S105 - a local development default, documented
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
TEST_WORKER_PORT_STEP = 100  # the suite's worker N has its Neo4j this many ports above worker 0's, times N


@dataclass(frozen=True)
class LocalSettings:
    state_dir: Path
    neo4j_uri: str
    neo4j_password: str
    neo4j_heap_mb: int
    neo4j_pagecache_mb: int
    broker_url: str
    simulator_port: int
    simulator_org: str

    @property
    def neo4j_port(self) -> int:
        return loopback_port(self.neo4j_uri, "NEO4J_URI", default=7687)

    @property
    def redis_port(self) -> int:
        return loopback_port(self.broker_url, "CELERY_BROKER_URL", default=6379)

    @property
    def jar_dir(self) -> Path:
        # Shared by every state dir: the jars depend only on the Neo4j version.
        return REPO_ROOT / ".local" / "neo4j-jars" / neo4j_version()


def from_environment(environ: Mapping[str, str] | None = None) -> LocalSettings:
    env = os.environ if environ is None else environ
    return LocalSettings(
        state_dir=Path(env.get("LOCAL_SERVICES_DIR", str(REPO_ROOT / ".local" / "dev"))),
        neo4j_uri=env.get("NEO4J_URI", DEFAULT_NEO4J_URI),
        neo4j_password=env.get("NEO4J_PASSWORD", DEFAULT_NEO4J_PASSWORD),
        neo4j_heap_mb=int(env.get("NEO4J_HEAP_MB", "768")),
        neo4j_pagecache_mb=int(env.get("NEO4J_PAGECACHE_MB", "256")),
        broker_url=env.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL),
        simulator_port=int(env.get("SIMULATOR_PORT", "8900")),
        simulator_org=env.get("SIMULATOR_ORG", "demo"),
    )


def loopback_port(url: str, variable: str, *, default: int) -> int:
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK_HOSTS:
        raise ServiceError(
            f"{variable}={url!r} does not point at this machine; the local services only run on 127.0.0.1"
        )
    return parts.port or default


def neo4j_version() -> str:
    """The Neo4j version pinned in the launcher's pom.xml, the one place it is written."""
    pom = (LAUNCHER_DIR / "pom.xml").read_text()
    match = re.search(r"<neo4j.version>([^<]+)</neo4j.version>", pom)
    if match is None:
        raise ServiceError(f"no <neo4j.version> in {LAUNCHER_DIR / 'pom.xml'}")
    return match.group(1)


def for_test_worker(environ: Mapping[str, str], worker: int) -> dict[str, str]:
    """The environment of the suite's parallel worker `worker` (pytest-xdist's gwN): worker 0 runs in `environ` as it
    is; another gets a data folder, a Neo4j engine and a Redis server of its own, their ports TEST_WORKER_PORT_STEP·N
    above worker 0's: a test owns the whole graph while it runs, and its Celery workers see no other worker's
    tasks, broadcasts or replies (Redis's publish and subscribe ignore its database numbers)."""
    if worker == 0:
        return dict(environ)
    settings = from_environment(environ)
    shift = TEST_WORKER_PORT_STEP * worker
    broker = environ.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL)
    return {**environ,
            "LOCAL_SERVICES_DIR": str(settings.state_dir / f"worker-{worker}"),
            "NEO4J_URI": _shifted(settings.neo4j_uri, "NEO4J_URI", 7687, shift),
            "CELERY_BROKER_URL": _shifted(broker, "CELERY_BROKER_URL", 6379, shift),
            "CELERY_RESULT_BACKEND": _shifted(environ.get("CELERY_RESULT_BACKEND", broker), "CELERY_RESULT_BACKEND",
                                              6379, shift)}


def _shifted(url: str, variable: str, default_port: int, ports: int) -> str:
    """`url` (set as `variable`) with its port `ports` higher; `loopback_port` checks it is on this machine."""
    parts = urlsplit(url)
    port = loopback_port(url, variable, default=default_port) + ports
    return urlunsplit((parts.scheme, f"{parts.hostname}:{port}", parts.path, parts.query, parts.fragment))
