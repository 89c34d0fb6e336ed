"""The rules evaluated after every successful harvest run of an org, so its findings follow its graph.

The catalog listens to harvesters.runs.harvest_finished (harvesters never import the catalog), after the records'
listener (INSTALLED_APPS lists catalog.records first). Evaluating never fails the harvest: the run's warnings and the
log say it was not done, and why.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.dispatch import receiver

from catalog.findings import services
from catalog.records.regenerated import failure_in_words
from harvesters.models import HarvestRun, RunStatus
from harvesters.runs import harvest_finished

log = logging.getLogger(__name__)
NOT_EVALUATED = "the findings were not evaluated after this run"


@receiver(harvest_finished, dispatch_uid="findings_evaluate_after_harvest")
def evaluate_after_harvest(sender: object, run: HarvestRun, **kwargs: Any) -> None:
    if not settings.FINDINGS_EVALUATE_AFTER_HARVEST or run.status != RunStatus.SUCCEEDED:
        return
    try:
        evaluation = services.evaluate(run.org, run=run)
    except Exception as error:  # the run's outcome stands whatever the evaluation raised
        said = failure_in_words(error)
        log.warning("harvest run %s of %s: %s: %s", run.pk, run.org.alias, NOT_EVALUATED, said)
        run.add_warning(f"{NOT_EVALUATED} ({said}); evaluate them from the findings page or the API")
        return
    log.info("harvest run %s of %s: findings evaluated (%d new, %d recurring, %d fixed)", run.pk, run.org.alias,
             len(evaluation.new), len(evaluation.recurring), len(evaluation.fixed))
