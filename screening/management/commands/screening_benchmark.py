"""manage.py screening_benchmark data.csv [--json]: quality, speed and size of the screening model."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from screening.model.benchmark import as_text, run
from screening.model.scorer import DefaultScorer, model_dir
from screening.model.training import read_csv


class Command(BaseCommand):
    help = "Measure the screening model on a labelled CSV (text,label,source,group,content_type,category)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv", type=Path)
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
        parser.add_argument("--model-dir", type=Path, default=None, help="a model directory (default: the configured one)")
        parser.add_argument("--bootstrap", type=int, default=1000, help="resamples for the F1 interval")
        parser.add_argument("--no-speed", action="store_true", help="skip throughput, cold start and memory")
        parser.add_argument("--no-encoder", action="store_true", help="the linear heads alone, without the encoder stage")

    def handle(self, *args: Any, **opts: Any) -> None:
        directory = opts["model_dir"] or model_dir()
        rows = read_csv(opts["csv"])
        scorer = DefaultScorer(directory, encoder=False if opts["no_encoder"] else None)
        report = run(rows, scorer, directory, boot=opts["bootstrap"], measure_speed=not opts["no_speed"])
        self.stdout.write(json.dumps(report, indent=1) if opts["json"] else as_text(report))
