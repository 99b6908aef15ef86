"""Read a connection's history (or a Slack export) into screening; resumable after a stop or a kill."""

import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from screening.backfill import MAX_WAIT, Progress, Waits, backfill_slack_export, backfill_space, day_start
from spaces.base import SpaceError, TemporaryFailure
from spaces.models import SpaceConnection

DEFAULT_DAYS = 365


class Command(BaseCommand):
    help = (
        "Store a connection's past content for screening. A stopped or killed run resumes where it left off; "
        f"a rate limit asking to wait up to {MAX_WAIT / 60:.0f} minutes is waited out."
    )
    sleep = staticmethod(time.sleep)  # the tests record the waits instead

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", required=True, help="The connection's slug.")
        parser.add_argument("--since", type=date.fromisoformat, help=f"YYYY-MM-DD (default: {DEFAULT_DAYS} days ago).")
        parser.add_argument("--limit", type=int, help="Stop after this many items (the next run goes on from there).")
        parser.add_argument("--slack-export", type=Path, help="Read this Slack export (.zip) instead of the platform.")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = SpaceConnection.objects.filter(slug=options["connection"]).first()
        if connection is None:
            raise CommandError(f"No connection {options['connection']}.")
        if not connection.watch:
            raise CommandError(f"Connection {connection.slug} is not watched: turn watching on to screen it.")
        since = day_start(options["since"]) if options["since"] else timezone.now() - timedelta(days=DEFAULT_DAYS)
        last = [0.0]
        live = sys.stderr.isatty()  # a terminal gets one bar redrawn in place; a log gets a line a second

        def report(progress: Progress) -> None:
            if time.monotonic() - last[0] >= 1.0:
                last[0] = time.monotonic()
                sys.stderr.write(("\r\033[K" if live else "") + progress.bar() + ("" if live else "\n"))
                sys.stderr.flush()

        def end_bar() -> None:  # before any other output, so it does not run on after the bar
            if live and last[0]:
                sys.stderr.write("\n")
                sys.stderr.flush()
                last[0] = 0.0

        def waiting(part: str, seconds: float, failure: TemporaryFailure) -> None:
            where = f" in {part}" if part else ""
            end_bar()
            self.stdout.write(f"Rate limited{where}: waiting {seconds:.0f} s, then going on from the cursor. ({failure.message})")
            self.stdout.flush()

        waits = Waits(sleep=self.sleep, on_wait=waiting)
        export: Path | None = options["slack_export"]
        try:
            if export is not None:
                if not export.is_file():
                    raise CommandError(f"No file {export}.")
                progress = backfill_slack_export(connection, export, since, limit=options["limit"], on_batch=report)
            else:
                progress = backfill_space(connection, since, limit=options["limit"], on_batch=report, waits=waits)
        except SpaceError as error:  # what was stored so far stays, with its cursor: run again to go on
            end_bar()
            raise CommandError(f"{error.message} The backfill stopped; run it again to go on.") from None
        end_bar()
        state = "done" if progress.finished else "stopped at the limit (run again to go on)"
        resumed = f", resumed {progress.resumed} part(s)" if progress.resumed else ""
        resumed += f", waited {progress.waited:.0f} s for rate limits" if progress.waited else ""
        self.stdout.write(
            f"Backfill {connection.slug}: {state}{resumed}. {progress.line()} over {progress.seconds:.1f} s, {progress.parts} part(s)."
        )
