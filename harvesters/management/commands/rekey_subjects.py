"""Re-key the identifier index after SUBJECT_HMAC_KEY was rotated: a full consents harvest of every org (queued on
Celery) writes every identifier's hash under the new key and, once complete, retires the hashes the old key made.
Look-ups hash under the current and every previous key meanwhile, so none fails; subjects keep their keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from harvesters import runs
from harvesters.consents import previous_subject_secrets, subject_secret
from harvesters.models import OrgConnection
from lineage import get_graph
from lineage.identifiers import key_id
from lineage.queries.subjects import live_identifiers_made_by

ORIGIN = "manage.py rekey_subjects"


class Command(BaseCommand):
    help = ("Rewrite the identifier index under SUBJECT_HMAC_KEY (a full consents harvest of each org, on Celery), "
            "and say how many live hashes each configured key still made.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("aliases", nargs="*", help="the orgs to re-key; default every connected org")
        parser.add_argument("--status", action="store_true", help="only say how far the re-key has gone")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["status"]:
            for org in self._orgs(options["aliases"]):
                self._queue(org)
        self._report()

    def _orgs(self, aliases: list[str]) -> list[OrgConnection]:
        orgs = list(OrgConnection.objects.filter(alias__in=aliases) if aliases else OrgConnection.objects.all())
        missing = sorted(set(aliases) - {org.alias for org in orgs})
        if missing:
            raise CommandError(f"no org connection named {', '.join(missing)} (add one with add_org)")
        return orgs

    def _queue(self, org: OrgConnection) -> None:
        from harvesters.tasks import queue_harvest  # imports Celery's app: only a queued run needs it

        try:
            run = queue_harvest(org, full=True, sources=["consents"], origin=ORIGIN)
        except runs.RunInProgressError as error:
            raise CommandError(f"{error}; run rekey_subjects {org.alias} again when it is done") from error
        self.stdout.write(f"{org.alias}: consents harvest run {run.pk} queued (full: retires the old hashes when done)")

    def _report(self) -> None:
        current = key_id(subject_secret())
        previous = [key_id(secret) for secret in previous_subject_secrets()]
        counts = live_identifiers_made_by(get_graph(), [current, *previous])
        self.stdout.write(f"current key {current}: {counts[current]} live identifier hashes")
        for made_by in previous:
            advice = ("re-key not done: keep it in SUBJECT_HMAC_PREVIOUS_KEYS" if counts[made_by]
                      else "none left: it can leave SUBJECT_HMAC_PREVIOUS_KEYS")
            self.stdout.write(f"previous key {made_by}: {counts[made_by]} live identifier hashes; {advice}")
