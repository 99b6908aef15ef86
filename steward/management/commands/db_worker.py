"""`manage.py db_worker`: django_tasks_db's command, running steward's worker (steward.worker) instead of its own.

The same name, options and behaviour as django_tasks_db's (the docs, the systemd unit and the Procfile call it), so
operators run what they always ran; Django finds this one first because "steward" comes before "django_tasks_db"
in INSTALLED_APPS. What changes: a lost database connection no longer ends the worker (see steward.worker).
"""

import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from privacy.canary import refuse_unless_keys_read
from steward.worker import ResilientWorker


class Command(db_worker.Command):
    help = "Run the task worker: takes queued tasks from the database and survives losing the database for a while"

    def handle(  # the upstream handle, with steward's worker (it builds its Worker by name, so it cannot be swapped in)
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            db_worker.logger.warning("Warning: --reload and --batch cannot be specified together. Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")

        # Before the worker takes any task: with keys that cannot read this database every task touching a case
        # would fail (and be retried, and fail); the operator gets one clear message and the queue is left alone.
        try:
            refuse_unless_keys_read()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None

        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child runs tasks
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
