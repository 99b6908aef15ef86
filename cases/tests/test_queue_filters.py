"""The queue's filters: status, category, space and opening dates, combined with the tabs and the search, kept in
the URL, within what the access layer lets a steward see, and served by indexes."""

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.actions import do_acknowledge, do_change_status
from cases.models import Case, ReportCategory, Status
from steward.testing import declare

pytestmark = pytest.mark.django_db

QUEUE = reverse("cases:queue")
ROW = re.compile(r'<tr>\s*<td><a href="/cases/([^/"]+)/">')


def rows(client: Any, query: str) -> set[str]:
    response = client.get(QUEUE + query)
    assert response.status_code == 200
    return set(ROW.findall(response.content.decode()))


@pytest.fixture
def cases(make_case: Any, stewards: dict[str, Any]) -> dict[str, Case]:
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=True):
        old = make_case(categories=["harassment"], space="slack")
    made = {
        "old": old,
        "harassment_github": make_case(categories=["harassment", "trolling-insults"], space="github"),
        "insult_slack": make_case(categories=["trolling-insults"], space="slack"),
        "nothing": make_case(),
    }
    do_acknowledge(stewards["dave"], made["insult_slack"])
    do_change_status(stewards["dave"], made["insult_slack"], Status.INVESTIGATING)
    return made


def names(cases: dict[str, Case], *keys: str) -> set[str]:
    return {cases[key].code_name for key in keys}


def test_each_filter_narrows_the_list(login: Any, stewards: dict[str, Any], cases: dict[str, Case]) -> None:
    client = login(stewards["dave"])
    assert rows(client, "") == names(cases, "old", "harassment_github", "insult_slack", "nothing")
    assert rows(client, "?category=harassment") == names(cases, "old", "harassment_github")
    assert rows(client, "?space=slack") == names(cases, "old", "insult_slack")
    assert rows(client, "?status=investigating") == names(cases, "insult_slack")
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert rows(client, f"?opened_after={week_ago}") == names(cases, "harassment_github", "insult_slack", "nothing")
    assert rows(client, f"?opened_before={week_ago}") == names(cases, "old")
    today = timezone.localdate().isoformat()
    assert rows(client, f"?opened_after={today}&opened_before={today}") == names(cases, "harassment_github", "insult_slack", "nothing")
    assert rows(client, "?category=harassment&space=slack") == names(cases, "old")


def test_filters_combine_with_the_tabs_and_the_search_and_are_carried_by_their_links(
    login: Any, stewards: dict[str, Any], cases: dict[str, Case]
) -> None:
    client = login(stewards["dave"])
    assert rows(client, "?view=unacknowledged&category=trolling-insults") == names(cases, "harassment_github")
    assert rows(client, "?view=new&space=slack") == names(cases, "old")
    prefix = cases["insult_slack"].code_name[:-1]
    assert rows(client, f"?q={prefix}&space=github") <= names(cases, "harassment_github")
    assert rows(client, f"?q={cases['insult_slack'].code_name}&space=slack") == names(cases, "insult_slack")
    html = client.get(QUEUE + "?view=all&category=harassment&space=slack").content.decode()
    assert 'href="?view=new&amp;category=harassment&amp;space=slack"' in html  # each tab keeps the filters
    assert '<input type="hidden" name="category" value="harassment">' in html  # and so does the search
    assert '<option value="harassment" selected>' in html  # the form shows what is applied


def test_a_wrong_filter_is_named_and_the_others_still_apply(login: Any, stewards: dict[str, Any], cases: dict[str, Case]) -> None:
    client = login(stewards["dave"])
    today = timezone.localdate()
    html = client.get(QUEUE + f"?space=slack&opened_after={today}&opened_before={today - timedelta(days=3)}").content.decode()
    assert "The end date is before the start date." in html
    assert set(ROW.findall(html)) == names(cases, "insult_slack")  # the space and the start date; not the wrong end
    assert rows(client, "?category=no-such-category") == names(cases, "old", "harassment_github", "insult_slack", "nothing")


def test_filters_never_show_what_the_steward_may_not_see(
    login: Any, stewards: dict[str, Any], cases: dict[str, Case], make_case: Any
) -> None:
    hidden = make_case(categories=["harassment"], space="slack", readers=("dave",))
    declare(hidden, "hard", stewards["erin"])
    declare(cases["old"], "none", stewards["erin"])
    client = login(stewards["erin"])
    assert rows(client, "?category=harassment&space=slack") == names(cases, "old")


def test_a_reports_categories_are_kept_as_rows(cases: dict[str, Case]) -> None:
    report = cases["harassment_github"].reports.get()
    assert sorted(ReportCategory.objects.filter(report=report).values_list("category", flat=True)) == ["harassment", "trolling-insults"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan is SQLite's; PostgreSQL's are in docs/performance.md")
@pytest.mark.parametrize("query,index", [("?category=harassment", "report_by_category"), ("?space=slack", "report_by_space")])
def test_category_and_space_are_read_from_their_indexes(
    login: Any, stewards: dict[str, Any], cases: dict[str, Case], query: str, index: str
) -> None:
    with CaptureQueriesContext(connection) as captured:
        login(stewards["dave"]).get(QUEUE + query)
    [page_query] = [q["sql"] for q in captured.captured_queries if 'FROM "cases_case"' in q["sql"] and '"cases_report"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + page_query)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert index in plan and "SCAN cases_report" not in plan, plan
