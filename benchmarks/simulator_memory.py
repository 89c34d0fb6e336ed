"""Peak memory of the Salesforce org simulator serving a large generated org, under real client load.

    .venv/bin/python benchmarks/simulator_memory.py [--objects 2000] [--fields 100] [--consumers 1000000]
                                                    [--pages 50]

Starts `python -m salesforce_simulator --generate …` as its own process, logs in with simple-salesforce
over HTTPS, runs describeGlobal, describes a sample of objects, pages through `--pages` pages of
Contacts (2,000 rows a page) and reads the server's peak RSS (VmHWM) from /proc. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import requests
from simple_salesforce.api import Salesforce

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.generated_org import ServedOrg, served_generated_org
from harvesters.client import http_session

BOUND_MIB = 2048


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--fields", type=int, default=100)
    parser.add_argument("--consumers", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    generate = f"objects={args.objects},fields={args.fields},consumers={args.consumers},seed=7"
    with served_generated_org(generate) as served:
        figures = load(served, args)
    print(json.dumps(figures, indent=2))


def load(served: ServedOrg, args: argparse.Namespace) -> dict[str, Any]:
    credentials = served.credentials
    session = http_session(credentials["ca_bundle"])
    for _ in range(600):
        try:
            response = session.post(f"{served.base_url}/services/oauth2/token", data={
                "grant_type": "client_credentials", "client_id": credentials["consumer_key"],
                "client_secret": credentials["consumer_secret"]})
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    ready_s = time.monotonic() - served.started
    token = response.json()
    sf = Salesforce(instance_url=token["instance_url"], session_id=token["access_token"], session=session,
                    version="61.0")
    rss_idle = peak_rss_mib(served.process.pid)
    clock = time.monotonic()
    objects = sf.describe() or {}
    names = [entry["name"] for entry in objects["sobjects"]]
    describe_s = time.monotonic() - clock
    for name in names[:: max(1, len(names) // 50)]:
        getattr(sf, name).describe()
    clock = time.monotonic()
    rows = 0
    for rows, _ in enumerate(sf.query_all_iter("SELECT Id, Email, LastName FROM Contact"), start=1):
        if rows >= args.pages * 2000:
            break
    paging_s = time.monotonic() - clock
    peak = peak_rss_mib(served.process.pid)
    return {
        "org": {"objects": args.objects, "fields_per_object": args.fields, "consumers": args.consumers},
        "objects_served": len(names),
        "startup_to_first_login_s": round(ready_s, 2),
        "describe_global_s": round(describe_s, 2),
        "contact_rows_paged": rows,
        "contact_rows_per_s": round(rows / paging_s) if paging_s else None,
        "server_rss_after_login_mib": round(rss_idle, 1),
        "server_peak_rss_mib": round(peak, 1),
        "bound_mib": BOUND_MIB,
        "within_bound": peak < BOUND_MIB,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    main()
