"""The task table does not grow without end: finished results are pruned daily by the real worker, failures
kept longer than successes (an operator investigates them), and nothing waiting or running is ever touched."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from steward.tasks import PRUNE_EVERY, ensure_pruning, prune_task_results

pytestmark = pytest.mark.django_db(transaction=True)


def result(status: str, days_ago: float, path: str = "clocks.tasks.sweep_clocks") -> Any:
    from django_tasks_db.models import DBTaskResult

    at = timezone.now() - timedelta(days=days_ago)
    finished = at if status in ("SUCCESSFUL", "FAILED") else None
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}}, task_path=path, backend_name="default", run_after=at, status=status, finished_at=finished
    )


def test_the_worker_prunes_old_results_and_keeps_failures_longer(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.STEWARD_TASK_RESULTS_KEEP_DAYS = 14
    settings.STEWARD_FAILED_TASK_RESULTS_KEEP_DAYS = 90
    old_success, recent_success = result("SUCCESSFUL", 15), result("SUCCESSFUL", 13)
    old_failure, kept_failure = result("FAILED", 91), result("FAILED", 30)
    waiting = result("READY", -1, path="clocks.tasks.remind_deadline")  # queued a year ago for tomorrow: kept
    DBTaskResult.objects.filter(pk=waiting.pk).update(enqueued_at=timezone.now() - timedelta(days=400))
    running = result("RUNNING", 400, path="clocks.tasks.remind_deadline")
    assert ensure_pruning(delay=timedelta(0)) is True

    call_command("db_worker", "--batch", "--no-startup-delay", "--max-tasks", "1", verbosity=0)

    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert {recent_success.pk, kept_failure.pk, waiting.pk, running.pk} <= left
    assert old_success.pk not in left and old_failure.pk not in left
    pruned = DBTaskResult.objects.get(task_path=prune_task_results.module_path, status="SUCCESSFUL")
    assert pruned.return_value == 2
    successor = DBTaskResult.objects.get(task_path=prune_task_results.module_path, status="READY")
    assert successor.run_after - pruned.started_at >= PRUNE_EVERY - timedelta(minutes=1), "the next prune is a day later"


def test_the_clocks_sweep_keeps_the_daily_upkeep_queued(settings: Any) -> None:
    """Nothing to set up (docs/operations.md): the sweep, which runs anyway, queues the daily prune and the daily
    repair of the declaration lists, a day out, once however often it runs."""
    from django_tasks_db.models import DBTaskResult

    from cases.tasks import reconcile_awaiting
    from clocks.tasks import sweep_clocks

    for _ in range(2):
        sweep_clocks.call()
    for daily in (prune_task_results, reconcile_awaiting):
        [queued] = DBTaskResult.objects.filter(task_path=daily.module_path, status="READY")
        assert queued.run_after - queued.enqueued_at >= timedelta(hours=23), daily.module_path


def test_the_daily_prune_deletes_expired_sessions_and_keeps_live_ones() -> None:
    """A follow-up link's session row names the report it opened: once expired it must not stay in the database
    for good (nothing else deletes session rows). The worker's daily run clears them, as clearsessions would."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    expired, live = SessionStore(), SessionStore()
    for store in (expired, live):
        store["steward_link_grants"] = {"report:R-AAAA-BBBB": 1}
        store.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - timedelta(minutes=1))
    assert ensure_pruning(delay=timedelta(0)) is True

    call_command("db_worker", "--batch", "--no-startup-delay", "--max-tasks", "1", verbosity=0)

    assert set(Session.objects.values_list("session_key", flat=True)) == {live.session_key}
