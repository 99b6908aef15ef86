"""Tasks a worker took and cannot finish: back to the queue once, then failed; never lost, never run twice at once.

django_tasks_db claims a task by setting its row RUNNING (the row taken with SELECT ... FOR UPDATE SKIP LOCKED) and
appending the worker's id to `worker_ids`; nothing looks at a RUNNING row again. A worker killed mid-task (kill -9,
the OOM killer, a lost machine) or one whose database connection broke mid-task left such a row RUNNING for good.

Who still holds a claim: every worker holds, for its whole life, a lock named after its id (`WorkerLock`). On
PostgreSQL it is a session advisory lock on a connection of the worker's own, which the server releases when the
process dies or the connection is lost; on SQLite an flock on a file beside the database (SQLite serves one
machine), which the kernel releases when the process dies. A RUNNING row whose claimant's lock can be taken has no
live worker behind it: `release_abandoned` holds that lock while it changes the row (so a worker restarted under
the same id waits until it is done) and puts the row back READY if it was claimed fewer than MAX_CLAIMS times,
or marks it FAILED (which /health/ counts and the admin shows) if its retry was abandoned too. A task that failed
because the database went away or the worker was stopped under it (`retry_interrupted`) goes back the same way.

A task is therefore run at most MAX_CLAIMS times, one run at a time: the only way to a second run is through a
claimant that is gone or a run that ended. (One case escapes the lock: a worker whose connection to the
database was lost while its task did non-database work, such as a platform call, looks gone to the others until
it reconnects. Steward's tasks keep their own claims for that reason: enforcement's lease, the outbox's lease,
the sweeps' locks.)

Called at every worker's start and after it reconnects (steward.worker), and by the clocks' sweep every five minutes.
"""

import contextlib
import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from steward.once import held, lock_file, lock_key

logger = logging.getLogger("steward.worker")

MAX_CLAIMS = 2  # the first run and one retry
# What a task can fail with when the fault was the worker's, not the task's: the database went away, or the
# worker was stopped under it (a second SIGTERM, Ctrl+C). Anything else is the task's own failure and stays FAILED.
INTERRUPTIONS = (OperationalError, InterfaceError, SystemExit, KeyboardInterrupt)


def lock_name(worker_id: str) -> str:
    """The lock of one worker id; hashed, since an id (`--worker-id`) may hold any character, a slash included."""
    return "worker-" + hashlib.sha256(worker_id.encode()).hexdigest()[:24]


def claimant(row: DBTaskResult) -> str | None:
    return row.worker_ids[-1] if row.worker_ids else None


class WorkerLock:
    """The lock a live worker holds for its whole life (see the module's notes)."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.name = lock_name(worker_id)
        self._connection: BaseDatabaseWrapper | None = None
        self._file: IO[bytes] | None = None

    def acquire(self, *, patience: float) -> bool:
        """Take the lock, trying for `patience` seconds; return whether this worker holds it."""
        deadline = time.monotonic() + patience
        while not self._try():
            if time.monotonic() >= deadline:
                return False
            time.sleep(1)
        return True

    def acquire_at_start(self) -> None:
        if not self.acquire(patience=30):
            raise CommandError(
                f"Another worker is running with the id {self.worker_id!r}. Worker ids must be unique across every "
                "machine (the systemd unit uses --worker-id %H-%i); stop the other one or choose another id."
            )

    def _try(self) -> bool:
        if connection.vendor == "postgresql":
            if self._connection is None:
                # A connection of its own: the worker's main connection is closed and reopened as it ages (CONN_MAX_AGE)
                # and with every lost database, and a session lock lives exactly as long as its connection.
                self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(self.name)])
                return bool(cursor.fetchone()[0])
        self._file = self._file or lock_path(self.name)
        return self._file is not None

    def held(self) -> bool:
        """Whether the lock still stands (on PostgreSQL its connection may have been lost on its own)."""
        if self._connection is None:
            return self._file is not None
        try:
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return False
        return True

    def ensure(self) -> None:
        """Before a task: take the lock again if its connection was lost, so the task's claim stays visibly alive."""
        if not self.held():
            self.release()
            if not self.acquire(patience=5):
                logger.warning("Worker %s could not take its lock again; its claims may be taken over", self.worker_id)

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DatabaseError):  # already gone with the server: so is the lock
                self._connection.close()  # closing the session is what releases its advisory locks
            self._connection = None
        if self._file is not None:
            unlock_path(self._file, self.name)
            self._file = None


