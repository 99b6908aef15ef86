import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from steward.benchdata.build import Scale, build, refusal
from steward.benchdata.sample import PASSWORD, PREFIX


class Command(BaseCommand):
    help = (
        "Build the benchmark data set (docs/performance.md): a sample of cases through the real actions, then bulk "
        "copies up to --cases. Only into a migrated, empty database (set DATABASE_URL), never one in use."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        default = Scale()
        parser.add_argument("--cases", type=int, default=default.cases)
        parser.add_argument("--events-per-case", type=int, default=default.events_per_case, help="average timeline events per copy")
        parser.add_argument("--stewards", type=int, default=default.stewards)
        parser.add_argument("--sample", type=int, default=default.sample, help="cases built through the actions")
        parser.add_argument("--long-cases", type=int, default=default.long_cases, help="cases with --long-events events each")
        parser.add_argument("--long-events", type=int, default=default.long_events)
        parser.add_argument("--flags", type=int, default=0, help="open screening flags (default: one per 50 cases)")
        parser.add_argument("--seed", type=int, default=default.seed)
        parser.add_argument("--force", action="store_true", help="build even into a database that holds other data")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["stewards"] < 3:
            raise CommandError("At least 3 stewards: one who reads most cases, others, and one who has declared nothing.")
        reason = refusal()
        if reason and not options["force"]:
            raise CommandError(
                f"Refusing to add benchmark data to {settings.DATABASES['default']['NAME']}: {reason}. "
                "Point DATABASE_URL at a fresh database (migrate, load_policy), or pass --force if you really mean it."
            )
        scale = Scale(
            cases=options["cases"],
            events_per_case=options["events_per_case"],
            stewards=options["stewards"],
            sample=options["sample"],
            long_cases=options["long_cases"],
            long_events=options["long_events"],
            flags=options["flags"],
            seed=options["seed"],
        )
        started = time.monotonic()
        self.stdout.write(f"Building {scale.cases} cases, ~{scale.events_per_case} events each, {scale.stewards} stewards:")
        built = build(scale, say=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Built {built.cases} cases, {built.events} timeline events, {built.flags} flags in {time.monotonic() - started:.0f} s."
            )
        )
        self.stdout.write(
            f"Stewards {PREFIX}s01 (reads most cases) .. {PREFIX}s{scale.stewards:02d} (declared nothing); password {PASSWORD}"
        )
