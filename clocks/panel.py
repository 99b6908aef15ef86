"""The clocks section of the case page, and the flags the queue can show for a case's clocks."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import ALLOWED, Need, Standing
from cases.models import Case
from clocks.deadlines import ClockState, clock_state, unmet_overdue
from clocks.forms import InterimMeasureForm, NewTargetForm, ReviewMeasureForm
from clocks.metrics import case_times, hours
from clocks.models import Deadline, DeadlineRevision, InterimMeasure


@dataclass
class ClockView:
    deadline: Deadline
    state: ClockState
    revisions: list[DeadlineRevision]
    form: NewTargetForm | None = None


@dataclass
class MeasureView:
    measure: InterimMeasure
    overdue: bool
    form: ReviewMeasureForm | None = None
    may_review: bool = False
    reason_not: str = ""


@dataclass
class PanelData:
    clocks: list[ClockView]
    measures: list[MeasureView]
    measure_form: InterimMeasureForm | None
    times: dict[str, float | None] = field(default_factory=dict)
    awaiting_review: int = 0
    overdue: int = 0


def _clock_views(case: Case, can_write: bool) -> list[ClockView]:
    # A case opened before the clocks existed has none until the next sweep adds them.
    deadlines = list(case.deadlines.prefetch_related("revisions__set_by__steward_profile"))
    now = timezone.now()
    views = []
    for deadline in deadlines:
        deadline.case = case
        state = clock_state(deadline, now)
        form = NewTargetForm(deadline_id=deadline.pk) if can_write and state.state == "overdue" else None
        views.append(ClockView(deadline, state, list(deadline.revisions.all()), form))
    return views


def _measure_views(request: HttpRequest, case: Case, viewer: Standing) -> list[MeasureView]:
    now = timezone.now()
    views = []
    for measure in case.interim_measures.select_related("taken_by__steward_profile", "reviewed_by__steward_profile"):
        view = MeasureView(measure, overdue=measure.awaiting_review and measure.review_due <= now)
        if measure.awaiting_review:
            if measure.taken_by_id == request.user.pk:
                view.reason_not = _("Another steward must review a measure you took.")
            elif viewer is not Standing.UNCONFLICTED:
                view.reason_not = _("Only a steward with no conflict on this case may review it.")
            else:
                view.may_review = True
                view.form = ReviewMeasureForm(measure_id=measure.pk)
        views.append(view)
    return views


def panel_context(request: HttpRequest, case: Case, viewer: Standing) -> dict[str, Any]:
    can_write = viewer in ALLOWED[Need.WRITE]
    clocks = _clock_views(case, can_write)
    measures = _measure_views(request, case, viewer)
    times = case_times(case)
    data = PanelData(
        clocks=clocks,
        measures=measures,
        measure_form=InterimMeasureForm() if can_write else None,
        times={
            "acknowledgement": hours(times.to_acknowledgement),
            "first_follow_up": hours(times.to_first_follow_up),
            "decision": hours(times.to_decision),
        },
        awaiting_review=sum(1 for view in measures if view.measure.awaiting_review),
        overdue=sum(1 for view in clocks if view.state.state == "overdue"),
    )
    return {"data": data}


# --- For the queue (the hook the cases app can call; see the report to the lead) ---------------


def queue_flags(cases: Iterable[Case]) -> dict[int, list[str]]:
    """Per case id, the clock flags a queue row shows: "Overdue", "Interim measure awaiting review".

    Two queries for the whole page, whatever its length. Use clocks.deadlines.overdue_cases_q for a tab.
    """
    ids = [case.pk for case in cases]
    now = timezone.now()
    flags: dict[int, list[str]] = {pk: [] for pk in ids}
    for case_id in set(unmet_overdue(now).filter(case_id__in=ids).values_list("case_id", flat=True)):
        flags[case_id].append(_("Overdue"))
    awaiting = set(InterimMeasure.objects.filter(case_id__in=ids, reviewed_at__isnull=True).values_list("case_id", flat=True))
    for case_id in awaiting:
        flags[case_id].append(_("Interim measure awaiting review"))
    return flags
