"""The clocks panel's three writes: a new target date, an interim measure, a measure's review.

Each: access_case (404 when not allowed) → parse → one clocks.actions do_* → flash → back to the case.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import Need, access_case
from cases.views.common import apply_form, back_to_case, steward_only
from clocks.actions import do_review_interim_measure, do_set_new_target, do_take_interim_measure
from clocks.forms import InterimMeasureForm, NewTargetForm, ReviewMeasureForm
from clocks.models import Deadline, InterimMeasure

ANCHOR = "clocks"


@require_POST
@steward_only
def set_target(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = NewTargetForm(request.POST)

    def act(data: dict[str, Any]) -> object:
        deadline = Deadline.objects.filter(case=case, pk=data["deadline"]).first()
        if deadline is None:
            raise ValidationError(_("Choose one of this case's deadlines."))
        return do_set_new_target(request.user, case, deadline, data["new_due"], data["reason"])

    apply_form(request, form, act, _("New target date recorded; the reporters who may be contacted were told."))
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def take_measure(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = InterimMeasureForm(request.POST)
    apply_form(
        request,
        form,
        lambda data: do_take_interim_measure(request.user, case, data["description"]),
        _("Interim measure recorded. Another steward must review it within 24 hours."),
    )
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def review_measure(request: HttpRequest, code: str) -> HttpResponse:
    # Reviewing is for stewards with no conflict at all: the same standing as voting.
    case = access_case(request.user, code, Need.VOTE)
    form = ReviewMeasureForm(request.POST)

    def act(data: dict[str, Any]) -> object:
        measure = InterimMeasure.objects.filter(case=case, pk=data["measure"]).first()
        if measure is None:
            raise ValidationError(_("Choose one of this case's interim measures."))
        return do_review_interim_measure(request.user, case, measure, data["outcome"], data["note"])

    apply_form(request, form, act, _("Review recorded."))
    return back_to_case(case, ANCHOR)
