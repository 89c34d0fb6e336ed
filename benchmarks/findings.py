"""The compliance rules evaluated over a large harvested org: each rule's time, and the whole evaluation's.

    python benchmarks/findings.py [--objects 2000] [--fields 100] [--integrations 200] [--consumers 100000]
                                  [--log-days 30]

Serves a generated org (`--objects` objects of `--fields` fields, `--integrations` partners, `--consumers` consumers,
`--log-days` of event logs) from its own simulator process, writes a manifest of what each partner receives
(`benchmarks.generated_manifest`) and harvests every source once, fully, through `harvest_now` (the code path of
`harvest --sync`): schema, classification, integrations, manifests, logs and consents, into a throw-away SQLite
database and the local Neo4j (NEO4J_* as for the app). The evaluation a successful run starts by itself is turned off
(`FINDINGS_EVALUATE_AFTER_HARVEST`), so that the benchmark runs it. Then:

- `evaluate` (`catalog.findings.services.evaluate`, what runs after every harvest) twice, citing the run: the first
  finds every finding for the first time (each one created, with its event and audit entry), the second finds them
  all again (the steady state after each harvest: each one updated). Wall time of each against the target
  (< 30 s), the service's own seconds per rule (the rule's query and its cases' consumer counts: each distinct
  question is counted once an evaluation, so a rule whose cases ask what an earlier rule asked takes no time for
  them), the lookups of every case's objects, and what it settled; the findings each rule holds after.
- each rule's query profiled (PROFILE): the engine's db hits, and the operator with the most of them.

Prints JSON, with the org's size in the graph (objects, fields, integrations by kind, consumers, every node and
relationship in the database: point NEO4J_* at a Neo4j of its own) and the machine's load; each stage's figures go
to stderr as they are measured. The org is purged after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, LiteralString

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.django_env import prepared_graph, set_up_django

os.environ["FINDINGS_EVALUATE_AFTER_HARVEST"] = "false"  # the benchmark evaluates, and times it
set_up_django("findings-benchmark")

from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from neo4j import GraphDatabase  # noqa: E402

from benchmarks.harvested_org import add_size_arguments, harvested_generated_org  # noqa: E402
from catalog.findings.models import Finding  # noqa: E402
from catalog.findings.services import evaluate  # noqa: E402
from harvesters import runs  # noqa: E402
from harvesters.models import HarvestRun, OrgConnection  # noqa: E402
from lineage import Graph, org_key  # noqa: E402
from lineage.rules import rules  # noqa: E402

ALIAS = "findings"
TARGET_S = 30.0


def main() -> None:
    args = parse_arguments()
    graph = prepared_graph()
    load_before = os.getloadavg()
    with harvested_generated_org(ALIAS, args, runs.all_sources(), consumers=args.consumers,
                                 log_days=args.log_days) as harvested:
        org, key = harvested.org, org_key(harvested.org.org_id)
        run = HarvestRun.objects.filter(org=org).latest("pk")
        size = progress("graph", org_size(graph, key))
        load_evaluating = os.getloadavg()
        first = progress("evaluate, all new", timed_evaluation(org, run))
        second = progress("evaluate, all found again", timed_evaluation(org, run))
        held = dict(Finding.objects.filter(org=org).values_list("rule_id").annotate(n=Count("pk")))
        profiled = profiles(key)
        report = {
            "org": {"generated": {"objects": args.objects, "fields_per_object": args.fields,
                                  "integrations": args.integrations, "consumers": args.consumers,
                                  "log_days": args.log_days},
                    "harvest": {"sources": run.sources, "seconds": round(harvested.harvest_seconds, 1),
                                "api_calls": run.api_calls, "rows_written": run.counts.get("written", 0)},
                    "graph": size},
            "evaluate_first_all_new": first, "evaluate_second_all_found_again": second,
            "rules": {rule.id: {"findings": held.get(rule.id, 0), "query_profile": profiled[rule.id]}
                      for rule in rules()},
            "target_s": TARGET_S, "target_met": max(first["wall_s"], second["wall_s"]) < TARGET_S,
            "cpus": os.cpu_count(),
            "load_average": {"before_harvest": _rounded(load_before), "before_evaluating": _rounded(load_evaluating),
                             "at_end": _rounded(os.getloadavg())},
        }
        print(json.dumps(report, indent=2), flush=True)  # before the purge, which takes minutes at this size


def progress(stage: str, figures: dict[str, Any]) -> dict[str, Any]:
    """`figures` written to stderr as soon as they are measured (an evaluation can take long), and returned."""
    print(f"{stage}: {json.dumps(figures)}", file=sys.stderr, flush=True)
    return figures


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_size_arguments(parser)
    parser.add_argument("--consumers", type=int, default=100_000)
    parser.add_argument("--log-days", type=int, default=30)
    return parser.parse_args()


def _rounded(values: tuple[float, ...]) -> list[float]:
    return [round(value, 2) for value in values]


# --- the org --------------------------------------------------------------------------------------------------------


def org_size(graph: Graph, key: str) -> dict[str, Any]:
    """What the harvest put in the graph for the org, and everything the database holds."""
    def count(query: LiteralString) -> int:
        return int(graph.read(query, org=key)[0]["n"])

    kinds = graph.read("MATCH (i:Integration {org_key: $org}) RETURN i.kind AS kind, count(*) AS n ORDER BY kind",
                       org=key)
    return {
        "objects": count("MATCH (o:SObject {org_key: $org}) RETURN count(o) AS n"),
        "fields": count("MATCH (f:Field {org_key: $org}) RETURN count(f) AS n"),
        "integrations_by_kind": {str(row["kind"]): int(row["n"]) for row in kinds},
        "consumers": count("MATCH (s:Subject) WHERE EXISTS { (s)-[:HAS_RECORD {org_key: $org}]->() } "
                           "RETURN count(s) AS n"),
        "has_record_edges": count("MATCH ()-[x:HAS_RECORD {org_key: $org}]->() RETURN count(x) AS n"),
        "consented_edges": count("MATCH ()-[c:CONSENTED {org_key: $org}]->() RETURN count(c) AS n"),
        "database_nodes": count("MATCH (n) RETURN count(n) AS n"),
        "database_relationships": count("MATCH ()-[r]->() RETURN count(r) AS n"),
    }


# --- the evaluation as a harvest runs it ----------------------------------------------------------------------------


def timed_evaluation(org: OrgConnection, run: HarvestRun) -> dict[str, Any]:
    """`evaluate` once, timed from outside; the service's own seconds per rule, and what it settled."""
    before = Finding.objects.filter(org=org).count()
    started = time.perf_counter()
    evaluation = evaluate(org, run=run)
    wall = time.perf_counter() - started
    rule_seconds = dict(evaluation.rule_seconds)
    in_rules = sum(rule_seconds.values())
    after = Finding.objects.filter(org=org).count()
    return {
        "wall_s": round(wall, 2), "target_met": wall < TARGET_S,
        "rules_s": round(in_rules, 2),
        "after_rules_s": round(wall - in_rules, 2),  # the fields' classes read, the findings settled in SQLite
        "rule_seconds": rule_seconds,
        "findings_before": before, "findings_after": after,
        "new": len(evaluation.new), "found_again": after - len(evaluation.new),
        "recurring_reopened": len(evaluation.recurring), "fixed": len(evaluation.fixed),
    }


