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
        # Each mailbox says what became of its mail in its fetcher's words (as fetch_report_mail does): reports taken are
        # something read.
        read += [f"{slug} mail: {summary}" for slug, summary in result.mail_summaries.items()]
        failed = f"; failed: {', '.join(result.failed)}" if result.failed else ""
        if result.already_running:
            read = ["nothing read (a worker is polling now)"]
        self.stdout.write(f"Spaces: {', '.join(read) or 'nothing read'}{failed}; poll {'queued' if queued else 'already pending'}.")
