"""Results only in aggregate, per period, with any small count hidden and no hidden count recoverable from a total."""

from datetime import date
from typing import Any

import pytest

from policy.periods import periods_between
from surveys.actions import do_answer_as_reported, do_answer_as_reporter
from surveys.results import period_results, suppress_row
from surveys.tests.conftest import close, open_case

pytestmark = pytest.mark.django_db


def test_a_lone_small_cell_takes_another_with_it() -> None:
    assert suppress_row({"agree": 5, "neutral": 0, "disagree": 1, "skipped": 0}, 3) == {
        "agree": None,
        "neutral": 0,
        "disagree": None,
        "skipped": 0,
    }
    assert suppress_row({"agree": 6, "neutral": 4, "disagree": 2, "skipped": 0}, 3) == {
        "agree": 6,
        "neutral": None,
        "disagree": None,
        "skipped": 0,
    }
    assert suppress_row({"agree": 3, "neutral": 1, "disagree": 2, "skipped": 0}, 3)["agree"] == 3  # two small: enough
    row = {"agree": 1, "neutral": 1, "disagree": 0, "skipped": 0}
    assert suppress_row(row, 1) == row


def test_period_results_hide_small_counts(stewards: dict[str, Any]) -> None:
    cases = [open_case(stewards, handle=f"person-{n}") for n in range(4)]
    for closed in cases:
        close(stewards, closed)
    for closed, fair in zip(cases, (5, 4, 4, 1), strict=True):
        do_answer_as_reporter(closed.report, {"fair": fair, "heard": 4})
    do_answer_as_reported(cases[0].reported, {"fair": 2})
    month = cases[0].case.closed_at.date().replace(day=1)
    results = period_results(month, date(month.year, 12, 31), 3)
    reporters, reported = results["roles"]["reporter"], results["roles"]["reported"]
    assert reporters["respondents"] == 4
    # fair: three agree, one disagree: the lone "1" is hidden, and so is the next smallest non-zero cell.
    assert reporters["questions"]["fair"] == {"agree": None, "neutral": 0, "disagree": None, "skipped": 0}
    assert reporters["questions"]["heard"] == {"agree": 4, "neutral": 0, "disagree": 0, "skipped": 0}
    assert reported == {"respondents": None, "questions": {}}  # one reported person answered: nothing shows
    # With the threshold at 1 nothing is hidden.
    assert period_results(month, date(month.year, 12, 31), 1)["roles"]["reported"]["respondents"] == 1
    # Another period holds none of them.
    assert period_results(date(2020, 1, 1), date(2020, 6, 30), 3)["roles"]["reporter"]["respondents"] == 0


def test_periods_tile_the_year() -> None:
    spans = periods_between(date(2026, 5, 1), date(2027, 1, 10), 6)
    assert [(span.first_day, span.last_day) for span in spans] == [
        (date(2027, 1, 1), date(2027, 6, 30)),
        (date(2026, 7, 1), date(2026, 12, 31)),
        (date(2026, 1, 1), date(2026, 6, 30)),
    ]


def test_the_stewards_page_never_shows_a_year_beside_its_halves(stewards: dict[str, Any], client: Any) -> None:
    """Five reporters answered in January, one in July: the July half hides its 1, and no year total beside the
    January half lets a steward subtract it back (6 - 5)."""
    from surveys.models import SurveyAnswer

    for _ in range(5):
        SurveyAnswer.objects.create(closed_month=date(2024, 1, 1), role="reporter", fair=5)
    SurveyAnswer.objects.create(closed_month=date(2024, 7, 1), role="reporter", fair=1)
    client.force_login(stewards["alice"])
    page = client.get("/surveys/").content.decode()
    assert "5 answers." in page
    assert "6 answers." not in page
