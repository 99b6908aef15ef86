"""Once a report is stored, its reporter gets the receipt: nothing after the commit can fail the request.

The failure is the real one 50 concurrent reporters met on SQLite: another writer takes the database's
write lock the moment the report commits and holds it past the busy timeout. Any write the request
still had to do after its commit (queueing the case's deadline tasks, the clocks' sweep...) then
fails with "database is locked", and the reporter, whose report is stored, got a 500 and no link.
"""

import sqlite3
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models.signals import pre_save
from django_tasks_db.models import DBTaskResult

from cases.models import Case, Report
from clocks.models import Deadline
from clocks.tasks import escalate_deadline, remind_deadline
from intake.tests.conftest import receipt_of, submit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the database-wide write lock is SQLite's"),
]


@pytest.fixture
def lock_taken_at_commit() -> Any:
    """Another connection takes the write lock first thing after the next case's transaction commits."""
    holders: list[sqlite3.Connection] = []

    def take_lock() -> None:
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=5, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # held until the test ends
        holders.append(other)

    def on_case_save(sender: Any, instance: Case, **kwargs: Any) -> None:
        if instance.pk is None:
            # Registered before anything Steward leaves for after the commit, so it runs first. Our
            # connection then waits only briefly for the lock, as a busy server's would wait out its 10 s.
            connection.cursor().execute("PRAGMA busy_timeout = 200")
            transaction.on_commit(take_lock)

    pre_save.connect(on_case_save, sender=Case, dispatch_uid="test.lock_taken_at_commit")
    yield holders
    pre_save.disconnect(sender=Case, dispatch_uid="test.lock_taken_at_commit")
    for other in holders:
        other.rollback()
        other.close()
    connection.close()  # a fresh connection gets the configured busy timeout again


def test_the_reporter_gets_the_receipt_when_the_database_is_locked_after_the_commit(client: Any, lock_taken_at_commit: Any) -> None:
    client.raise_request_exception = False
    response = submit(client, body="It happened again at the meetup.")
    assert lock_taken_at_commit, "the lock was taken after the report committed"
    assert response.status_code == 200, "the report is stored: the reporter must get their link"
    reference, _secret = receipt_of(response)
    for other in lock_taken_at_commit:
        other.rollback()
    report = Report.objects.get()
    assert report.reference == reference, "stored once, under the reference the reporter was shown"
    # Nothing the case needs was lost with the after-commit work: its deadline tasks are queued.
    deadlines = Deadline.objects.filter(case=report.case).count()
    assert deadlines > 0
    assert DBTaskResult.objects.filter(task_path=remind_deadline.module_path).count() == deadlines
    assert DBTaskResult.objects.filter(task_path=escalate_deadline.module_path).count() == deadlines
