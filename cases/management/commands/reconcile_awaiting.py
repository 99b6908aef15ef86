"""Make every steward's "waiting for your declaration" rows true now (cases.awaiting); the worker does it daily."""

from typing import Any

from django.core.management.base import BaseCommand

from cases.awaiting import reconcile


class Command(BaseCommand):
    help = "Repair the rows behind each steward's list of cases awaiting their declaration, and say what changed."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = reconcile()
        if "already_running" in counts:
            self.stdout.write("Another process is repairing the rows now; nothing done.")
            return
        self.stdout.write(f"Awaiting declarations: {counts['added']} added, {counts['removed']} removed.")
