from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "catalog.classification"
    label = "classification"
    verbose_name = "Classification review"

    def ready(self) -> None:
        from catalog.classification import signals  # noqa: F401 - re-mirrors an org's overrides as its runs finish
