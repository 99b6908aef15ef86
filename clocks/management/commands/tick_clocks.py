"""Run the clocks' sweep now, and make sure the worker has a sweep waiting (cron-friendly)."""

from typing import Any

from django.core.management.base import BaseCommand

from clocks.reminders import sweep
from clocks.tasks import ensure_sweep
from notifications.alerts import sweep as sweep_notifications
from notifications.tasks import ensure_notification_sweep
from steward.tasks import ensure_heartbeat


class Command(BaseCommand):
    help = (
        "Send reminders and escalations for passed clocks and the new-report alerts and daily digests, whatever happened to "
        "their tasks, and queue the worker's sweeps."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = sweep()
        queued = ensure_sweep()
        ensure_heartbeat()  # the worker's liveness trace for /health/
        summary = ", ".join(f"{name} {count}" for name, count in counts.items())
        self.stdout.write(f"Clocks: {summary}; sweep {'queued' if queued else 'already pending'}.")
        sent = sweep_notifications()
        ensure_notification_sweep()
        self.stdout.write("Notifications: " + ", ".join(f"{name} {count}" for name, count in sent.items()) + ".")
