"""What the worker does when a clock passes. Every function takes ids, locks its row, and is idempotent.

Running any of these twice, or after a restart, or from both a task and the sweep, has the effect of
running it once: the row lock serialises the runs and reminded_at / escalated_at / the generation
say whether there is anything left to do.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.log import record
from cases.models import Case
from clocks.deadlines import (
    committee,
    create_deadlines,
    escalate_after,
    record_met_deadlines,
    refresh_met,
    reminder_recipients,
    running_overdue,
)
from clocks.models import Deadline, InterimMeasure, Stage
from clocks.notify import add_recipients, retry_undelivered
from letters.outbox import recover_stalled_mail
from privacy.leftovers import sweep_leftover_evidence
from steward.once import exclusive
from steward.ratelimit import purge_expired

GONE, SUPERSEDED, MET, ALREADY, NOT_DUE, SENT = "gone", "superseded", "met", "already", "not due", "sent"


def _locked_deadline(deadline_id: int) -> Deadline | None:
    return (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("case__policy_version", "case__shepherd")
        .filter(pk=deadline_id)
        .first()
    )


def _skip(deadline: Deadline | None, generation: int | None) -> str:
    if deadline is None:
        return GONE
    if generation is not None and deadline.generation != generation:
        return SUPERSEDED
    if refresh_met(deadline):
        return MET
    return ""


@dataclass(frozen=True)
class _Stage:
    """One stage of a passed clock: who hears, when, and how it is recorded."""

    stage: str
    stamp: str  # the Deadline field that says this stage happened
    delay: Callable[[], timedelta]
    recipients: Callable[[Case], list[Any]]
    kind: str
    summary: str


REMINDER = _Stage(
    Stage.REMINDER, "reminded_at", timedelta, reminder_recipients, "clock.reminded", "Overdue: {what}; reminder sent to {count} steward(s)"
)
ESCALATION = _Stage(
    Stage.ESCALATION, "escalated_at", escalate_after, committee, "clock.escalated", "Still overdue: {what}; escalated to {count} steward(s)"
)


def _run_stage(spec: _Stage, deadline_id: int, generation: int | None, now: datetime | None) -> str:
    now = now or timezone.now()
    with transaction.atomic():
        deadline = _locked_deadline(deadline_id)
        skip = _skip(deadline, generation)
        if skip or deadline is None:
            return skip
        if getattr(deadline, spec.stamp) is not None:
            return ALREADY
        if deadline.due_at + spec.delay() > now:
            return NOT_DUE
        recipients = spec.recipients(deadline.case)
        add_recipients(recipients, spec.stage, deadline=deadline)
        setattr(deadline, spec.stamp, now)
        deadline.save(update_fields=[spec.stamp])
        record(
            spec.kind,
            spec.summary.format(what=deadline.get_kind_display(), count=len(recipients)),
            actor_label="clock",
            case_id=deadline.case_id,
            data={
                "deadline": deadline.pk,
                "kind": deadline.kind,
                "generation": deadline.generation,
                "stewards": [s.pk for s in recipients],
            },
        )
    return SENT


def remind(deadline_id: int, generation: int | None = None, now: datetime | None = None) -> str:
    """The first stage: the shepherd (or the unconflicted stewards) hear that the deadline passed."""
    return _run_stage(REMINDER, deadline_id, generation, now)


def escalate(deadline_id: int, generation: int | None = None, now: datetime | None = None) -> str:
    """The second stage: the whole committee (everyone not hard-conflicted) hears of it."""
    return _run_stage(ESCALATION, deadline_id, generation, now)


def escalate_measure(measure_id: int, now: datetime | None = None) -> str:
    """An interim measure nobody reviewed in time goes to the whole committee."""
    now = now or timezone.now()
    with transaction.atomic():
        measure = InterimMeasure.objects.select_for_update(of=("self",)).select_related("case").filter(pk=measure_id).first()
        if measure is None:
            return GONE
        if measure.reviewed_at is not None:
            return MET
        if measure.escalated_at is not None:
            return ALREADY
        if measure.review_due > now:
            return NOT_DUE
        recipients = committee(measure.case)
        add_recipients(recipients, Stage.ESCALATION, measure=measure)
        measure.escalated_at = now
        measure.save(update_fields=["escalated_at"])
        record(
            "interim.escalated",
            f"Interim measure not reviewed in time; escalated to {len(recipients)} steward(s)",
            actor_label="clock",
            case_id=measure.case_id,
            data={"measure": measure.pk, "stewards": [s.pk for s in recipients]},
        )
    return SENT


@exclusive("clocks.sweep", busy=lambda: {"already_running": 1})
def sweep(now: datetime | None = None) -> dict[str, int]:
    """Catch everything whatever happened to its tasks: missing deadlines, passed clocks, unsent mail, and the
    evidence files a crashed upload or erasure left behind."""
    now = now or timezone.now()
    counts = dict.fromkeys(("created", "met", "reminded", "escalated", "measures", "delivered", "mail_recovered"), 0)
    for case in Case.objects.filter(deadlines__isnull=True, closed_at__isnull=True, merged_into__isnull=True).select_related(
        "policy_version"
    ):
        with transaction.atomic():
            counts["created"] += len(create_deadlines(case))
    counts["met"] = record_met_deadlines()
    overdue = running_overdue(now)
    for deadline_id in overdue.filter(reminded_at__isnull=True).values_list("pk", flat=True):
        counts["reminded"] += remind(deadline_id, now=now) == SENT
    for deadline_id in overdue.filter(escalated_at__isnull=True, due_at__lte=now - escalate_after()).values_list("pk", flat=True):
        counts["escalated"] += escalate(deadline_id, now=now) == SENT
    unreviewed = InterimMeasure.objects.filter(reviewed_at__isnull=True, escalated_at__isnull=True, review_due__lte=now)
    for measure_id in unreviewed.values_list("pk", flat=True):
        counts["measures"] += escalate_measure(measure_id, now=now) == SENT
    counts["delivered"] = retry_undelivered()
    # Letters whose delivery died with its worker, or whose task was lost.
    counts["mail_recovered"] = recover_stalled_mail(now)
    leftovers = sweep_leftover_evidence(now)
    counts["leftover_incoming"], counts["leftover_unused"] = leftovers["incoming"], leftovers["unused"]
    # Rate-limit keys of ended windows, destroyed even when no new count comes to do it (steward.ratelimit).
    counts["rate_keys_destroyed"] = purge_expired(now)
    return counts