# --- each rule's query ---------------------------------------------------------------------------------------------


def profiles(key: str) -> dict[str, dict[str, Any]]:
    """Each rule's query run under PROFILE: the engine's db hits, and the operator with the most of them."""
    config = settings.NEO4J
    with GraphDatabase.driver(config["uri"], auth=(config["user"], config["password"]),
                              notifications_min_severity="OFF") as driver:
        # The texts are the package's own rule files, never user input.
        return {rule.id: _profile_figures(driver.execute_query(
                    "PROFILE " + rule.cypher, {"org": key, "overrides": None},
                    database_=config["database"]).summary.profile or {}) for rule in rules()}


def _profile_figures(plan: dict[str, Any]) -> dict[str, Any]:
    operators = _operators(plan)
    hot = max(operators, key=lambda each: each.get("dbHits", 0))
    return {"db_hits": sum(int(each.get("dbHits", 0)) for each in operators),
            "hot_operator": {"operator": str(hot.get("operatorType", "")).split("@")[0],
                             "db_hits": int(hot.get("dbHits", 0)), "rows": int(hot.get("rows", 0)),
                             "details": str(hot.get("args", {}).get("Details", ""))[:300]}}


def _operators(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(each for child in plan.get("children", []) for each in _operators(child))]


if __name__ == "__main__":
    main()
