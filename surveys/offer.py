"""Who is offered the closing survey, and when (REQUIREMENTS 12.4).

A reporter (through their follow-up page) and a reported person (through their party page) are offered it
once their case is closed, while the policy in force has `transparency.surveys` on, for ANSWER_WINDOW_DAYS
after the closing, and only until they have answered.
"""

from datetime import date, timedelta

from django.utils import timezone

from cases.models import Case, Party, PartyRole, Report, Status
from policy.services import current_policy
from surveys.models import SurveyInvitation
from surveys.questions import ANSWER_WINDOW_DAYS


def surveys_on() -> bool:
    return current_policy().transparency.surveys


def is_open(case: Case) -> bool:
    """The case is closed (not joined into another), recently enough, and surveys are on."""
    if case.status != Status.CLOSED or case.closed_at is None or case.merged_into_id is not None:
        return False
    if timezone.now() > case.closed_at + timedelta(days=ANSWER_WINDOW_DAYS):
        return False
    return surveys_on()


def closed_month(case: Case) -> date:
    assert case.closed_at is not None
    return timezone.localdate(case.closed_at).replace(day=1)


def reporter_answered(report: Report) -> bool:
    return SurveyInvitation.objects.filter(report=report).exists()


def reported_answered(party: Party) -> bool:
    return SurveyInvitation.objects.filter(party=party).exists()


def reporter_may_answer(report: Report) -> bool:
    return is_open(report.case) and not reporter_answered(report)


def reported_may_answer(party: Party) -> bool:
    return party.role == PartyRole.REPORTED and is_open(party.case) and not reported_answered(party)
