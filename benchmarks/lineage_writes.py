"""Lineage write throughput: the batched writer against one query per row, on a large synthetic schema.

    python benchmarks/lineage_writes.py [--fields 200000] [--fields-per-object 100]
                                        [--baseline-fields 2000] [--batch-sizes 500,1000,2000,5000,10000]

Writes Org → SObject (HAS_OBJECT) → Field (HAS_FIELD) for a generated org once per batch size, then the
same records with one query (and one transaction) per row on a subset — the full row-by-row baseline
would take most of an hour, so its time for the full size is extrapolated from its measured rate and
the JSON says so. Every figure includes building the records, as a harvester would. Each run writes
to a fresh org key and purges it afterwards, so the benchmark leaves the graph as it found it.
Needs the Neo4j of `python -m local_services start` (NEO4J_* variables as for the app). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalog.settings")
os.environ.setdefault("DEBUG", "true")  # a benchmark runs in development mode (DEBUG is off unless set)

import django

django.setup()

from lineage import (  # noqa: E402
    DEFAULT_BATCH_SIZE,
    SCHEMA,
    EdgeRecord,
    FieldRecord,
    Graph,
    GraphWriter,
    HasFieldEdge,
    HasObjectEdge,
    NodeRecord,
    OrgRecord,
    SObjectRecord,
    bootstrap_schema,
    get_graph,
    purge_org,
)

FIELD_TYPES = ("string", "email", "phone", "currency", "date", "reference", "picklist", "textarea")
TARGET_SPEEDUP = 20


def main() -> None:
    args = parse_arguments()
    graph = get_graph()
    bootstrap_schema(graph)
    objects = math.ceil(args.fields / args.fields_per_object)
    baseline_objects = max(1, math.ceil(args.baseline_fields / args.fields_per_object))

    # The baseline runs just before and just after the default batch size, so both see the same machine load.
    sizes = sorted(args.batch_sizes, key=lambda size: size != DEFAULT_BATCH_SIZE)
    before = measure(graph, objects=baseline_objects, fields_per_object=args.fields_per_object, batch_size=1)
    sweep = [measure(graph, objects=objects, fields_per_object=args.fields_per_object, batch_size=sizes[0])]
    after = measure(graph, objects=baseline_objects, fields_per_object=args.fields_per_object, batch_size=1)
    sweep += [measure(graph, objects=objects, fields_per_object=args.fields_per_object, batch_size=size)
              for size in sizes[1:]]
    sweep.sort(key=lambda run: run["batch_size"])
    chosen = next((run for run in sweep if run["batch_size"] == DEFAULT_BATCH_SIZE), sweep[0])
    rows, seconds = before["rows"] + after["rows"], before["seconds"] + after["seconds"]
    baseline = {"rows": rows, "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds),
                "runs_rows_per_second": [before["rows_per_second"], after["rows_per_second"]]}
    full_rows = rows_for(objects, args.fields_per_object)
    speedup = chosen["rows_per_second"] / baseline["rows_per_second"]

    print(json.dumps({
        "graph": {"objects": objects, "fields": objects * args.fields_per_object, "rows_per_write": full_rows,
                  "database": graph.database, "neo4j_heap_mb": os.environ.get("NEO4J_HEAP_MB", "768 (default)")},
        "batched": {key: value for key, value in chosen.items() if key != "transactions"},
        "batch_size_sweep": [{key: run[key] for key in ("batch_size", "seconds", "rows_per_second", "transactions")}
                             for run in sweep],
        "row_by_row": {
            **baseline, "subset": before["rows"] < full_rows,
            "extrapolated_seconds_for_full": round(full_rows / baseline["rows_per_second"], 1),
            "note": f"one query and one transaction per row, measured twice (before and after the default batch "
                    f"size) on {baseline_objects} objects x {args.fields_per_object} fields; the full-size time "
                    "is extrapolated linearly from the combined rate",
        },
        "speedup_batched_over_row_by_row": round(speedup, 1),
        "target": {"speedup_at_least": TARGET_SPEEDUP, "met": speedup >= TARGET_SPEEDUP},
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "packstream": packstream(),
    }, indent=2))


def measure(graph: Graph, *, objects: int, fields_per_object: int, batch_size: int) -> dict[str, Any]:
    """Write a fresh org at `batch_size`; at the default size also time an unchanged re-write and a retirement."""
    org_id = f"00DBENCH{uuid.uuid4().hex[:10].upper()}"
    org = OrgRecord(org_id=org_id, name="Benchmark org", evidence="benchmark")
    try:
        first = write(graph, org, "bench-1", objects, fields_per_object, batch_size)
        result: dict[str, Any] = {"batch_size": batch_size, **first}
        if batch_size == DEFAULT_BATCH_SIZE:
            result["rewrite_unchanged"] = write(graph, org, "bench-2", objects, fields_per_object, batch_size)
            started = time.perf_counter()
            retired = GraphWriter(graph, "bench-3", org.key, datetime.now(UTC)).retire_unseen(SCHEMA)
            result["retire_unseen"] = {"retired": retired.total,
                                       "seconds": round(time.perf_counter() - started, 2)}
        return result
    finally:
        purge_org(graph, org.key)


def write(graph: Graph, org: OrgRecord, run_id: str, objects: int, fields_per_object: int,
          batch_size: int) -> dict[str, Any]:
    writer = GraphWriter(graph, run_id, org.key, datetime.now(UTC), batch_size=batch_size)
    started = time.perf_counter()
    report = writer.write_nodes(nodes(org, objects, fields_per_object))
    report += writer.write_edges(edges(org, objects, fields_per_object))
    seconds = time.perf_counter() - started
    if report.written != report.rows:
        raise RuntimeError(f"wrote {report.written} of {report.rows} rows")
    return {"rows": report.rows, "seconds": round(seconds, 2), "rows_per_second": round(report.rows / seconds),
            "transactions": report.transactions}


def packstream() -> str:
    """Which Bolt packer the driver uses: the `neo4j-rust-ext` one packs rows about 20x faster than Python."""
    from neo4j._codec.packstream import v1

    return "rust (neo4j-rust-ext)" if getattr(v1, "_rust_pack", None) else "python"


def rows_for(objects: int, fields_per_object: int) -> int:
    return 1 + 2 * objects + 2 * objects * fields_per_object


def nodes(org: OrgRecord, objects: int, fields_per_object: int) -> Iterator[NodeRecord]:
    yield org
    for i in range(objects):
        yield sobject(org, i)
        for j in range(fields_per_object):
            yield field(org, i, j)


def edges(org: OrgRecord, objects: int, fields_per_object: int) -> Iterator[EdgeRecord]:
    for i in range(objects):
        parent = sobject(org, i)
        yield HasObjectEdge(source=org.ref, target=parent.ref, evidence="describeGlobal")
        for j in range(fields_per_object):
            yield HasFieldEdge(source=parent.ref, target=field(org, i, j).ref, evidence=parent.evidence)


def sobject(org: OrgRecord, i: int) -> SObjectRecord:
    name = f"Bench_{i:05d}__c"
    return SObjectRecord(org_id=org.org_id, name=name, custom=True, evidence=f"describe:{name}")


def field(org: OrgRecord, i: int, j: int) -> FieldRecord:
    return FieldRecord(
        org_id=org.org_id, sobject=f"Bench_{i:05d}__c", name=f"Field_{j:03d}__c", type=FIELD_TYPES[j % 8],
        custom=True, encrypted=j % 10 == 0, security_classification="Confidential" if j % 3 == 0 else None,
        compliance_groups=("CCPA", "GDPR") if j % 4 == 0 else (), sensitive=j % 20 == 0,
        evidence=f"describe:Bench_{i:05d}__c",
    )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fields", type=int, default=200_000, help="Field nodes to write (default 200,000)")
    parser.add_argument("--fields-per-object", type=int, default=100)
    parser.add_argument("--baseline-fields", type=int, default=2_000,
                        help="Field nodes for the row-by-row baseline (default 2,000)")
    parser.add_argument("--batch-sizes", type=lambda text: [int(size) for size in text.split(",")],
                        default=[500, 1_000, 2_000, 5_000, 10_000])
    return parser.parse_args()


if __name__ == "__main__":
    main()
