"""How long cases take (REQUIREMENTS 3.5): per case, and the median over the cases of a period.

Measured from the case's own facts: opened (created_at) → acknowledged, → first message from a
steward to a reporter, → decided. Transparency reports read `period_times`; the case page shows
`case_times`. A case that has not reached a step yet is left out of that step's median.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import DateTimeField, Min, OuterRef, Subquery

from cases.models import Case
from clocks.deadlines import first_follow_up_at, reporter_messages


@dataclass(frozen=True)
class CaseTimes:
    to_acknowledgement: timedelta | None
    to_first_follow_up: timedelta | None
    to_decision: timedelta | None


@dataclass(frozen=True)
class PeriodTimes:
    cases: int
    acknowledged: int
    followed_up: int
    decided: int
    median_to_acknowledgement: timedelta | None
    median_to_first_follow_up: timedelta | None
    median_to_decision: timedelta | None


def _since(start: datetime, end: datetime | None) -> timedelta | None:
    return end - start if end is not None else None


def case_times(case: Case) -> CaseTimes:
    return CaseTimes(
        to_acknowledgement=_since(case.created_at, case.acknowledged_at),
        to_first_follow_up=_since(case.created_at, first_follow_up_at(case)),
        to_decision=_since(case.created_at, case.decided_at),
    )


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def period_times(start: datetime, end: datetime) -> PeriodTimes:
    """Cases opened in [start, end) (merged-away cases are counted in the case they joined)."""
    first_message = Subquery(
        reporter_messages(OuterRef("pk")).values("case_id").annotate(first=Min("created_at")).values("first")[:1],
        output_field=DateTimeField(),
    )
    rows = (
        Case.objects.filter(created_at__gte=start, created_at__lt=end, merged_into__isnull=True)
        .annotate(first_follow_up=first_message)
        .values_list("created_at", "acknowledged_at", "first_follow_up", "decided_at")
    )
    acks: list[timedelta] = []
    follow_ups: list[timedelta] = []
    decisions: list[timedelta] = []
    count = 0
    for created, acknowledged, followed_up, decided in rows:
        count += 1
        for bucket, moment in ((acks, acknowledged), (follow_ups, followed_up), (decisions, decided)):
            if moment is not None:
                bucket.append(moment - created)
    return PeriodTimes(
        cases=count,
        acknowledged=len(acks),
        followed_up=len(follow_ups),
        decided=len(decisions),
        median_to_acknowledgement=_median(acks),
        median_to_first_follow_up=_median(follow_ups),
        median_to_decision=_median(decisions),
    )


def hours(value: timedelta | None) -> float | None:
    """A duration in hours, one decimal, for display and export."""
    return None if value is None else round(value.total_seconds() / 3600, 1)
