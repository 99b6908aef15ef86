from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from intake.signals import report_received
        from notifications.alerts import announce_new_case

        report_received.connect(announce_new_case, dispatch_uid="notifications.announce_new_case")
