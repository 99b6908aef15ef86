"""Three real `db_worker` processes on one PostgreSQL database race for one new case's alerts: each steward gets
one mail. The delivery task is queued four times and the sweep twice, and the SMTP peer answers slowly, so the
workers overlap; only the claim on each alert row (notifications.alerts) keeps it to one mail."""

import asyncio
import os
import time
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django_tasks_db.models import DBTaskResult

from enforcement.tests.workers import running_workers
from notifications.models import NewCaseAlert
from notifications.tasks import deliver_new_case, sweep_notifications
from notifications.tests.conftest import submit
from steward.testing import Inbox, free_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs PostgreSQL (DATABASE_URL): concurrent workers are PostgreSQL's deployment; SQLite serves one machine "
        "and serialises every write (make test-postgres runs this)",
    ),
]


class SlowInbox(Inbox):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.3)  # a worker is still sending when the others look at the same rows
        return await super().handle_DATA(server, session, envelope)


def settled(timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not DBTaskResult.objects.ready().exists() and not DBTaskResult.objects.filter(status="RUNNING").exists():
            return
        time.sleep(0.2)
    raise AssertionError("the workers did not finish the queued tasks in time")


def test_three_workers_send_each_alert_once(stewards: Any) -> None:
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mail = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(controller.port)}
    try:
        case = submit(stewards, excluded=(), named_steward="")  # all five active stewards may know of it
        for _ in range(3):
            deliver_new_case.enqueue(case.pk)
        sweep_notifications.enqueue()
        sweep_notifications.enqueue()
        with running_workers(3, **mail) as workers:
            settled()
            assert all(worker.poll() is None for worker in workers), "a worker died"
    finally:
        controller.stop()
    recipients = sorted(rcpt for rcpts, _ in inbox.mails for rcpt in rcpts)
    assert recipients == sorted(f"{name}@example.org" for name in ("alice", "bob", "carol", "dave", "erin"))
    assert NewCaseAlert.objects.filter(case=case, sent_at__isnull=False).count() == 5
