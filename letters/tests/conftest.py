"""A real SMTP peer (aiosmtpd) and a case with a named reporter and a reported person with e-mail."""

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message as EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from cases.actions import InvolvedPerson, do_declare_conflict
from cases.models import Case, ConflictLevel, Party, PartyRole, Report
from intake.actions import Submission, do_submit_report
from people.actions import do_link_identity
from people.models import Space

REPORTER_NAME = "Rosalind Quartermaine"
REPORTER_EMAIL = "rosalind.q@example.net"
REPORTER_HANDLE = "rozq-dev"
REPORTED_EMAIL = "mallory@example.com"
REPORT_BODY = (
    "During the sprint review Mallory mocked my accent in front of everyone and then posted "
    "the screenshot of my broken translation patch in the general channel with a laughing emoji."
)


class Inbox:
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


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_mail_at(settings, controller.port)
    try:
        yield inbox
    finally:
        controller.stop()


@dataclass
class World:
    case: Case
    report: Report
    reported: Party
    reporter_party: Party


def make_world(stewards: dict[str, Any], *, do_not_contact: bool = False, reported_email: str = REPORTED_EMAIL) -> World:
    receipt = do_submit_report(
        Submission(
            body=REPORT_BODY,
            reporter_name=REPORTER_NAME,
            reporter_email=REPORTER_EMAIL,
            reporter_other_contact="+44 20 7946 0958",
            do_not_contact=do_not_contact,
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Mallory Example", Space.EMAIL, reported_email)],
            language="en",
        )
    )
    case = Case.objects.get(code_name=receipt.case_code_name)
    for name in ("alice", "bob", "carol", "dave"):
        do_declare_conflict(stewards[name], case, ConflictLevel.NONE)
    do_declare_conflict(stewards["erin"], case, ConflictLevel.SOFT)
    reporter_party = Party.objects.get(case=case, role=PartyRole.REPORTER)
    do_link_identity(None, reporter_party.person, Space.GITHUB, REPORTER_HANDLE)
    return World(case, case.reports.get(), Party.objects.get(case=case, role=PartyRole.REPORTED), reporter_party)


@pytest.fixture
def world(stewards: dict[str, Any]) -> World:
    return make_world(stewards)
