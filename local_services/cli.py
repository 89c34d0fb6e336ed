"""Command line of the local services: what `make services`, `make stop`, `make test` and `make demo` call."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from local_services.celery_worker import CeleryWorker
from local_services.neo4j_engine import Neo4jEngine
from local_services.process import ServiceError, ServiceState
from local_services.redis_server import RedisServer
from local_services.settings import for_test_worker, from_environment
from local_services.simulator_process import SimulatorProcess

Service = Neo4jEngine | RedisServer | CeleryWorker | SimulatorProcess
SERVICE_NAMES = ("neo4j", "redis", "worker", "simulator")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = from_environment(for_test_worker(os.environ, args.test_worker))
    try:
        services: list[Service] = [Neo4jEngine(settings), RedisServer(settings), CeleryWorker(settings),
                                   SimulatorProcess(settings)]
        # The worker and the simulator run only when asked for; stopping everything includes them, first.
        default = ("neo4j", "redis") if args.action == "start" else SERVICE_NAMES
        chosen = [s for s in services if s.name in (args.services or default)]
        if args.action == "stop":
            chosen.reverse()
        if args.action == "start":
            _start(chosen, args.record)
        elif args.action == "stop":
            _stop(_recorded(chosen, args.only_recorded))
        else:
            for service in chosen:
                state = "running" if service.is_running() else "stopped"
                print(f"{service.name}: {state} ({service.address})")
    except ServiceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _start(services: list[Service], record: Path | None) -> None:
    if record is not None:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text("")
    for service in services:
        state = service.start()
        print(f"{service.name}: {state.value} on {service.address}", flush=True)
        # Recorded one by one, so a failure half-way still lets `stop --only-recorded` clean up.
        if state is ServiceState.STARTED and record is not None:
            with record.open("a") as names:
                names.write(f"{service.name}\n")


def _stop(services: list[Service]) -> None:
    for service in services:
        print(f"{service.name}: {service.stop().value}", flush=True)


def _recorded(services: list[Service], record: Path | None) -> list[Service]:
    """Only the services a previous `start --record` started, so a run stops what it started."""
    if record is None:
        return services
    try:
        names = set(record.read_text().split())
    except FileNotFoundError:
        return []
    record.unlink()
    return [s for s in services if s.name in names]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local_services", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("services", nargs="*", choices=[*SERVICE_NAMES, []],
                        help="default: neo4j and redis (stop, status: all)")
    parser.add_argument("--record", type=Path, help="with start: write the names of the services started")
    parser.add_argument("--only-recorded", type=Path, help="with stop: stop only the services named in this file")
    parser.add_argument("--test-worker", type=int, default=0, metavar="N",
                        help="the services of the suite's parallel worker N (its own Neo4j; 0: the environment's)")
    return parser
