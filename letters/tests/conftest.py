"""A real SMTP peer (aiosmtpd) and a case with a named reporter and a reported person with e-mail."""

from dataclasses import dataclass
from typing import Any

import pytest

from cases.actions import InvolvedPerson, do_declare_conflict
from cases.models import Case, ConflictLevel, Party, PartyRole, Report
from intake.actions import Submission, do_submit_report
from people.actions import do_link_identity
from people.models import Space
from steward.testing import Inbox, free_port, point_mail_at, text_of  # noqa: F401  (re-exported for the letter tests)

REPORTER_NAME = "Rosalind Quartermaine"
REPORTER_EMAIL = "rosalind.q@example.net"
REPORTER_HANDLE = "rozq-dev"
REPORTED_EMAIL = "mallory@example.com"
REPORT_BODY = (
    "During the sprint review Mallory mocked my accent in front of everyone and then posted "
    "the screenshot of my broken translation patch in the general channel with a laughing emoji."
)


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
