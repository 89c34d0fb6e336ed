"""Generated orgs served by the simulator and registered: one harvested once through `harvest_now`, for the
benchmarks that read what a harvest wrote, purged from the graph when they are done; one of many consumers connected,
for the benchmarks of the consents source (import it after `benchmarks.django_env.set_up_django`)."""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generated_manifest import write_generated_manifest
from benchmarks.generated_org import ServedOrg, served_generated_org
from harvesters import runs
from harvesters.client import OrgClient
from harvesters.connections import client_for, register_org
from harvesters.models import OrgConnection
from lineage import get_graph, org_key, purge_org


@dataclass(frozen=True)
class HarvestedOrg:
    org: OrgConnection
    harvest_seconds: float
    size: dict[str, int | float]  # what was generated, and how long its harvest took, for the report


def add_size_arguments(parser: argparse.ArgumentParser) -> None:
    """The generated org's size, the issue's by default."""
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--fields", type=int, default=100)
    parser.add_argument("--integrations", type=int, default=200)


@contextlib.contextmanager
def harvested_generated_org(alias: str, args: argparse.Namespace, sources: list[str], *, consumers: int = 100,
                            log_days: int = 1) -> Iterator[HarvestedOrg]:
    """The org `args` sizes (with `consumers` consumers and `log_days` days of event logs), served, registered as
    `alias` and harvested whole from `sources`; purged on leaving. With the "manifests" source, a manifest says what
    each generated partner receives and why (`benchmarks.generated_manifest`)."""
    generate = (f"objects={args.objects},fields={args.fields},integrations={args.integrations},consumers={consumers},"
                f"log_days={log_days},seed=7")
    with served_generated_org(generate) as served:
        served.wait_until_listening()
        manifests = tempfile.mkdtemp(prefix="benchmark-manifests-") if "manifests" in sources else ""
        if manifests:
            write_generated_manifest(Path(manifests), served.credentials["org_id"], args.objects, args.integrations)
        org = registered(alias, served.credentials, manifest_dir=manifests)
        started = time.monotonic()
        run = runs.harvest_now(runs.request_harvest(org, full=True, sources=sources))
        if run.errors:
            raise RuntimeError(f"the harvest met errors: {run.errors[:3]}")
        org.refresh_from_db()
        seconds = time.monotonic() - started
    try:
        yield HarvestedOrg(org, seconds, {"objects": args.objects, "fields_per_object": args.fields,
                                          "integrations": args.integrations, "harvest_seconds": round(seconds, 1)})
    finally:
        purge_org(get_graph(), org_key(org.org_id))


def registered(alias: str, credentials: dict[str, str], manifest_dir: str = "") -> OrgConnection:
    """The served org registered as `alias` by the client-credentials flow, with the simulator's own CA."""
    return register_org(alias, login_url=credentials["login_url"], auth_flow="client_credentials",
                        client_id=credentials["consumer_key"], client_secret=credentials["consumer_secret"],
                        ca_bundle=credentials["ca_bundle"], manifest_dir=manifest_dir)


@dataclass(frozen=True)
class ConsumerOrg:
    client: OrgClient
    org_id: str
    served: ServedOrg


@contextlib.contextmanager
def connected_consumer_org(alias: str, consumers: int) -> Iterator[ConsumerOrg]:
    """A generated org of `consumers` consumers (and three small objects), served and registered as `alias`."""
    with served_generated_org(f"objects=3,fields=5,integrations=1,consumers={consumers},log_days=1,seed=7") as served:
        served.wait_until_listening(timeout=1800)
        client = client_for(registered(alias, served.credentials))
        org_id = client.call(lambda sf: sf.query("SELECT Id FROM Organization"))["records"][0]["Id"]
        yield ConsumerOrg(client, org_id, served)
