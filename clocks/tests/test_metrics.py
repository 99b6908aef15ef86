"""Time to acknowledgement, first follow-up and decision, per case and as medians over a period."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.actions import do_acknowledge, do_change_status, do_send_message
from cases.models import Audience, Case
from clocks.deadlines import overdue_cases_q
from clocks.metrics import case_times, hours, period_times
from clocks.panel import queue_flags
from clocks.tests.conftest import T0, new_case

pytestmark = pytest.mark.django_db


def handle(case: Case, steward: Any, clock: Any, start: timedelta, ack: float, follow_up: float, decide: float | None) -> None:
    clock(start + timedelta(hours=ack))
    do_acknowledge(steward, case)
    clock(start + timedelta(hours=follow_up))
    do_send_message(steward, case, Audience.STEWARDS, "not to the reporter: does not count")
    do_send_message(steward, case, Audience.REPORTER, "We are looking into it.", report=case.reports.get())
    if decide is not None:
        do_change_status(steward, case, "investigating")
        clock(start + timedelta(hours=decide))
        # Only a passed vote decides a case (decisions app); these tests only need the moment it happened.
        Case.objects.filter(pk=case.pk).update(status="decided", decided_at=timezone.now())


def test_case_times_and_period_medians(stewards: Any, clock: Any) -> None:
    dave = stewards["dave"]
    first = new_case()
    handle(first, dave, clock, timedelta(0), ack=2, follow_up=30, decide=240)
    clock(timedelta(days=1))
    second = new_case()
    handle(second, dave, clock, timedelta(days=1), ack=6, follow_up=50, decide=None)
    clock(timedelta(days=2))
    third = new_case()
    handle(third, dave, clock, timedelta(days=2), ack=10, follow_up=70, decide=480)
    clock(timedelta(days=40))
    new_case()  # opened after the period

    first.refresh_from_db()
    times = case_times(first)
    assert (hours(times.to_acknowledgement), hours(times.to_first_follow_up), hours(times.to_decision)) == (2.0, 30.0, 240.0)

    period = period_times(T0, T0 + timedelta(days=30))
    assert (period.cases, period.acknowledged, period.followed_up, period.decided) == (3, 3, 3, 2)
    assert period.median_to_acknowledgement == timedelta(hours=6)
    assert period.median_to_first_follow_up == timedelta(hours=50)
    assert period.median_to_decision == timedelta(hours=360)


def test_an_empty_period_has_no_medians(db: Any) -> None:
    period = period_times(T0, T0 + timedelta(days=1))
    assert period.cases == 0 and period.median_to_decision is None


def test_the_case_page_shows_its_own_times_and_the_queue_flag(case: Case, stewards: Any, clock: Any, login: Any) -> None:
    clock(timedelta(hours=5))
    do_acknowledge(stewards["dave"], case)
    page = login(stewards["dave"]).get(f"/cases/{case.code_name}/").content.decode()
    assert "5.0 h" in page and "Met " in page
    assert queue_flags([case])[case.pk] == []
    clock(timedelta(days=8))
    assert queue_flags([case])[case.pk] == ["Overdue"]  # the first follow-up has passed
    assert list(Case.objects.filter(overdue_cases_q())) == [case]
    # Met without waiting for the sweep to record it: a message to the reporter ends the overdue state at once.
    do_send_message(stewards["dave"], case, Audience.REPORTER, "Sorry for the wait.", report=case.reports.get())
    assert queue_flags([case])[case.pk] == []
    assert not Case.objects.filter(overdue_cases_q()).exists()
