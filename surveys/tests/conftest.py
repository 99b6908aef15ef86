"""A closed case with a reporter who holds their follow-up link and a reported person with their own link."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.actions import InvolvedPerson, do_change_status, do_declare_conflict
from cases.models import Case, ConflictLevel, Party, PartyRole, Report, Status
from intake.actions import Submission, do_submit_report
from letters.actions import do_create_party_link
from people.models import Space


@dataclass
class Closed:
    case: Case
    report: Report
    secret: str
    reported: Party
    party_token: str


def open_case(stewards: dict[str, Any], handle: str = "mallory-dev") -> Closed:
    receipt = do_submit_report(
        Submission(
            body="Mallory mocked my accent in the sprint review.",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Mallory", Space.GITHUB, handle)],
            language="en",
        )
    )
    case = Case.objects.get(code_name=receipt.case_code_name)
    for name in ("alice", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], case, ConflictLevel.NONE)
    do_declare_conflict(stewards["bob"], case, ConflictLevel.HARD)
    reported = Party.objects.get(case=case, role=PartyRole.REPORTED)
    token = do_create_party_link(stewards["alice"], case, reported).token
    return Closed(case, case.reports.get(), receipt.secret, reported, token)


def close(stewards: dict[str, Any], closed: Closed) -> None:
    do_change_status(stewards["alice"], closed.case, Status.CLOSED, "no-action")
    closed.case.refresh_from_db()


def reporter_browser(closed: Closed) -> Client:
    """A browser the reporter's link opened (the survey lives behind it, like the rest of their page)."""
    browser = Client()
    browser.get(reverse("intake:follow_up", args=[closed.report.reference, closed.secret]))
    return browser


def reported_browser(closed: Closed) -> tuple[Client, int]:
    browser = Client()
    response = browser.get(reverse("letters:party_portal", args=[closed.party_token]))
    return browser, int(response["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.fixture
def closed_case(stewards: dict[str, Any]) -> Closed:
    closed = open_case(stewards)
    close(stewards, closed)
    return closed
