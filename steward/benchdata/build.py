"""Building the benchmark data set: the sample through the actions, then bulk copies to the asked volume."""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.models import Event
from cases.models import Case
from screening.models import Flag, Item
from steward.benchdata.copies import Copier, Copy, Graph, copy_cases, load_template, steward_person_ids
from steward.benchdata.sample import PREFIX, build_case, build_long_case, create_stewards, screen_items


@dataclass(frozen=True)
class Scale:
    cases: int = 100_000
    events_per_case: int = 10
    stewards: int = 5
    sample: int = 200  # cases built through the actions; the rest are copies of them
    long_cases: int = 3  # cases with about `long_events` timeline events each
    long_events: int = 1000
    flags: int = 0  # open screening flags; 0: one per 50 cases
    years: float = 5.0  # copies are spread over this much history
    seed: int = 12


@dataclass
class Built:
    seconds: dict[str, float] = field(default_factory=dict)
    cases: int = 0
    events: int = 0
    flags: int = 0


def refusal() -> str:
    """Why this database must not receive benchmark data ("" when it may): anything but a migrated, empty one."""
    others = User.objects.exclude(username__startswith=PREFIX).count()
    if others:
        return f"it has {others} user(s) that are not benchmark stewards"
    if User.objects.exists() or Case.objects.exists():
        return "it already holds benchmark data (build into a fresh database)"
    return ""


def build(scale: Scale, say: Callable[[str], None] = print) -> Built:
    rng = random.Random(scale.seed)  # noqa: S311 - a reproducible mix, not a secret
    built = Built()
    clock = time.monotonic()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.monotonic()
        built.seconds[stage] = now - clock
        clock = now
        say(f"  {stage}: {built.seconds[stage]:.1f} s")

    stewards = create_stewards(scale.stewards)
    lap(f"{scale.stewards} stewards")
    long_cases = min(scale.long_cases, max(scale.cases - 1, 0))
    sample_size = min(scale.sample, scale.cases - long_cases)
    sample = []
    for n in range(sample_size):
        with transaction.atomic():
            sample.append(build_case(rng, stewards, n).case)
    _backdate(sample, scale.years, rng)
    lap(f"{sample_size} sample cases through the actions")
    long = [build_long_case(rng, stewards, sample_size, scale.long_events)] if long_cases else []
    lap(f"1 case with {scale.long_events} events through the actions" if long else "no long case")
    screen_items(2)
    lap("screening sample through the scorer")

    persons = steward_person_ids()
    graph = Graph.of(Case)
    templates = [load_template(graph, case.pk, persons) for case in sample]
    long_templates = [load_template(graph, case.pk, persons) for case in long]
    copies = max(scale.cases - sample_size - long_cases, 0)

    def progress(done: int, events: int) -> None:
        if done % 10_000 < 500 or done == copies:
            say(f"    {done}/{copies} copies, {events} events")

    built.events += copy_cases(long_templates, long_cases - len(long), start_serial=0, events_per_case=0, years=scale.years, rng=rng)
    built.events += copy_cases(
        templates,
        copies,
        start_serial=long_cases,
        events_per_case=scale.events_per_case,
        years=scale.years,
        rng=rng,
        progress=progress,
    )
    lap(f"{copies + long_cases - len(long)} copied cases")
    built.flags = copy_flags(scale.flags or scale.cases // 50, rng)
    lap("copied flags")
    built.cases = Case.objects.count()
    built.events = Event.objects.filter(case_id__isnull=False).count()
    return built


def _backdate(cases: list[Case], years: float, rng: random.Random) -> None:
    now = timezone.now()
    for case in cases:
        Case.objects.filter(pk=case.pk).update(created_at=now - timedelta(days=rng.uniform(0, 365 * years)))


def copy_flags(wanted: int, rng: random.Random, batch_size: int = 500) -> int:
    """Copies of the scored sample items that raised flags, until about `wanted` open flags exist."""
    graph = Graph.of(Item)
    flagged = Item.objects.filter(flags__isnull=False).distinct().values_list("pk", flat=True)
    templates = [load_template(graph, pk, set()) for pk in flagged]
    for template in templates:
        template.persons, template.events = [], []  # authors stay the same people; events are the cases'
    if not templates:
        return 0
    per_item = max(1, Flag.objects.count() // len(templates))
    copier = Copier(graph)
    count = max(0, (wanted - Flag.objects.count()) // per_item)
    for first in range(0, count, batch_size):
        batch = []
        for serial in range(first, min(count, first + batch_size)):
            template = rng.choice(templates)
            batch.append(Copy(serial, template, template.created_at - timedelta(hours=rng.uniform(0, 24 * 30)), 0, False))
        copier.write(batch)
    return Flag.objects.count()
