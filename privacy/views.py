"""Privacy views: legal hold and expunge on a case; data-subject requests for admin stewards."""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.access import Need, access_case
from cases.views.common import admin_only, back_to_case, steward_only
from people.models import Identity, Person
from privacy.actions import (
    do_complete_data_request,
    do_export,
    do_expunge_case,
    do_open_data_request,
    do_release_legal_hold,
    do_set_legal_hold,
    is_about_themselves,
)
from privacy.export import left_out_for, may_know_of, sort_parties, withheld_notice
from privacy.forms import DataRequestForm, ExpungeForm, LegalHoldForm, first_error
from privacy.models import DataSubjectRequest


def _run(request: HttpRequest, action: Callable[[], object], done: str) -> bool:
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, done)
    return True


@require_POST
@steward_only
def legal_hold(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = LegalHoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
    elif form.cleaned_data["action"] == "hold":
        _run(request, lambda: do_set_legal_hold(request.user, case, form.cleaned_data["reason"]), _("Legal hold placed."))
    else:
        _run(request, lambda: do_release_legal_hold(request.user, case), _("Legal hold released."))
    return back_to_case(case, "retention")


@require_POST
@steward_only
def expunge(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.VOTE)
    form = ExpungeForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
    elif form.cleaned_data["confirm"].strip() != case.code_name:
        messages.error(request, _("The code name you typed does not match; nothing was expunged."))
    elif _run(request, lambda: do_expunge_case(request.user, case, form.cleaned_data["reason"]), _("The case was expunged.")):
        return redirect("cases:queue")
    return back_to_case(case, "retention")


def _find_person(data: dict[str, Any]) -> Person | None:
    if data.get("person"):
        return Person.objects.filter(code_name=data["person"].strip()).first()
    if data.get("space") and data.get("handle"):
        identity = Identity.objects.filter(space=data["space"], handle=data["handle"]).select_related("person").first()
        return identity.person if identity else None
    return None


def _known_request(user: Any, pk: int) -> DataSubjectRequest:
    """The request, unless its person is on record only through cases hidden from `user`: then the same
    404 as a request that does not exist."""
    item = get_object_or_404(DataSubjectRequest, pk=pk)
    if item.person is not None and not may_know_of(user, item.person):
        raise Http404("No such request.")
    return item


@require_safe
@admin_only
def requests(request: HttpRequest) -> HttpResponse:
    def known(items: Any) -> list[DataSubjectRequest]:
        return [item for item in items if item.person is None or may_know_of(request.user, item.person)]

    open_requests = known(DataSubjectRequest.objects.filter(completed_at__isnull=True).select_related("person"))
    done = known(DataSubjectRequest.objects.filter(completed_at__isnull=False).select_related("person").order_by("-completed_at")[:50])
    # Requests whose earlier export left out cases this admin may read: theirs to complete.
    needing_you = {item.pk for item in [*open_requests, *done] if left_out_for(request.user, item.pk)}
    context = {"open_requests": open_requests, "done_requests": done, "needing_you": needing_you, "form": DataRequestForm()}
    return render(request, "privacy/requests.html", context)


@require_POST
@admin_only
def open_request(request: HttpRequest) -> HttpResponse:
    form = DataRequestForm(request.POST)
    person = _find_person(form.cleaned_data) if form.is_valid() else None
    not_on_record = _("Nobody with that code name or identity is on record.")
    if person is None:
        messages.error(request, not_on_record)
        return redirect("privacy:requests")
    try:
        created = do_open_data_request(request.user, person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("privacy:requests")
    if not may_know_of(request.user, person):
        # Recorded for the admins who may know of this person's cases; this admin is told what they
        # would be told of a stranger, so a lookup cannot show them who is in a case hidden from them.
        messages.error(request, not_on_record)
        return redirect("privacy:requests")
    messages.success(request, _("Request recorded."))
    return redirect("privacy:request", pk=created.pk)


@require_safe
@admin_only
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _known_request(request.user, pk)
    context: dict[str, Any] = {"item": item, "about_you": is_about_themselves(request.user, item.person)}
    if item.person is not None and not context["about_you"]:
        counted = sort_parties(request.user, item.person).withheld_counted
        context["not_yours_yet"] = withheld_notice(len(counted)) if counted else ""
        context["left_out"] = left_out_for(request.user, item.pk)
    return render(request, "privacy/request.html", context)


@require_safe
@admin_only
def request_export(request: HttpRequest, pk: int) -> HttpResponse:
    item = _known_request(request.user, pk)
    if item.person is None:
        raise Http404("The person's data has been erased.")
    with_text = request.GET.get("report_text") == "1"
    try:
        export = do_export(request.user, item, with_report_text=with_text)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("privacy:request", pk=item.pk)
    response = HttpResponse(json.dumps(export.payload, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="steward-export-{item.person_code_name}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@admin_only
def complete_request(request: HttpRequest, pk: int) -> HttpResponse:
    item = _known_request(request.user, pk)
    _run(request, lambda: do_complete_data_request(request.user, item), _("Marked as answered."))
    return redirect("privacy:request", pk=item.pk)
