from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harvesters import runs
from harvesters.models import HarvestRun, OrgConnection, RunStatus

ORIGIN = "manage.py harvest"  # how the audit log says the harvest was started


def _queue_harvest(org: OrgConnection, **request: Any) -> HarvestRun:
    from harvesters.tasks import queue_harvest  # the tasks module imports Celery's app: only a queued run needs it

    return queue_harvest(org, **request)


class Command(BaseCommand):
    help = "Harvest an org into the lineage graph (incremental unless --full); queued on Celery unless --sync."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("alias")
        parser.add_argument("--full", action="store_true", help="describe everything and retire what is gone")
        parser.add_argument("--sync", action="store_true", help="run here and now, with a progress bar")
        parser.add_argument("--wait", action="store_true", help="queue on Celery, then follow the run to its end")
        parser.add_argument("--sources", default="",
                            help=f"comma-separated; default all: {', '.join(runs.all_sources())}")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            org = OrgConnection.objects.get(alias=options["alias"])
        except OrgConnection.DoesNotExist as error:
            raise CommandError(f"no org connection named {options['alias']!r} (add one with add_org)") from error
        sources = [name.strip() for name in options["sources"].split(",") if name.strip()] or None
        try:
            run = (runs.request_harvest(org, full=options["full"], sources=sources, origin=ORIGIN) if options["sync"]
                   else _queue_harvest(org, full=options["full"], sources=sources, origin=ORIGIN))
        except ValueError as error:
            raise CommandError(f"--sources: {error}") from error
        except runs.RunInProgressError as error:
            raise CommandError(str(error)) from error
        if not options["sync"]:
            self.stdout.write(f"harvest run {run.pk} queued for {org.alias}")
            if not options["wait"]:
                return
            run = self._follow(run)
        else:
            run = runs.harvest_now(run, on_chunk=self._progress)
        sys.stderr.write("\n")
        self._report(run)
        if run.status in (RunStatus.FAILED, RunStatus.STOPPED):
            raise CommandError(f"harvest run {run.pk} {run.get_status_display()}")

    def _follow(self, run: HarvestRun, timeout_s: float = 3600) -> HarvestRun:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            run.refresh_from_db()
            self._progress(run.chunks_done, run.chunks_total)
            if run.finished_at is not None:
                return run
            time.sleep(0.5)
        raise CommandError(f"harvest run {run.pk} still running after {timeout_s:.0f}s; see the admin")

    def _report(self, run: HarvestRun) -> None:
        self.stdout.write(f"harvest run {run.pk}: {run.get_status_display()}; {run.chunks_done}/{run.chunks_total} "
                          f"chunks, {run.counts.get('written', 0)} graph rows written, "
                          f"{run.api_calls} API calls")
        for problem in run.errors:
            self.stdout.write(f"  error: {problem}")
        for warning in run.warnings:
            self.stdout.write(f"  warning: {warning}")
        if run.reason:
            self.stdout.write(f"  {run.reason}")

    @staticmethod
    def _progress(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} chunks")
        sys.stderr.flush()
