"""A generated org registered and harvested once through `harvest_now`, for the benchmarks that read what a harvest
wrote (import it after `benchmarks.django_env.set_up_django`)."""

from __future__ import annotations

import time

from harvesters import runs
from harvesters.connections import register_org
from harvesters.models import OrgConnection


def harvested(alias: str, credentials: dict[str, str], sources: list[str]) -> tuple[OrgConnection, float]:
    """The org served with `credentials`, registered as `alias` and harvested whole from `sources`; the seconds the
    harvest took."""
    org = register_org(alias, login_url=credentials["login_url"], auth_flow="client_credentials",
                       client_id=credentials["consumer_key"], client_secret=credentials["consumer_secret"],
                       ca_bundle=credentials["ca_bundle"], manifest_dir="")
    started = time.monotonic()
    run = runs.harvest_now(runs.request_harvest(org, full=True, sources=sources))
    if run.errors:
        raise RuntimeError(f"the harvest met errors: {run.errors[:3]}")
    org.refresh_from_db()
    return org, time.monotonic() - started
