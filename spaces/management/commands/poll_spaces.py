"""Read every watched space now, and make sure the worker has a poll waiting (cron-friendly, like tick_clocks)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spaces.polling import poll_all
from spaces.tasks import ensure_polling


class Command(BaseCommand):
    help = "Read new content and moderation logs from the watched spaces, fetch report mail, and queue the worker's poll."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", help="Only this connection (its slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        result = poll_all(only=options["connection"])
        queued = ensure_polling()
        read = [f"{key} {count}" for key, count in result.read.items()]
        # Report mail is counted apart: a poll that turned mail into reports did read something.
        mail = [f"{slug}:mail {count} report{'' if count == 1 else 's'} taken" for slug, count in result.mail.items()]
        said = ", ".join(read + mail) or "nothing read"
        failed = f"; failed: {', '.join(result.failed)}" if result.failed else ""
        self.stdout.write(f"Spaces: {said}{failed}; poll {'queued' if queued else 'already pending'}.")
