from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Recordkeeper catalog"

    def ready(self) -> None:
        from catalog import checks  # noqa: F401 - registers the deployment checks
