"""What other apps add to the case page and the queue (decisions, clocks, letters...), without editing cases/.

An app registers a panel in its AppConfig.ready(); the case page renders every panel in `order`,
each with the page's context plus what the panel's `context` function returns. The case has already
passed the access layer with Need.READ when a panel's context function runs, and `standing` tells
the panel what the viewer may do (vote, write).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.dispatch import Signal
from django.http import HttpRequest

from cases.access import Standing
from cases.models import Case

# Sent (sender=Case, user=..., case=...) when a steward who may read a case opens its page. An app that keeps
# per-steward read state listens (mywork: the new messages from parties); cases/ itself keeps none.
case_page_opened = Signal()

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


# --- The queue: extra tabs and row flags ---------------------------------------------------------

QueueFilter = Callable[[Any], Q]  # given the viewing user, a filter on Case
QueueFlags = Callable[[list[Case]], dict[int, list[str]]]  # per case id, badges for the row


@dataclass(frozen=True)
class QueueTab:
    key: str
    label: Any  # a (lazy) translated string
    filter: QueueFilter


_TABS: dict[str, QueueTab] = {}
_FLAGS: dict[str, QueueFlags] = {}


def register_queue_tab(tab: QueueTab) -> None:
    _TABS[tab.key] = tab


def register_queue_flags(key: str, flags: QueueFlags) -> None:
    _FLAGS[key] = flags


def queue_tabs() -> list[QueueTab]:
    return list(_TABS.values())


def queue_flags(cases: list[Case]) -> dict[int, list[str]]:
    merged: dict[int, list[str]] = {case.pk: [] for case in cases}
    for flags in _FLAGS.values():
        for case_id, labels in flags(cases).items():
            merged.setdefault(case_id, []).extend(labels)
    return merged


# --- Closing: the outcome a decision already settled ------------------------------------------------

DecidedOutcome = Callable[[Case], str]  # the outcome code a decision gave the case, or ""

_DECIDED: dict[str, DecidedOutcome] = {}


def register_decided_outcome(key: str, outcome: DecidedOutcome) -> None:
    """The decisions app tells closing what a case's decision was, without cases/ importing it."""
    _DECIDED[key] = outcome


def decided_outcome(case: Case) -> str:
    """The outcome of the case's decision, or "" when nothing decided it (closing then asks for one)."""
    for outcome in _DECIDED.values():
        code = outcome(case)
        if code:
            return code
    return ""
