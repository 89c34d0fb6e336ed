from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "catalog.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit"

    def ready(self) -> None:
        from catalog.accounts import audit  # noqa: F401 - connects the receivers that record logins and harvests

        # After every app's migrate (not only this one's): the admin site's permissions of later apps exist then.
        post_migrate.connect(_create_role_groups, dispatch_uid="accounts_role_groups")


def _create_role_groups(sender: AppConfig, **kwargs: Any) -> None:
    from catalog.accounts.roles import create_role_groups

    create_role_groups()
