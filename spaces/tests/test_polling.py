"""Polling: each watched connection read from its cursor, what is read dispatched once, failures leaving the cursor."""

import io
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from enforcement.models import ModeratorAction, WatchAlert
from spaces.base import Item, ModeratorActionEvent, TemporaryFailure
from spaces.models import ReadCursor
from spaces.polling import FIRST_LOOK_BACK, poll_all
from spaces.tasks import ensure_polling, poll_spaces
from spaces.tests.fake_space import feed
from spaces.tests.helpers import hook_connection, sanctioned
from steward.testing import T0


def comment(ident: str, minutes: int, addressed: tuple[str, ...] = ("rita-gh",)) -> Item:
    return Item(ident, ("ivan-gh",), "POLL-TEXT", created_at=T0 + timedelta(minutes=minutes), addressed=addressed)


def cursor(slug: str, kind: str) -> Any:
    return ReadCursor.objects.get(connection__slug=slug, kind=kind).position


@pytest.mark.django_db
def test_content_is_read_from_the_cursor_and_dispatched_once(monkeypatch: Any, stewards: Any, clock: Any) -> None:
    hook_connection(monkeypatch)
    sanctioned(stewards)
    source = feed("acme-test")
    clock(timedelta(hours=1))
    source.items = [comment("c-1", 10), comment("c-2", 20, addressed=("nobody",))]
    result = poll_all()
    assert result.read == {"acme-test:content": 2, "acme-test:moderation": 0} and result.failed == []
    assert source.asked[0] == ("read", T0 + timedelta(hours=1) - FIRST_LOOK_BACK), "a first read looks back a little"
    assert WatchAlert.objects.count() == 1
    assert cursor("acme-test", ReadCursor.CONTENT) == T0 + timedelta(minutes=20)
    # The next read starts at the newest item read; reading it again raises no second alert.
    source.items.append(comment("c-3", 30))
    poll_all()
    assert source.asked[-2] == ("read", T0 + timedelta(minutes=20))
    assert WatchAlert.objects.count() == 2
    assert cursor("acme-test", ReadCursor.CONTENT) == T0 + timedelta(minutes=30)


@pytest.mark.django_db
def test_the_moderation_log_is_read_into_the_review_queue_once(monkeypatch: Any, clock: Any) -> None:
    hook_connection(monkeypatch)
    source = feed("acme-test")
    source.log = [ModeratorActionEvent("banned", ("mod",), ("ivan-gh",), "", T0 - timedelta(minutes=5))]
    poll_all()
    poll_all()  # the same entry again: the window starts at it
    assert ModeratorAction.objects.count() == 1
    assert cursor("acme-test", ReadCursor.MODERATION) == T0 - timedelta(minutes=5)


@pytest.mark.django_db
def test_a_failing_space_keeps_its_cursor_and_the_others_are_still_read(monkeypatch: Any, clock: Any, caplog: Any) -> None:
    hook_connection(monkeypatch, slug="broken-test")
    hook_connection(monkeypatch, slug="fine-test")
    ReadCursor.objects.create(connection=hook_connection(monkeypatch, slug="third-test"), kind=ReadCursor.CONTENT, position=T0)
    feed("broken-test").fail = TemporaryFailure("GitHub answered 502")
    feed("third-test").fail = RuntimeError("a bug in a platform package")
    feed("fine-test").items = [comment("c-1", -5)]
    with caplog.at_level(logging.WARNING, logger="steward.spaces"):
        result = poll_all()
    assert "broken-test:content" in result.failed and "third-test:content" in result.failed
    assert result.read["fine-test:content"] == 1
    assert 'poll failed: connection=broken-test kind=content reason="GitHub answered 502"' in caplog.text
    assert 'poll failed: connection=third-test kind=content reason="RuntimeError"' in caplog.text
    assert not ReadCursor.objects.filter(connection__slug="broken-test").exists()
    assert cursor("third-test", ReadCursor.CONTENT) == T0


@pytest.mark.django_db
def test_disabled_and_unwatched_connections_are_not_read(monkeypatch: Any, clock: Any) -> None:
    hook_connection(monkeypatch, slug="off-test", enabled=False)
    hook_connection(monkeypatch, slug="quiet-test", watch=False)
    assert poll_all().read == {}
    assert feed("off-test").asked == [] and feed("quiet-test").asked == []


@pytest.mark.django_db
def test_items_without_a_time_move_the_cursor_to_when_the_read_began(monkeypatch: Any, clock: Any) -> None:
    hook_connection(monkeypatch)
    feed("acme-test").items = [Item("c-1", ("someone",), "text")]
    poll_all()
    assert cursor("acme-test", ReadCursor.CONTENT) == T0


@pytest.mark.django_db
def test_the_command_polls_now_and_queues_the_worker(monkeypatch: Any, clock: Any) -> None:
    hook_connection(monkeypatch)
    out = io.StringIO()
    call_command("poll_spaces", stdout=out)
    assert "acme-test:content 0" in out.getvalue() and "poll queued" in out.getvalue()
    assert ensure_polling() is False, "one poll waits at a time"


@pytest.mark.django_db(transaction=True)
def test_the_worker_polls_and_keeps_one_poll_queued(monkeypatch: Any, stewards: Any) -> None:
    hook_connection(monkeypatch)
    sanctioned(stewards)
    feed("acme-test").items = [Item("c-1", ("ivan-gh",), "hi", addressed=("rita-gh",))]
    DBTaskResult.objects.all().delete()
    assert ensure_polling() is True
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert WatchAlert.objects.count() == 1
    waiting = DBTaskResult.objects.filter(task_path=poll_spaces.module_path, status=TaskResultStatus.READY)
    assert waiting.count() == 1, "the poll queued its next run"
    assert DBTaskResult.objects.filter(task_path=poll_spaces.module_path, status=TaskResultStatus.SUCCESSFUL).count() == 1
