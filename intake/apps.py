from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        from intake.space_events import install as install_space_events

        install_space_events()  # reports made in the spaces, and the report mailboxes the poller fetches
