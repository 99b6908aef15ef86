"""/health/: may a load balancer send this process requests, and is the task worker alive?

Public and unauthenticated, so it says nothing confidential: no case, report or person data, no
host names, versions or settings; counts of queued and failed tasks and the worker's last beat only.
Three queries at most, all on indexed rows (the heartbeat row, the queue's partial index of ready
tasks, the failed-task index from steward's migration 0003), so monitors may poll it every few seconds.

The answer (docs/operations.md, "Health"):
- 503 `{"status": "error"}` when the database cannot be reached: this process cannot serve anything;
- 200 `{"status": "degraded"}` when the worker has not beaten for STEWARD_WORKER_STALE_SECONDS (or
  never): pages and reports still work, so a load balancer keeps the process, but a monitor should
  alert (deadlines, mail and enforcement wait). `?strict=1` answers 503 for it, for monitors that read
  only the status code;
- 200 `{"status": "ok"}` otherwise.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult

from steward.models import WorkerHeartbeat

logger = logging.getLogger(__name__)
FAILED_WINDOW = timedelta(hours=24)


def last_beat() -> datetime | None:
    """When a worker last ran the heartbeat task: one query on a one-row table. Also read by the stewards' pages,
    which say so when the worker is down (steward.context_processors)."""
    return WorkerHeartbeat.objects.values_list("beat_at", flat=True).first()


def worker_status(beat: datetime | None, now: datetime) -> str:
    """ "ok", "stale" (no beat for STEWARD_WORKER_STALE_SECONDS) or "never seen"."""
    if beat is None:
        return "never seen"
    return "ok" if (now - beat).total_seconds() <= settings.STEWARD_WORKER_STALE_SECONDS else "stale"


def seconds_since(beat: datetime | None, now: datetime) -> int | None:
    return None if beat is None else max(0, int((now - beat).total_seconds()))


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    try:
        beat = last_beat()
        pending = DBTaskResult.objects.ready().count()
        failed = DBTaskResult.objects.failed().filter(finished_at__gte=now - FAILED_WINDOW).count()
    except DatabaseError as error:
        logger.error("Health check: the database cannot be reached (%s)", type(error).__name__)
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    age = seconds_since(beat, now)
    worker = worker_status(beat, now)
    worker_alive = worker == "ok"
    body = {
        "status": "ok" if worker_alive else "degraded",
        "database": "ok",
        "worker": worker,
        "worker_last_beat_seconds_ago": age,
        "tasks_due": pending,
        "tasks_failed_24h": failed,
    }
    strict = request.GET.get("strict") in {"1", "true", "yes"}
    return JsonResponse(body, status=503 if strict and not worker_alive else 200)
