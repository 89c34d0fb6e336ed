"""Catalog reads through the API and the pages of a real HTTP server, on a harvested generated org.

    python benchmarks/catalog_reads.py [--objects 2000] [--fields 100] [--integrations 200] [--requests 200]
                                       [--seeds 1,2,3] [--workers 3]

Serves a generated org with the simulator (its own process, as benchmarks/harvest.py does), harvests its schema
and integrations once through `harvest_now` into a throw-away SQLite database and the local Neo4j (NEO4J_* as
for the app), then runs the app as the image does — gunicorn with production settings (DEBUG off, static files
collected and served by whitenoise), plain HTTP on 127.0.0.1 — and times, one request after another over a
kept-alive connection, at least `--requests` requests of each of:

- `api_fields`: `GET /api/v1/orgs/{alias}/fields/?…` with a bearer token (catalog:read);
- `page_fields`: `GET /catalog/{alias}/fields/?…` (the page `catalog-fields`) with a session;
- `api_lineage`: `GET /api/v1/lineage/?node=…&direction=…&depth=3` with the token;
- `page_lineage`: `GET /lineage/?node=…&direction=…&depth=3` (the page `lineage-explorer`) with the session;
- `page_suggestions`: `GET /lineage/nodes/?node=…` (the explorer's name search as one types; the API has none).

The field requests go round the filter families a privacy officer uses (FIELD_FAMILIES: none, each filter alone —
sensitive true and false, a CCPA category, encrypted true and false, custom true and false, unclassified true and
false, a namespace, an object, a search term cut from the org's own field names and one that matches nothing — and
combinations of two or three), at least `--per-family` requests of each; the suggestions alternate between a term of
the org's names and one that matches nothing; the lineage nodes are systems, integrations and the fields
integrations read or write. Values are drawn by each of `--seeds` in turn, and the API and the page are asked the
same drawn request one after the other, taking turns to go first (neither warms the engine's caches for the other);
each kind's first 10 requests warm the server up and are not counted. Prints JSON: p50, p95, mean and max in
milliseconds per kind and per family of each kind, against the issue's targets (API p95 < 150 ms, page p95 < 300 ms),
with any answer other than 200 counted and shown.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.django_env import prepared_graph, set_up_django

set_up_django("catalog-reads-benchmark")

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks.generated_org import REPO, free_port  # noqa: E402
from benchmarks.harvested_org import add_size_arguments, harvested_generated_org  # noqa: E402
from catalog.accounts import roles, services  # noqa: E402
from catalog.accounts.tokens import CATALOG_READ  # noqa: E402
from harvesters.classification import CcpaCategory  # noqa: E402
from local_services.process import port_is_open, wait_until  # noqa: E402

ALIAS = "reads"
WARM_UP = 10
TARGETS_MS = {"api": 150.0, "page": 300.0}
DIRECTIONS = ("upstream", "downstream", "both")


def main() -> None:
    args = parse_arguments()
    prepared_graph()
    with harvested_generated_org(ALIAS, args, ["schema", "integrations"]) as harvested, \
            live_server(args.workers) as base_url:
        report = measure(args, base_url)
    report["org"] = harvested.size
    print(json.dumps(report, indent=2))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_size_arguments(parser)
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each kind (at least)")
    parser.add_argument("--per-family", type=int, default=20,
                        help="timed field requests of each filter family (at least), and suggestions of each")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds the filters and nodes are drawn by")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (the image runs 3)")
    return parser.parse_args()


# --- the server ----------------------------------------------------------------------------------------------


def server_environment() -> dict[str, str]:
    """Production settings over the benchmark's database, on plain HTTP at 127.0.0.1 (no TLS in front of it)."""
    return {**os.environ, "DEBUG": "false", "SECRET_KEY": settings.SECRET_KEY, "SECRETS_KEY": settings.SECRETS_KEY,
            "SUBJECT_HMAC_KEY": settings.SUBJECT_HMAC_KEY, "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "0", "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": tempfile.mkdtemp(prefix="catalog-reads-static-")}


@contextlib.contextmanager
def live_server(workers: int) -> Iterator[str]:
    """gunicorn serving catalog.wsgi as the image's command does, on a free port, stopped on leaving."""
    environment = server_environment()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=REPO,
                   env=environment, check=True)
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = Path(tempfile.mkdtemp(prefix="catalog-reads-gunicorn-")) / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen([str(gunicorn), "catalog.wsgi:application", "--bind", f"127.0.0.1:{port}",
                                    "--workers", str(workers)], cwd=REPO, env=environment, stdout=output,
                                   stderr=output)
        try:
            if not wait_until(lambda: port_is_open("127.0.0.1", port), timeout=60,
                              alive=lambda: process.poll() is None):
                raise RuntimeError(f"gunicorn did not start; see {log}")
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def signed_in_sessions(base_url: str) -> tuple[requests.Session, requests.Session]:
    """A browser's session (a privacy officer's session cookie) and a script's (a catalog:read bearer token)."""
    officer = roles_user("reads-officer", roles.PRIVACY_OFFICER)
    browser = Client()
    browser.force_login(officer)
    page = requests.Session()
    # Production cookies are Secure; this plain-HTTP loopback server gets the cookie sent by hand.
    page.headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {services.issue_token(officer, [CATALOG_READ]).secret}"
    for session in (page, api):
        session.get(f"{base_url}/catalog/" if session is page else f"{base_url}/api/v1/orgs/").raise_for_status()
    return page, api


