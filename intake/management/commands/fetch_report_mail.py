"""Fetch report mail now from every e-mail connection (or one), and say what became of it (cron-friendly)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.mail import fetch_report_mail
from spaces.base import SpaceError
from spaces.email.space import EmailSpace
from spaces.models import SpaceConnection


class Command(BaseCommand):
    help = "Turn the mail not yet taken (read or not) in the report mailboxes (IMAP, Maildir or mbox) into reports in the queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", help="Only this e-mail connection (its slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        connections = SpaceConnection.objects.filter(platform=EmailSpace.platform, enabled=True)
        if options["connection"]:
            connections = connections.filter(slug=options["connection"])
            if not connections.exists():
                raise CommandError(f"No enabled e-mail connection {options['connection']!r}.")
        problems = 0
        for connection in connections:
            try:
                result = fetch_report_mail(connection)
            except SpaceError as error:
                problems += 1
                self.stderr.write(f"{connection.slug}: {error.message}")
                continue
            self.stdout.write(f"{connection.slug}: {result.summary()}.")
        if problems:
            raise CommandError(f"{problems} mailbox(es) could not be read.")
