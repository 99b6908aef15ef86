"""The worker's own upkeep: its heartbeat for /health/, and pruning the finished tasks' rows.

django-tasks' database backend records tasks, not workers: an idle worker and a dead one look alike.
So one heartbeat task is always waiting (it queues its successor first, like the sweeps in
steward.periodic), and each run stamps `WorkerHeartbeat`. The chain is started, and restarted if it
ever broke, by the clocks' sweep and by `manage.py tick_clocks` (cron), which run anyway.

Every task run leaves a result row (the sweeps alone leave hundreds a day), which nothing reads once it is
finished except /health/ (failures of the last day) and whoever investigates a failure; a daily prune keeps
successful ones for STEWARD_TASK_RESULTS_KEEP_DAYS and failed ones for STEWARD_FAILED_TASK_RESULTS_KEEP_DAYS.
"""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import TaskContext, TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from steward.models import WorkerHeartbeat
from steward.periodic import ensure_periodic

HEARTBEAT_ROW = 1
PRUNE_EVERY = timedelta(days=1)


@task(takes_context=True)
def worker_heartbeat(context: TaskContext) -> str:
    ensure_heartbeat(delay=timedelta(seconds=settings.STEWARD_HEARTBEAT_SECONDS))
    try:
        with transaction.atomic():
            beat = WorkerHeartbeat.objects.select_for_update().filter(pk=HEARTBEAT_ROW).first()
            if beat is None:
                beat = WorkerHeartbeat(pk=HEARTBEAT_ROW)
            elif beat.last_result_id:
                # The previous beat's finished row says nothing the stamp does not; keep the queue table small.
                DBTaskResult.objects.filter(
                    pk=beat.last_result_id, task_path=worker_heartbeat.module_path, status__in=["SUCCESSFUL", "FAILED"]
                ).delete()
            beat.beat_at = timezone.now()
            beat.last_result_id = str(context.task_result.id)
            beat.save()
    except IntegrityError:
        return "beat by another worker"  # two workers' first beats at once: the other one's stamp stands
    return "beat"


def ensure_heartbeat(delay: timedelta = timedelta(0)) -> bool:
    """Queue a heartbeat unless one is already waiting; return whether one was queued."""
    return ensure_periodic(worker_heartbeat, delay)


@task
def prune_task_results() -> int:
    """Delete finished task results older than the settings keep them; returns how many went. Expired sessions go
    too (what `manage.py clearsessions` does): a follow-up or party link's session names the report it opened, and
    nothing else deletes session rows once their browser has gone."""
    ensure_pruning(delay=PRUNE_EVERY)  # the next run first, so a failure below cannot break the chain
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    now = timezone.now()
    kept = timedelta(days=settings.STEWARD_TASK_RESULTS_KEEP_DAYS)
    failed_kept = timedelta(days=settings.STEWARD_FAILED_TASK_RESULTS_KEEP_DAYS)
    succeeded = Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lte=now - kept)
    failed = Q(status=TaskResultStatus.FAILED, finished_at__lte=now - failed_kept)
    old = DBTaskResult.objects.filter(succeeded | failed)
    deleted, _ = old.delete()
    return deleted


def ensure_pruning(delay: timedelta = PRUNE_EVERY) -> bool:
    """Keep one prune waiting; the clocks' sweep calls this, so the chain restarts if it ever broke."""
    return ensure_periodic(prune_task_results, delay)
