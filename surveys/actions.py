"""Answering the closing survey: the answer and the invitation are written apart, with nothing joining them."""

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.log import record
from cases.models import Party, Report
from surveys.models import SurveyAnswer, SurveyInvitation, SurveyRole
from surveys.offer import closed_month, reported_may_answer, reporter_may_answer
from surveys.questions import QUESTION_CODES

Answers = Mapping[str, int | None]


def _scores(answers: Answers) -> dict[str, int | None]:
    scores = {code: answers.get(code) for code in QUESTION_CODES}
    if any(score is not None and score not in range(1, 6) for score in scores.values()):
        raise ValidationError(_("Each answer is a number from 1 to 5, or no answer."))
    if all(score is None for score in scores.values()):
        raise ValidationError(_("Answer at least one question, or simply leave this page: the survey is optional."))
    return scores


@transaction.atomic
def do_answer_as_reporter(report: Report, answers: Answers) -> None:
    scores = _scores(answers)
    report = Report.objects.select_for_update().select_related("case").get(pk=report.pk)  # two tabs: one answer
    if not reporter_may_answer(report):
        raise ValidationError(_("This survey is closed, or it has already been answered."))
    _store(closed_month(report.case), SurveyRole.REPORTER, scores)
    SurveyInvitation.objects.create(report=report)


@transaction.atomic
def do_answer_as_reported(party: Party, answers: Answers) -> None:
    scores = _scores(answers)
    party = Party.objects.select_for_update().select_related("case").get(pk=party.pk)
    if not reported_may_answer(party):
        raise ValidationError(_("This survey is closed, or it has already been answered."))
    _store(closed_month(party.case), SurveyRole.REPORTED, scores)
    SurveyInvitation.objects.create(party=party)


def _store(month: date, role: str, scores: dict[str, int | None]) -> None:
    SurveyAnswer.objects.create(closed_month=month, role=role, **scores)
    # The event names no case: on the case's timeline it would tell the stewards who answered, and where every
    # respondent of a period gave the same answer, knowing who answered is knowing what they answered.
    record("survey.answered", f"A closing survey was answered ({role})", actor_label=role, data={"role": role})
