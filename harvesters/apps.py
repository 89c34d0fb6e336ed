from django.apps import AppConfig


class HarvestersConfig(AppConfig):
    name = "harvesters"
    verbose_name = "Salesforce harvesters"
    default_auto_field = "django.db.models.BigAutoField"
