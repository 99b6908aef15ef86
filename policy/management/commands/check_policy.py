from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from policy.errors import PolicyError
from policy.loader import load_policy_file


class Command(BaseCommand):
    help = "Validate a code-of-conduct file without loading it; lists every problem as file:line: field: message."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="policy YAML file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        try:
            policy = load_policy_file(path)
        except PolicyError as exc:
            for problem in exc.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.errors)} problem(s) in {path}.") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: valid. {policy.name} version {policy.version}, in force from {policy.effective_from}; "
                f"{len(policy.categories)} categories, {len(policy.ladder)} ladder levels, {len(policy.spaces)} spaces."
            )
        )
