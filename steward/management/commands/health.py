"""`manage.py health`: /health/'s answer from the command line, for monitors and the container's HEALTHCHECK.

Exit status: 0 healthy, 1 degraded (no worker beat within STEWARD_WORKER_STALE_SECONDS), 2 no database.
The worker container's HEALTHCHECK runs it (deploy/container/healthcheck.py).
"""

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from steward.health import worker_beat_age


class Command(BaseCommand):
    help = "Whether the database answers and a task worker beat recently; non-zero exit status if not."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            age = worker_beat_age()
        except DatabaseError as error:
            raise CommandError(f"database unavailable ({type(error).__name__})", returncode=2) from None
        alive = age is not None and age <= settings.STEWARD_WORKER_STALE_SECONDS
        self.stdout.write(
            json.dumps(
                {
                    "database": "ok",
                    "worker": "ok" if alive else ("stale" if age is not None else "never seen"),
                    "worker_last_beat_seconds_ago": age,
                }
            )
        )
        if not alive:
            raise CommandError("no task worker has beaten recently: start or restart `manage.py db_worker`", returncode=1)
