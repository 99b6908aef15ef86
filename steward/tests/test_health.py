"""/health/ for load balancers and monitors: the database, the worker's heartbeat, the task queue.

The worker here is the real `db_worker` (one batch, as in clocks/tests/test_worker.py); the database
outage is a real one (the connection pointed at a file that cannot exist).
"""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from steward.models import WorkerHeartbeat
from steward.tasks import ensure_heartbeat, worker_heartbeat

pytestmark = pytest.mark.django_db(transaction=True)
PUBLIC_KEYS = {"status", "database", "worker", "worker_last_beat_seconds_ago", "tasks_due", "tasks_failed_24h"}


def worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def health(client: Client, query: str = "") -> tuple[int, dict[str, Any]]:
    response = client.get("/health/" + query)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_healthy_when_the_worker_has_just_beaten(client: Client, django_assert_max_num_queries: Any) -> None:
    assert ensure_heartbeat() is True
    worker()
    assert WorkerHeartbeat.objects.count() == 1
    with django_assert_max_num_queries(3):
        status, body = health(client)
    assert status == 200
    assert body["status"] == "ok" and body["database"] == "ok" and body["worker"] == "ok"
    assert body["worker_last_beat_seconds_ago"] <= 5
    assert set(body) == PUBLIC_KEYS, "counts and ages only: nothing about cases, people or the host"
    # The beat queued its successor, so an idle worker keeps beating; the beat before is cleared away.
    assert ensure_heartbeat() is False
    worker()  # nothing due yet: the next beat waits STEWARD_HEARTBEAT_SECONDS


def test_beats_do_not_pile_up_in_the_task_table(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.STEWARD_HEARTBEAT_SECONDS = 0  # each beat's successor is due at once
    ensure_heartbeat()
    call_command("db_worker", "--batch", "--no-startup-delay", "--max-tasks", "5", verbosity=0)
    beats = DBTaskResult.objects.filter(task_path=worker_heartbeat.module_path)
    assert beats.count() <= 3, "the one waiting, the last finished, and at most the one being replaced"


def test_degraded_when_no_worker_was_ever_seen(client: Client) -> None:
    status, body = health(client)
    assert status == 200, "pages and reports still work: a load balancer must keep sending requests"
    assert body["status"] == "degraded" and body["worker"] == "never seen" and body["worker_last_beat_seconds_ago"] is None
    strict_status, _ = health(client, "?strict=1")
    assert strict_status == 503, "a monitor that reads only the code is told"


def test_degraded_when_the_last_beat_is_stale(client: Client, settings: Any) -> None:
    WorkerHeartbeat.objects.create(beat_at=timezone.now() - timedelta(seconds=settings.STEWARD_WORKER_STALE_SECONDS + 60))
    status, body = health(client)
    assert status == 200 and body["status"] == "degraded" and body["worker"] == "stale"
    assert health(client, "?strict=1")[0] == 503


def test_failed_tasks_of_the_last_day_are_counted(client: Client) -> None:
    from django_tasks_db.models import DBTaskResult

    ensure_heartbeat()
    worker()
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="clocks.tasks.sweep_clocks",
        backend_name="default",
        run_after=timezone.now(),
        status="FAILED",
        finished_at=timezone.now(),
    )
    status, body = health(client)
    assert status == 200 and body["tasks_failed_24h"] == 1


def test_unavailable_when_the_database_cannot_be_reached(client: Client, tmp_path: Any) -> None:
    original = connection.settings_dict["NAME"]
    connection.close()
    unreachable = str(tmp_path / "no-such-directory" / "db.sqlite3") if connection.vendor == "sqlite" else "steward_no_such_database"
    connection.settings_dict["NAME"] = unreachable
    try:
        status, body = health(client)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
    assert status == 503
    assert body == {"status": "error", "database": "unavailable"}
