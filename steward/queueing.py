"""Queueing a task for work a transaction stores: with that transaction, never after it.

The task queue is a table in the same database (django_tasks_db). Enqueued inside the transaction,
the task row commits or rolls back with the work it is for: nothing runs after the commit that could
fail the request once the work is stored (on SQLite an enqueue after commit is one more write that
can meet "database is locked" and turn a stored report into a 500 the reporter never gets a receipt
from), and a crash between commit and enqueue cannot lose the task. The worker cannot see the row
before the commit, so it never runs ahead of the data.

Other backends (an immediate or external queue) would run or publish the task before the data
exists; for them the task is queued on commit, and a failure there is logged rather than raised,
since the work itself is stored (the sweeps catch what such a lost task would have done).
"""

import logging
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django_tasks_db.backend import DatabaseBackend

logger = logging.getLogger(__name__)


def enqueue_with_transaction(task: Any, *args: Any, run_after: datetime | None = None) -> None:
    """Enqueue `task(*args)` as part of the current transaction (see the module's docstring)."""
    queued = task.using(run_after=run_after) if run_after is not None else task
    if isinstance(task.get_backend(), DatabaseBackend) and connection.in_atomic_block:
        queued.enqueue(*args)
        return

    def enqueue() -> None:
        queued.enqueue(*args)

    transaction.on_commit(enqueue, robust=True)
