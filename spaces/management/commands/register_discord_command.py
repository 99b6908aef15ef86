"""Register Discord's "Report message" command for each enabled Discord connection (safe to run again)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spaces.base import SpaceError
from spaces.discord.space import DiscordSpace, register_report_command
from spaces.models import SpaceConnection
from spaces.registry import space_for


class Command(BaseCommand):
    help = (
        'Register the "Report message" command of each enabled Discord connection in its server, or with --global for '
        "every server the application is in. Repeating it changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", help="Only this connection (its slug).")
        parser.add_argument(
            "--global",
            action="store_true",
            dest="everywhere",
            help="Register a global command (every server the bot is in; Discord may take a while to show it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connections = SpaceConnection.objects.filter(platform="discord", enabled=True).order_by("slug")
        if options["connection"]:
            connections = connections.filter(slug=options["connection"])
        if not connections:
            raise CommandError(
                "No enabled Discord connection" + (f" with the slug {options['connection']!r}." if options["connection"] else ".")
            )
        failed = []
        for connection in connections:
            space = space_for(connection)
            assert isinstance(space, DiscordSpace)
            try:
                self.stdout.write(f"{connection.slug}: {register_report_command(space, everywhere=options['everywhere'])}")
            except SpaceError as failure:
                failed.append(connection.slug)
                self.stderr.write(f"{connection.slug}: {failure.message}")
        if failed:
            raise CommandError(f"Could not register the command for {', '.join(failed)}.")
