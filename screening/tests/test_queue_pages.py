"""The flag queue in keyset pages, most urgent first, with the same work per page however many flags wait."""

import importlib
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from screening.models import Flag
from screening.tests.flagging import flag, github, scripted  # noqa: F401 (the fixture)
from steward.testing import assert_served_in_order_by

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted")]

QUEUE = reverse("screening:queue")
ROW = re.compile(r'<a href="/screening/flags/(\d+)/">')
MORE = re.compile(r'<p class="more"><a href="([^"]+)"')
views = importlib.import_module("screening.views")


def test_pages_cover_every_visible_flag_once_most_urgent_first(client: Any, monkeypatch: Any, stewards: Any, login: Any) -> None:
    monkeypatch.setattr(views, "QUEUE_LIMIT", 3)
    connection_ = github(monkeypatch)
    made = [flag(connection_, str(index), score=0.5 + index / 40) for index in range(8)]
    own = flag(connection_, "own", author="bob")  # bob wrote it: never in his queue, on no page
    Flag.objects.filter(pk__in=[made[1].pk, made[2].pk]).update(priority=5.0, score=0.9)  # ties broken by id
    login(stewards["bob"])
    shown: list[int] = []
    url = QUEUE
    pages = 0
    while url:
        html = client.get(url).content.decode()
        pages += 1
        shown += [int(number) for number in ROW.findall(html)]
        more = MORE.findall(html)
        url = more[0].replace("&amp;", "&") if more else ""
    # Every open flag but bob's own (a harassment pattern flag joins the scripted ones), most urgent first.
    visible = Flag.objects.exclude(item=own.item)
    expected = [each.pk for each in sorted(visible, key=lambda each: (-each.priority, -each.score, -each.pk))]
    assert len(expected) >= 8 and own.pk not in shown
    assert shown == expected
    assert pages == -(-len(expected) // 3)


def test_the_queue_runs_the_same_queries_for_ten_times_the_flags(client: Any, monkeypatch: Any, stewards: Any, login: Any) -> None:
    monkeypatch.setattr(views, "QUEUE_LIMIT", 5)
    connection_ = github(monkeypatch)
    for index in range(6):
        flag(connection_, f"a{index}")
    login(stewards["bob"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    few = queries()
    for index in range(54):
        flag(connection_, f"b{index}")
    assert queries() <= few


def test_a_page_of_flags_is_read_in_index_order_not_sorted(client: Any, monkeypatch: Any, stewards: Any, login: Any) -> None:
    connection_ = github(monkeypatch)
    for index in range(3):
        flag(connection_, str(index))
    login(stewards["bob"])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(QUEUE).status_code == 200
    [page_query] = [
        query["sql"] for query in captured.captured_queries if 'FROM "screening_flag"' in query["sql"] and "ORDER BY" in query["sql"]
    ]
    assert_served_in_order_by(page_query, "flag_queue_order")
