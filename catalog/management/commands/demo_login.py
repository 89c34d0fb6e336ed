from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser

from catalog.accounts import roles


class Command(BaseCommand):
    help = ("Create (or reset) one demo login per role (privacy officer, auditor, admin) and print them. "
            "For local demos only.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo", help="the privacy officer's login")
        parser.add_argument("--auditor", default="auditor", help="the auditor's login")
        parser.add_argument("--admin", default="admin", help="the admin's login (users, orgs and tokens)")
        parser.add_argument("--password", default="recordkeeper-demo", help="the password of all three")

    def handle(self, *args: Any, **options: Any) -> None:
        logins = [(roles.PRIVACY_OFFICER, options["username"]), (roles.AUDITOR, options["auditor"]),
                  (roles.ADMIN, options["admin"])]
        for role, username in logins:
            self._reset(username, role, options["password"])
            self.stdout.write(f"login ({role}): {username} / {options['password']}")

    def _reset(self, username: str, role: str, password: str) -> None:
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_staff = role != roles.AUDITOR  # the admin site: tokens, orgs, the audit log
        user.is_superuser = False
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)])
