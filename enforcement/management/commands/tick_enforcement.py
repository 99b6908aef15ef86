"""Run the enforcement sweep now, and make sure the worker has one waiting (cron-friendly)."""

from typing import Any

from django.core.management.base import BaseCommand

from enforcement.schedule import sweep
from enforcement.tasks import ensure_enforcement_sweep


class Command(BaseCommand):
    help = "Apply, lift and check enforcement actions that are due whatever happened to their tasks, and queue the worker's sweep."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = sweep()
        queued = ensure_enforcement_sweep()
        summary = ", ".join(f"{name} {count}" for name, count in counts.items())
        self.stdout.write(f"Enforcement: {summary}; sweep {'queued' if queued else 'already pending'}.")
