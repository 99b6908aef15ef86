"""The task worker (`manage.py db_worker`): django_tasks_db's worker, made to outlive its database.

django_tasks_db's worker stops at the first database error that is not SQLite's "database is locked": a PostgreSQL
restart ("terminating connection due to administrator command"), a failover, a dropped network, a full disk. It then
exits, and nothing queued (reminders, escalations, mail, enforcement) runs until someone starts it again. This one,
on OperationalError or InterfaceError:

1. closes every database connection (a broken one is never reused);
2. waits, 1 s at first and twice as long each time up to MAX_WAIT, one WARNING line per wait, and tries again;
3. once the database answers, puts back the task it held when the connection broke (steward.worker_claims: READY
   again, or FAILED if that was already its retry), and carries on taking tasks.

A task that ended FAILED because of such an error, or because the worker was stopped under it, is put back the same
way (`retry_interrupted`), and every start and reconnect also puts back the tasks of workers that died
(kill -9, a lost machine) with their claims: see steward.worker_claims for how "died" is known.

A shutdown asked for (SIGTERM, SIGINT) still ends the worker as before: after the current task, or at once while it
waits for the database.
"""

import contextlib
import logging
import time
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from steward.worker_claims import WorkerLock, release_abandoned, release_mine, retry_interrupted

logger = logging.getLogger("steward.worker")

DATABASE_ERRORS = (OperationalError, InterfaceError)
FIRST_WAIT = 1.0
MAX_WAIT = 60.0


def describe(error: BaseException) -> str:
    """The error's class and first line: enough to tell a restart from a refused connection, without a flood."""
    first_line = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line[:200]}"


class ResilientWorker(Worker):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.lock = WorkerLock(self.worker_id)

    def run(self) -> None:
        self.lock.acquire_at_start()
        try:
            while self.running:
                try:
                    self.recover()
                    super().run()  # returns only in --batch mode or at --max-tasks; raises what it cannot handle
                    return
                except DATABASE_ERRORS as error:
                    if not self.running:
                        logger.warning("Worker %s: database lost while stopping (%s); exiting", self.worker_id, describe(error))
                        return
                    self.wait_for_database(error)
        finally:
            self.lock.release()

    def recover(self) -> None:
        """Holding no task: put back what this worker (or an earlier one under its id) left RUNNING, then the
        claims of workers that are gone."""
        release_mine(self.worker_id)
        release_abandoned()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.lock.ensure()
        super().run_task(db_task_result)  # records SUCCESSFUL or FAILED; raises if even that cannot be written
        retry_interrupted(db_task_result)

    def wait_for_database(self, error: BaseException) -> None:
        """Close the broken connections and wait, with capped exponential backoff, until the database answers."""
        lost_at = time.monotonic()
        wait = FIRST_WAIT
        logger.warning(
            "Worker %s lost the database (%s); reconnecting in %.0f s, then backing off up to %.0f s between tries",
            self.worker_id,
            describe(error),
            wait,
            MAX_WAIT,
        )
        while True:
            self.forget_connections()
            time.sleep(wait)  # a SIGTERM here ends the worker at once (Worker.shutdown: no task is running)
            try:
                connection.ensure_connection()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                if not self.lock.acquire(patience=10):
                    # Its old session may linger on the server after a network drop, holding the lock for this worker.
                    logger.warning("Worker %s could not take its lock again yet; carrying on", self.worker_id)
            except DATABASE_ERRORS as again:
                wait = min(wait * 2, MAX_WAIT)
                logger.warning(
                    "Worker %s: the database is still unreachable after %.0f s (%s); next try in %.0f s",
                    self.worker_id,
                    time.monotonic() - lost_at,
                    describe(again),
                    wait,
                )
                continue
            logger.warning("Worker %s: the database answers again after %.0f s; carrying on", self.worker_id, time.monotonic() - lost_at)
            return

    def forget_connections(self) -> None:
        self.lock.release()
        for each in connections.all(initialized_only=True):
            with contextlib.suppress(DatabaseError):  # broken beyond closing: dropping it is all that is left to do
                each.close()
