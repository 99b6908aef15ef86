from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from steward.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Put a `manage.py backup` archive into an empty database (DATABASE_URL) and evidence directory, then check it."
    # The database is empty until this has run: checks that read it would fail.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the archive `manage.py backup` wrote")

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"{archive} is not a file.")
        try:
            report = restore_backup(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = report.manifest
        numbers = ", ".join(f"{number} {what.replace('_', ' ')}" for what, number in report.counts.items())
        self.stdout.write(f"Restored the backup of {manifest['created_at']}: {numbers}; {report.evidence_files} evidence files.")
        if report.problems:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(report.problems)} problem(s) after restoring; the site should not be started on this copy yet.")
        self.stdout.write(self.style.SUCCESS(f"Every file matched its hash; the audit chain verifies ({report.audit_checked} events)."))
        self.stdout.write(
            "Next: `manage.py migrate` (if this release is newer than the backup), `manage.py verify_audit --checkpoints FILE` "
            "with your off-site checkpoints, and `manage.py erase_expired` (cases due for erasure since the backup)."
        )
