"""Constant work per page: the number of queries a steward's page runs does not grow with what a case
holds, with how many cases there are, or with the size of the committee (issue #12). Counts are
compared, never times."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.log import record
from cases.actions import InvolvedPerson, do_add_note, do_send_message
from cases.models import Audience, Case, PartyRole
from people.actions import do_create_steward
from people.models import Space
from steward.testing import declare, new_case

QUEUE = reverse("cases:queue")


def detail_url(case: Case) -> str:
    return reverse("cases:detail", kwargs={"code": case.code_name})


def grow(case: Case, author: Any, times: int) -> None:
    """Notes, messages (each to the reporter mailed: a delivery row per message) and timeline events."""
    report = case.reports.first()
    for index in range(times):
        do_add_note(author, case, f"note {index}")
        do_send_message(author, case, Audience.REPORTER, f"to the reporter {index}", report=report)
        do_send_message(author, case, Audience.STEWARDS, f"among us {index}")
        record("case.looked_at", "Looked at", actor=author, case_id=case.pk)


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def more_stewards(count: int, case: Case, level: str) -> None:
    for index in range(count):
        name = f"extra-{level}-{index}"
        profile = do_create_steward(None, username=name, email=f"{name}@example.org", public_name=name)
        declare(case, level, profile.user)


@pytest.fixture
def busy_case(make_case: Any) -> Case:
    return make_case(
        reporter_email="rita@example.net",
        readers=("dave",),
        involved_people=[InvolvedPerson(PartyRole.REPORTED, "Mallory", Space.GITHUB, "mallory-gh")],
    )


def test_case_page_queries_do_not_grow_with_notes_messages_and_events(stewards, login, busy_case):
    client = login(stewards["dave"])
    grow(busy_case, stewards["dave"], 3)
    few = queries(client, detail_url(busy_case))
    grow(busy_case, stewards["dave"], 30)  # 10x: 33 notes, 66 messages with 33 deliveries, over 100 events
    assert queries(client, detail_url(busy_case)) <= few


def test_case_page_lists_are_bounded_and_page_back(stewards, login, busy_case, settings):
    from cases.views import context

    client = login(stewards["dave"])
    grow(busy_case, stewards["dave"], context.NOTES_PAGE + 5)
    html = client.get(detail_url(busy_case)).content.decode()
    assert html.count('<article class="note">') == context.NOTES_PAGE
    assert f"note {context.NOTES_PAGE + 4}" in html and "note 4<" not in html  # the latest page, oldest first
    assert "Earlier notes" in html and "Earlier messages" in html and "Earlier events" in html
    earlier = html.split('hx-select="#notes"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    older = client.get(earlier).content.decode()
    assert older.count('<article class="note">') == 5
    assert "note 4<" in older and "note 5<" not in older


def test_a_case_with_many_pieces_of_evidence_shows_the_latest_and_pages_back(stewards, login, busy_case, monkeypatch):
    from cases.actions import do_add_evidence
    from cases.evidence import check_upload
    from cases.tests.conftest import text_file
    from cases.views import context

    monkeypatch.setattr(context, "EVIDENCE_PAGE", 3)
    for index in range(5):
        do_add_evidence(stewards["dave"], busy_case, [check_upload(text_file(f"log-{index}.txt", f"line {index}\n".encode()))])
    client = login(stewards["dave"])
    html = client.get(detail_url(busy_case)).content.decode()
    shown = [f"log-{index}.txt" for index in range(5) if f">log-{index}.txt<" in html]
    assert shown == ["log-2.txt", "log-3.txt", "log-4.txt"], "the latest page, oldest first"
    earlier = html.split('hx-select="#evidence"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    older = client.get(earlier).content.decode()
    assert [f"log-{index}.txt" for index in range(5) if f">log-{index}.txt<" in older] == ["log-0.txt", "log-1.txt"]


@pytest.mark.parametrize(
    ("table", "index"),
    [("cases_note", "note_case_order"), ("cases_message", "message_case_order"), ("cases_evidence", "evidence_case_order")],
)
def test_a_case_pages_lists_are_read_in_index_order_not_sorted(stewards, login, busy_case, table, index):
    """A case with thousands of notes or messages: its page reads the latest fifty from an index and stops."""
    from steward.testing import assert_served_in_order_by

    grow(busy_case, stewards["dave"], 2)
    with CaptureQueriesContext(connection) as captured:
        assert login(stewards["dave"]).get(detail_url(busy_case)).status_code == 200
    pages = [q["sql"] for q in captured.captured_queries if f'FROM "{table}"' in q["sql"] and "LIMIT" in q["sql"]]
    [page_query] = [sql for sql in pages if '_at" DESC' in sql.rsplit("ORDER BY", 1)[-1]]  # the newest-first page
    assert_served_in_order_by(page_query, index)


def test_case_page_queries_do_not_grow_with_the_committee(stewards, login, busy_case):
    client = login(stewards["dave"])
    few = queries(client, detail_url(busy_case))
    more_stewards(20, busy_case, "none")
    more_stewards(10, busy_case, "soft")
    assert queries(client, detail_url(busy_case)) <= few


@pytest.mark.parametrize("view", ["", "?view=new", "?view=unacknowledged", "?q=repeat-offender"])
def test_queue_queries_do_not_grow_with_cases(stewards, login, view):
    dave = stewards["dave"]
    client = login(dave)

    def add(count: int) -> None:
        for index in range(count):
            about = [InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, "repeat-offender")]
            declare(new_case(f"case {index}", involved_people=about), "none", dave)
            new_case(f"undeclared {index}")  # dave has not declared on these: the list to declare on grows too

    add(2)
    few = queries(client, QUEUE + view)
    add(20)
    assert queries(client, QUEUE + view) <= few


def test_case_page_with_a_vote_open_does_not_grow_with_the_committee(stewards, login):
    from decisions.tests.conftest import make_ready, propose
    from decisions.tests.conftest import new_case as case_about_ivan

    case, _receipt = case_about_ivan()
    declare(case, "none", *(stewards[name] for name in ("alice", "bob", "dave")))
    make_ready(case, stewards["alice"])
    propose(case, stewards["alice"])
    client = login(stewards["dave"])
    few = queries(client, detail_url(case))
    more_stewards(20, case, "none")
    assert queries(client, detail_url(case)) <= few
