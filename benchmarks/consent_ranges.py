"""One task of the consents of a very large org: does a range of Individual ids fit the task time limits?

    python benchmarks/consent_ranges.py [--consumers 1000000] [--per-task HARVEST_CONSUMERS_PER_TASK] [--read-only]

Serves a generated org with `--consumers` consumers from its own simulator process, writes the schema of
the consent model, plans the ranges a full consents read is split into (`consumer_ranges`, what the run's
planning step does), then reads and writes the middle range exactly as its task does (`consent_chunks`
with that range, each chunk in one graph transaction). Reports the seconds and API calls of both against
`CELERY_TASK_SOFT_TIME_LIMIT`, the consumers and graph rows of the range, and peak RSS. The org's graph
is purged afterwards. Needs the local Neo4j (NEO4J_* as for the app). Prints JSON.

A real org reads a range of lookup ids from its indexes; the simulator builds its indexes on first use,
so they are built (one REST query an object, timed as `simulator_index_build`) before the range is timed,
and the simulator's memory is read before and after (`simulator_rss_mib`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.django_env import prepared_graph, set_up_django

set_up_django("consent-ranges-benchmark")

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from simple_salesforce.exceptions import SalesforceError  # noqa: E402

from benchmarks.harvested_org import connected_consumer_org  # noqa: E402
from harvesters.client import OrgClient  # noqa: E402
from harvesters.consents import (  # noqa: E402
    CONSUMER_OBJECTS,
    ConsumerRange,
    bulk_rows,
    consent_chunks,
    consumer_ranges,
)
from harvesters.schema import schema_chunk  # noqa: E402
from lineage import GraphWriter, Label, org_key, purge_org  # noqa: E402


def main() -> None:
    args = parse_arguments()
    graph = prepared_graph()
    with connected_consumer_org("consent-ranges", args.consumers) as connected:
        client, org_id, served = connected.client, connected.org_id, connected.served
        writer = GraphWriter(graph, "consent-ranges-benchmark", org_key(org_id), timezone.now())
        try:
            schema = schema_chunk(client, org_id, [obj.name for obj in CONSUMER_OBJECTS])
            writer.write_chunk(schema.nodes, schema.edges)
            print(json.dumps(measure(client, writer, org_id, args, served.process.pid), indent=2))
        finally:
            purge_org(graph, org_key(org_id))


def measure(client: OrgClient, writer: GraphWriter, org_id: str, args: argparse.Namespace,
            simulator_pid: int) -> dict[str, Any]:
    limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
    calls_before, started = _api_used(client), time.monotonic()
    ranges = consumer_ranges(client, args.per_task)
    planning = {"seconds": round(time.monotonic() - started, 1), "api_calls": _api_used(client) - calls_before,
                "ranges": len(ranges)}
    middle = ranges[len(ranges) // 2]
    rss_before_indexes = rss_mib(simulator_pid)
    index_build = build_simulator_indexes(client, middle)
    calls_before = _api_used(client)
    simulator_cpu_before, own_cpu_before = cpu_seconds(simulator_pid), cpu_seconds(os.getpid())
    one_range = timed_range(client, None if args.read_only else writer, org_id, middle)
    seconds = one_range["seconds"]
    return {
        "consumers": args.consumers, "consumers_per_task": args.per_task, "soft_time_limit_s": limit,
        "planning": {**planning, "fits_soft_time_limit": planning["seconds"] < limit},
        "one_range": {**one_range, "api_calls": _api_used(client) - calls_before,
                      "simulator_cpu_s": round(cpu_seconds(simulator_pid) - simulator_cpu_before, 1),
                      "harvester_cpu_s": round(cpu_seconds(os.getpid()) - own_cpu_before, 1),
                      "seconds_per_1000_consumers": round(1000 * seconds / max(one_range["consumers"], 1), 2),
                      "fits_soft_time_limit": seconds < limit,
                      "fits_soft_time_limit_twice": 2 * seconds < limit,
                      "share_of_soft_time_limit": round(seconds / limit, 2)},
        "simulator_index_build": index_build,
        "simulator_rss_mib": {"after_planning": rss_before_indexes, "at_end": rss_mib(simulator_pid)},
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }


def timed_range(client: OrgClient, writer: GraphWriter | None, org_id: str, consumers: ConsumerRange) -> dict[str, Any]:
    """One range read and written as its task does (read only without a writer); the seconds split between
    reading (Salesforce, parsing, sorting, hashing) and writing the graph."""
    written = subjects = 0
    write_s, started = 0.0, time.monotonic()
    for chunk in consent_chunks(client, org_id, consumers=consumers):
        before_write = time.monotonic()
        written += writer.write_chunk(chunk.nodes, chunk.edges).written if writer is not None else 0
        write_s += time.monotonic() - before_write
        subjects += sum(1 for node in chunk.nodes if node.label is Label.SUBJECT)
    seconds = time.monotonic() - started
    return {"seconds": round(seconds, 1), "read_s": round(seconds - write_s, 1), "graph_write_s": round(write_s, 1),
            "consumers": subjects, "graph_rows_written": written}


def build_simulator_indexes(client: OrgClient, consumers: ConsumerRange) -> dict[str, Any]:
    """One Bulk query an object by its Individual link (a job, not a REST call: the first build of a
    million-row index outlasts a request's timeout), so the simulator builds the indexes a real org has
    before the range is timed; an object the org lacks answers an error, which is skipped."""
    started = time.monotonic()
    for obj in CONSUMER_OBJECTS:
        soql = f"SELECT Id FROM {obj.name} WHERE {obj.link} = '{consumers.lower or ''}'"  # noqa: S608
        with contextlib.suppress(SalesforceError):
            sum(1 for _ in bulk_rows(client, soql))
    return {"seconds": round(time.monotonic() - started, 1), "objects": len(CONSUMER_OBJECTS)}


def rss_mib(pid: int) -> dict[str, float]:
    """A process's resident memory now and at its peak (VmRSS, VmHWM), in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {name: round(int(fields[key].split()[0]) / 1024, 1) for name, key in (("now", "VmRSS"), ("peak", "VmHWM"))}


def cpu_seconds(pid: int) -> float:
    """CPU seconds a process has used (Linux /proc): the simulator's share of a range's time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _api_used(client: OrgClient) -> int:
    return client.last_api_used or 0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consumers", type=int, default=1_000_000)
    parser.add_argument("--per-task", type=int, default=settings.HARVEST_CONSUMERS_PER_TASK)
    parser.add_argument("--read-only", action="store_true",
                        help="read the range without writing it to the graph (the Salesforce side alone)")
    return parser.parse_args()


if __name__ == "__main__":
    main()
