from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "catalog.records"
    label = "records"
    verbose_name = "Records of processing activities"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from catalog.records import regenerated  # noqa: F401 - stores the record after each successful harvest run
