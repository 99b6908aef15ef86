"""The closing survey in a transparency report: its answers are cells like the others, and never describe one
person: a small group is hidden whole, a late answer cannot be seen by comparing drafts, and a year cannot
give a half's answers away by subtraction."""

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from policy.periods import Period, period_of
from surveys.models import SurveyAnswer
from transparency.actions import SignOff, do_draft_report, do_sign_off
from transparency.figures import cells_by_key, compute
from transparency.tests.helpers import past_half

pytestmark = pytest.mark.django_db


def _answer(month: date, role: str = "reporter", fair: int | None = 5, safe: int | None = 4) -> None:
    SurveyAnswer.objects.create(closed_month=month, role=role, fair=fair, timely=4, heard=4, safe=safe)


def _shown(figures: dict[str, Any]) -> dict[str, int | None]:
    return {key: cell["value"] for key, cell in cells_by_key(figures).items()}


def test_answers_are_counted_by_role_and_band_and_a_lone_small_band_takes_another_with_it() -> None:
    period = past_half()
    for _ in range(5):
        _answer(period.first_day)
    _answer(period.first_day, fair=1)  # the one person who disagreed
    _answer(period.first_day, role="reported", fair=None)
    shown = _shown(compute(period))
    assert shown["survey.reporter.respondents"] == 6
    assert shown["survey.reporter.timely.agree"] == 6 and shown["survey.reporter.timely.disagree"] == 0
    # 1 disagree is hidden, and so is the 5 agree: otherwise 6 - 5 - 0 - 0 would give it away.
    assert shown["survey.reporter.fair.disagree"] is None and shown["survey.reporter.fair.agree"] is None
    # A single reported person's answer: nothing of it, not even the zeros around it.
    assert shown["survey.reported.respondents"] is None
    assert all(value is None for key, value in shown.items() if key.startswith("survey.reported."))


def test_a_period_whose_answers_can_still_arrive_shows_none_of_them() -> None:
    period = past_half()
    for _ in range(6):
        _answer(period.first_day)
    just_after = timezone.make_aware(timezone.datetime.combine(period.last_day + timedelta(days=10), timezone.datetime.min.time()))
    with time_machine.travel(just_after, tick=False):
        early = _shown(compute(period))
    assert all(value is None for key, value in early.items() if key.startswith("survey."))
    assert _shown(compute(period))["survey.reporter.respondents"] == 6


def test_a_year_cannot_give_away_a_half_s_small_number_of_answers(stewards: dict[str, Any]) -> None:
    year = period_of(timezone.localdate(), 12).previous()
    first, second = Period(year.first_day, 6), Period(year.first_day, 6).next()
    for _ in range(5):
        _answer(first.first_day)
    _answer(second.first_day)
    report = do_draft_report(stewards["alice"], first.label)
    do_sign_off(stewards["bob"], report, SignOff(revision=report.revision, publish_on=None))
    published = _shown(compute(first))
    whole = _shown(compute(year))
    half = _shown(compute(second))
    assert half["survey.reporter.respondents"] is None
    known = [value for value in (published["survey.reporter.respondents"], whole["survey.reporter.respondents"]) if value is not None]
    assert len(known) < 2, "the year's and the first half's counts shown together would give the second half's 1 away"


def test_no_survey_cells_when_surveys_are_off_and_nobody_ever_answered() -> None:
    from policy.testing import load_test_policy

    load_test_policy({"transparency": {"surveys": False}})
    assert not any(key.startswith("survey.") for key in _shown(compute(past_half())))
