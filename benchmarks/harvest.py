"""Full harvests of a large generated org, then a re-harvest of the unchanged org, against the simulator.

    python benchmarks/harvest.py [--objects 2000] [--fields 100] [--integrations 200] [--consumers 100000]
                                 [--log-days 30] [--baseline-rows 4000]

Starts `python -m salesforce_simulator --generate …` as its own process (so the server does not share
this process's interpreter), registers it as an org connection in a throw-away SQLite database and runs,
through `harvest_now` (the code path of `harvest --sync`): a full harvest of schema, classification,
integrations, manifests and logs (the issue's first budget), a full harvest of the consumers (its second
budget, per 10,000 records read), and an incremental harvest of every source of the unchanged org. It
reports wall time, API calls by Salesforce's own accounting (Sforce-Limit-Info) against the targets, the
calls split by endpoint (from the simulator's call log), graph rows written per second and peak RSS. In
the same run it writes a sample of the harvested records again, batched and then one row per query and
transaction (the baseline), and gives the ratio. Needs the local Neo4j (NEO4J_* as for the app).
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.django_env import prepared_graph, set_up_django

set_up_django("harvest-benchmark")

from django.utils import timezone  # noqa: E402
from simple_salesforce.exceptions import SalesforceMalformedRequest  # noqa: E402

from benchmarks.generated_org import served_generated_org  # noqa: E402
from benchmarks.harvested_org import registered  # noqa: E402
from harvesters import runs  # noqa: E402
from harvesters.client import http_session  # noqa: E402
from harvesters.connections import client_for  # noqa: E402
from harvesters.consents import CONSUMER_OBJECTS  # noqa: E402
from harvesters.models import HarvestRun  # noqa: E402
from harvesters.schema import list_objects, schema_chunk  # noqa: E402
from lineage import GraphWriter, get_graph, org_key, purge_org  # noqa: E402


def main() -> None:
    args = parse_arguments()
    prepared_graph()
    generate = (f"objects={args.objects},fields={args.fields},integrations={args.integrations},"
                f"consumers={args.consumers},log_days={args.log_days},seed=7")
    with served_generated_org(generate) as served:
        served.wait_until_listening()
        print(json.dumps(measure(args, served.credentials, served.base_url), indent=2))


# The budget "schema, classification, integrations and logs"; manifests cost no call.
ORG_SOURCES = ["schema", "integrations", "manifests", "logs"]


def measure(args: argparse.Namespace, credentials: dict[str, str], simulator: str) -> dict[str, Any]:
    """A full harvest of the org's metadata and logs, one of its consumers, then an unchanged re-harvest."""
    org = registered("benchmark", credentials)
    calls = SimulatorCalls(simulator, credentials["ca_bundle"])
    full, full_s = timed_harvest(org, full=True, sources=ORG_SOURCES)
    full_endpoints = calls.by_endpoint_since_last()
    consumers, consumers_s = timed_harvest(org, full=True, sources=["consents"])
    consumers_endpoints = calls.by_endpoint_since_last()
    again, again_s = timed_harvest(org, full=False, sources=runs.all_sources())
    again_endpoints = calls.by_endpoint_since_last()
    org.refresh_from_db()
    records = consumer_records(org)
    objects = harvested_objects(org.org_id)
    sample = batched_against_row_by_row(org, args.baseline_rows)
    written = full.counts.get("written", 0) + consumers.counts.get("written", 0)
    purge_org(get_graph(), org_key(org.org_id))
    peak_mib = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return {
        "org": {"objects": args.objects, "fields_per_object": args.fields, "integrations": args.integrations,
                "consumers": args.consumers, "log_days": args.log_days},
        "full_harvest": {**run_figures(full, full_s), "sources": ORG_SOURCES, "calls_by_endpoint": full_endpoints},
        "consumer_harvest": {**run_figures(consumers, consumers_s), "records_read": records,
                             "calls_by_endpoint": consumers_endpoints},
        "reharvest_unchanged": {**run_figures(again, again_s), "sources": runs.all_sources(),
                                "calls_by_endpoint": again_endpoints},
        "graph_rows_per_s_full_harvests": round(written / (full_s + consumers_s)),
        "same_records_batched_against_row_by_row": sample,
        "peak_rss_mib": peak_mib,
        "targets": targets(objects, records, full, full_endpoints.get(LOG_DOWNLOAD, 0), consumers, again,
                           sample["speedup"], peak_mib),
    }


