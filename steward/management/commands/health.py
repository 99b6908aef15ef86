"""`manage.py health`: /health/'s answer from the command line, for monitors and the container's HEALTHCHECK.

Exit status: 0 healthy, 1 degraded (no worker beat within STEWARD_WORKER_STALE_SECONDS), 2 no database.
The worker container's HEALTHCHECK runs it (deploy/container/healthcheck.py).
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from steward.health import last_beat, seconds_since, worker_status


class Command(BaseCommand):
    help = "Whether the database answers and a task worker beat recently; non-zero exit status if not."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        try:
            beat = last_beat()
        except DatabaseError as error:
            raise CommandError(f"database unavailable ({type(error).__name__})", returncode=2) from None
        worker = worker_status(beat, now)
        answer = {"database": "ok", "worker": worker, "worker_last_beat_seconds_ago": seconds_since(beat, now)}
        self.stdout.write(json.dumps(answer))
        if worker != "ok":
            raise CommandError("no task worker has beaten recently: start or restart `manage.py db_worker`", returncode=1)
