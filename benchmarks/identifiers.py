"""The identifier index: how fast it is built, and what it adds to the consents source.

    python benchmarks/identifiers.py [--consumers 100000]

Serves a generated org with `--consumers` consumers from its own simulator process and reads its consents whole
(`consent_chunks`, as a run's consents task does), keeping each chunk. Then writes the chunks twice, each time into
a provenance scope of its own, purged before the next: once without the index (its `Identifier` nodes and
`IDENTIFIES` edges left out), then as the source makes them. Reports the API calls and seconds of the read
(normalising and hashing included: the index reads no field the source did not read before, so it costs no call),
the graph write with and without the index, and the index's build rate (hashes written a second of the extra
write time). Both scopes are purged afterwards. Needs the local Neo4j (NEO4J_* as for the app). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.django_env import prepared_graph, set_up_django

set_up_django("identifiers-benchmark")

from django.utils import timezone  # noqa: E402

from benchmarks.harvested_org import connected_consumer_org  # noqa: E402
from harvesters.chunk import Chunk  # noqa: E402
from harvesters.consents import CONSUMER_OBJECTS, consent_chunks  # noqa: E402
from harvesters.schema import schema_chunk  # noqa: E402
from lineage import Graph, GraphWriter, Label, Rel, org_key, purge_org  # noqa: E402

INDEX_LABELS, INDEX_RELS = {Label.IDENTIFIER}, {Rel.IDENTIFIES}


def main() -> None:
    args = parse_arguments()
    graph = prepared_graph()
    with connected_consumer_org("identifiers", args.consumers) as connected:
        client, org_id = connected.client, connected.org_id
        without_index = f"{org_id}-without-index"
        try:
            schema = schema_chunk(client, org_id, [obj.name for obj in CONSUMER_OBJECTS])
            calls_before, started = client.last_api_used or 0, time.monotonic()
            chunks = list(consent_chunks(client, org_id))
            read = {"seconds": round(time.monotonic() - started, 1),
                    "api_calls": (client.last_api_used or 0) - calls_before}
            # One after the other, the first purged before the second: both create every shared Subject node.
            without_index_s = timed_writes(graph, without_index, schema, [bare(chunk) for chunk in chunks])
            purge_org(graph, org_key(without_index))
            with_index_s = timed_writes(graph, org_id, schema, chunks)
            print(json.dumps(figures(args.consumers, read, chunks, with_index_s, without_index_s), indent=2))
        finally:
            purge_org(graph, org_key(org_id))
            purge_org(graph, org_key(without_index))


def timed_writes(graph: Graph, scope_id: str, schema: Chunk, chunks: list[Chunk]) -> float:
    """The consents' chunks written into `scope_id`'s scope (after the schema they point at), in seconds."""
    writer = GraphWriter(graph, f"identifiers-benchmark-{scope_id}", org_key(scope_id), timezone.now())
    writer.write_chunk(schema.nodes, schema.edges)
    started = time.monotonic()
    for chunk in chunks:
        writer.write_chunk(chunk.nodes, chunk.edges)
    return time.monotonic() - started


def bare(chunk: Chunk) -> Chunk:
    """A chunk as the source made it before the index: no Identifier nodes, no IDENTIFIES edges."""
    return Chunk(nodes=[node for node in chunk.nodes if node.label not in INDEX_LABELS],
                 edges=[edge for edge in chunk.edges if edge.rel not in INDEX_RELS])


def figures(consumers: int, read: dict[str, Any], chunks: list[Chunk], with_index_s: float,
            without_index_s: float) -> dict[str, Any]:
    hashes = sum(1 for chunk in chunks for node in chunk.nodes if node.label in INDEX_LABELS)
    subjects = sum(1 for chunk in chunks for node in chunk.nodes if node.label is Label.SUBJECT)
    extra_s = with_index_s - without_index_s
    return {
        "consumers": consumers, "subjects": subjects, "identifier_hashes": hashes,
        "hashes_per_subject": round(hashes / max(subjects, 1), 2),
        "consents_read": read,  # the index reads nothing more: the same calls with or without it
        "graph_write_s": {"with_index": round(with_index_s, 1), "without_index": round(without_index_s, 1),
                          "extra_for_index": round(extra_s, 1)},
        "index_build_rate_hashes_per_s": round(hashes / extra_s) if extra_s > 0 else None,
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consumers", type=int, default=100_000)
    return parser.parse_args()


if __name__ == "__main__":
    main()
