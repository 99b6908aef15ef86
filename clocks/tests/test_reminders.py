"""Clocks pass, reminders and escalations go out exactly once, to the right stewards only."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail

from audit.models import Event
from cases.actions import do_acknowledge, do_assign_shepherd, do_change_status, do_send_message
from cases.models import Audience, Case
from clocks import reminders
from clocks.models import Deadline, DeadlineKind, ReminderSent
from clocks.tasks import escalate_deadline, remind_deadline
from clocks.tests.conftest import T0, recipients

pytestmark = pytest.mark.django_db

ACK = DeadlineKind.ACKNOWLEDGE


def deadline(case: Case, kind: str = ACK) -> Deadline:
    return Deadline.objects.get(case=case, kind=kind)


def test_a_new_case_gets_its_deadlines_from_the_policy(case: Case) -> None:
    due = dict(Deadline.objects.filter(case=case).values_list("kind", "due_at"))
    timelines = case.policy_version.policy.timelines
    assert due == {
        DeadlineKind.ACKNOWLEDGE: T0 + timedelta(hours=timelines.acknowledge_hours),
        DeadlineKind.FIRST_FOLLOW_UP: T0 + timedelta(days=timelines.first_followup_days),
        DeadlineKind.DECISION: T0 + timedelta(days=timelines.decision_target_days),
    }


def test_acknowledge_reminder_fires_once_after_24_hours(case: Case, stewards: Any, clock: Any, committed: Any, mailoutbox: Any) -> None:
    do_assign_shepherd(stewards["dave"], case, stewards["dave"])
    item = deadline(case)
    clock(timedelta(hours=23, minutes=59))
    assert committed(remind_deadline.call, item.pk, item.generation) == reminders.NOT_DUE
    assert mailoutbox == []

    clock(timedelta(hours=24, minutes=1))
    assert committed(remind_deadline.call, item.pk, item.generation) == reminders.SENT
    assert committed(remind_deadline.call, item.pk, item.generation) == reminders.ALREADY
    assert committed(reminders.sweep)["reminded"] == 0
    assert recipients(mailoutbox) == ["dave@example.org"]
    assert case.code_name in mailoutbox[0].subject
    assert "Someone was rude" not in mailoutbox[0].body and "Rita" not in mailoutbox[0].body
    assert Event.objects.filter(case_id=case.pk, kind="clock.reminded").count() == 1


def test_no_reminder_when_acknowledged_in_time(case: Case, stewards: Any, clock: Any, committed: Any, mailoutbox: Any) -> None:
    clock(timedelta(hours=3))
    do_acknowledge(stewards["dave"], case)
    clock(timedelta(days=3))
    item = deadline(case)
    assert committed(remind_deadline.call, item.pk, item.generation) == reminders.MET
    assert committed(escalate_deadline.call, item.pk, item.generation) == reminders.MET
    committed(reminders.sweep)
    assert mailoutbox == []
    item.refresh_from_db()
    assert item.met_at == T0 + timedelta(hours=3)
    assert item.reminded_at is None


def test_without_shepherd_the_unconflicted_stewards_are_reminded(case: Case, clock: Any, committed: Any, mailoutbox: Any) -> None:
    clock(timedelta(hours=25))
    committed(reminders.sweep)
    # The acknowledge clock only: dave and erin declared no conflict; carol (soft) and bob (hard) are not reminded.
    assert recipients(mailoutbox) == ["dave@example.org", "erin@example.org"]


def test_escalation_after_the_delay_reaches_everyone_not_hard_conflicted(
    case: Case, stewards: Any, clock: Any, committed: Any, mailoutbox: Any, settings: Any
) -> None:
    settings.STEWARD_ESCALATE_AFTER_HOURS = 12
    do_assign_shepherd(stewards["dave"], case, stewards["dave"])
    item = deadline(case)
    clock(timedelta(hours=25))
    committed(remind_deadline.call, item.pk, item.generation)
    assert committed(escalate_deadline.call, item.pk, item.generation) == reminders.NOT_DUE
    clock(timedelta(hours=36, minutes=1))
    assert committed(escalate_deadline.call, item.pk, item.generation) == reminders.SENT
    assert committed(escalate_deadline.call, item.pk, item.generation) == reminders.ALREADY
    escalated = recipients(mailoutbox[1:])
    # alice (undeclared) and carol (soft) are on the committee; bob (hard) and frank (deactivated) never.
    assert escalated == ["alice@example.org", "carol@example.org", "dave@example.org", "erin@example.org"]
    assert "bob@example.org" not in recipients(mailoutbox)
    assert Event.objects.filter(case_id=case.pk, kind="clock.escalated").count() == 1


def test_a_hard_conflicted_shepherd_hears_nothing(case: Case, stewards: Any, clock: Any, committed: Any, mailoutbox: Any) -> None:
    """bob is hard-conflicted: even named in the case he gets no reminder, no escalation."""
    Case.objects.filter(pk=case.pk).update(shepherd=stewards["bob"])
    case.refresh_from_db()
    clock(timedelta(days=40))
    committed(reminders.sweep)
    assert mailoutbox, "the clocks went off"
    assert "bob@example.org" not in recipients(mailoutbox)
    assert not ReminderSent.objects.filter(steward=stewards["bob"]).exists()


def test_first_follow_up_is_met_by_a_message_to_the_reporter(case: Case, stewards: Any, clock: Any, committed: Any) -> None:
    clock(timedelta(days=1))
    do_send_message(stewards["dave"], case, Audience.STEWARDS, "internal only")
    clock(timedelta(days=2))
    do_send_message(stewards["dave"], case, Audience.REPORTER, "Thanks, we are on it.", report=case.reports.get())
    clock(timedelta(days=8))
    item = deadline(case, DeadlineKind.FIRST_FOLLOW_UP)
    assert committed(remind_deadline.call, item.pk, item.generation) == reminders.MET
    item.refresh_from_db()
    assert item.met_at == T0 + timedelta(days=2)


def test_a_closed_case_stops_its_clocks(case: Case, stewards: Any, clock: Any, committed: Any, mailoutbox: Any) -> None:
    do_change_status(stewards["dave"], case, "closed", "no-action")
    clock(timedelta(days=60))
    assert committed(reminders.sweep)["reminded"] == 0
    assert mailoutbox == []


def test_a_failed_send_is_retried_and_still_sent_once(case: Case, clock: Any, committed: Any, mailoutbox: Any, monkeypatch: Any) -> None:
    calls = {"n": 0}
    real_send = mail.send_mail

    def flaky(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("connection refused")
        return real_send(*args, **kwargs)

    monkeypatch.setattr("clocks.notify.send_mail", flaky)
    clock(timedelta(hours=25))
    item = deadline(case)
    committed(remind_deadline.call, item.pk, item.generation)
    failed = ReminderSent.objects.filter(sent_at__isnull=True)
    assert failed.count() == 1 and failed.get().attempts == 1 and "refused" in failed.get().last_error
    committed(reminders.sweep)
    committed(reminders.sweep)
    assert ReminderSent.objects.filter(sent_at__isnull=True).count() == 0
    assert recipients(mailoutbox) == ["dave@example.org", "erin@example.org"]


def test_a_row_being_sent_elsewhere_is_not_sent_again(case: Case, clock: Any, committed: Any, mailoutbox: Any) -> None:
    """A delivery that crashed after writing its rows: another delivery claims them once."""
    from clocks.notify import deliver

    clock(timedelta(hours=25))
    item = deadline(case)
    reminders.remind(item.pk)  # rows written; the on-commit delivery never ran (a crash)
    ids = list(ReminderSent.objects.values_list("pk", flat=True))
    assert len(ids) == 2 and mailoutbox == []
    assert deliver(ids) == 2
    assert deliver(ids) == 0
    assert len(mailoutbox) == 2
