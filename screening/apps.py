from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self) -> None:
        from screening import (
            checks,  # noqa: F401  (registers the deploy checks)
            signals,  # noqa: F401  (a flag is acted on once the space has done it)
        )
        from screening.space_events import install as install_space_events

        install_space_events()  # the spaces' content stored for screening, deletions on the platform marked
