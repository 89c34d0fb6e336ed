from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.accounts import services
from catalog.accounts.tokens import SCOPES, UnknownScopeError, parse_scopes


class Command(BaseCommand):
    help = ("Issue an API token for a user and print it once (only its hash is kept). "
            f"Scopes: {', '.join(SCOPES)}.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the token's owner: it can do no more than their role allows")
        parser.add_argument("--scopes", required=True, help=f"comma-separated, of: {', '.join(SCOPES)}")
        parser.add_argument("--expires-days", default=None,
                            help=f"whole days from 1 to {services.MAX_EXPIRY_DAYS}; default: until revoked")
        parser.add_argument("--name", default="", help="what the token is for, shown in the admin")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            owner = user_model.objects.get(**{user_model.USERNAME_FIELD: options["username"]})
        except user_model.DoesNotExist:
            raise CommandError(f"no user named {options['username']!r}") from None
        try:
            scopes = parse_scopes(options["scopes"])
        except UnknownScopeError as error:
            raise CommandError(f"--scopes: {error}") from None
        days = _days(options["expires_days"])
        try:
            issued = services.issue_token(owner, scopes, expires_days=days, name=options["name"],
                                          origin="manage.py issue_token")
        except services.TokenExpiryError as error:
            raise CommandError(f"--expires-days: {error}") from None
        expiry = issued.token.expiry.isoformat() if issued.token.expiry else "never (until revoked)"
        self.stderr.write(f"token {issued.token.token_key}… for {owner.get_username()}, scopes "
                          f"{', '.join(scopes)}, expires {expiry}. Shown once: keep it now.")
        self.stdout.write(issued.secret)


def _days(given: str | None) -> int | None:
    if given is None:
        return None
    if not given.strip().isdigit():
        raise CommandError(f"--expires-days: a whole number of days from 1 to {services.MAX_EXPIRY_DAYS}, "
                           f"not {given!r}")
    return int(given)
