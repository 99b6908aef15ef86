from typing import Any

from django.core.management.base import BaseCommand

from privacy.tasks import erase_expired_cases


class Command(BaseCommand):
    help = "Erase every case past its retention date that has no legal hold (run daily, e.g. from cron). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        erased = erase_expired_cases.call()
        self.stdout.write(f"{erased} case(s) erased.")
