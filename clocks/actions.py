"""Stewards' changes to clocks: a new target date for a late case, interim measures and their review.

Callers have passed the access layer (Need.WRITE for targets and measures, Need.VOTE to review);
these re-check the rules of the change itself, write, audit, and schedule the worker on commit.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit.log import record
from cases.access import Standing, standing
from cases.actions import do_send_message
from cases.models import Audience, Case
from clocks.deadlines import interim_review_within, refresh_met
from clocks.models import Deadline, DeadlineKind, DeadlineRevision, InterimMeasure, MeasureOutcome
from clocks.tasks import schedule_deadline, schedule_measure
from steward.times import when

MAX_REASON = 2000

# What the reporter reads: the step that is late, in their terms.
REPORTER_STEPS = {
    DeadlineKind.ACKNOWLEDGE: _lazy("confirm that we have started on your report"),
    DeadlineKind.FIRST_FOLLOW_UP: _lazy("follow up with you about your report"),
    DeadlineKind.DECISION: _lazy("reach a decision on your report"),
}


def reporter_notice(deadline: Deadline, new_due: datetime, language: str) -> str:
    with translation.override(language or None):
        step = str(REPORTER_STEPS[DeadlineKind(deadline.kind)])
        when = formats.date_format(timezone.localtime(new_due), "DATE_FORMAT")
        return _(
            "We are sorry: we have not managed to %(step)s by the date we aimed for. "
            "Our new target date is %(date)s. We will keep you informed."
        ) % {"step": step, "date": when}


@transaction.atomic
def do_set_new_target(steward: Any, case: Case, deadline: Deadline, new_due: datetime, reason: str) -> DeadlineRevision:
    """A late case states a new date; the reporters hear of it unless they asked not to be contacted."""
    reason = reason.strip()
    now = timezone.now()
    deadline = Deadline.objects.select_for_update(of=("self",)).select_related("case").get(pk=deadline.pk)
    if deadline.case_id != case.pk:
        raise ValidationError(_("That deadline belongs to another case."))
    if refresh_met(deadline):
        raise ValidationError(_("This deadline is met or the case is closed; it needs no new date."))
    if deadline.due_at > now:
        raise ValidationError(_("A new date can be set once the deadline has passed."))
    if new_due <= now:
        raise ValidationError(_("The new target date must be in the future."))
    if not reason:
        raise ValidationError(_("Say why the case is late."))
    if len(reason) > MAX_REASON:
        raise ValidationError(_("Keep the reason under %(max)s characters.") % {"max": MAX_REASON})
    revision = DeadlineRevision.objects.create(deadline=deadline, old_due=deadline.due_at, new_due=new_due, reason=reason, set_by=steward)
    deadline.due_at = new_due
    deadline.generation += 1
    deadline.reminded_at = deadline.escalated_at = None
    deadline.save(update_fields=["due_at", "generation", "reminded_at", "escalated_at"])
    told = []
    for report in case.reports.all():
        if report.do_not_contact:
            continue
        do_send_message(steward, case, Audience.REPORTER, reporter_notice(deadline, new_due, report.language), report=report)
        told.append(report.reference)
    record(
        "clock.revised",
        f"New target for {deadline.get_kind_display()}: {when(new_due)}",
        actor=steward,
        case_id=case.pk,
        data={
            "deadline": deadline.pk,
            "old_due": revision.old_due.isoformat(),
            "new_due": new_due.isoformat(),
            "reporters_told": len(told),
        },
    )
    schedule_deadline(deadline)
    return revision


@transaction.atomic
def do_take_interim_measure(steward: Any, case: Case, description: str) -> InterimMeasure:
    """One steward acts alone in an emergency; the committee must review it within 24 hours."""
    description = description.strip()
    if not description:
        raise ValidationError(_("Describe the measure you took."))
    now = timezone.now()
    measure = InterimMeasure.objects.create(
        case=case, taken_by=steward, description=description, taken_at=now, review_due=now + interim_review_within()
    )
    record(
        "interim.taken",
        "Interim protective measure taken; review due within 24 hours",
        actor=steward,
        case_id=case.pk,
        data={"measure": measure.pk},
    )
    schedule_measure(measure)
    return measure


@transaction.atomic
def do_review_interim_measure(steward: Any, case: Case, measure: InterimMeasure, outcome: str, note: str = "") -> InterimMeasure:
    """Another unconflicted steward confirms or lifts the measure."""
    measure = InterimMeasure.objects.select_for_update(of=("self",)).get(pk=measure.pk)
    if measure.case_id != case.pk:
        raise ValidationError(_("That measure belongs to another case."))
    if measure.reviewed_at is not None:
        raise ValidationError(_("This measure has already been reviewed."))
    if measure.taken_by_id == steward.pk:
        raise ValidationError(_("Another steward must review a measure you took."))
    if standing(steward, case) is not Standing.UNCONFLICTED:
        raise ValidationError(_("Only a steward with no conflict on this case may review the measure."))
    if outcome not in MeasureOutcome.values:
        raise ValidationError(_("Choose whether to confirm or lift the measure."))
    measure.reviewed_at = timezone.now()
    measure.reviewed_by = steward
    measure.outcome = outcome
    measure.review_note = note.strip()
    measure.save(update_fields=["reviewed_at", "reviewed_by", "outcome", "review_note"])
    record(
        "interim.reviewed",
        f"Interim measure {MeasureOutcome(outcome).label.lower()}",
        actor=steward,
        case_id=case.pk,
        data={"measure": measure.pk, "outcome": outcome, "late": measure.reviewed_at > measure.review_due},
    )
    return measure
