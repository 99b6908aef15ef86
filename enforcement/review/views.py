"""The stewards' review of what spaces brought in: moderators' own actions, and no-contact alerts on a case.

Each view: steward_only → (for a case) access_case → parse → one action → flash → back.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.access import Need, access_case, readable_cases, undeclared_cases
from cases.views.common import apply_form, back_to_case, steward_only
from enforcement.listed import is_listing
from enforcement.models import ModeratorAction, ReviewStatus
from enforcement.moderation import OPEN_CASE, Reviewer, do_review_moderator_action
from enforcement.review.actions import do_mark_alert_reviewed
from enforcement.review.forms import ModeratorReviewForm, WatchReviewedForm

MAX_ROWS = 200


@dataclass
class ActionView:
    item: ModeratorAction
    form: ModeratorReviewForm | None
    reason_not: str
    case_code: str = ""  # the case opened from it, when this steward may know that case exists

    @property
    def listing(self) -> bool:
        """A flag from a followed ban list rather than a moderator's own action."""
        return is_listing(self.item)


def _queue_url() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("enforcement:moderator_actions"))


@require_safe
@steward_only
def moderator_actions(request: HttpRequest) -> HttpResponse:
    reviewer = Reviewer.of(request.user)
    pending_first = SqlCase(When(status=ReviewStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
    items = list(
        ModeratorAction.objects.select_related("connection", "subject_person", "reviewed_by__steward_profile", "case")
        .annotate(pending_first=pending_first)
        .order_by("pending_first", "-at", "-id")[:MAX_ROWS]
    )
    case_ids = {item.case_id for item in items if item.case_id}
    # A case opened from a review is named only to stewards the access layer lets know of it.
    visible = set(readable_cases(request.user).filter(pk__in=case_ids).values_list("pk", flat=True))
    visible |= set(undeclared_cases(request.user).filter(pk__in=case_ids).values_list("pk", flat=True))
    rows = []
    for item in items:
        # Stewards do not see the review of an action taken against themselves.
        if reviewer.is_subject(item):
            continue
        reason = reviewer.reason_not(item)
        reviewable = item.status == ReviewStatus.PENDING and not reason
        form = ModeratorReviewForm(action_id=item.pk, listing=is_listing(item)) if reviewable else None
        code = item.case.code_name if item.case is not None and item.case_id in visible else ""
        rows.append(ActionView(item, form, reason, code))
    pending = sum(1 for row in rows if row.item.status == ReviewStatus.PENDING)
    return render(request, "enforcement/review/moderator_actions.html", {"rows": rows, "pending": pending})


@require_POST
@steward_only
def review_moderator_action(request: HttpRequest) -> HttpResponse:
    form = ModeratorReviewForm(request.POST)
    opened: dict[str, Any] = {}

    def act(data: dict[str, Any]) -> object:
        item = ModeratorAction.objects.filter(pk=data["action"]).first()
        if item is None:
            raise ValidationError(_("Choose one of the actions waiting for review."))
        reviewed = do_review_moderator_action(request.user, item, data["outcome"], data["note"])
        opened["case"] = reviewed.case
        return reviewed

    if (
        apply_form(request, form, act, _("Review recorded."))
        and opened.get("case") is not None
        and form.cleaned_data["outcome"] == OPEN_CASE
    ):
        messages.info(
            request, _("Case %(case)s was opened. Declare your position on it before you work on it.") % {"case": opened["case"].code_name}
        )
    return _queue_url()


@require_POST
@steward_only
def watch_alert_reviewed(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = WatchReviewedForm(request.POST)
    apply_form(request, form, lambda data: do_mark_alert_reviewed(request.user, case, data["alert"]), _("Alert marked as reviewed."))
    return back_to_case(case, "no-contact")
