"""A full harvest of a large generated org, then a re-harvest of the unchanged org, against the simulator.

    python benchmarks/harvest.py [--objects 2000] [--fields 100] [--integrations 200] [--consumers 100000]
                                 [--log-days 30] [--sources schema,manifests,...] [--baseline-rows 4000]

Starts `python -m salesforce_simulator --generate …` as its own process (so the server does not share
this process's interpreter), registers it as an org connection in a throw-away SQLite database, runs
`harvest --full --sync` and then an incremental harvest, and reports wall time, API calls by Salesforce's
own accounting (Sforce-Limit-Info) against the targets, graph rows written per second and peak RSS. In the
same run it writes a sample of the harvested records again, batched and then one row per query and
transaction (the baseline), and gives the ratio. Needs the local Neo4j (NEO4J_* as for the app).
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='harvest-benchmark-')}/db.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalog.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from harvesters import runs  # noqa: E402
from harvesters.connections import client_for, register_org  # noqa: E402
from harvesters.models import HarvestRun  # noqa: E402
from harvesters.schema import list_objects, schema_chunk  # noqa: E402
from lineage import GraphWriter, bootstrap_schema, get_graph, org_key, purge_org  # noqa: E402


def main() -> None:
    args = parse_arguments()
    call_command("migrate", verbosity=0)
    bootstrap_schema(get_graph())
    port = free_port()
    state = tempfile.mkdtemp(prefix="harvest-benchmark-simulator-")
    generate = (f"objects={args.objects},fields={args.fields},integrations={args.integrations},"
                f"consumers={args.consumers},log_days={args.log_days},seed=7")
    command = [sys.executable, "-m", "salesforce_simulator", "--generate", generate, "--port", str(port),
               "--state-dir", state]
    credentials = json.loads(subprocess.run([*command, "--print-credentials"], cwd=REPO, capture_output=True,
                                            text=True, check=True).stdout)
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        print(json.dumps(measure(args, credentials), indent=2))
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(args: argparse.Namespace, credentials: dict[str, str]) -> dict[str, Any]:
    org = register_org("benchmark", login_url=credentials["login_url"], auth_flow="client_credentials",
                       client_id=credentials["consumer_key"], client_secret=credentials["consumer_secret"],
                       ca_bundle=credentials["ca_bundle"])
    sources = args.sources.split(",") if args.sources else runs.all_sources()
    started = time.monotonic()
    full = runs.harvest_now(runs.request_harvest(org, full=True, sources=sources))
    full_s = time.monotonic() - started
    started = time.monotonic()
    again = runs.harvest_now(runs.request_harvest(org, full=False, sources=sources))
    again_s = time.monotonic() - started
    org.refresh_from_db()
    sample = batched_against_row_by_row(org, args.baseline_rows)
    written = full.counts.get("written", 0)
    batched_rate = written / full_s if full_s else 0.0
    purge_org(get_graph(), org_key(org.org_id))
    schema_target = math.ceil(args.objects / 25) + math.ceil(args.objects / 5) + 50
    return {
        "org": {"objects": args.objects, "fields_per_object": args.fields, "integrations": args.integrations,
                "consumers": args.consumers, "log_days": args.log_days},
        "sources": sources,
        "full_harvest": run_figures(full, full_s),
        "reharvest_unchanged": run_figures(again, again_s),
        "targets": {
            "full_schema_classification_integrations_logs_calls_max": schema_target,
            "consumer_calls_max": math.ceil(args.consumers / 10_000),
            "reharvest_calls_max": 10,
        },
        "graph_rows_per_s_full_harvest": round(batched_rate),
        "same_records_batched_against_row_by_row": sample,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_figures(run: HarvestRun, seconds: float) -> dict[str, Any]:
    return {"status": run.status, "wall_s": round(seconds, 1), "api_calls": run.api_calls,
            "rows_written": run.counts.get("written", 0), "chunks": run.chunks_total, "errors": run.errors[:5],
            "reason": run.reason}


def batched_against_row_by_row(org: Any, rows: int) -> dict[str, Any]:
    """The first schema chunk's records written again: batched in one transaction, then one row per query."""
    client = client_for(org)
    names = [summary["name"] for summary in (list_objects(client) or [])][:25]
    chunk = schema_chunk(client, org.org_id, names)
    nodes, edges = chunk.nodes[:rows // 2], chunk.edges[:rows // 2]
    batched = GraphWriter(get_graph(), "batched-sample", org_key(org.org_id), timezone.now())
    started = time.monotonic()
    batched.write_chunk(nodes, edges)
    batched_s = time.monotonic() - started
    single = GraphWriter(get_graph(), "row-by-row-sample", org_key(org.org_id), timezone.now(), batch_size=1)
    started = time.monotonic()
    for node in nodes:
        single.write_chunk([node], [])
    for edge in edges:
        single.write_chunk([], [edge])
    single_s = time.monotonic() - started
    count = len(nodes) + len(edges)
    return {"rows": count, "batched_rows_per_s": round(count / batched_s), "row_by_row_rows_per_s":
            round(count / single_s), "speedup": round(single_s / batched_s, 1)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int) -> None:
    for _ in range(600):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the simulator did not start")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--fields", type=int, default=100)
    parser.add_argument("--integrations", type=int, default=200)
    parser.add_argument("--consumers", type=int, default=100_000)
    parser.add_argument("--log-days", type=int, default=30)
    parser.add_argument("--sources", default="", help="comma-separated; default: every source")
    parser.add_argument("--baseline-rows", type=int, default=4000)
    return parser.parse_args()


if __name__ == "__main__":
    main()
