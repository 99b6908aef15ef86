"""Every time a steward or a party reads shows its zone ("5 Dec 2026, 14:03 UTC"): the main pages, rendered over
the demo community, show no hour:minute without a zone after it (steward/times.py is the one format)."""

import re
from typing import Any

import pytest
from django.test import Client

from tests.page_walk import build_walk

pytestmark = pytest.mark.django_db

# An hour:minute in the text people read (tags, scripts and styles removed: an ISO time in an attribute is no
# reading); it must be followed by a zone: an abbreviation (UTC, CET, EST) or an offset (+01:00).
TIME = re.compile(r"(?<![\d:])(?:[01]?\d|2[0-3]):[0-5]\d(?![\d:])")
ZONE = re.compile(r"\s*(?:[A-Z]{2,5}\b|[+-]\d{2}:?\d{2})")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", html)


def times_without_zone(html: str) -> list[str]:
    text = visible_text(html)
    return [text[max(0, m.start() - 30) : m.end() + 10].strip() for m in TIME.finditer(text) if not ZONE.match(text, m.end())]


def read(client: Client, path: str) -> str:
    response = client.get(path, follow=True)
    assert response.status_code == 200, path
    return str(response.content.decode())


def test_no_page_shows_a_time_without_its_zone() -> None:
    walk = build_walk()
    found: dict[str, list[str]] = {}
    seen = 0

    def check(client: Client, path: str) -> None:
        nonlocal seen
        html = read(client, path)
        seen += len(TIME.findall(visible_text(html)))
        if bare := times_without_zone(html):
            found[path] = bare

    for user, pages in ((walk.steward, walk.steward_pages), (walk.newcomer, walk.newcomer_pages)):
        client = Client()
        client.force_login(user)
        for path in pages:
            check(client, path)
    for holder in (walk.reporter, walk.reported):
        client = Client()
        read(client, holder.entry)  # the secret link opens their session
        for path in holder.pages:
            check(client, path)
    for path in walk.public_pages:
        check(Client(), path)
    assert seen > 20, "hardly any time on the pages: is the walk reading them?"
    assert not found, found


@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid"])
def test_the_filter_names_the_sites_zone(settings: Any, zone: str) -> None:
    from datetime import UTC, datetime

    from django.template import engines
    from django.utils import timezone

    settings.TIME_ZONE = zone
    with timezone.override(zone):
        html = engines["django"].from_string("{{ at|when }}").render({"at": datetime(2026, 12, 5, 14, 3, tzinfo=UTC)})
    assert html == {"UTC": "5 Dec 2026, 14:03 UTC", "Europe/Madrid": "5 Dec 2026, 15:03 CET"}[zone]
