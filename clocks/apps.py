from django.apps import AppConfig


class ClocksConfig(AppConfig):
    name = "clocks"

    def ready(self) -> None:
        from django.db.models.signals import post_save
        from django.utils.translation import gettext_lazy

        from cases.models import Case
        from cases.panels import Panel, QueueTab, register_panel, register_queue_flags, register_queue_tab
        from clocks.deadlines import overdue_cases_q
        from clocks.panel import panel_context, queue_flags
        from clocks.signals import start_clocks

        post_save.connect(start_clocks, sender=Case, dispatch_uid="clocks.start_clocks")
        # Just after the case's state (10) and before the reports (20): what is due comes first.
        register_panel(Panel("clocks", "clocks/_panel.html", panel_context, order=15))
        register_queue_tab(QueueTab("overdue", gettext_lazy("Overdue"), lambda user: overdue_cases_q()))
        register_queue_flags("clocks", queue_flags)
