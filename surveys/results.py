"""Survey results in aggregate only, per period, with small counts suppressed (REQUIREMENTS 12.4).

`period_results(first_day, last_day, threshold)` is what transparency reports and the stewards' page read:
a JSON-safe dict, already suppressed. An answer belongs to the period that holds the first day of its case's
closing month (the only time an answer keeps), so periods should start on the first of a month.

Suppression: per role, the number of respondents is hidden when it is from 1 to threshold-1, and then so is
everything else for that role. Each question's row (agree, neutral, disagree, skipped) adds up to the
published respondents, so a hidden cell is never alone in its row: when only one cell is small, the next
smallest non-zero cell is hidden with it. The two roles are never added together.
"""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from surveys.models import SurveyAnswer, SurveyRole
from surveys.questions import ANSWER_WINDOW_DAYS, BANDS, QUESTIONS

CELLS = (*BANDS, "skipped")


def suppress_row(cells: dict[str, int], threshold: int) -> dict[str, int | None]:
    """Hide each count from 1 to threshold-1 and, when only one is hidden, the smallest other non-zero one too."""
    hidden = {name for name, count in cells.items() if 0 < count < threshold}
    if len(hidden) == 1:
        others = [(count, name) for name, count in cells.items() if name not in hidden and count > 0]
        if others:
            hidden.add(min(others)[1])
    return {name: None if name in hidden else count for name, count in cells.items()}


def is_final(last_day: date, today: date | None = None) -> bool:
    """No case closed in the period can still be answered for, so its figures will not change."""
    return (today or timezone.localdate()) > last_day + timedelta(days=ANSWER_WINDOW_DAYS)


def band(score: int | None) -> str:
    """The published group of one score: agree, neutral, disagree, or skipped (no answer)."""
    if score is None:
        return "skipped"
    return next(name for name, scores in BANDS.items() if score in scores)


def _role_results(answers: list[SurveyAnswer], threshold: int) -> dict[str, Any]:
    respondents = len(answers)
    if 0 < respondents < threshold:
        return {"respondents": None, "questions": {}}
    questions: dict[str, dict[str, int | None]] = {}
    if respondents:
        for question in QUESTIONS:
            cells = dict.fromkeys(CELLS, 0)
            for answer in answers:
                cells[band(getattr(answer, question.code))] += 1
            questions[question.code] = suppress_row(cells, threshold)
    return {"respondents": respondents, "questions": questions}


def period_results(first_day: date, last_day: date, threshold: int) -> dict[str, Any]:
    """The survey's results for answers whose case closed in [first_day, last_day] (months), suppressed.

    `respondents` is None (and `questions` empty) where too few answered to show anything; a cell is None
    where it is suppressed. `final` says whether answers for the period can still arrive.
    """
    answers = list(SurveyAnswer.objects.filter(closed_month__range=(first_day, last_day)))
    by_role = {role: [answer for answer in answers if answer.role == role] for role in SurveyRole.values}
    return {
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "threshold": threshold,
        "final": is_final(last_day),
        "questions": [{"code": question.code, "statement": str(question.statement)} for question in QUESTIONS],
        "cells": list(CELLS),
        "roles": {role: _role_results(by_role[role], threshold) for role in SurveyRole.values},
    }