def lock_path(name: str) -> IO[bytes] | None:
    """SQLite: take the lock file of `name` (an flock); None if another process holds it.

    The files are removed when their lock is given up (random worker ids would otherwise leave one file per start),
    so a lock taken on a file that was removed meanwhile is no lock: the path must still name the file locked.
    Whoever removes the file holds its lock, so a file, once checked, stays.
    """
    path = lock_file(name)
    while True:
        handle = open(path, "ab")  # noqa: SIM115 (held open while the lock is held)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        try:
            if os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
                return handle
        except FileNotFoundError:
            pass
        handle.close()  # removed by its holder after we opened it: try the path again


def unlock_path(handle: IO[bytes], name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(lock_file(name))  # still holding the lock (see lock_path)
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    handle.close()


@contextmanager
def worker_gone(worker_id: str) -> Iterator[bool]:
    """Yield whether `worker_id` has no live worker; while True, its lock is held here, so it cannot start again."""
    name = lock_name(worker_id)
    if connection.vendor == "postgresql":
        with held(name) as free:  # pg_try_advisory_lock on this connection, released at the end
            yield free
        return
    handle = lock_path(name)
    if handle is None:
        yield False
        return
    try:
        yield True
    finally:
        unlock_path(handle, name)


def running_rows() -> list[DBTaskResult]:
    """The RUNNING rows (few; steward's partial index steward_running_tasks_idx finds them)."""
    return list(DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "worker_ids", "started_at", "task_path"))


def release_mine(worker_id: str) -> int:
    """Put back what `worker_id` claimed and no longer runs: called by that worker when it holds no task."""
    return _put_back([row for row in running_rows() if claimant(row) == worker_id], "its worker lost it")


def release_abandoned() -> int:
    """Put back every claim whose worker is gone; returns how many rows were put back or failed."""
    by_claimant: dict[str, list[DBTaskResult]] = {}
    for row in running_rows():
        who = claimant(row)
        if who is not None:  # a row with no claimant was not claimed by a worker; not ours to judge
            by_claimant.setdefault(who, []).append(row)
    released = 0
    for who, rows in by_claimant.items():
        with worker_gone(who) as gone:
            if gone:
                released += _put_back(rows, f"its worker {who} is gone")
    return released


def _put_back(rows: Iterable[DBTaskResult], why: str) -> int:
    done = 0
    for row in rows:
        with transaction.atomic():
            # Only the claim that was read: a row another worker has since put back and claimed again is left alone.
            claim = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at)
            current = claim.select_for_update().first()
            if current is None:
                continue
            _requeue_or_fail(current, f"left running: {why}")
            done += 1
    return done


def retry_interrupted(row: DBTaskResult) -> bool:
    """After a run that ended FAILED: put it back if the failure was an interruption (see INTERRUPTIONS) and the
    task has a retry left; return whether it was put back."""
    if row.status != TaskResultStatus.FAILED or not _is_interruption(row.exception_class_path):
        return False
    if len(row.worker_ids) >= MAX_CLAIMS:
        return False  # its retry was interrupted too: it stays FAILED for the operator
    with transaction.atomic():
        run = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.FAILED, finished_at=row.finished_at)
        current = run.select_for_update().first()
        if current is None:
            return False
        _requeue_or_fail(current, f"interrupted ({current.exception_class_path.rsplit('.', 1)[-1]})")
    return True


def _is_interruption(path: str) -> bool:
    try:
        error: Any = import_string(path)
    except ImportError:
        return False
    return isinstance(error, type) and issubclass(error, INTERRUPTIONS)


def _requeue_or_fail(row: DBTaskResult, why: str) -> None:
    """Inside a transaction holding the row: READY again with a retry left, otherwise FAILED with the reason."""
    name = row.task_path.rsplit(".", 1)[-1]
    if len(row.worker_ids) < MAX_CLAIMS:
        row.status = TaskResultStatus.READY
        row.finished_at = None
        row.save(update_fields=["status", "finished_at"])
        logger.warning("Task %s (%s) %s: queued again (run %d of at most %d)", row.pk, name, why, len(row.worker_ids) + 1, MAX_CLAIMS)
        return
    row.status = TaskResultStatus.FAILED
    row.finished_at = timezone.now()
    row.return_value = None
    row.exception_class_path = "steward.worker_claims.TaskAbandoned"
    row.traceback = f"TaskAbandoned: {why}, after {len(row.worker_ids)} runs; not retried again (steward/worker_claims.py)\n"
    row.save(update_fields=["status", "finished_at", "return_value", "exception_class_path", "traceback"])
    logger.error("Task %s (%s) %s, and its retry too: marked failed", row.pk, name, why)


class TaskAbandoned(Exception):
    """What a FAILED row's exception class says when its runs were all abandoned (never raised)."""
