"""Every change a steward makes to a case: one POST, one access check, one action, one answer.

Each view: access_case(...) (404 when not allowed) → parse the form → call one cases.actions do_*
→ flash message → redirect back to the case page, or, for an htmx request, the re-rendered section.
A form or action error changes nothing and says why.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import Need, access_case
from cases.actions import (
    InvolvedPerson,
    do_acknowledge,
    do_add_evidence,
    do_add_note,
    do_add_party,
    do_assign_shepherd,
    do_change_status,
    do_merge_cases,
    do_record_naming_consent,
    do_send_message,
    do_update_triage,
)
from cases.forms import (
    EvidenceForm,
    MergeForm,
    MessageForm,
    NamingConsentForm,
    NoteForm,
    PartyForm,
    ShepherdForm,
    SoftReadForm,
    TriageForm,
)
from cases.models import Audience, Case, Status
from cases.views.common import apply_form, back_to_case, first_error, is_htmx, steward_only
from cases.views.context import case_context, shepherd_candidates, status_form

# section -> (partial template, element id on the case page)
SECTIONS = {
    "state": ("cases/_state.html", "case-state"),
    "notes": ("cases/_notes.html", "notes"),
    "thread": ("cases/_thread.html", "thread"),
    "parties": ("cases/_parties.html", "parties"),
    "evidence": ("cases/_evidence.html", "evidence"),
}


def _answer(request: HttpRequest, case: Case, section: str, **bound_forms: Any) -> HttpResponse:
    template, anchor = SECTIONS[section]
    if is_htmx(request):
        case.refresh_from_db()
        context = case_context(request, case, **bound_forms)
        context["partial"] = True
        return render(request, template, context)
    return back_to_case(case, anchor)


@require_POST
@steward_only
def add_note(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = NoteForm(request.POST)
    if apply_form(request, form, lambda data: do_add_note(request.user, case, data["body"], data["kind"]), _("Note added.")):
        return _answer(request, case, "notes")
    return _answer(request, case, "notes", note_form=form)


@require_POST
@steward_only
def send_message(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = MessageForm(request.POST, reports=list(case.reports.all()))

    def send(data: dict[str, Any]) -> object:
        audience, report = form.audience_and_report()
        return do_send_message(request.user, case, audience, data["body"], report=report, party=form.party(), subject=data["subject"])

    # A message to a reported person is only a draft until a second steward approves it (letters.actions).
    awaiting = form.is_valid() and form.audience_and_report()[0] == Audience.REPORTED
    if awaiting:
        done = _("Message saved. It awaits approval by a second steward with no conflict and is not sent yet.")
    else:
        done = _("Message sent.")
    if apply_form(request, form, send, done):
        return _answer(request, case, "thread")
    return _answer(request, case, "thread", message_form=form)


@require_POST
@steward_only
def update_triage(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = TriageForm(request.POST)
    apply_form(request, form, lambda data: do_update_triage(request.user, case, data), _("Triage saved."))
    return _answer(request, case, "state")


@require_POST
@steward_only
def assign_shepherd(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = ShepherdForm(request.POST, candidates=shepherd_candidates(case))
    apply_form(request, form, lambda data: do_assign_shepherd(request.user, case, form.chosen()), _("Shepherd updated."))
    return _answer(request, case, "state")


@require_POST
@steward_only
def acknowledge(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    if case.acknowledged_at is not None:
        messages.info(request, _("This case was already acknowledged."))
    else:
        do_acknowledge(request.user, case)
        messages.success(request, _("Acknowledged."))
    return _answer(request, case, "state")


@require_POST
@steward_only
def change_status(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = status_form(case, request.POST)

    def change(data: dict[str, Any]) -> object:
        return do_change_status(request.user, case, data["status"], data.get("outcome") or "")

    closed = apply_form(request, form, change, _("Status changed."))
    if closed and case.status == Status.CLOSED and not is_htmx(request):
        # Where the closing letters are offered (letters' panel), the next thing to do.
        return back_to_case(case, "closing-letters")
    return _answer(request, case, "state")


@require_POST
@steward_only
def add_party(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = PartyForm(request.POST)

    def link(data: dict[str, Any]) -> object:
        handle = data["handle"].strip()
        involved = InvolvedPerson(role=data["role"], name=data["name"].strip(), space=data["space"] if handle else "", handle=handle)
        return do_add_party(request.user, case, involved)

    if apply_form(request, form, link, _("Person linked to the case.")):
        return _answer(request, case, "parties")
    return _answer(request, case, "parties", party_form=form)


@require_POST
@steward_only
def record_naming_consent(request: HttpRequest, code: str) -> HttpResponse:
    """A steward records that a protected person agreed (or no longer agrees) to be named in letters."""
    case = access_case(request.user, code, Need.WRITE)
    form = NamingConsentForm(request.POST)
    apply_form(
        request,
        form,
        lambda data: do_record_naming_consent(request.user, case, data["party"], data["agreed"]),
        _("Saved whether this person may be named in letters."),
    )
    return _answer(request, case, "parties")


@require_POST
@steward_only
def add_evidence(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = EvidenceForm(request.POST, request.FILES)
    apply_form(request, form, lambda data: do_add_evidence(request.user, case, data["evidence_files"]), _("Evidence stored."))
    return _answer(request, case, "evidence")


@require_POST
@steward_only
def merge(request: HttpRequest, code: str) -> HttpResponse:
    """Two steps: name the case to join, then confirm on a page that shows both code names.

    The steward must be able to decide on both cases (a soft conflict on either side refuses), and
    confirms by typing the joined case's code name, and, for a decided case, by saying so.
    """
    case = access_case(request.user, code, Need.DECIDE)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return back_to_case(case, "merge")
    other_name = form.cleaned_data["other"]
    try:
        other = access_case(request.user, other_name, Need.DECIDE)
    except Http404:
        # The same answer whether the case does not exist or is hidden from this steward.
        messages.error(request, _("You have no case called “%(name)s” to join.") % {"name": other_name})
        return back_to_case(case, "merge")
    if other.pk == case.pk:
        messages.error(request, _("A case cannot be joined with itself."))
        return back_to_case(case, "merge")
    problem = form.confirmation_problem(other, into=case)
    if problem is not None:
        if problem:
            messages.error(request, problem)
        context = {
            "case": case,
            "other": other,
            "form": MergeForm(initial={"other": other.code_name}),
            "decided": form.target_decided(case),
        }
        return render(request, "cases/merge_confirm.html", context)
    into_decided = form.cleaned_data["into_decided"]
    apply_form(
        request, form, lambda data: do_merge_cases(request.user, case, other, into_decided=into_decided), _("The cases were joined.")
    )
    return back_to_case(case)


@require_POST
@steward_only
def set_soft_read(request: HttpRequest, code: str) -> HttpResponse:
    """Only stewards with no conflict decide whether soft-conflicted stewards may read the case."""
    case = access_case(request.user, code, Need.VOTE)
    form = SoftReadForm(request.POST)
    apply_form(
        request,
        form,
        lambda data: do_update_triage(request.user, case, {"soft_conflicted_may_read": data["allowed"]}),
        _("Saved who may read this case."),
    )
    return _answer(request, case, "state")
