"""The dashboard's one way in: each org with its harvests (the run bookkeeping) and its figures from the graph, read
for every org at once in three graph queries."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from harvesters.overview import OrgHarvests, orgs_with_harvests
from lineage import get_graph, org_key
from lineage.graph import GRAPH_UNAVAILABLE
from lineage.queries.dashboard import (
    Changes,
    InventoryFigures,
    SystemsByRole,
    Window,
    changes,
    inventory_figures,
    systems_by_role,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrgFigures:
    """What the graph holds of one org; `changes` is None after its first harvest (nothing to compare with)."""

    inventory: InventoryFigures
    systems: SystemsByRole
    changes: Changes | None


@dataclass(frozen=True)
class OrgDashboard:
    harvests: OrgHarvests
    figures: OrgFigures | None  # None: never harvested (no org id yet)


@dataclass(frozen=True)
class Dashboard:
    orgs: list[OrgDashboard]
    graph_unavailable: bool = False  # the figures could not be read; the harvests are still shown

    @property
    def any_running(self) -> bool:
        return any(org.harvests.running for org in self.orgs)

    @property
    def any_figures(self) -> bool:
        return any(org.figures for org in self.orgs)


def dashboard() -> Dashboard:
    """Every org with its harvests and, once harvested, its figures; the graph not answering leaves them out."""
    orgs = orgs_with_harvests()
    try:
        figures = _figures_of([org for org in orgs if org.org_id])
    except GRAPH_UNAVAILABLE as error:
        log.warning("the dashboard could not read the lineage graph: %s", error)
        return Dashboard([OrgDashboard(org, None) for org in orgs], graph_unavailable=True)
    return Dashboard([OrgDashboard(org, figures.get(org.org_id)) for org in orgs])


def _figures_of(harvested: list[OrgHarvests]) -> dict[str, OrgFigures]:
    keys = [org_key(org.org_id) for org in harvested]
    graph = get_graph()
    inventory = inventory_figures(graph, keys)
    roles = systems_by_role(graph, keys)
    windows = [_window(org) for org in harvested]
    changed = changes(graph, [window for window in windows if window is not None])
    return {org.org_id: OrgFigures(inventory=inventory[key], systems=roles[key], changes=changed.get(key))
            for org, key in zip(harvested, keys, strict=True)}


def _window(org: OrgHarvests) -> Window | None:
    """From the end of the finished run before the last one to the last one's end; None before a second run."""
    if org.last_finished is None or org.last_finished.finished_at is None or org.previous_finished_at is None:
        return None
    return Window(org_key(org.org_id), since=org.previous_finished_at, until=org.last_finished.finished_at)
