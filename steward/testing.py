"""Helpers the test suites of several apps share: cases made the real way, a still clock, a real SMTP peer.

Test-only code, kept in one place so each app's tests call it rather than keep their own copy.
"""

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message as EmailMessage
from typing import Any

import time_machine

from cases.actions import do_declare_conflict
from cases.models import Case
from intake.actions import Submission, do_submit_report

# The moment the clock-dependent tests start from (a Monday morning).
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def new_case(body: str = "Someone was rude in a review.", **fields: Any) -> Case:
    """A case made through the public intake action, exactly as a report would make it."""
    receipt = do_submit_report(Submission(body=body, **fields))
    return Case.objects.get(code_name=receipt.case_code_name)


def declare(case: Case, level: str, *users: Any) -> None:
    for user in users:
        do_declare_conflict(user, case, level)


def still_clock() -> Iterator[Callable[[timedelta], None]]:
    """Time starts at T0 and stands still; the yielded move(delta) puts it at T0 + delta."""
    traveller = time_machine.travel(T0, tick=False)
    traveller.start()

    def move(delta: timedelta) -> None:
        nonlocal traveller
        traveller.stop()
        traveller = time_machine.travel(T0 + delta, tick=False)
        traveller.start()

    yield move
    traveller.stop()


class Inbox:
    """An aiosmtpd handler that keeps every mail it accepts."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append((list(envelope.rcpt_tos), message_from_bytes(envelope.original_content)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [mail for rcpts, mail in self.mails if address in rcpts]


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",)) if hasattr(mail, "get_body") else mail
    payload = (part or mail).get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def point_mail_at(settings: Any, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


def smtp_peer(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server on loopback for the duration of a test, with Django's mail pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_mail_at(settings, controller.port)
    try:
        yield inbox
    finally:
        controller.stop()


def assert_served_in_order_by(sql: str, index: str) -> None:
    """The database reads `sql`'s rows in order from `index` and stops, instead of reading and sorting them all.

    SQLite: the plan uses the index and no temporary B-tree. PostgreSQL: with sorting and sequential scans
    priced out, the plan still uses the index and has no Sort node (a plan that can avoid sorting then must).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert index in plan and "TEMP B-TREE" not in plan, plan
        else:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
            cursor.execute("EXPLAIN " + sql)
            plan = " | ".join(row[0] for row in cursor.fetchall())
            assert index in plan and "Sort" not in plan, plan