def roles_user(username: str, role: str) -> User:
    user = User.objects.create_user(username, password=None)
    user.groups.add(Group.objects.get(name=role))
    return user


# --- what is asked -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgSample:
    """What the varied requests draw from: the org's object names and namespaces, words of its field names, lineage
    nodes."""

    objects: list[str]
    namespaces: list[str]
    words: list[str]
    nodes: list[str]


def org_sample(api: requests.Session, base_url: str) -> OrgSample:
    """Read through the API itself: up to 500 objects, a page of fields, the systems, the integrations and what some
    of them read or write."""
    fields = api.get(f"{base_url}/api/v1/orgs/{ALIAS}/fields/", params={"page_size": 500}).json()["results"]
    objects = api.get(f"{base_url}/api/v1/orgs/{ALIAS}/objects/", params={"page_size": 500}).json()["results"]
    words = sorted({row["name"].removesuffix("__c")[:4].lower() for row in fields if len(row["name"]) >= 4})
    systems = [row["key"] for row in api.get(f"{base_url}/api/v1/systems/", params={"org": ALIAS}).json()["results"]]
    integrations = [row["key"] for row in
                    api.get(f"{base_url}/api/v1/integrations/", params={"org": ALIAS}).json()["results"]]
    touched: list[str] = []
    for key in integrations[:10]:
        detail = api.get(f"{base_url}/api/v1/integrations/{key}/").json()
        touched += [ref["key"] for ref in detail.get("reads", []) + detail.get("writes", [])]
    nodes = sorted(set(systems + integrations + touched))
    if not nodes:
        raise RuntimeError("the harvested org has no lineage node: generate it with integrations")
    # A generated org has no namespace: a managed package's prefix it lacks is asked for then (a search for none).
    namespaces = sorted({row["namespace"] for row in objects if row.get("namespace")}) or [ABSENT_NAMESPACE]
    return OrgSample([row["name"] for row in objects], namespaces, words, nodes)


ABSENT_NAMESPACE = "acme"
Draw = Callable[[random.Random, OrgSample], tuple[str, str]]


def nothing_matches(chance: random.Random) -> str:
    """A term no name holds (a `q` after a `z` and digits: no generated, standard or demo name has it)."""
    return f"zq{chance.randint(100, 999)}x"


