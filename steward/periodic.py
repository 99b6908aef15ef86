"""Self-renewing sweeps: a task that queues its own next run, so one is always waiting for the worker.

Only on the database backend: it is the one that keeps a deferred run across restarts (an immediate
backend would run the sweep, which enqueues the next, which runs...).
"""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from steward.once import lock_transaction


def pending(task: Any) -> bool:
    return DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY).exists()


def ensure_periodic(task: Any, delay: timedelta = timedelta(0)) -> bool:
    """Enqueue `task` (which takes no arguments) unless a run is already waiting; return whether one was enqueued.

    Web processes (on commit) and every worker (each run queues its successor) call this at any moment: the
    check and the enqueue hold a lock for the task together, or two callers could each see none waiting and
    queue one each, and from then on the sweep would run twice per period, for good.
    """
    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    with transaction.atomic():
        lock_transaction(f"enqueue:{task.module_path}")
        if pending(task):
            return False
        task.using(run_after=timezone.now() + delay).enqueue()
    return True
