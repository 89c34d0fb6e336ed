from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "catalog.records"
    label = "records"
    verbose_name = "Records of processing activities"
    default_auto_field = "django.db.models.BigAutoField"
