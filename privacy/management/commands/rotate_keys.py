from typing import Any

from django.core.management.base import BaseCommand, CommandError

from privacy.keys import DecryptionError
from privacy.rotation import rotate_everything


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value and evidence file with the newest key in STEWARD_ENCRYPTION_KEYS. Safe to re-run."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        try:
            rotate_everything(batch_size, report=self.stdout.write)
        except DecryptionError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS("Everything is encrypted with the newest key. The older keys can now be removed."))