# One filter of the field list, drawn: (parameter, value).
SINGLE_FILTERS: dict[str, Draw] = {
    "sensitive=true": lambda chance, sample: ("sensitive", "true"),
    "sensitive=false": lambda chance, sample: ("sensitive", "false"),
    "ccpa_category": lambda chance, sample: ("ccpa_category", chance.choice(list(CcpaCategory)).value),
    "encrypted=true": lambda chance, sample: ("encrypted", "true"),
    "encrypted=false": lambda chance, sample: ("encrypted", "false"),
    "custom=true": lambda chance, sample: ("custom", "true"),
    "custom=false": lambda chance, sample: ("custom", "false"),
    "unclassified=true": lambda chance, sample: ("unclassified", "true"),
    "unclassified=false": lambda chance, sample: ("unclassified", "false"),
    "namespace": lambda chance, sample: ("namespace", chance.choice(sample.namespaces)),
    "object": lambda chance, sample: ("object", chance.choice(sample.objects)),
    "search_found": lambda chance, sample: ("search", chance.choice(sample.words)),
    "search_nothing": lambda chance, sample: ("search", nothing_matches(chance)),
}
# Filters a combination draws from (an object or a term narrows; "unclassified" and "sensitive" are drawn once).
COMBINED = ("sensitive=true", "sensitive=false", "ccpa_category", "encrypted=true", "encrypted=false", "custom=true",
            "custom=false", "unclassified=true", "namespace", "object", "search_found", "search_nothing")
FIELD_FAMILIES = ("none", *SINGLE_FILTERS, "combination")


def field_filters(chance: random.Random, sample: OrgSample, family: str) -> dict[str, str]:
    """The parameters of one field request of `family`: none, one filter, or two to three filters combined."""
    if family == "none":
        return {}
    if family != "combination":
        return dict([SINGLE_FILTERS[family](chance, sample)])
    chosen: dict[str, str] = {}
    for name in chance.sample(COMBINED, chance.randint(2, 3)):
        parameter, value = SINGLE_FILTERS[name](chance, sample)
        chosen.setdefault(parameter, value)
    return chosen


def lineage_parameters(chance: random.Random, sample: OrgSample, family: str) -> dict[str, str]:
    return {"node": chance.choice(sample.nodes), "direction": chance.choice(DIRECTIONS), "depth": "3"}


def suggestion_parameters(chance: random.Random, sample: OrgSample, family: str) -> dict[str, str]:
    """What a person types in the explorer's node box: a word of the org's names, or one that names nothing."""
    return {"node": chance.choice(sample.words) if family == "found" else nothing_matches(chance)}


Parameters = Callable[[random.Random, OrgSample, str], dict[str, str]]
# Each comparison: its kinds (api or page, path), the parameters drawn, the families its requests go round. The kinds
# of one comparison take turns on the very same parameters, each first every other time, so neither gets the
# engine's caches warmed by the other.
COMPARISONS: tuple[tuple[dict[str, tuple[str, str]], Parameters, tuple[str, ...]], ...] = (
    ({"api_fields": ("api", f"/api/v1/orgs/{ALIAS}/fields/"), "page_fields": ("page", f"/catalog/{ALIAS}/fields/")},
     field_filters, FIELD_FAMILIES),
    ({"api_lineage": ("api", "/api/v1/lineage/"), "page_lineage": ("page", "/lineage/")},
     lineage_parameters, ("depth 3",)),
    ({"page_suggestions": ("page", "/lineage/nodes/")}, suggestion_parameters, ("found", "nothing")),
)


# --- measuring -----------------------------------------------------------------------------------------------


@dataclass
class Timings:
    milliseconds: list[float] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # "<status> <url>" of every answer other than 200
    by_seed_p95: dict[int, float] = field(default_factory=dict)
    by_family: dict[str, list[float]] = field(default_factory=dict)


