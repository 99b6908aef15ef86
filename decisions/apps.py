from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"

    def ready(self) -> None:
        from cases.panels import Panel, register_decided_outcome, register_panel
        from decisions.closing import standing_outcome
        from decisions.letter_values import decision_values
        from decisions.panel import panel_context
        from letters.fill import register_values

        register_panel(Panel("decisions", "decisions/_panel.html", panel_context, order=70))
        register_values(decision_values)
        register_decided_outcome("decisions", standing_outcome)
