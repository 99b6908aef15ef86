"""The anonymous facts of every case opened in a span of months, erased or not.

One shape for both: an erased case left its `CaseStatistic` row (privacy.erasure); a live case gets the
same row built in memory by the same `statistic_for`, never saved. Whatever reads these facts (the
transparency report) therefore counts a case the same before and after its erasure, and sees nothing a
statistic does not hold: no code name, report, party or steward.
"""

from collections.abc import Iterator
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from cases.models import Case
from privacy.erasure import statistic_for
from privacy.models import CaseStatistic


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _month_after(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def case_facts(first_month: date, last_month: date) -> Iterator[CaseStatistic]:
    """Cases opened from the first day of `first_month` to the end of `last_month` (local time, as
    `CaseStatistic.created_month` is), each once: a case joined into another counts in the case it joined."""
    first_month, last_month = first_month.replace(day=1), last_month.replace(day=1)
    # In one transaction: on SQLite one snapshot; elsewhere a case erased in the moment between the two reads
    # could count twice, which a report on a closed period (erasure comes years later) does not meet.
    with transaction.atomic():
        erased = list(CaseStatistic.objects.filter(created_month__gte=first_month, created_month__lte=last_month))
        live = Case.objects.filter(
            created_at__gte=_start_of(first_month), created_at__lt=_start_of(_month_after(last_month)), merged_into__isnull=True
        ).order_by("created_at", "pk")
        built = [statistic_for(case) for case in live]
    yield from erased
    yield from built
