"""The worker's heartbeat: a self-renewing task that leaves the time it last ran, for /health/.

django-tasks' database backend records tasks, not workers: an idle worker and a dead one look alike.
So one heartbeat task is always waiting (it queues its successor first, like the sweeps in
steward.periodic), and each run stamps `WorkerHeartbeat`. The chain is started, and restarted if it
ever broke, by the clocks' sweep and by `manage.py tick_clocks` (cron), which run anyway.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import TaskContext, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from steward.models import WorkerHeartbeat
from steward.periodic import ensure_periodic

HEARTBEAT_ROW = 1


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
