"""Re-mirroring an org's live overrides as each of its harvest runs finishes.

A harvest never clears an override's mirror (lineage.overrides says why); but an org's graph purged and
harvested afresh has new Field nodes without it. The run's finish is the moment its fields exist again, so the
catalog listens there (harvesters never import the catalog) rather than on a read, which must not write.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver
from neo4j.exceptions import DriverError, Neo4jError

from catalog.classification.services import mirror_overrides
from harvesters.models import HarvestRun
from harvesters.runs import harvest_finished

log = logging.getLogger(__name__)


@receiver(harvest_finished, dispatch_uid="classification_remirror_overrides")
def remirror_overrides(sender: object, run: HarvestRun, **kwargs: Any) -> None:
    try:
        mirror_overrides(run.org)
    except (Neo4jError, DriverError) as error:  # the run's outcome stands; the next finished run mirrors them
        log.warning("harvest run %s of %s: its overrides were not re-mirrored: %s", run.pk, run.org.alias, error)
