"""manage.py retrain_screening [--out DIR]: retrain on the shared data plus this community's steward labels.

A reviewed flag is a label: dismissed → not a violation of its category, acted on or turned into a case → a
violation of the category the steward filed it under (the flag's own unless they chose another). Those rows join
the training data of the heads for that category and the item's kind (the single-text harassment head's too); a
category no shipped head covers (a personal attack, say) gets a head of its own once the stewards have filed enough
examples under it. A flag of the sustained-targeting pattern is no text label and stays out. Point
settings.STEWARD_SCREENING_MODEL_DIR at the output to use it.

The encoder stage is not retrained here (that needs torch: scripts/encoder/train.py); the new model keeps the
shipped one, averaged with the retrained issue-incivility head at the cross-validated threshold.
"""

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.model.encoder import DIRECTORY as ENCODER_DIRECTORY
from screening.model.runtime import SHIPPED_DIR
from screening.model.training import Row, community_rows, load_shared, train

DEFAULT_DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "screening"


def steward_labels() -> list[tuple[str, str, str, bool]]:
    """(text, kind, category, violation?) for every reviewed text flag.

    A text flag of `harassment` (the single-text head's) is a label like any other: its rows join the training of
    that head (screening.model.attacks.target_rows takes the stewards' rows of its category and kinds), or, where a
    retrain does not ship that head, count toward a head grown from the stewards' labels. A pattern flag
    (`Flag.pattern`, screening.pipeline) judges a series of messages, not the one text it sits on: never a row,
    whatever the steward filed it under.
    """
    from screening.models import Flag  # imported late: the app may not be installed where the module is imported

    flags = Flag.objects.filter(label__isnull=False, pattern=False).select_related("item")
    return [(f.item.text, f.item.kind, f.label_category or f.category, bool(f.label)) for f in flags.iterator()]


def build_rows(labels: Iterable[tuple[str, str, str, bool]]) -> list[Row]:
    return community_rows(labels)


class Command(BaseCommand):
    help = "Retrain the screening model on the shared data plus the stewards' reviewed flags."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", type=Path, default=Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")) / "screening-model"
        )
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared labelled CSVs")
        parser.add_argument("--cv", action="store_true", help="also cross-validate (minutes; figures go to the manifest)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["data"].is_dir():
            raise CommandError(f"no training data at {opts['data']}")
        ds = load_shared(opts["data"])
        extra = build_rows(steward_labels())
        ds.rows.extend(extra)
        self.stdout.write(f"{len(ds.rows) - len(extra)} shared rows, {len(extra)} steward labels")
        manifest = train(ds, opts["out"], cross_validate=opts["cv"], log=self.stdout.write, note="retrained with steward labels")
        if (SHIPPED_DIR / ENCODER_DIRECTORY).is_dir() and opts["out"].resolve() != SHIPPED_DIR.resolve():
            shutil.copytree(SHIPPED_DIR / ENCODER_DIRECTORY, opts["out"] / ENCODER_DIRECTORY, dirs_exist_ok=True)
            self.stdout.write("the shipped encoder stage is kept with it")
        self.stdout.write(self.style.SUCCESS(f"model {manifest['version']} written to {opts['out']}"))
        self.stdout.write(f"use it: STEWARD_SCREENING_MODEL_DIR = {str(opts['out'])!r}")
