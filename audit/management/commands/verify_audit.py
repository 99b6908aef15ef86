from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoint import CheckpointError, check_checkpoint, parse_checkpoint
from audit.log import ChainReport, verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's signed hash chain and any checkpoints given; report the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checkpoint", action="append", default=[], metavar="LINE", help="a line printed by audit_checkpoint")
        parser.add_argument(
            "--checkpoints", type=Path, metavar="FILE", help="a file of checkpoint lines (blank lines and # comments ignored)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        lines = list(options["checkpoint"])
        if options["checkpoints"]:
            try:
                text = options["checkpoints"].read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot read the checkpoints file: {error}") from None
            lines += [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        try:
            checkpoints = [parse_checkpoint(line) for line in lines]
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at event #{report.first_broken_id} after {report.checked} good events: {report.reason}."
            )
        for checkpoint in checkpoints:
            try:
                check_checkpoint(checkpoint)
            except CheckpointError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified."))
        for line in describe_signing(report):
            self.stdout.write(line)
        if checkpoints:
            newest = max(checkpoints, key=lambda checkpoint: checkpoint.event_id)
            self.stdout.write(f"{len(checkpoints)} checkpoint(s) hold, the newest at event #{newest.event_id} ({newest.at.isoformat()}).")
        else:
            self.stdout.write("No checkpoints given: a log cut back to an earlier state would go unnoticed (see audit_checkpoint).")


def describe_signing(report: ChainReport) -> list[str]:
    if report.first_signed_id is None:
        if not report.checked:
            return []
        return [
            f"WARNING: none of the {report.checked} events is signed: anyone who can write the database could have rewritten "
            "them all. The next event written is signed and pins them."
        ]
    lines = [f"Signed with audit key(s) {', '.join(report.key_ids)}, from event #{report.first_signed_id} on."]
    if report.unsigned:
        lines.append(
            f"The {report.unsigned} events before #{report.first_signed_id} were written before the log was signed: they are "
            f"checked by their plain hash chain, which the signed event #{report.first_signed_id} pins."
        )
    return lines
