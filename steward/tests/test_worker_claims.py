"""A task a worker took is never lost and never run twice at once (steward.worker_claims, issue #19).

A worker killed mid-task (kill -9) used to leave its task RUNNING for good. Now the next worker to start (and the
clocks' sweep) sees that the claimant's lock is free and puts the task back, once; a live worker's claim is left
alone however long its task runs; a task interrupted twice is failed for the operator, not run a third time.
The workers here are real `db_worker`s: one in its own process (the one killed), others in this process (--batch).
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from enforcement.tests.workers import worker_env
from steward.tests.worker_tasks import always_interrupted, broken, interrupted_once, note, stop_worker, wait_for
from steward.worker_claims import release_abandoned

# Transactional: the workers' own loop closes connections between tasks (close_old_connections), as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def batch_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--worker-id", "batch-worker", verbosity=0)


def lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def worker_process(worker_id: str) -> subprocess.Popen[str]:
    options = ["--no-startup-delay", "--interval", "0.05", "--no-reload", "--worker-id", worker_id]
    command = [sys.executable, "manage.py", "db_worker", *options]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_line(log: Path, line: str, worker: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while line not in lines(log):
        assert worker.poll() is None, f"the worker exited: {worker.stderr.read() if worker.stderr else ''}"
        assert time.monotonic() < deadline, f"the worker never wrote {line!r}"
        time.sleep(0.05)


def test_a_task_whose_worker_was_killed_is_run_again_by_the_next_worker(tmp_path: Path) -> None:
    log, release = tmp_path / "ran.log", tmp_path / "release"
    held = wait_for.enqueue(str(release), str(log), "held")
    worker = worker_process("doomed")
    try:
        wait_for_line(log, "start held", worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        stop_worker(worker)
    row = DBTaskResult.objects.get(pk=held.id)
    assert row.status == TaskResultStatus.RUNNING and row.worker_ids == ["doomed"], "killed mid-task: stranded, as before"

    release.touch()
    batch_worker()  # a worker starting (as systemd restarts one) puts the dead worker's task back and runs it

    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL and row.worker_ids == ["doomed", "batch-worker"]
    assert lines(log) == ["start held", "start held", "end held"]


def test_a_live_workers_task_is_never_taken_from_it_however_long_it_runs(tmp_path: Path) -> None:
    log, release = tmp_path / "ran.log", tmp_path / "release"
    held = wait_for.enqueue(str(release), str(log), "held")
    worker = worker_process("alive")
    try:
        wait_for_line(log, "start held", worker)
        assert release_abandoned() == 0  # what the clocks' sweep and every starting worker do
        batch_worker()  # another worker starts and finds nothing to take
        assert DBTaskResult.objects.get(pk=held.id).status == TaskResultStatus.RUNNING
        release.touch()
        wait_for_line(log, "end held", worker)
        deadline = time.monotonic() + 60
        while DBTaskResult.objects.get(pk=held.id).status == TaskResultStatus.RUNNING and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop_worker(worker)
    row = DBTaskResult.objects.get(pk=held.id)
    assert row.status == TaskResultStatus.SUCCESSFUL and row.worker_ids == ["alive"]
    assert lines(log) == ["start held", "end held"], "run once, by its own worker"


def test_a_task_abandoned_on_its_retry_too_is_failed_not_run_a_third_time(tmp_path: Path) -> None:
    log = tmp_path / "ran.log"
    twice = note.enqueue(str(log), "twice")
    DBTaskResult.objects.filter(pk=twice.id).update(status=TaskResultStatus.RUNNING, worker_ids=["gone-1", "gone-2"])

    batch_worker()

    row = DBTaskResult.objects.get(pk=twice.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "steward.worker_claims.TaskAbandoned" and "after 2 runs" in row.traceback
    assert lines(log) == []


def test_a_row_no_worker_claimed_is_left_alone(tmp_path: Path) -> None:
    """Rows set RUNNING by hand (or by the sweeps' tests) name no claimant: nobody can say they were abandoned."""
    orphan = note.enqueue(str(tmp_path / "ran.log"), "orphan")
    DBTaskResult.objects.filter(pk=orphan.id).update(status=TaskResultStatus.RUNNING)
    assert release_abandoned() == 0
    assert DBTaskResult.objects.get(pk=orphan.id).status == TaskResultStatus.RUNNING


def test_a_task_interrupted_by_a_lost_database_is_retried_exactly_once(tmp_path: Path) -> None:
    log = tmp_path / "ran.log"
    recovers = interrupted_once.enqueue(str(log), "recovers")
    never = always_interrupted.enqueue(str(log), "never")
    bug = broken.enqueue(str(log), "bug")

    batch_worker()

    assert lines(log).count("recovers") == 2 and lines(log).count("never") == 2, "each retried once"
    assert lines(log).count("bug") == 1, "a task's own error is not retried"
    statuses = [DBTaskResult.objects.get(pk=result.id).status for result in (recovers, never, bug)]
    assert statuses == [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED, TaskResultStatus.FAILED]


def test_workers_leave_no_lock_files_behind() -> None:
    """On SQLite each worker's lock is a file beside the database; workers with random ids (the default) must not
    leave one per start."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's worker locks are advisory locks, not files")
    database = Path(connection.settings_dict["NAME"])
    # Only this database's locks: the other test processes' workers start and stop beside it meanwhile.
    pattern = f"{database.name}.worker-*.lock"
    before = set(database.parent.glob(pattern))
    for _ in range(3):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert set(database.parent.glob(pattern)) == before
