"""A late case must state a new date; the reporters are told (unless they asked not to be contacted)."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from audit.models import Event
from cases.models import Audience, Case, Message, Report
from clocks import reminders
from clocks.actions import do_set_new_target
from clocks.models import Deadline, DeadlineKind, DeadlineRevision
from clocks.tasks import remind_deadline
from clocks.tests.conftest import T0, new_case, recipients

pytestmark = pytest.mark.django_db


def clock_mail(outbox: list[Any]) -> list[Any]:
    return [message for message in outbox if "overdue" in message.subject.lower()]


def ack(case: Case) -> Deadline:
    return Deadline.objects.get(case=case, kind=DeadlineKind.ACKNOWLEDGE)


def second_report(case: Case, **fields: Any) -> Report:
    """Another reporter on the same incident, joined into this case."""
    from cases.actions import do_merge_cases

    other = new_case("I saw it too.", **fields)
    do_merge_cases(None, case, other)
    return Report.objects.filter(case=case).order_by("pk").last()  # type: ignore[return-value]


def test_new_target_records_a_revision_and_tells_reporters_except_do_not_contact(
    case: Case, stewards: Any, clock: Any, committed: Any, mailoutbox: Any
) -> None:
    quiet = second_report(case, do_not_contact=True)
    clock(timedelta(hours=30))
    committed(reminders.sweep)
    deadline = ack(case)
    assert deadline.reminded_at is not None
    new_due = T0 + timedelta(days=3)

    revision = committed(do_set_new_target, stewards["dave"], case, deadline, new_due, "Waiting for the shepherd to be back.")

    assert (revision.old_due, revision.new_due, revision.set_by) == (T0 + timedelta(hours=24), new_due, stewards["dave"])
    deadline.refresh_from_db()
    assert (deadline.due_at, deadline.generation, deadline.reminded_at, deadline.escalated_at) == (new_due, 2, None, None)
    told = Message.objects.filter(case=case, audience=Audience.REPORTER)
    assert [message.report for message in told] == [case.reports.order_by("pk").first()]
    assert "new target date" in told.get().body.lower() and "Waiting for the shepherd" not in told.get().body
    assert not told.filter(report=quiet).exists()
    assert Event.objects.filter(case_id=case.pk, kind="clock.revised").count() == 1


def test_the_old_tasks_are_superseded_and_the_new_due_time_reminds_once(
    case: Case, stewards: Any, clock: Any, committed: Any, mailoutbox: Any
) -> None:
    clock(timedelta(hours=25))
    committed(reminders.sweep)
    sent_before = len(mailoutbox)
    deadline = ack(case)
    committed(do_set_new_target, stewards["dave"], case, deadline, T0 + timedelta(days=2), "Short-handed this week.")
    clock(timedelta(days=2, hours=1))
    assert committed(remind_deadline.call, deadline.pk, 1) == reminders.SUPERSEDED
    assert committed(remind_deadline.call, deadline.pk, 2) == reminders.SENT
    committed(reminders.sweep)
    # dave and erin, once each, for the new date (mail to the reporter, if any app sends one, is not counted)
    assert recipients(clock_mail(mailoutbox[sent_before:])) == ["dave@example.org", "erin@example.org"]


@pytest.mark.parametrize(
    ("now", "new_due", "reason", "problem"),
    [
        (timedelta(hours=2), timedelta(days=2), "Busy.", "once the deadline has passed"),
        (timedelta(hours=30), timedelta(hours=29), "Busy.", "in the future"),
        (timedelta(hours=30), timedelta(days=2), "   ", "why"),
    ],
)
def test_a_new_target_needs_a_passed_deadline_a_future_date_and_a_reason(
    case: Case, stewards: Any, clock: Any, now: timedelta, new_due: timedelta, reason: str, problem: str
) -> None:
    clock(now)
    with pytest.raises(ValidationError, match=problem):
        do_set_new_target(stewards["dave"], case, ack(case), T0 + new_due, reason)
    assert not DeadlineRevision.objects.exists()


def test_a_met_deadline_needs_no_new_date(case: Case, stewards: Any, clock: Any) -> None:
    from cases.actions import do_acknowledge

    clock(timedelta(hours=30))
    do_acknowledge(stewards["dave"], case)
    with pytest.raises(ValidationError, match="met"):
        do_set_new_target(stewards["dave"], case, ack(case), T0 + timedelta(days=3), "Late.")


def test_the_new_target_form_on_the_case_page(case: Case, stewards: Any, clock: Any, login: Any) -> None:
    clock(timedelta(hours=30))
    client = login(stewards["dave"])  # after moving time: sessions expire when idle
    page = client.get(f"/cases/{case.code_name}/").content.decode()
    assert 'id="clocks"' in page and "New target date" in page
    deadline = ack(case)
    response = client.post(
        f"/cases/{case.code_name}/clocks/target/",
        {"deadline": deadline.pk, "new_due": "2026-03-06T12:00", "reason": "Waiting on a witness."},
    )
    assert response.status_code == 302 and response["Location"].endswith("#clocks")
    assert DeadlineRevision.objects.get().reason == "Waiting on a witness."
    page = client.get(f"/cases/{case.code_name}/").content.decode()
    assert "Waiting on a witness." in page and "Moved from" in page


def test_a_deadline_of_another_case_cannot_be_moved(case: Case, stewards: Any, clock: Any, login: Any) -> None:
    other = new_case("Another matter.")
    clock(timedelta(hours=30))
    client = login(stewards["dave"])
    response = client.post(
        f"/cases/{case.code_name}/clocks/target/",
        {"deadline": ack(other).pk, "new_due": "2026-03-06T12:00", "reason": "Sneaky."},
    )
    assert response.status_code == 302
    assert not DeadlineRevision.objects.exists()
