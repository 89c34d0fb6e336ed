from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.accounts import services
from catalog.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token by its public key (the first characters, shown by issue_token and the admin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token_key")
        parser.add_argument("--reason", default="", help="why, kept in the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        tokens = list(ApiToken.objects.filter(token_key=options["token_key"]).select_related("user"))
        if not tokens:
            raise CommandError(f"no API token with key {options['token_key']!r}")
        revoked = sum(services.revoke_token(token, reason=options["reason"], origin="manage.py revoke_token")
                      for token in tokens)
        self.stdout.write(f"{revoked} token(s) revoked" if revoked else "already revoked")
