"""The real worker path: tasks enqueued on commit into django_tasks_db, run by `db_worker --batch`.

A "restart" is a new worker process finding the rows the old one left: nothing lives in memory, so
a new `db_worker` run after moving time must send what is due, once, and nothing twice.
"""

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cases.actions import do_assign_shepherd
from cases.models import Case
from clocks.models import Deadline, DeadlineKind, ReminderSent
from clocks.tasks import ensure_sweep, escalate_deadline, remind_deadline, sweep_clocks
from clocks.tests.conftest import declare, new_case, recipients
from notifications.tasks import deliver_new_case

pytestmark = pytest.mark.django_db(transaction=True)


def worker() -> None:
    """One worker process: runs everything that is due now, then exits."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def tasks(task: Any, status: str = TaskResultStatus.READY) -> int:
    return DBTaskResult.objects.filter(task_path=task.module_path, status=status).count()


@pytest.fixture
def shepherded(stewards: Any, clock: Any, mailoutbox: Any) -> Case:
    case = new_case()
    declare(case, "none", stewards["dave"], stewards["erin"])
    declare(case, "hard", stewards["bob"])
    do_assign_shepherd(stewards["dave"], case, stewards["dave"])
    # The new-report alerts (notifications) go out first, and once; these tests are about the reminders after them.
    deliver_new_case.call(case.pk)
    mailoutbox.clear()
    return case


def test_creating_a_case_enqueues_its_tasks_and_one_sweep(shepherded: Case) -> None:
    assert tasks(remind_deadline) == 3
    assert tasks(escalate_deadline) == 3
    assert tasks(sweep_clocks) == 1
    new_case()
    assert tasks(sweep_clocks) == 1, "at most one sweep waits at a time"


def test_reminders_across_worker_restarts_are_neither_lost_nor_doubled(shepherded: Case, clock: Any, mailoutbox: Any) -> None:
    worker()  # the first worker runs the first sweep, which queues the next; nothing is due yet
    assert mailoutbox == []
    assert tasks(sweep_clocks) == 1

    # The worker stops; a day and a bit later a new one starts.
    clock(timedelta(hours=24, minutes=10))
    worker()
    assert recipients(mailoutbox) == ["dave@example.org"]

    # Restarted again, and again: the acknowledge reminder is not sent a second time.
    worker()
    clock(timedelta(hours=30))
    worker()
    assert len(mailoutbox) == 1

    # After the escalation delay the committee (not bob, hard-conflicted) hears of it, once.
    clock(timedelta(hours=48, minutes=10))
    worker()
    worker()
    escalated = recipients(mailoutbox[1:])
    assert escalated == ["alice@example.org", "carol@example.org", "dave@example.org", "erin@example.org"]
    assert tasks(remind_deadline, TaskResultStatus.FAILED) == 0
    assert tasks(sweep_clocks) == 1


def test_the_sweep_catches_a_deadline_whose_task_was_lost(shepherded: Case, clock: Any, mailoutbox: Any) -> None:
    DBTaskResult.objects.filter(task_path=remind_deadline.module_path).delete()
    DBTaskResult.objects.filter(task_path=escalate_deadline.module_path).delete()
    clock(timedelta(hours=25))
    worker()  # only the sweep is left to run
    assert recipients(mailoutbox) == ["dave@example.org"]
    assert Deadline.objects.get(case=shepherded, kind=DeadlineKind.ACKNOWLEDGE).reminded_at is not None


def test_a_task_claimed_by_a_worker_that_died_is_covered_by_the_sweep(shepherded: Case, clock: Any, mailoutbox: Any) -> None:
    deadline = Deadline.objects.get(case=shepherded, kind=DeadlineKind.ACKNOWLEDGE)
    clock(timedelta(hours=25))
    # A worker claimed the reminder task and died before running it: the row stays RUNNING forever.
    DBTaskResult.objects.filter(task_path=remind_deadline.module_path, args_kwargs__args=[deadline.pk, 1]).update(
        status=TaskResultStatus.RUNNING
    )
    worker()
    assert recipients(mailoutbox) == ["dave@example.org"]
    assert ReminderSent.objects.filter(deadline=deadline).count() == 1


def test_tick_clocks_sweeps_now_and_keeps_one_sweep_queued(shepherded: Case, clock: Any, mailoutbox: Any) -> None:
    DBTaskResult.objects.all().delete()
    clock(timedelta(hours=25))
    out = io.StringIO()
    call_command("tick_clocks", stdout=out)
    assert "reminded 1" in out.getvalue()
    assert recipients(mailoutbox) == ["dave@example.org"]
    assert tasks(sweep_clocks) == 1
    assert ensure_sweep() is False
