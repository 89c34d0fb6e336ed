"""Data-map latency with many consumers in the graph: `POST /api/v1/data-maps/` and `data_map_of` for random consumers.

    python benchmarks/datamaps.py [--subjects 1000000] [--lookups 1000] [--seed 1] [--keep] [--reuse]

Writes a bank-like org straight through the lineage writer (a harvest of a million consumers through the simulator
takes hours here): six consumer objects of 40 fields each (a third personal, a few sensitive), 8 systems with their
CCPA roles, 14 integrations moving fields to them (Apex, flows, manifest entries stating purposes and retention, a
whole-object read, an inbound feed), 20 users and apps reading every object, 4 purposes. Then `--subjects` consumers,
each a Subject with a record in every object (HAS_RECORD), consents to two purposes, a processing opt-out for one in
twenty, a consent event relayed from the app for one in a hundred (sent to the app's system, as a manifest's are),
and its email in the identifier index (the keyed hash under the configured SUBJECT_HMAC_KEY), written `--chunk`
consumers to a transaction.

Then, for `--lookups` consumers drawn at random (after 20 not counted, to warm up), one after another, times:
- `api`: `POST /api/v1/data-maps/` with the consumer's email and a reason, by a privacy officer's token with
  `dsar:read`, through Django's test client in this process (the whole stack: authentication, throttle, the look-up in
  the identifier index, the audit entry in SQLite, the map, the serializer; no HTTP server or network), checking 200;
- `data_map_of`: the map alone, for the same consumer, checking it holds the consumer's six objects;
- `round_trip`: `RETURN 1` to the graph, the floor any query pays on this machine at this moment;
- `answer_by_drf` and `answer_by_plan`: the same consumer's map written as the API's answer by DRF's serializer and
  by the plan the API uses (`catalog.api.representation`), the graph left out.
It also profiles the map's query for 20 of them (`db_hits_per_map`: the engine's own count of its work, which does
not depend on the machine's load: it should not grow with `--subjects`).
Each pair takes turns to go first. Prints JSON: the write's rows and rate; p50, p95, p99, mean and max in
milliseconds of each against the issue's target (p95 < 50 ms); the subjects in the graph; and the machine's load
average while measuring (the figures are only as quiet as the machine).
`--keep` leaves the org in the graph and `--reuse` measures an org a kept run left (same `--subjects`); otherwise the
org is purged afterwards. Needs the Neo4j of `python -m local_services start` (NEO4J_* as for the app).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.django_env import prepared_graph, set_up_django

os.environ.setdefault("API_RATE_PER_TOKEN", "1000000/min")  # a thousand look-ups a minute is the point here
set_up_django("datamaps-benchmark")

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from neo4j import GraphDatabase  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from catalog.accounts import roles, services  # noqa: E402
from catalog.accounts.tokens import DSAR_READ  # noqa: E402
from catalog.api.representation import represent  # noqa: E402
from catalog.datamaps.api import DataMapSerializer  # noqa: E402
from catalog.datamaps.maps import DataMap, data_map_of  # noqa: E402
from catalog.datamaps.services import DataMapResult  # noqa: E402
from harvesters.consents import subject_secret  # noqa: E402
from lineage import (  # noqa: E402
    AccessEdge,
    ConsentEdge,
    ConsentStatus,
    EdgeRecord,
    FieldRecord,
    FlowEdge,
    Graph,
    GraphWriter,
    HasFieldEdge,
    HasObjectEdge,
    HasRecordEdge,
    HasSystemEdge,
    IdentifierRecord,
    IdentifiesEdge,
    IntegrationKind,
    IntegrationRecord,
    NodeRecord,
    NodeRef,
    OrgRecord,
    PreferenceRecord,
    PurposeRecord,
    ReadsEdge,
    SendsToEdge,
    ServesEdge,
    SObjectRecord,
    SubjectRecord,
    SystemRecord,
    SystemRole,
    UserRecord,
    field_key,
    get_graph,
    org_key,
    purge_org,
    sobject_key,
    subject_key,
)
from lineage.identifiers import IdentifierKind, identifier_hmac, key_id, normalised_email  # noqa: E402
from lineage.queries.datamaps import SUBJECT_FACTS  # noqa: E402
from lineage.vocabulary import Label  # noqa: E402

ORG_ID = "00D000000000BDMAAA"
ORG_KEY = org_key(ORG_ID)
EVIDENCE = "datamaps benchmark"
TARGET_P95_MS = 50.0
LOOKUP = "/api/v1/data-maps/"
WARM_UP = 20
OBJECTS = ("Individual", "Account", "Contact", "ContactPointEmail", "ContactPointPhone", "ContactPointTypeConsent")
PREFIXES = dict(zip(OBJECTS, ("0PK", "001", "003", "9CE", "0ow", "0ZY"), strict=True))
FIELDS_PER_OBJECT = 40
CATEGORIES = ("identifiers", "commercial_information", "protected_characteristics", "inferences")
APP_HOST = "app.bench.test"
SYSTEMS = (("core.bench.test", SystemRole.SERVICE_PROVIDER), ("legacy-core.bench.test", SystemRole.SERVICE_PROVIDER),
           ("broker.bench.test", SystemRole.THIRD_PARTY), ("enrich.bench.test", SystemRole.CONTRACTOR),
           ("mail.bench.test", SystemRole.SERVICE_PROVIDER), ("hooks.mail.bench.test", SystemRole.SERVICE_PROVIDER),
           (APP_HOST, SystemRole.FIRST_PARTY), ("dsar.bench.test", SystemRole.SERVICE_PROVIDER))
PURPOSES = ("Marketing", "Analytics", "Account servicing", "Fraud prevention")
INTEGRATIONS = 14
USERS = 20
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def main() -> None:
    args = parse_arguments()
    graph = prepared_graph()
    written: dict[str, Any] = {"reused": True}
    if not args.reuse:
        purge_org(graph, ORG_KEY)
        written = write_org(graph, args.subjects, args.chunk)
    try:
        timings = measure(args)
        hits = db_hits_per_map(args)
    finally:
        if not args.keep:
            purge_org(graph, ORG_KEY)
    [counted] = graph.read("MATCH (s:Subject) RETURN count(s) AS subjects")
    print(json.dumps({"subjects_written": args.subjects, "subjects_in_graph": counted["subjects"], "write": written,
                      **{kind: figures(values) for kind, values in timings.items()}, "db_hits_per_map": hits,
                      "load_average": [round(each, 2) for each in os.getloadavg()], "target_p95_ms": TARGET_P95_MS},
                     indent=2))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=1_000)
    parser.add_argument("--chunk", type=int, default=2_000, help="consumers written in one transaction")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the org in the graph for a later --reuse")
    parser.add_argument("--reuse", action="store_true", help="measure the org a --keep run left")
    return parser.parse_args()


# --- the org ---------------------------------------------------------------------------------------------


def write_org(graph: Graph, subjects: int, chunk: int) -> dict[str, Any]:
    started = time.perf_counter()
    nodes, edges = org_records()
    report = GraphWriter(graph, "datamaps-benchmark", ORG_KEY, NOW).write_chunk(nodes, edges)
    rows = report.rows
    for first in range(0, subjects, chunk):
        nodes, edges = consumer_records(range(first, min(first + chunk, subjects)))
        rows += GraphWriter(graph, "datamaps-benchmark", ORG_KEY, NOW).write_chunk(nodes, edges).rows
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_second": round(rows / seconds)}


def _ref(label: Label, key: str) -> NodeRef:
    return NodeRef(label, key)


def _field_ref(sobject: str, index: int) -> NodeRef:
    return _ref(Label.FIELD, field_key(ORG_ID, sobject, f"Field{index:02d}__c"))


def org_records() -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """The org's schema, systems, integrations, purposes and users: what every consumer's map reads."""
    org = OrgRecord(org_id=ORG_ID, evidence=EVIDENCE)
    objects = [SObjectRecord(org_id=ORG_ID, name=name, evidence=f"describe:{name}") for name in OBJECTS]
    fields = [FieldRecord(org_id=ORG_ID, sobject=name, name=f"Field{index:02d}__c", type="string",
                          ccpa_category=CATEGORIES[index % 4] if index % 3 == 0 else None, sensitive=index % 13 == 0,
                          evidence=f"describe:{name}") for name in OBJECTS for index in range(FIELDS_PER_OBJECT)]
    systems = [SystemRecord(host=host, name=host.split(".")[0].title(), evidence=EVIDENCE) for host, _ in SYSTEMS]
    purposes = [PurposeRecord(org_id=ORG_ID, name=name, evidence=f"DataUsePurpose:{name}") for name in PURPOSES]
    processing = PreferenceRecord(org_id=ORG_ID, sobject="Individual", field="HasOptedOutProcessing",
                                  meaning="Don't Process", opted_out_when=True, evidence="describe:Individual")
    users = [UserRecord(org_id=ORG_ID, user_id=f"005000000000U{index:02d}AA", evidence=EVIDENCE)
             for index in range(USERS)]
    integrations, moves = integration_records(systems, purposes)
    nodes: list[NodeRecord] = [org, *objects, *fields, *systems, *purposes, processing, *users, *integrations]
    edges: list[EdgeRecord] = [
        *(HasObjectEdge(source=org.ref, target=each.ref, evidence=EVIDENCE) for each in objects),
        *(HasFieldEdge(source=_ref(Label.SOBJECT, sobject_key(ORG_ID, each.sobject)), target=each.ref,
                       evidence=each.evidence) for each in fields),
        *(HasSystemEdge(source=org.ref, target=system.ref, role=role, country="US", evidence=f"manifest:{host}")
          for system, (host, role) in zip(systems, SYSTEMS, strict=True)),
        *(AccessEdge(source=user.ref, target=each.ref, requests=10 + index, rows=1_000 * (index + 1),
                     first_accessed_at=NOW - timedelta(days=30), last_accessed_at=NOW - timedelta(days=1),
                     evidence=f"EventLogFile:0AT{index:02d}") for index, user in enumerate(users) for each in objects),
        *moves,
    ]
    return nodes, edges


def integration_records(systems: list[SystemRecord], purposes: list[PurposeRecord]
                        ) -> tuple[list[IntegrationRecord], list[EdgeRecord]]:
    """Apex classes and flows moving a few fields of an object each to a system, each with a manifest entry that
    runs through it (its purpose and the system's retention); one whole-object read; one inbound feed."""
    integrations: list[IntegrationRecord] = []
    edges: list[EdgeRecord] = []
    for index in range(INTEGRATIONS):
        system, sobject = systems[index % len(systems)], OBJECTS[index % len(OBJECTS)]
        kind = IntegrationKind.APEX_CLASS if index % 2 else IntegrationKind.FLOW
        moving = IntegrationRecord(org_id=ORG_ID, kind=kind, name=f"Move{index:02d}", evidence=f"tooling:Move{index}")
        entry = IntegrationRecord(
            org_id=ORG_ID, kind=IntegrationKind.MANIFEST, name=f"bench#{system.host}.move{index:02d}",
            evidence=f"manifest:bench.yaml#{system.host}/move{index:02d}",
            attributes={"via_integration": moving.key, "retention": f"P{index % 7 + 1}Y", "retention_basis": "bench"})
        integrations += [moving, entry]
        purpose = purposes[index % len(purposes)]
        edges += [SendsToEdge(source=each.ref, target=system.ref, channel="email" if index % 5 == 0 else "callout",
                              evidence=each.evidence) for each in (moving, entry)]
        edges.append(ServesEdge(source=entry.ref, target=purpose.ref, evidence=entry.evidence))
        inbound = index == INTEGRATIONS - 1
        for offset in range(0, 12, 3):  # four fields each
            source, target = _field_ref(sobject, (index + offset) % FIELDS_PER_OBJECT), system.ref
            edges.append(FlowEdge(source=target if inbound else source, target=source if inbound else target,
                                  via=moving.key, consent_checked=index % 4 == 0, opt_out_checked=index % 3 == 0,
                                  evidence=moving.evidence))
        if index == 0:
            edges.append(ReadsEdge(source=moving.ref, target=_ref(Label.SOBJECT, sobject_key(ORG_ID, sobject)),
                                   evidence=moving.evidence))
    return integrations, edges


def subject_hmac(index: int) -> str:
    return hashlib.sha256(f"datamaps-benchmark:{index}".encode()).hexdigest()


def email_of(index: int) -> str:
    return f"consumer.{index}@bench.test"


def consumer_records(indexes: range) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    processing = _ref(Label.PREFERENCE, f"preference:{ORG_ID}:Individual.HasOptedOutProcessing")
    secret = subject_secret()
    for index in indexes:
        subject = SubjectRecord(hmac=subject_hmac(index), evidence="query:Individual")
        email = IdentifierRecord(hmac=identifier_hmac(secret, IdentifierKind.EMAIL, normalised_email(email_of(index))),
                                 kind=IdentifierKind.EMAIL, key_id=key_id(secret), evidence="query:ContactPointEmail")
        nodes += [subject, email]
        edges.append(IdentifiesEdge(source=email.ref, target=subject.ref, evidence=email.evidence))
        edges += [HasRecordEdge(source=subject.ref, target=_ref(Label.SOBJECT, sobject_key(ORG_ID, name)),
                                record_ids=(record_id(name, index),), evidence=f"query:{name}") for name in OBJECTS]
        for offset, purpose in enumerate(PURPOSES[:2]):
            opted_out = (index + offset) % 4 == 0
            edges.append(ConsentEdge(source=subject.ref, target=_ref(Label.PURPOSE, f"purpose:{ORG_ID}:{purpose}"),
                                     status=ConsentStatus.OPT_OUT if opted_out else ConsentStatus.OPT_IN,
                                     channel="Email", captured_at=NOW - timedelta(days=index % 700),
                                     evidence=f"ContactPointTypeConsent:{record_id('ContactPointTypeConsent', index)}"))
        if index % 20 == 0:
            edges.append(ConsentEdge(source=subject.ref, target=processing, status=ConsentStatus.OPT_OUT,
                                     captured_at=NOW - timedelta(days=index % 90),
                                     evidence=f"Individual:{record_id('Individual', index)}"))
        if index % 100 == 0:  # relayed from the app, as a manifest's consent events are
            event = consent_event(index)
            nodes.append(event)
            edges.append(SendsToEdge(source=event.ref, target=_ref(Label.SYSTEM, f"system:{APP_HOST}"),
                                     channel="consent_event", evidence=event.evidence))
    return nodes, edges


def record_id(sobject: str, index: int) -> str:
    return f"{PREFIXES[sobject]}8b0{index:012d}"[:18]


def consent_event(index: int) -> IntegrationRecord:
    recorded = NOW - timedelta(days=index % 60, hours=5)
    return IntegrationRecord(
        org_id=ORG_ID, kind=IntegrationKind.MANIFEST, name=f"bench#app.consent_events.evt-{index}",
        evidence=f"manifest:bench.yaml#app/evt-{index}",
        attributes={"manifest_entry": "consent_event", "event_id": f"evt-{index}", "change": "opt_out_of_processing",
                    "purposes": ("Marketing",), "subject_record": f"Individual:{record_id('Individual', index)}",
                    "recorded_at": recorded, "relayed_at": recorded + timedelta(hours=6 + index % 48),
                    "opt_out_sla_hours": 24.0, "system": "app", "system_name": "App"})


# --- the measurement -------------------------------------------------------------------------------------


def drawn(args: argparse.Namespace) -> Iterator[int]:
    chance = random.Random(args.seed)
    for _ in range(args.lookups + WARM_UP):
        yield chance.randrange(args.subjects)


def measure(args: argparse.Namespace) -> dict[str, list[float]]:
    """Each kind's times in milliseconds, the warm-up left out."""
    client = dsar_client()
    graph = get_graph()
    timings: dict[str, list[float]] = {kind: [] for kind in ("api", "data_map_of", "round_trip", "answer_by_drf",
                                                             "answer_by_plan")}
    for count, index in enumerate(drawn(args)):
        kinds: list[tuple[str, Callable[[], object]]] = [
            ("api", partial(looked_up, client, index)), ("data_map_of", partial(mapped, index)),
            ("round_trip", partial(graph.read, "RETURN 1"))]
        result = DataMapResult(subject_key(subject_hmac(index)), ("emails.0",), mapped(index), datetime.now(UTC))
        kinds += [("answer_by_drf", partial(drf_answer, result)),
                  ("answer_by_plan", partial(represent, DataMapSerializer, result))]
        for kind, work in kinds if count % 2 else reversed(kinds):
            started = time.perf_counter()
            work()
            if count >= WARM_UP:
                timings[kind].append((time.perf_counter() - started) * 1000)
    return timings


def dsar_client() -> APIClient:
    """A privacy officer's DSAR tool: a token with dsar:read only."""
    user = User.objects.create_user("datamaps-benchmark")
    user.groups.add(Group.objects.get(name=roles.PRIVACY_OFFICER))
    client = APIClient(SERVER_NAME="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {services.issue_token(user, [DSAR_READ]).secret}")
    return client


def looked_up(client: APIClient, index: int) -> None:
    response = client.post(LOOKUP, {"emails": [email_of(index)], "reason": "datamaps benchmark"}, format="json")
    if response.status_code != 200:
        raise SystemExit(f"consumer {index}: {response.status_code} {response.content[:300]!r}")


def drf_answer(result: DataMapResult) -> object:
    return DataMapSerializer(result).data


def mapped(index: int) -> DataMap:
    data_map = data_map_of(subject_key(subject_hmac(index)))
    if len(data_map.records) != len(OBJECTS):
        raise SystemExit(f"consumer {index}'s map holds {len(data_map.records)} objects, not {len(OBJECTS)}")
    return data_map


def db_hits_per_map(args: argparse.Namespace) -> dict[str, int]:
    """The engine's count of its reads for the map's query of 20 drawn consumers (PROFILE), min and max."""
    config = settings.NEO4J
    hits: list[int] = []
    with GraphDatabase.driver(config["uri"], auth=(config["user"], config["password"])) as driver:
        for index in list(drawn(args))[:20]:
            with driver.session(database=config["database"]) as session:
                summary = session.run("PROFILE " + SUBJECT_FACTS, subject_key=subject_key(subject_hmac(index)),
                                      as_of=datetime.now(UTC), overrides=None).consume()
            hits.append(_db_hits(summary.profile or {}))
    return {"min": min(hits), "max": max(hits)}


def _db_hits(plan: dict[str, Any]) -> int:
    return int(plan.get("dbHits", 0)) + sum(_db_hits(child) for child in plan.get("children", []))


def percentile(values: list[float], share: int) -> float:
    """The nearest-rank percentile (a value that was measured)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def figures(values: list[float]) -> dict[str, Any]:
    p95 = percentile(values, 95)
    return {"lookups": len(values), "p50_ms": round(percentile(values, 50), 1), "p95_ms": round(p95, 1),
            "p99_ms": round(percentile(values, 99), 1), "mean_ms": round(statistics.fmean(values), 1),
            "max_ms": round(max(values), 1), "target_met": p95 < TARGET_P95_MS}


if __name__ == "__main__":
    main()
