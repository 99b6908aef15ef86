"""A report made with a space's own tool: the case, its parties and identities, the body, the reporter's contact."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from cases.access import access_report_by_link
from cases.models import Case, Channel, PartyRole, Report
from intake.from_spaces import report_from_space
from people.actions import person_for_identity
from people.models import Identity, Space
from spaces.base import Item, ReportEvent
from spaces.tests.helpers import hook_connection

pytestmark = pytest.mark.django_db


def content(**fields: Any) -> Item:
    values: dict[str, Any] = {
        "external_id": "m-1",
        "author": ("U0IVAN", "ivan-gh"),
        "text": "first line\nsecond line",
        "url": "https://example.org/chat/m-1",
        "created_at": datetime(2026, 3, 1, 12, 30, tzinfo=UTC),
        "thread": "#general",
    }
    return Item(**{**values, **fields})


def test_the_case_holds_what_was_reported_and_by_whom(monkeypatch: Any, stewards: Any) -> None:
    connection = hook_connection(monkeypatch)
    handled = report_from_space(connection, ReportEvent(("rita-gh",), content(), note="Please look at this.", reporter_name="Rita"))
    report = Report.objects.get(reference=handled.report_reference)
    assert report.channel == Channel.SPACE and report.space == "github"
    assert report.reporter_name == "Rita" and report.reporter_email == "" and report.reporter_other_contact == "rita-gh on Acme acme-test"
    assert report.body.startswith("Reported in Acme acme-test with the space's own report action.")
    assert "written by U0IVAN in #general on 2026-03-01 12:30 UTC:\n\n> first line\n> second line" in report.body
    assert "Link: https://example.org/chat/m-1" in report.body and report.body.endswith("What the reporter wrote:\n\nPlease look at this.")
    reported = report.case.parties.get(role=PartyRole.REPORTED).person
    assert {identity.handle for identity in Identity.objects.filter(person=reported)} == {"u0ivan", "ivan-gh"}
    prefix = settings.SITE_URL + reverse("intake:follow_up_start") + report.reference + "/"
    assert handled.follow_up_url.startswith(prefix)
    assert access_report_by_link(report.reference, handled.follow_up_url.removeprefix(prefix).rstrip("/")) == report


def test_a_known_person_is_reused_whichever_handle_the_space_sends(monkeypatch: Any, stewards: Any) -> None:
    connection = hook_connection(monkeypatch)
    ivan = person_for_identity(Space.GITHUB, "ivan-gh")
    handled = report_from_space(connection, ReportEvent(("rita-gh",), content()))
    case = Case.objects.get(reports__reference=handled.report_reference)
    assert case.parties.get(role=PartyRole.REPORTED).person == ivan
    assert Identity.objects.get(space=Space.GITHUB, handle="U0IVAN").person == ivan


def test_a_handle_held_by_somebody_else_is_not_merged(monkeypatch: Any, stewards: Any) -> None:
    connection = hook_connection(monkeypatch)
    # U0IVAN is the steward bob's identity: a webhook must not merge bob into the reported person.
    bob = stewards["bob"].steward_profile.person
    Identity.objects.create(person=bob, space=Space.GITHUB, handle="U0IVAN")
    report_from_space(connection, ReportEvent(("rita-gh",), content(author=("ivan-gh", "U0IVAN"))))
    assert Identity.objects.get(space=Space.GITHUB, handle="U0IVAN").person == bob


def test_a_link_that_is_not_a_web_address_stays_out_of_the_link_field(monkeypatch: Any, stewards: Any) -> None:
    connection = hook_connection(monkeypatch)
    handled = report_from_space(connection, ReportEvent(("rita-gh",), content(url="javascript:alert(1)")))
    assert Report.objects.get(reference=handled.report_reference).link == ""


def test_a_report_about_no_content_still_makes_a_case(monkeypatch: Any, stewards: Any) -> None:
    connection = hook_connection(monkeypatch)
    handled = report_from_space(connection, ReportEvent(("rita-gh",), None))
    report = Report.objects.get(reference=handled.report_reference)
    assert report.body.endswith("The reporter wrote nothing more.")
    assert not report.case.parties.filter(role=PartyRole.REPORTED).exists()


def test_a_flood_from_one_reporter_is_taken_but_held(monkeypatch: Any, stewards: Any, settings: Any) -> None:
    settings.STEWARD_REPORT_SOFT_LIMIT = 2
    connection = hook_connection(monkeypatch)
    for _ in range(3):
        report_from_space(connection, ReportEvent(("spammer",), content()))
    report_from_space(connection, ReportEvent(("rita-gh",), content()))
    held = list(Case.objects.order_by("created_at", "pk").values_list("held_as_possible_flood", flat=True))
    assert held == [False, False, True, False]
