from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"

    def ready(self) -> None:
        from cases.panels import Panel, register_panel
        from letters import closing
        from letters.panel import panel_context

        register_panel(Panel("letters.party_links", "letters/_party_links.html", panel_context, order=65))
        # Right below the case's state: after closing, the page opens here (cases.views.writes.change_status).
        register_panel(Panel("letters.closing", "letters/_closing_letters.html", closing.panel_context, order=12))
