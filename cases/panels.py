"""Sections other apps add to the case page (decisions, clocks, letters...), without editing cases/.

An app registers a panel in its AppConfig.ready(); the case page renders every panel in `order`,
each with the page's context plus what the panel's `context` function returns. The case has already
passed the access layer with Need.READ when a panel's context function runs, and `standing` tells
the panel what the viewer may do (vote, write).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from cases.access import Standing
from cases.models import Case

PanelContext = Callable[[HttpRequest, Case, Standing], dict[str, Any]]


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: PanelContext
    order: int = 100  # the built-in sections sit around: state 10, reports 20, parties 30, notes 50, thread 60


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda panel: (panel.order, panel.key))


def rendered_panels(request: HttpRequest, case: Case, viewer: Standing) -> list[tuple[Panel, dict[str, Any]]]:
    return [(panel, panel.context(request, case, viewer)) for panel in panels()]
