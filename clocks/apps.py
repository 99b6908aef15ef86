from django.apps import AppConfig


class ClocksConfig(AppConfig):
    name = "clocks"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from cases.models import Case
        from cases.panels import Panel, register_panel
        from clocks.panel import panel_context
        from clocks.signals import start_clocks

        post_save.connect(start_clocks, sender=Case, dispatch_uid="clocks.start_clocks")
        # Just after the case's state (10) and before the reports (20): what is due comes first.
        register_panel(Panel("clocks", "clocks/_panel.html", panel_context, order=15))
