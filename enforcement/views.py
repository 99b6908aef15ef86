"""POST views of the enforcement section of the case page.

Each: access_case(Need.DECIDE) (404 when not allowed; a sanction's plan shapes the outcome, so a
soft-conflicted steward does not touch it) → parse → one enforcement.actions do_* → flash message →
back to the case page's enforcement section. A form or action error is flashed and changes nothing.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import Need, access_case
from cases.views.common import apply_form, back_to_case, steward_only
from enforcement.actions import (
    do_accept_drift,
    do_add_action,
    do_approve_plan,
    do_cancel_plan,
    do_edit_reason,
    do_record_notice,
    do_remove_action,
    do_retry_action,
)
from enforcement.forms import AcceptDriftForm, ActionForm, CancelPlanForm, NoticeForm, PlanForm, ReasonForm, add_action_form
from enforcement.panel import ANCHOR

Data = dict[str, Any]


@require_POST
@steward_only
def approve_plan(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = PlanForm(request.POST)
    apply_form(request, form, lambda data: do_approve_plan(request.user, case, data["plan"]), _("The plan is approved."))
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def record_notice(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = NoticeForm(request.POST)

    def run(data: Data) -> object:
        return do_record_notice(request.user, case, data["plan"], data["how"], data["note"])

    apply_form(request, form, run, _("Recorded. The actions may now be applied."))
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def add_action(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    sanctioned = [plan.sanctioned.person for plan in case.enforcement_plans.select_related("sanction__person")]
    form = add_action_form(request.POST, persons=sanctioned)
    apply_form(
        request, form, lambda data: do_add_action(request.user, case, data["plan"], form.new_action()), _("Action added to the plan.")
    )
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def remove_action(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = ActionForm(request.POST)
    apply_form(request, form, lambda data: do_remove_action(request.user, case, data["action"]), _("Action removed from the plan."))
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def edit_reason(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = ReasonForm(request.POST)
    apply_form(request, form, lambda data: do_edit_reason(request.user, case, data["action"], data["reason"]), _("Reason changed."))
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def retry_action(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = ActionForm(request.POST)
    apply_form(request, form, lambda data: do_retry_action(request.user, case, data["action"]), _("The action will be tried again."))
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def accept_drift(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = AcceptDriftForm(request.POST)
    apply_form(request, form, lambda data: do_accept_drift(request.user, case, data["action"], data["note"]), _("Recorded as undone."))
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def cancel_plan(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = CancelPlanForm(request.POST)
    apply_form(request, form, lambda data: do_cancel_plan(request.user, case, data["plan"], data["note"]), _("The plan is cancelled."))
    return back_to_case(case, ANCHOR)
