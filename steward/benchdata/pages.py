"""The pages the benchmark measures, chosen from the built data set, and their query counts.

Queries cannot be counted inside the server, so they are counted here, in-process, with Django's test
client against the same database (CaptureQueriesContext): the same views, the same data, one request.
"""

import time
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.middleware import LAST_SEEN, SIGNED_IN_AT
from audit.models import Event
from cases.access import readable_cases
from cases.models import Case, PartyRole, ReportCategory, Status
from people.models import Identity
from steward.benchdata.sample import PREFIX
from steward.benchmark_urls import BARE_URL


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    username: str
    expect: str = ""  # text the page must contain (a search must find the case it looks for)


@dataclass(frozen=True)
class Counted:
    status: int
    size: int  # bytes of the body
    queries: int
    found: bool  # the page holds what it was expected to show


def benchmark_stewards() -> tuple[User, User]:
    """The steward who reads most cases, and the one who has declared nothing (the last one)."""
    stewards = User.objects.filter(username__startswith=PREFIX).order_by("username")
    return stewards.first(), stewards.last()  # type: ignore[return-value]


def choose_pages() -> list[Page]:
    reader, newcomer = benchmark_stewards()
    readable = readable_cases(reader)
    typical = _typical_case(readable)
    longest = _longest_case(readable)
    party = typical.parties.filter(role=PartyRole.REPORTED).select_related("person").first()
    identity = Identity.objects.filter(person=party.person).first() if party is not None else None
    name = reader.get_username()
    pages = [
        Page("queue /cases/", "/cases/", name),
        Page(
            f"case page ({Event.objects.filter(case_id=typical.pk).count()} events)",
            f"/cases/{typical.code_name}/",
            name,
            typical.code_name,
        ),
        Page(
            f"case with {Event.objects.filter(case_id=longest.pk).count()} events", f"/cases/{longest.code_name}/", name, longest.code_name
        ),
        Page("search: case code name", f"/cases/?q={typical.code_name}", name, typical.code_name),
    ]
    if party is not None:
        pages.append(Page("search: person code name", f"/cases/?q={party.person.code_name}", name, typical.code_name))
    if identity is not None:
        pages.append(Page("search: handle", f"/cases/?q={identity.handle}", name, typical.code_name))
    diligent = _most_declarations(exclude=(reader.pk, newcomer.pk))
    if diligent is not None:
        # Declared on (nearly) every case: the list waiting for their declaration is (nearly) empty, and must be
        # found without reading every case to learn that.
        pages.append(Page("queue, steward who declared on every case", "/cases/", diligent.get_username()))
    category = ReportCategory.objects.filter(report__case=typical).values_list("category", flat=True).first()
    if category:
        pages.append(Page("queue filtered by category", f"/cases/?category={category}", name))
    pages += [
        # A steward's home: each kind of waiting item, one bounded query each, for a reader of most cases and a newcomer.
        Page("my work", "/my-work/", name),
        Page("my work, steward who declared nothing", "/my-work/", newcomer.get_username()),
        Page("queue, steward who declared nothing", "/cases/", newcomer.get_username()),
        Page("flag queue", "/screening/flags/", name),
        Page("bare page", BARE_URL, name),
    ]
    return pages


def _most_declarations(exclude: tuple[int, ...]) -> User | None:
    stewards = User.objects.filter(username__startswith=PREFIX).exclude(pk__in=exclude)
    return stewards.annotate(declared=Count("conflict_declarations")).order_by("-declared", "username").first()


def _typical_case(readable: Any) -> Case:
    """An investigated case with a reported person and about the average number of events."""
    candidates = list(readable.filter(status=Status.INVESTIGATING, parties__role=PartyRole.REPORTED).order_by("pk")[:200])
    counts = dict(Event.objects.filter(case_id__in=[c.pk for c in candidates]).values_list("case_id").annotate(n=Count("id")))
    ordered = sorted(candidates, key=lambda case: counts.get(case.pk, 0))
    return ordered[len(ordered) // 2] if ordered else readable.first()


def _longest_case(readable: Any) -> Case:
    top = Event.objects.filter(case_id__isnull=False).values("case_id").annotate(n=Count("id")).order_by("-n")[:20]
    for row in top:
        case = readable.filter(pk=row["case_id"]).first()
        if case is not None:
            return case
    return readable.first()


def count_queries(page: Page, client: Client | None = None) -> Counted:
    """One request to `page` through the test client, as its steward, counting the queries it runs."""
    client = client or Client()
    client.force_login(User.objects.get(username=page.username))
    client.get(page.url)  # the first request of a session writes it; the second is what a steward's pages cost
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.url)
    found = page.expect.encode() in response.content
    return Counted(response.status_code, len(response.content), len(queries.captured_queries), found)


def session_cookie(username: str) -> tuple[str, str]:
    """A signed-in session for the served benchmark (no password round trip): cookie name and value."""
    user = User.objects.get(username=username)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    now = int(time.time())
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[SIGNED_IN_AT] = store[LAST_SEEN] = now
    store.save(must_create=True)
    return settings.SESSION_COOKIE_NAME, store.session_key
