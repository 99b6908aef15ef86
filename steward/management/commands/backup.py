from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from steward.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Write the database and the evidence files into one archive with a manifest of SHA-256 hashes (safe while the site runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "output", nargs="?", help="the archive to write, or a directory for steward-backup-<time>.tar.gz (default: the current one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"] or ".")
        if output.is_dir():
            output = output / f"steward-backup-{timezone.now():%Y%m%dT%H%M%SZ}.tar.gz"
        try:
            manifest = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        evidence = len(manifest["files"]) - 1
        numbers = ", ".join(f"{number} {what.replace('_', ' ')}" for what, number in manifest["counts"].items())
        written = f"Backup written to {output}: the {manifest['database']} database ({numbers}) and {evidence} evidence files."
        self.stdout.write(self.style.SUCCESS(written))
        self.stdout.write("It holds no keys: keep STEWARD_ENCRYPTION_KEYS, STEWARD_INDEX_KEY and STEWARD_AUDIT_KEYS backed up elsewhere.")
