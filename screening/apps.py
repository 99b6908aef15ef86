from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self) -> None:
        from screening import (
            checks,  # noqa: F401  (registers the deploy checks)
            signals,  # noqa: F401  (a flag is acted on once the space has done it)
        )
