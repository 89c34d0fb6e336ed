from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "catalog.findings"
    label = "findings"
    verbose_name = "Findings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from catalog.findings import after_harvest  # noqa: F401 - evaluates the rules after each successful harvest run
