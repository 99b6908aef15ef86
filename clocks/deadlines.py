"""What a deadline is, read from the case's own facts: when it falls due, whether it is met, who hears of it.

A deadline is met by what happened in the case, never by another app telling us:
acknowledge → the case was acknowledged; first follow-up → a steward wrote to a reporter;
decision → the case was decided. A closed or merged case stops its clocks.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import DateTimeField, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from cases.access import Standing, committee_standings, standing
from cases.models import Audience, Case, Message
from clocks.models import Deadline, DeadlineKind


def escalate_after() -> timedelta:
    return timedelta(hours=getattr(settings, "STEWARD_ESCALATE_AFTER_HOURS", 24))


def interim_review_within() -> timedelta:
    return timedelta(hours=getattr(settings, "STEWARD_INTERIM_REVIEW_HOURS", 24))


def due_times(case: Case) -> dict[str, datetime]:
    """Each kind's first due time, from the timelines of the policy version the case is handled under."""
    timelines = case.policy_version.policy.timelines
    start = case.created_at
    return {
        DeadlineKind.ACKNOWLEDGE: start + timedelta(hours=timelines.acknowledge_hours),
        DeadlineKind.FIRST_FOLLOW_UP: start + timedelta(days=timelines.first_followup_days),
        DeadlineKind.DECISION: start + timedelta(days=timelines.decision_target_days),
    }


def create_deadlines(case: Case) -> list[Deadline]:
    """The case's three deadlines (those it has not got yet)."""
    existing = set(Deadline.objects.filter(case=case).values_list("kind", flat=True))
    created = []
    for kind, due in due_times(case).items():
        if kind not in existing:
            created.append(Deadline.objects.create(case=case, kind=kind, due_at=due))
    return created


def reporter_messages(case_ref: Any) -> QuerySet[Message]:
    """Messages a steward wrote to a reporter: the follow-up the first-follow-up clock waits for."""
    return Message.objects.filter(case=case_ref, audience=Audience.REPORTER, author__isnull=False, from_reporter=False)


def first_follow_up_at(case: Case) -> datetime | None:
    first = reporter_messages(case).order_by("created_at").values_list("created_at", flat=True).first()
    return first


def fact_for(kind: str, case: Case) -> datetime | None:
    """When the case did what the deadline waits for, or None."""
    if kind == DeadlineKind.ACKNOWLEDGE:
        return case.acknowledged_at
    if kind == DeadlineKind.DECISION:
        return case.decided_at
    return first_follow_up_at(case)


def is_stopped(case: Case) -> bool:
    return case.closed_at is not None or case.merged_into_id is not None


def refresh_met(deadline: Deadline) -> bool:
    """Record met_at from the case's facts; return whether the deadline is met (or no longer running)."""
    if deadline.met_at is None:
        fact = fact_for(deadline.kind, deadline.case)
        if fact is not None:
            deadline.met_at = fact
            Deadline.objects.filter(pk=deadline.pk).update(met_at=fact)
    return deadline.met_at is not None or is_stopped(deadline.case)


def record_met_deadlines() -> int:
    """Bulk version of refresh_met for the sweep: every unmet deadline whose fact now exists."""
    unmet = Deadline.objects.filter(met_at__isnull=True)
    count = unmet.filter(kind=DeadlineKind.ACKNOWLEDGE, case__acknowledged_at__isnull=False).update(
        met_at=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("acknowledged_at")[:1])
    )
    count += unmet.filter(kind=DeadlineKind.DECISION, case__decided_at__isnull=False).update(
        met_at=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("decided_at")[:1])
    )
    first_message = Subquery(
        reporter_messages(OuterRef("case_id")).values("case_id").annotate(first=Min("created_at")).values("first")[:1],
        output_field=DateTimeField(),
    )
    followups = unmet.filter(kind=DeadlineKind.FIRST_FOLLOW_UP).annotate(first=first_message).filter(first__isnull=False)
    for deadline_id, first in followups.values_list("pk", "first"):
        count += Deadline.objects.filter(pk=deadline_id, met_at__isnull=True).update(met_at=first)
    return count


def unmet_overdue(now: datetime) -> QuerySet[Deadline]:
    """Deadlines past due whose fact has not happened, checked live (met_at may wait for the next sweep)."""
    followed_up = Exists(reporter_messages(OuterRef("case_id")))
    return (
        running_overdue(now)
        .exclude(kind=DeadlineKind.ACKNOWLEDGE, case__acknowledged_at__isnull=False)
        .exclude(kind=DeadlineKind.DECISION, case__decided_at__isnull=False)
        .exclude(Q(kind=DeadlineKind.FIRST_FOLLOW_UP) & Q(followed_up))
    )


def overdue_cases_q(now: datetime | None = None) -> Q:
    """A filter for Case querysets: cases with a passed, unmet deadline (for an "Overdue" queue tab)."""
    return Q(Exists(unmet_overdue(now or timezone.now()).filter(case_id=OuterRef("pk"))))


def running_overdue(now: datetime) -> QuerySet[Deadline]:
    """Deadlines past due and not met, on cases that are still open."""
    return Deadline.objects.filter(due_at__lte=now, met_at__isnull=True).filter(
        Q(case__closed_at__isnull=True) & Q(case__merged_into__isnull=True)
    )


# --- Who hears about a case --------------------------------------------------------------------


def _with_email(users: list[Any]) -> list[Any]:
    return [user for user in users if user.email]


def _standings(case: Case) -> list[tuple[Any, Standing]]:
    # The whole committee at once (a few queries, however many stewards), in a stable order.
    return sorted(committee_standings(case), key=lambda pair: pair[0].pk)


def committee(case: Case) -> list[Any]:
    """Every active steward who is not hard-conflicted (they may know the code name; nothing more goes out)."""
    return _with_email([steward for steward, held in _standings(case) if held is not Standing.HIDDEN])


def unconflicted_stewards(case: Case) -> list[Any]:
    """The stewards with no conflict on the case; when none has declared yet, the committee."""
    unconflicted = _with_email([steward for steward, held in _standings(case) if held is Standing.UNCONFLICTED])
    return unconflicted or committee(case)


def reminder_recipients(case: Case) -> list[Any]:
    """The shepherd; with none, the unconflicted stewards; with none of those either, the committee."""
    shepherd = case.shepherd
    if shepherd is not None and standing(shepherd, case) is Standing.UNCONFLICTED and shepherd.email:
        return [shepherd]
    return unconflicted_stewards(case)


# --- How the case page shows a clock ---------------------------------------------------------


@dataclass(frozen=True)
class ClockState:
    state: str  # "met", "due", "overdue", "stopped"
    met_at: datetime | None
    hours_left: int = 0
    overdue_since: datetime | None = None


def clock_state(deadline: Deadline, now: datetime | None = None) -> ClockState:
    now = now or timezone.now()
    met_at = deadline.met_at or fact_for(deadline.kind, deadline.case)
    if met_at is not None:
        return ClockState("met", met_at)
    if is_stopped(deadline.case):
        return ClockState("stopped", None)
    if deadline.due_at <= now:
        return ClockState("overdue", None, overdue_since=deadline.due_at)
    return ClockState("due", None, hours_left=int((deadline.due_at - now).total_seconds() // 3600))
