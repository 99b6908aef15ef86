"""Print (and optionally append to a file or mail) a signed checkpoint of the audit log's head."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoint import CheckpointError, take_checkpoint
from audit.log import verify_chain


class Command(BaseCommand):
    help = (
        "Sign the audit log's newest event and print the checkpoint line. Keep it outside this machine's database "
        "(--output on another volume, --mail to someone outside the committee); verify_audit --checkpoints checks it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="append the line to this file (created if missing)")
        parser.add_argument("--mail", action="append", default=[], metavar="ADDRESS", help="mail the line to this address (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        # Pinning a log that is already broken would only vouch for the damage.
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"No checkpoint taken: the audit chain is broken at event #{report.first_broken_id}: {report.reason}.")
        try:
            line = take_checkpoint().line()
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        if options["output"]:
            with options["output"].open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        if options["mail"]:
            body = (
                "A checkpoint of the Steward audit log. Keep this mail: `manage.py verify_audit --checkpoint '<line>'` "
                "uses it to detect a log that was cut back or rewritten behind it.\n\n" + line + "\n"
            )
            send_mail("Steward audit checkpoint", body, settings.DEFAULT_FROM_EMAIL, options["mail"])
        self.stdout.write(line)