def measure(args: argparse.Namespace, base_url: str) -> dict[str, Any]:
    page, api = signed_in_sessions(base_url)
    sample = org_sample(api, base_url)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    load_before = os.getloadavg()[0]
    results: dict[str, Any] = {}
    for kinds, parameters, families in COMPARISONS:
        wanted = max(args.requests, args.per_family * len(families)) if len(families) > 1 else args.requests
        urls = {kind: (api if surface == "api" else page, f"{base_url}{path}")
                for kind, (surface, path) in kinds.items()}
        timings = timed_kinds(urls, parameters, families, sample, seeds, math.ceil(wanted / len(seeds)))
        results |= {kind: summary(timings[kind], TARGETS_MS[surface]) for kind, (surface, _) in kinds.items()}
    return {"server": f"gunicorn, {args.workers} workers, production settings, plain HTTP on 127.0.0.1",
            "cpus": os.cpu_count(), "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
            "seeds": seeds, "warm_up_requests": WARM_UP,
            "sample": {"objects": len(sample.objects), "namespaces": sample.namespaces,
                       "search_words": len(sample.words), "lineage_nodes": len(sample.nodes)},
            "results": results}


Target = tuple[requests.Session, str]


def timed_kinds(urls: dict[str, Target], parameters: Parameters, families: tuple[str, ...], sample: OrgSample,
                seeds: list[int], per_seed: int) -> dict[str, Timings]:
    """Requests going round `families` (so each has its share), each drawn by every seed in turn and asked of every
    kind, the kinds taking turns to go first."""
    warm = random.Random(0)
    for number in range(WARM_UP):
        for session, url in urls.values():
            session.get(url, params=parameters(warm, sample, families[number % len(families)]))
    timings = {kind: Timings() for kind in urls}
    for seed in seeds:
        chance = random.Random(seed)
        seed_ms: dict[str, list[float]] = {kind: [] for kind in urls}
        for number in range(per_seed):
            family = families[number % len(families)]
            drawn = parameters(chance, sample, family)
            kinds = list(urls) if number % 2 == 0 else list(reversed(urls))
            for kind in kinds:
                session, url = urls[kind]
                elapsed = timed_get(session, url, drawn, timings[kind])
                timings[kind].by_family.setdefault(family, []).append(elapsed)
                seed_ms[kind].append(elapsed)
        for kind, ms in seed_ms.items():
            timings[kind].by_seed_p95[seed] = round(percentile(ms, 95), 1)
    return timings


def timed_get(session: requests.Session, url: str, parameters: dict[str, str], timings: Timings) -> float:
    started = time.perf_counter()
    response = session.get(url, params=parameters)
    _ = response.content  # the whole body read
    elapsed = (time.perf_counter() - started) * 1000
    timings.milliseconds.append(elapsed)
    if response.status_code != 200:
        timings.refused.append(f"{response.status_code} {url}?{urlencode(parameters)}")
    return elapsed


def percentile(values: list[float], share: int) -> float:
    """The nearest-rank percentile (a value that was measured)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def summary(timings: Timings, target_ms: float) -> dict[str, Any]:
    """The kind's figures, and each family's (a slow family does not hide in the mix): its p95 meets the target too."""
    values = timings.milliseconds
    p95 = percentile(values, 95)
    families = {family: figures(ms, target_ms) for family, ms in timings.by_family.items()}
    return {**figures(values, target_ms), "p95_by_seed_ms": timings.by_seed_p95,
            "every_family_met": all(each["target_met"] for each in families.values()),
            "slowest_family": max(families, key=lambda family: families[family]["p95_ms"]),
            "not_200": len(timings.refused), "not_200_examples": timings.refused[:5], "by_family": families,
            "target_met_overall": p95 < target_ms}


def figures(values: list[float], target_ms: float) -> dict[str, Any]:
    p95 = percentile(values, 95)
    return {"requests": len(values), "p50_ms": round(percentile(values, 50), 1), "p95_ms": round(p95, 1),
            "mean_ms": round(statistics.fmean(values), 1), "max_ms": round(max(values), 1),
            "target_p95_ms": target_ms, "target_met": p95 < target_ms}


if __name__ == "__main__":
    main()
