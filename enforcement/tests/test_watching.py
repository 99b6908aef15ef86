"""No-contact watching: who wrote it, whether a sanction with a no-contact list is in force, whom it addresses."""

from datetime import timedelta
from typing import Any

import pytest

from audit.models import Event
from decisions.models import SanctionStatus
from enforcement.models import WatchAlert
from enforcement.watching import check_content
from people.actions import do_link_identity
from people.models import Space
from spaces.base import Item
from spaces.models import SpaceConnection
from spaces.tests.helpers import Sanctioned, hook_connection, sanctioned
from steward.testing import text_of

pytestmark = pytest.mark.django_db


def comment(ident: str = "c-1", author: tuple[str, ...] = ("ivan-gh",), addressed: tuple[str, ...] = ("rita-gh",), **fields: Any) -> Item:
    return Item(external_id=ident, author=author, text=fields.pop("text", "WATCH-TEXT replying to you"), addressed=addressed, **fields)


@pytest.fixture
def made(stewards: dict[str, Any], clock: Any) -> Sanctioned:
    return sanctioned(stewards, levels={"alice": "none", "dave": "none", "erin": "none", "bob": "hard", "carol": "soft"})


@pytest.fixture
def connection(monkeypatch: Any) -> SpaceConnection:
    return hook_connection(monkeypatch)


def test_a_reply_to_a_protected_person_raises_one_alert(made: Sanctioned, connection: SpaceConnection) -> None:
    alerts = check_content(connection, comment(url="https://example.org/c-1"))
    assert [(a.case, a.sanction, a.protected) for a in alerts] == [(made.case, made.sanction, made.sanction.no_contact.get())]
    assert alerts[0].excerpt == "WATCH-TEXT replying to you" and alerts[0].url == "https://example.org/c-1"
    assert check_content(connection, comment()) == [], "the same item seen again"
    assert WatchAlert.objects.count() == 1
    event = Event.objects.get(kind="watch.alert")
    assert event.case_id == made.case.pk
    text = f"{event.summary} {event.data}"
    assert "ivan" not in text and "rita" not in text and "WATCH-TEXT" not in text


def test_the_author_is_found_by_any_of_their_handles(made: Sanctioned, connection: SpaceConnection) -> None:
    ivan = made.sanction.person
    do_link_identity(None, ivan, Space.GITHUB, "424242")
    assert len(check_content(connection, comment(author=("424242", "someone-unknown")))) == 1


@pytest.mark.parametrize(
    "item",
    [
        comment(addressed=("somebody-else",)),  # not addressed to a protected person
        comment(author=("rita-gh",), addressed=("ivan-gh",)),  # the protected person writing to the sanctioned one
        comment(author=("stranger",)),  # nobody Steward knows
        comment(addressed=()),
    ],
)
def test_content_that_is_no_breach_raises_nothing(made: Sanctioned, connection: SpaceConnection, item: Item) -> None:
    assert check_content(connection, item) == []
    assert not WatchAlert.objects.exists()


def test_nothing_is_watched_outside_the_period(made: Sanctioned, connection: SpaceConnection, clock: Any) -> None:
    clock(timedelta(days=31))  # the Warning was for 30 days from T0
    assert check_content(connection, comment()) == []
    clock(timedelta(days=29))
    assert len(check_content(connection, comment())) == 1


def test_a_lifted_sanction_is_not_watched(made: Sanctioned, connection: SpaceConnection) -> None:
    type(made.sanction).objects.filter(pk=made.sanction.pk).update(status=SanctionStatus.LIFTED)
    assert check_content(connection, comment()) == []


def test_a_connection_that_is_not_watched_raises_nothing(made: Sanctioned, monkeypatch: Any) -> None:
    quiet = hook_connection(monkeypatch, slug="quiet-test", watch=False)
    assert check_content(quiet, comment()) == []


def test_identities_in_another_platform_do_not_match(made: Sanctioned, connection: SpaceConnection) -> None:
    do_link_identity(None, made.sanction.person, Space.SLACK, "U0SLACKIVAN")
    assert check_content(connection, comment(author=("U0SLACKIVAN",))) == []


def test_the_unconflicted_stewards_are_told_once_by_code_name(
    made: Sanctioned, connection: SpaceConnection, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        check_content(connection, comment())
    with django_capture_on_commit_callbacks(execute=True):
        check_content(connection, comment())
    assert sorted(rcpt for rcpts, _ in smtp.mails for rcpt in rcpts) == ["alice@example.org", "dave@example.org", "erin@example.org"]
    mail = smtp.mails[0][1]
    assert made.case.code_name in mail["Subject"]
    body = text_of(mail)
    assert made.case.code_name in body and "WATCH-TEXT" not in body and "ivan" not in body.lower() and "rita" not in body.lower()
