from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = "Enforcement"

    def ready(self) -> None:
        from enforcement import signals  # noqa: F401  (plans are written with the sanction)
        from enforcement.panel import install as install_panel
        from enforcement.review.hooks import install as install_review
        from enforcement.space_events import install as install_space_events

        install_panel()  # the case page's enforcement section and the queue's flags
        install_review()  # no-contact alerts on the case page, their queue tab and flags
        install_space_events()  # the spaces' content watched for no-contact breaches, their moderator actions queued
