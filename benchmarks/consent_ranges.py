"""One task of the consents of a very large org: does a range of Individual ids fit the task time limits?

    python benchmarks/consent_ranges.py [--consumers 1000000] [--per-task HARVEST_CONSUMERS_PER_TASK]

Serves a generated org with `--consumers` consumers from its own simulator process, writes the schema of
the consent model, plans the ranges a full consents read is split into (`consumer_ranges`, what the run's
planning step does), then reads and writes the middle range exactly as its task does (`consent_chunks`
with that range, each chunk in one graph transaction). Reports the seconds and API calls of both against
`CELERY_TASK_SOFT_TIME_LIMIT`, the consumers and graph rows of the range, and peak RSS. The org's graph
is purged afterwards. Needs the local Neo4j (NEO4J_* as for the app). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='consent-ranges-benchmark-')}/db.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalog.settings")
os.environ.setdefault("DEBUG", "true")  # a benchmark runs in development mode (DEBUG is off unless set)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.generated_org import served_generated_org  # noqa: E402
from harvesters.client import OrgClient  # noqa: E402
from harvesters.connections import client_for, register_org  # noqa: E402
from harvesters.consents import CONSUMER_OBJECTS, consent_chunks, consumer_ranges  # noqa: E402
from harvesters.schema import schema_chunk  # noqa: E402
from lineage import GraphWriter, Label, bootstrap_schema, get_graph, org_key, purge_org  # noqa: E402


def main() -> None:
    args = parse_arguments()
    call_command("migrate", verbosity=0)
    graph = get_graph()
    bootstrap_schema(graph)
    with served_generated_org(f"objects=3,fields=5,integrations=1,consumers={args.consumers},log_days=1,"
                              "seed=7") as served:
        served.wait_until_listening(timeout=1800)
        credentials = served.credentials
        org = register_org("consent-ranges", login_url=credentials["login_url"], auth_flow="client_credentials",
                           client_id=credentials["consumer_key"], client_secret=credentials["consumer_secret"],
                           ca_bundle=credentials["ca_bundle"])
        client = client_for(org)
        org_id = client.call(lambda sf: sf.query("SELECT Id FROM Organization"))["records"][0]["Id"]
        writer = GraphWriter(graph, "consent-ranges-benchmark", org_key(org_id), timezone.now())
        try:
            schema = schema_chunk(client, org_id, [obj.name for obj in CONSUMER_OBJECTS])
            writer.write_chunk(schema.nodes, schema.edges)
            print(json.dumps(measure(client, writer, org_id, args), indent=2))
        finally:
            purge_org(graph, org_key(org_id))


def measure(client: OrgClient, writer: GraphWriter, org_id: str, args: argparse.Namespace) -> dict[str, Any]:
    limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
    calls_before, started = _api_used(client), time.monotonic()
    ranges = consumer_ranges(client, args.per_task)
    planning = {"seconds": round(time.monotonic() - started, 1), "api_calls": _api_used(client) - calls_before,
                "ranges": len(ranges)}
    middle = ranges[len(ranges) // 2]
    calls_before, started = _api_used(client), time.monotonic()
    written = consumers = 0
    for chunk in consent_chunks(client, org_id, consumers=middle):
        written += writer.write_chunk(chunk.nodes, chunk.edges).written
        consumers += sum(1 for node in chunk.nodes if node.label is Label.SUBJECT)
    seconds = round(time.monotonic() - started, 1)
    return {
        "consumers": args.consumers, "consumers_per_task": args.per_task, "soft_time_limit_s": limit,
        "planning": {**planning, "fits_soft_time_limit": planning["seconds"] < limit},
        "one_range": {"seconds": seconds, "api_calls": _api_used(client) - calls_before, "consumers": consumers,
                      "graph_rows_written": written, "fits_soft_time_limit": seconds < limit,
                      "share_of_soft_time_limit": round(seconds / limit, 2)},
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }


def _api_used(client: OrgClient) -> int:
    return client.last_api_used or 0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consumers", type=int, default=1_000_000)
    parser.add_argument("--per-task", type=int, default=settings.HARVEST_CONSUMERS_PER_TASK)
    return parser.parse_args()


if __name__ == "__main__":
    main()
