from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "catalog.accounts"
    label = "accounts"
    verbose_name = "Accounts and audit"

    def ready(self) -> None:
        from catalog.accounts import audit  # noqa: F401 - connects the receivers that record logins and harvests
