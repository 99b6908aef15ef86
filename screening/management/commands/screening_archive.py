"""manage.py screening_archive --connection SLUG PATH: read a mailing-list archive (mbox) into screening.

Mailman 2's pipermail archives (`.mbox`, `.txt`, `.txt.gz`) and HyperKitty's mbox export are all mbox files.
Each message is stored once however often the archive is read; see screening.archives.
"""

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.archives import ArchiveError, Progress, read_archive
from spaces.models import SpaceConnection


class Command(BaseCommand):
    help = "Store a mailing-list archive (an mbox file) for screening, each message once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The mbox file (a pipermail .txt or .txt.gz, a HyperKitty export).")
        parser.add_argument("--connection", required=True, help="The slug of a watched mailman or email connection.")
        parser.add_argument(
            "--list-address",
            action="append",
            default=[],
            help="The list's own address, not a person (repeatable; the list headers and the connection's lists are used too).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = SpaceConnection.objects.filter(slug=options["connection"]).first()
        if connection is None:
            raise CommandError(f"No connection {options['connection']}.")
        last = [0.0]

        def report(progress: Progress) -> None:
            if time.monotonic() - last[0] >= 1.0:
                last[0] = time.monotonic()
                sys.stderr.write(progress.line() + "\n")
                sys.stderr.flush()

        try:
            progress = read_archive(connection, options["path"], list_names=options["list_address"], on_batch=report)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Archive {options['path'].name} into {connection.slug}: {progress.line()} over {progress.seconds:.1f} s.")
