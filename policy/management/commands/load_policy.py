from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from policy.errors import PolicyError
from policy.services import load_policy_version


class Command(BaseCommand):
    help = "Validate a code-of-conduct file and store it as a new policy version if it changed."
    # Loading a fixed file must work even while the configured default file is broken.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="policy YAML file (default: settings.STEWARD_POLICY_FILE)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"] or settings.STEWARD_POLICY_FILE)
        try:
            version, created = load_policy_version(path)
        except PolicyError as exc:
            for problem in exc.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.errors)} problem(s) in {path}; nothing was loaded.") from exc
        if created:
            self.stdout.write(
                self.style.SUCCESS(f"Loaded {version.name} version {version.version}, in force from {version.effective_from}.")
            )
            declared = version.policy.version
            if declared != version.version:
                self.stdout.write(
                    f'The file still says version "{declared}", which is already loaded with other content: '
                    f'stored as "{version.version}". Cases opened under "{declared}" keep it; new cases use "{version.version}".'
                )
        else:
            self.stdout.write(f"{version.name} version {version.version} is already loaded; nothing changed.")