LOG_DOWNLOAD = "sobjects/EventLogFile/{id}/LogFile"


def targets(objects: int, records: int, full: HarvestRun, log_downloads: int, consumers: HarvestRun,
            again: HarvestRun, speedup: float, peak_mib: float) -> dict[str, dict[str, Any]]:
    """The issue's targets against what this run measured; `objects` is what the harvest found."""
    full_max = math.ceil(objects / 25) + math.ceil(objects / 5) + 50
    return {
        "full_harvest_calls": {"objects": objects, "max": full_max, "spent": full.api_calls,
                               "met": _at_most(full.api_calls, full_max), "log_file_downloads": log_downloads,
                               "spent_without_log_file_downloads": (full.api_calls or 0) - log_downloads},
        "consumer_harvest_calls": {"records": records, "max": math.ceil(records / 10_000),
                                   "spent": consumers.api_calls,
                                   "met": _at_most(consumers.api_calls, math.ceil(records / 10_000))},
        "reharvest_calls": {"max": 10, "spent": again.api_calls, "met": _at_most(again.api_calls, 10)},
        "batched_over_row_by_row": {"min": 20, "measured": speedup, "met": speedup >= 20},
        "peak_rss_mib": {"max": 1024, "measured": peak_mib, "met": peak_mib < 1024},
    }


def _at_most(spent: int | None, most: int) -> bool:
    return spent is not None and spent <= most


def harvested_objects(org_id: str) -> int:
    rows = get_graph().read("MATCH (:Org {key: $org})-[:HAS_OBJECT]->(o:SObject) RETURN count(o) AS n",
                            org=org_key(org_id))
    return int(rows[0]["n"])


def timed_harvest(org: Any, *, full: bool, sources: list[str]) -> tuple[HarvestRun, float]:
    started = time.monotonic()
    run = runs.harvest_now(runs.request_harvest(org, full=full, sources=sources))
    return run, time.monotonic() - started


class SimulatorCalls:
    """The simulator's own call log (an admin endpoint that is never counted), tallied by endpoint."""

    def __init__(self, base_url: str, ca_bundle: str) -> None:
        self.url = f"{base_url}/_simulator/calls"
        self.session = http_session(ca_bundle)
        self.seen = 0

    def by_endpoint_since_last(self) -> dict[str, int]:
        calls = self.session.get(self.url, timeout=60).json()["calls"]
        tally: dict[str, int] = {}
        for call in calls[self.seen:]:
            if call["api_calls"]:
                endpoint = endpoint_of(call["path"])
                tally[endpoint] = tally.get(endpoint, 0) + call["api_calls"]
        self.seen = len(calls)
        return dict(sorted(tally.items(), key=lambda item: -item[1]))


def endpoint_of(path: str) -> str:
    """`/services/data/v62.0/sobjects/EventLogFile/0AT…/LogFile` → `sobjects/EventLogFile/{id}/LogFile`;
    a Bulk job's status poll `jobs/query/750…` → `jobs/query/{id}`, a REST query's next page `query/{locator}`."""
    tail = re.sub(r"^/services/data/v[0-9.]+/", "", path.split("?")[0])
    tail = re.sub(r"^query/[^/]+$", "query/{locator}", tail)
    return re.sub(r"/[0-9A-Za-z]{15,18}(?=/|$)", "/{id}", tail)


def consumer_records(org: Any) -> int:
    """How many records the consents source reads from the objects this org has (asked after the runs)."""
    client = client_for(org)
    total = 0
    for obj in CONSUMER_OBJECTS:
        try:
            total += int(client.call(lambda sf, obj=obj: sf.query(obj.count_soql()))["totalSize"])  # type: ignore[misc]
        except SalesforceMalformedRequest:  # INVALID_TYPE: the org has no such object
            continue
    return total


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


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--fields", type=int, default=100)
    parser.add_argument("--integrations", type=int, default=200)
    parser.add_argument("--consumers", type=int, default=100_000)
    parser.add_argument("--log-days", type=int, default=30)
    parser.add_argument("--baseline-rows", type=int, default=4000)
    return parser.parse_args()


if __name__ == "__main__":
    main()
