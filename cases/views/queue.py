"""The stewards' queue: tabs, search, and the cases still waiting for this steward's declaration."""

from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from cases.access import readable_cases, undeclared_cases
from cases.models import RISK_RANK, Case, Status
from cases.panels import queue_flags, queue_tabs
from cases.views.common import steward_only
from people.models import normalise_handle
from privacy.keys import blind_digests

TABS = {
    "all": _lazy("All open"),
    "new": _lazy("New"),
    "mine": _lazy("Mine"),
    "unacknowledged": _lazy("Not acknowledged"),
    "decided": _lazy("Decided"),
    "closed": _lazy("Closed"),
    "held": _lazy("Held (possible flood)"),
}
DEFAULT_TAB = "all"
MAX_ROWS = 500


def all_tabs() -> dict[str, object]:
    return {**TABS, **{tab.key: tab.label for tab in queue_tabs()}}


def tab_filter(tab: str, user: object) -> Q:
    open_ = ~Q(status=Status.CLOSED)
    for extra in queue_tabs():
        if extra.key == tab:
            return extra.filter(user) & open_
    return {
        "all": open_,
        "new": Q(status=Status.NEW),
        "mine": Q(shepherd=user) & open_,
        "unacknowledged": Q(acknowledged_at__isnull=True) & open_,
        "decided": Q(status=Status.DECIDED),
        "closed": Q(status=Status.CLOSED),
        "held": Q(held_as_possible_flood=True),
    }[tab]


def search_filter(query: str) -> Q:
    """A case's code name (or that of a case joined into it), a person's code name, or exactly one of
    their identities' handles.

    Handles are encrypted at rest, so they are matched whole through their blind index (privacy.keys).
    """
    handle = normalise_handle("", query)
    return (
        Q(code_name__icontains=query)
        # A joined case's old name finds the case it joined (only ever among cases the steward may read).
        | Q(merged_cases__code_name__icontains=query)
        | Q(parties__person__code_name__icontains=query)
        | Q(parties__person__identities__handle_digest__in=blind_digests(handle))
    )


def by_risk_then_age(cases: QuerySet[Case]) -> QuerySet[Case]:
    whens = [models.When(safety_risk=risk, then=models.Value(rank)) for risk, rank in RISK_RANK.items()]
    rank = models.Case(*whens, default=models.Value(0), output_field=models.IntegerField())
    return cases.annotate(risk_rank=rank).order_by("-risk_rank", "created_at", "pk")


@require_GET
@steward_only
def queue(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("view", DEFAULT_TAB)
    tabs = all_tabs()
    if tab not in tabs:
        tab = DEFAULT_TAB
    query = request.GET.get("q", "").strip()[:200]
    # Everything listed comes from the access layer: hard-conflicted cases are never in either set.
    readable = readable_cases(request.user)
    if query:
        # A search looks through every readable case, open or closed: earlier cases show patterns.
        cases = readable.filter(pk__in=readable.filter(search_filter(query)).values("pk"))
    else:
        cases = readable.filter(tab_filter(tab, request.user))
    rows = list(by_risk_then_age(cases).select_related("shepherd__steward_profile")[:MAX_ROWS])
    flags = queue_flags(rows)
    for case in rows:
        case.queue_flags = flags.get(case.pk, [])  # type: ignore[attr-defined]
    context = {
        "tabs": list(tabs.items()),
        "tab": tab,
        "query": query,
        "cases": rows,
        # Code names only: nothing else about a case may reach a steward before they declare.
        # Sorted by name, not by age, so even the order says nothing about the cases.
        "undeclared": list(undeclared_cases(request.user).order_by("code_name").values_list("code_name", flat=True)),
    }
    return render(request, "cases/queue.html", context)
