from typing import Any

from django.core.management.base import BaseCommand

from privacy.leftovers import sweep_leftover_evidence


class Command(BaseCommand):
    help = (
        "Remove evidence files a crash left behind: unfinished temporary files and files no evidence row uses, "
        "older than an hour (the worker's clock sweep does this too). Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = sweep_leftover_evidence()
        self.stdout.write(f"{counts['incoming']} unfinished write(s) and {counts['unused']} unused evidence file(s) removed.")
