from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"

    def ready(self) -> None:
        from cases.panels import Panel, register_panel
        from decisions.panel import panel_context

        register_panel(Panel("decisions", "decisions/_panel.html", panel_context, order=70))
