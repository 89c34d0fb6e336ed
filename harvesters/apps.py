from django.apps import AppConfig
from django.core import checks


class HarvestersConfig(AppConfig):
    name = "harvesters"
    verbose_name = "Salesforce harvesters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from harvesters.logs import check_log_event_types

        checks.register(check_log_event_types)
