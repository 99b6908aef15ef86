"""The review pages: the moderator-action queue (any steward), and the no-contact panel on a case (through the access layer)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.panels import panels, queue_flags, queue_tabs
from enforcement.models import ModeratorAction, ReviewStatus, WatchAlert
from enforcement.moderation import record_moderator_action
from enforcement.review.hooks import install
from enforcement.watching import check_content
from intake.tests.conftest import accessibility_problems
from people.actions import person_for_identity
from people.models import Space
from spaces.base import Item, ModeratorActionEvent
from spaces.models import SpaceConnection
from spaces.tests.helpers import Sanctioned, hook_connection, sanctioned
from steward.testing import declare, new_case

pytestmark = pytest.mark.django_db

QUEUE = "/enforcement/review/moderator-actions/"
REVIEW = "/enforcement/review/moderator-actions/review/"


@pytest.fixture(autouse=True)
def _installed() -> None:
    install()  # what EnforcementConfig.ready does; registering twice replaces, so this is harmless


@pytest.fixture
def connection(monkeypatch: Any) -> SpaceConnection:
    return hook_connection(monkeypatch)


def queued(connection: SpaceConnection, subject: str = "ivan-gh", actor: str = "mod-mary") -> ModeratorAction:
    item = record_moderator_action(connection, ModeratorActionEvent("blocked", (actor,), (subject,), "REVIEW-DETAIL"))
    assert item is not None
    return item


def test_the_urls_are_where_the_access_matrix_expects_them() -> None:
    assert reverse("enforcement:moderator_actions") == QUEUE
    assert reverse("enforcement:review_moderator_action") == REVIEW
    assert reverse("enforcement:watch_alert_reviewed", kwargs={"code": "x"}) == "/enforcement/review/cases/x/no-contact/reviewed/"


def test_the_queue_is_for_active_stewards_only(client: Client, stewards: Any, connection: SpaceConnection) -> None:
    queued(connection)
    anonymous = client.get(QUEUE)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(stewards["frank"])  # deactivated: signed out, or told nothing is there
    for response in (client.get(QUEUE), client.post(REVIEW, {"action": ModeratorAction.objects.get().pk, "outcome": "stands"})):
        assert response.status_code == 404 or "/accounts/login/" in response["Location"]
        assert b"REVIEW-DETAIL" not in response.content
    assert ModeratorAction.objects.get().status == ReviewStatus.PENDING


def test_pending_actions_come_first_each_with_a_labelled_form(login: Any, stewards: Any, connection: SpaceConnection) -> None:
    older = queued(connection, "older-one")
    newer = queued(connection, "newer-one")
    client = login(stewards["dave"])
    client.post(REVIEW, {"action": newer.pk, "outcome": "stands"})
    page = client.get(QUEUE)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("older-one") < html.index("newer-one"), "pending first"
    assert f'name="action" value="{older.pk}"' in html and f'name="action" value="{newer.pk}"' not in html
    assert "REVIEW-DETAIL" in html and "1 action waits for review" not in html and "One action waits for review." in html
    assert accessibility_problems(html) == []


def test_a_review_with_an_unknown_action_says_so(login: Any, stewards: Any) -> None:
    response = login(stewards["dave"]).post(REVIEW, {"action": 999999, "outcome": "stands"}, follow=True)
    assert "Choose one of the actions waiting for review." in response.content.decode()


def test_opening_a_case_from_the_queue(login: Any, stewards: Any, connection: SpaceConnection) -> None:
    person_for_identity(Space.GITHUB, "ivan-gh")
    item = queued(connection)
    client = login(stewards["dave"])
    response = client.post(REVIEW, {"action": item.pk, "outcome": "case", "note": "Pattern."}, follow=True)
    item.refresh_from_db()
    assert item.status == ReviewStatus.CASE_OPENED and item.case is not None
    assert f"Case {item.case.code_name} was opened" in response.content.decode()
    # Hard-conflicted on the new case, erin still sees the review but not the case's name.
    from cases.actions import do_declare_conflict

    do_declare_conflict(stewards["erin"], item.case, "hard")
    assert item.case.code_name not in login(stewards["erin"]).get(QUEUE).content.decode()


def test_a_steward_never_sees_the_review_of_an_action_against_them(login: Any, stewards: Any, connection: SpaceConnection) -> None:
    queued(connection, subject="carol")
    assert "REVIEW-DETAIL" not in login(stewards["carol"]).get(QUEUE).content.decode()
    assert "REVIEW-DETAIL" in login(stewards["dave"]).get(QUEUE).content.decode()


# --- The no-contact panel -------------------------------------------------------------------------


@pytest.fixture
def alerted(stewards: Any, connection: SpaceConnection) -> tuple[Sanctioned, WatchAlert]:
    made = sanctioned(stewards, levels={"alice": "none", "dave": "none", "erin": "none", "bob": "hard", "carol": "soft"})
    [alert] = check_content(
        connection, Item("c-1", ("ivan-gh",), "PANEL-TEXT you again", url="javascript:alert(1)", addressed=("rita-gh",))
    )
    return made, alert


def test_the_case_page_shows_alerts_and_who_may_mark_them(login: Any, stewards: Any, alerted: tuple[Sanctioned, WatchAlert]) -> None:
    made, _ = alerted
    url = reverse("cases:detail", kwargs={"code": made.case.code_name})
    html = login(stewards["dave"]).get(url).content.decode()
    assert "No-contact alerts" in html and "PANEL-TEXT" in html and "Mark as reviewed" in html
    assert "javascript:" not in html, "only web links become links"
    assert accessibility_problems(html) == []
    assert login(stewards["bob"]).get(url).status_code == 404  # hard conflict: nothing at all
    assert "No-contact alerts" in login(stewards["carol"]).get(url).content.decode()  # soft conflict may read and write


def test_marking_an_alert_reviewed(login: Any, stewards: Any, alerted: tuple[Sanctioned, WatchAlert]) -> None:
    made, alert = alerted
    url = reverse("enforcement:watch_alert_reviewed", kwargs={"code": made.case.code_name})
    assert login(stewards["bob"]).post(url, {"alert": alert.pk}).status_code == 404
    response = login(stewards["dave"]).post(url, {"alert": alert.pk})
    assert response.status_code == 302 and response["Location"].endswith("#no-contact")
    alert.refresh_from_db()
    assert alert.reviewed_by == stewards["dave"]
    again = login(stewards["erin"]).post(url, {"alert": alert.pk}, follow=True)
    assert "reviewed already" in again.content.decode()


def test_an_alert_of_another_case_cannot_be_marked_through_this_one(login: Any, stewards: Any, alerted: Any) -> None:
    _, alert = alerted
    other = new_case()
    declare(other, "none", stewards["dave"])
    url = reverse("enforcement:watch_alert_reviewed", kwargs={"code": other.code_name})
    login(stewards["dave"]).post(url, {"alert": alert.pk})
    alert.refresh_from_db()
    assert alert.reviewed_at is None


def test_the_queue_flags_and_tab(login: Any, stewards: Any, alerted: tuple[Sanctioned, WatchAlert], connection: SpaceConnection) -> None:
    made, _ = alerted
    queued(connection)  # a moderator blocked ivan-gh, the reported person of the case
    flags = queue_flags([made.case])[made.case.pk]
    assert "No-contact alert" in flags and "Moderator action awaiting review" in flags
    assert "no-contact" in [tab.key for tab in queue_tabs()] and "enforcement.watch" in [panel.key for panel in panels()]
    html = login(stewards["dave"]).get(reverse("cases:queue") + "?view=no-contact").content.decode()
    assert made.case.code_name in html and "No-contact alert" in html
