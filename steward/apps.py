from django.apps import AppConfig


class StewardConfig(AppConfig):
    name = "steward"
    verbose_name = "Steward core"

    def ready(self) -> None:
        from steward import checks  # noqa: F401  (registers the deploy checks)
