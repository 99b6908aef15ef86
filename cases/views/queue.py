"""The stewards' queue: tabs, search, and the cases still waiting for this steward's declaration."""

from datetime import date
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_safe

from cases.access import awaiting_declaration, readable_cases
from cases.filters import QueueFilterForm, filters_q
from cases.models import QUEUE_ORDER, Case, Party, Status
from cases.panels import queue_flags, queue_tabs
from cases.views.common import steward_only
from people.models import Identity, Person, normalise_handle
from policy.services import current_policy
from privacy.keys import blind_digests
from steward.pagination import paginate

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
PAGE_SIZE = 50  # rows a steward scans at once; the page's cost is mostly rendering its rows
UNDECLARED_PAGE_SIZE = 50
SEARCH_IDS_IN_HAND = 2000


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


def code_name_starts(prefix: str) -> Q:
    """Code names (lower-case, unique, indexed) that begin with `prefix`.

    PostgreSQL serves LIKE 'prefix%' from the pattern index Django adds to unique text columns. SQLite's
    LIKE ignores case, so its planner cannot use the plain index for it: there the same rows are also bounded
    as a range, which it can. (Not on PostgreSQL, whose linguistic collations order hyphens differently.)
    """
    starts = Q(code_name__startswith=prefix)
    if connection.vendor == "sqlite" and prefix:
        starts &= Q(code_name__gte=prefix, code_name__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return starts


def search_filter(query: str) -> Q:
    """A case's code name (or that of a case joined into it) or a person's code name, by its beginning, or
    exactly one of a person's handles or e-mail addresses.

    Each branch is its own indexed lookup (code names are unique columns, so a prefix is an index range;
    handles are encrypted and matched whole through their blind index, privacy.keys), and the case ids they
    find are joined with IN, never OR-ed across joins. Report, note and message texts are encrypted at rest,
    so there is no full-text search over them in the database, by design.
    """
    prefix = query.strip().casefold()
    handle = normalise_handle("", query)
    named = Person.objects.filter(code_name_starts(prefix)).values("pk")
    handled = Identity.objects.filter(handle_digest__in=blind_digests(handle)).values("person_id")
    # One list of ids from four index lookups (UNION), not four conditions OR-ed on every case: an OR of
    # nested queries is tested case by case, so the database would read every case to find the few that match.
    parts = [
        Case.objects.filter(code_name_starts(prefix)).values_list("pk", flat=True),
        # A joined case's old name finds the case it joined (only ever among cases the steward may read).
        Case.objects.filter(code_name_starts(prefix), merged_into__isnull=False).values_list("merged_into_id", flat=True),
        Party.objects.filter(person_id__in=named).values_list("case_id", flat=True),
        Party.objects.filter(person_id__in=handled).values_list("case_id", flat=True),
    ]
    # A compound statement's parts may not be ordered, nor the whole by the models' default order.
    first, *rest = (part.order_by() for part in parts)
    found = first.union(*rest)
    found.query.default_ordering = False
    # The ids in hand when they are few (a name, a handle: the usual search), so the database starts from them;
    # a broad prefix ("a") matches most cases, and is better read in queue order with the list as a filter.
    ids = list(found[: SEARCH_IDS_IN_HAND + 1])
    return Q(pk__in=ids) if len(ids) <= SEARCH_IDS_IN_HAND else Q(pk__in=found)


@require_safe
@steward_only
def queue(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("view", DEFAULT_TAB)
    tabs = all_tabs()
    if tab not in tabs:
        tab = DEFAULT_TAB
    query = request.GET.get("q", "").strip()[:200]
    policy = current_policy()
    filter_form = QueueFilterForm(request.GET or None, categories=policy.category_choices(), spaces=policy.space_choices())
    chosen = filter_form.chosen()
    chosen_items = [(name, value.isoformat() if isinstance(value, date) else value) for name, value in chosen.items()]
    # Everything listed comes from the access layer: hard-conflicted cases are never in either set.
    readable = readable_cases(request.user)
    # A search looks through every readable case, open or closed: earlier cases show patterns. Filters narrow either.
    cases = readable.filter(search_filter(query) if query else tab_filter(tab, request.user)).filter(filters_q(chosen))
    page = paginate(request, cases.select_related("shepherd__steward_profile"), QUEUE_ORDER, "after", PAGE_SIZE)
    rows = page.items
    flags = queue_flags(rows)
    for case in rows:
        case.queue_flags = flags.get(case.pk, [])
    context = {
        "tabs": list(tabs.items()),
        "tab": tab,
        "query": query,
        "filter_form": filter_form,
        "filtered": bool(chosen),
        # The chosen filters, carried by the tabs and the search so that they combine and survive a bookmark.
        "chosen": chosen_items,
        "filter_query": urlencode(chosen_items),
        "cases": rows,
        "page": page,
        # Code names only: nothing else about a case may reach a steward before they declare.
        # Sorted by name, not by age, so even the order says nothing about the cases.
        "undeclared": paginate(request, awaiting_declaration(request.user), ("code_name", "pk"), "undeclared_after", UNDECLARED_PAGE_SIZE),
    }
    return render(request, "cases/queue.html", context)
