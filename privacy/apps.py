from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy and retention"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_save

        from cases.models import Case
        from cases.panels import Panel, register_panel
        from privacy import checks  # noqa: F401  (registers the deploy check)
        from privacy.panel import retention_panel
        from privacy.signals import case_saved, secure_delete

        post_save.connect(case_saved, sender=Case, dispatch_uid="privacy.case_saved")
        connection_created.connect(secure_delete, dispatch_uid="privacy.secure_delete")
        register_panel(Panel("privacy", "privacy/_panel.html", retention_panel, order=90))
