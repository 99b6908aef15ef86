from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"

    def ready(self) -> None:
        from cases.panels import Panel, register_panel
        from letters.panel import panel_context

        register_panel(Panel("letters.party_links", "letters/_party_links.html", panel_context, order=65))
