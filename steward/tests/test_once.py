"""Sweeps run once, however many workers (steward.once): two runs at the same moment sweep once, and a chain
of self-renewing sweeps never doubles. Run on both databases: PostgreSQL's advisory locks, SQLite's file lock."""

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from clocks.reminders import sweep as sweep_clocks
from clocks.tasks import sweep_clocks as sweep_clocks_task
from enforcement.schedule import sweep as sweep_enforcement
from privacy.leftovers import sweep_leftover_evidence
from spaces.base import Item
from spaces.polling import PollResult, poll_all
from spaces.tests.fake_space import feed
from spaces.tests.helpers import hook_connection
from steward.once import held
from steward.periodic import ensure_periodic

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 20


class InThread(threading.Thread):
    """`step()` in its own thread, so on its own database connection (as another worker would be)."""

    def __init__(self, step: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.step, self.result, self.error = step, None, None

    def run(self) -> None:
        try:
            self.result = self.step()
        except BaseException as error:  # noqa: BLE001  (handed to the test by outcome())
            self.error = error
        finally:
            connections.close_all()

    def outcome(self) -> Any:
        self.join(WAIT)
        assert not self.is_alive(), "the thread is stuck"
        if self.error is not None:
            raise self.error
        return self.result


class HeldItems(list[Item]):
    """A feed whose reading stops at the platform until the test lets it go: a sweep caught mid-way."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived, self.go = threading.Event(), threading.Event()

    def __iter__(self) -> Iterator[Item]:
        self.arrived.set()
        self.go.wait(WAIT)
        return super().__iter__()


def test_two_polls_at_once_read_the_platform_once(monkeypatch: Any) -> None:
    hook_connection(monkeypatch)
    source = feed("acme-test")
    source.asked.clear()
    source.items = held = HeldItems()
    first = InThread(poll_all)
    first.start()
    assert held.arrived.wait(WAIT), "the first poll reached the platform"
    second = poll_all()  # another worker's run, while the first is still reading
    held.go.set()
    assert first.outcome().read == {"acme-test:content": 0, "acme-test:moderation": 0}
    assert second == PollResult(already_running=True), "the second run did not sweep"
    assert [what for what, _ in source.asked] == ["read", "log"], "the platform was read once"
    poll_all()  # the lock was given back: the next period's run reads again
    assert [what for what, _ in source.asked] == ["read", "log", "read", "log"]


SWEEPS = [
    ("clocks.sweep", sweep_clocks, {"already_running": 1}),
    ("enforcement.sweep", sweep_enforcement, {"already_running": 1}),
    ("spaces.poll", poll_all, PollResult(already_running=True)),
    ("evidence.leftovers", sweep_leftover_evidence, {"incoming": 0, "unused": 0, "already_running": 1}),
]


@pytest.mark.parametrize(("name", "sweep", "busy"), SWEEPS, ids=[name for name, _, _ in SWEEPS])
def test_a_sweep_held_by_another_worker_is_skipped(name: str, sweep: Callable[[], Any], busy: Any, stewards: Any, monkeypatch: Any) -> None:
    hook_connection(monkeypatch)  # something for the poll to read
    feed("acme-test").items = []
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with held(name) as mine:
            assert mine
            holding.set()
            release.wait(WAIT)

    other = InThread(hold)
    other.start()
    assert holding.wait(WAIT)
    try:
        assert sweep() == busy
    finally:
        release.set()
        other.outcome()
    assert sweep() != busy, "once the other worker is done, the sweep runs"


def test_two_workers_renewing_a_sweep_at_once_queue_one_run() -> None:
    """Two runs of a sweep each queue their successor at the same moment: one successor, or the chain doubles."""
    looked, go_on = threading.Event(), threading.Event()

    def pause_after_looking(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("SELECT") and "django_tasks_database_dbtaskresult" in sql:
            looked.set()
            go_on.wait(2)  # the other worker looks now, unless a lock keeps it out until this one has queued
        return result

    def first() -> bool:
        with connection.execute_wrapper(pause_after_looking):
            return ensure_periodic(sweep_clocks_task)

    one = InThread(first)
    one.start()
    assert looked.wait(WAIT)
    two = InThread(lambda: ensure_periodic(sweep_clocks_task))
    two.start()
    queued = [one.outcome(), two.outcome()]
    go_on.set()
    assert sorted(queued) == [False, True]
    assert DBTaskResult.objects.filter(task_path=sweep_clocks_task.module_path).count() == 1
