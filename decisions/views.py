"""POST views of the decision panel, and the reporter's appeal page.

Each steward view: access_case(...) (404 when not allowed) → parse → one decisions.actions do_* →
flash message → back to the case page's decision section. A form or action error changes nothing.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import Need, access_case, access_opened_report, access_report_by_link
from cases.views.common import add_refusal, apply_form, back_to_case, is_htmx, steward_only
from cases.views.context import case_context
from decisions.actions import ProposalInput, do_propose, do_vote, do_withdraw
from decisions.appeals import appeal_deadline, do_decide_appeal, do_file_appeal, may_still_appeal
from decisions.forms import AppealDecisionForm, AppealFileForm, InformForm, ProposalForm, ProposalIdForm, ResponseForm, VoteForm
from decisions.models import Appeal, AppellantRole, Decision, Proposal, ProposalStatus
from decisions.records import do_record_inform, do_record_response
from intake.forms import looks_valid
from steward.link_sessions import grant, holds, party_grant, report_grant
from steward.methods import page_or_form
from steward.middleware import private
from steward.not_stored import not_stored

ANCHOR = "decisions"


def _proposal(case: Any, data: dict[str, Any]) -> Proposal:
    proposal = case.proposals.filter(pk=data["proposal"]).first()
    if proposal is None:
        raise ValidationError(_("No such proposal in this case."))
    return proposal


def _proposal_input(form: ProposalForm) -> ProposalInput:
    data = form.cleaned_data
    return ProposalInput(
        outcome=data["outcome"],
        rationale=data["rationale"],
        target=form.chosen_target(),
        period_days=data["period_days"],
        protected_people=form.chosen_people(),
        protected_reports=form.chosen_reports(),
        conditions_for_return=data["conditions_for_return"],
        skip_reason=data["skip_reason"],
        lazy_consensus=data.get("lazy_consensus", False),
        replaces=form.chosen_replaces(),
    )


def _decision_section(request: HttpRequest, case: Any, status: int = 200, **bound_forms: Any) -> HttpResponse:
    """The decision section where the steward is: alone for htmx, else the whole case page (its form's address
    ends in the section's anchor, so the browser shows the same place), with `bound_forms` keeping what was typed."""
    context = case_context(request, case)
    section = next(panel_context for panel, panel_context in context["panels"] if panel.key == "decisions")
    section.update(bound_forms)
    if is_htmx(request):
        return render(request, "decisions/_panel.html", {**context, "panel": section, "partial": True})
    return render(request, "cases/detail.html", context, status=status)


@require_POST
@steward_only
def propose(request: HttpRequest, code: str) -> HttpResponse:
    """A refused proposal (the form's checks or the policy's rules) comes back with what was typed and the reason
    next to its field; htmx swaps the section in place (a 200: htmx swaps only those), a plain POST gets the page."""
    case = access_case(request.user, code, Need.DECIDE)
    form = ProposalForm(request.POST, case=case)
    if form.is_valid():
        try:
            do_propose(request.user, case, _proposal_input(form))
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Proposal made."))
            return _decision_section(request, case) if is_htmx(request) else back_to_case(case, ANCHOR)
    return _decision_section(request, case, status=400, proposal_form=form)


@require_POST
@steward_only
def vote(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.VOTE)
    form = VoteForm(request.POST)
    apply_form(request, form, lambda data: do_vote(request.user, _proposal(case, data), data["choice"]), _("Your vote is recorded."))
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = ProposalIdForm(request.POST)
    apply_form(request, form, lambda data: do_withdraw(request.user, _proposal(case, data)), _("Proposal withdrawn."))
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def record_inform(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = InformForm(request.POST)
    apply_form(
        request,
        form,
        lambda data: do_record_inform(request.user, case, data["choice"], data["reasons"], data["inform_on"]),
        _("Recorded."),
    )
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def record_response(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = ResponseForm(request.POST, case=case)
    apply_form(
        request,
        form,
        lambda data: do_record_response(request.user, case, form.parties[data["party"]], data["kind"], data["text"]),
        _("Response recorded."),
    )
    return back_to_case(case, ANCHOR)


@require_POST
@steward_only
def decide_appeal(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.VOTE)
    form = AppealDecisionForm(request.POST, policy=case.policy_version.policy)

    def run(data: dict[str, Any]) -> object:
        appeal = Appeal.objects.filter(decision__case=case, pk=data["appeal"]).first()
        if appeal is None:
            raise ValidationError(_("No such appeal in this case."))
        return do_decide_appeal(request.user, appeal, data["outcome"], data["rationale"], data["new_level"], data["new_period_days"])

    apply_form(request, form, run, _("The appeal is decided."))
    return back_to_case(case, ANCHOR)


@page_or_form
def appeal_reporter(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    """The appeal page under the follow-up link (pages made before links opened sessions): it opens the report in
    this browser and leads to the appeal page without the secret; a form posted here is still taken."""
    if not looks_valid(reference, secret):
        raise Http404("This follow-up link is not valid.")
    report = access_report_by_link(reference, secret)
    grant(request, report_grant(report.reference))
    if request.method == "POST":
        return _reporter_appeal(request, report)
    return private(HttpResponseRedirect(reverse("decisions:appeal_reporter_page", args=[report.reference]), status=303))


@page_or_form
def appeal_reporter_page(request: HttpRequest, reference: str) -> HttpResponse:
    """The reporter asks for reconsideration of the case's latest decision, in a browser their link opened."""
    if not holds(request, report_grant(reference)):
        raise Http404("This follow-up link is not valid.")
    return _reporter_appeal(request, access_opened_report(reference))


def _reporter_appeal(request: HttpRequest, report: Any) -> HttpResponse:
    decision = report.case.decisions.filter(proposal__status=ProposalStatus.PASSED).order_by("-decided_at").first()
    if decision is None:
        raise Http404("No decision to appeal.")
    portal = reverse("intake:follow_up_page", args=[report.reference])
    page = reverse("decisions:appeal_reporter_page", args=[report.reference])
    return _appeal_page(request, decision, AppellantRole.REPORTER, portal, page)


def _appeal_page(request: HttpRequest, decision: Decision, role: str, portal: str, page: str) -> HttpResponse:
    form = AppealFileForm(request.POST or None)
    open_to_appeal = may_still_appeal(decision, role)
    http_status = 200
    if request.method == "POST" and open_to_appeal and form.is_valid():
        try:
            do_file_appeal(decision, role, form.cleaned_data["grounds"], form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error(None, error)
        except Exception:  # noqa: BLE001 - whatever broke, the appellant keeps what they typed (steward.not_stored)
            http_status = not_stored(form, "an appeal")
        else:
            return private(HttpResponseRedirect(portal + "#appeal", status=303))
    context = {
        "form": form,
        "role": role,
        "portal": portal,
        "page_path": page,
        "open_to_appeal": open_to_appeal,
        "deadline": appeal_deadline(decision),
        "appeal": decision.appeals.filter(appellant_role=role).first(),
    }
    return private(render(request, "decisions/appeal.html", context, status=http_status))


@page_or_form
def appeal_reported(request: HttpRequest, token: str) -> HttpResponse:
    """The appeal page under the reported person's link: it opens their page in this browser and leads to the
    appeal page without the secret; a form posted here is still taken."""
    from letters.access import access_party_link  # the reported person's link belongs to the letters app

    link = access_party_link(token)
    grant(request, party_grant(link.pk))
    if request.method == "POST":
        return _reported_appeal(request, link)
    return private(HttpResponseRedirect(reverse("decisions:appeal_reported_page", args=[link.pk]), status=303))


@page_or_form
def appeal_reported_page(request: HttpRequest, link: int) -> HttpResponse:
    """The reported person asks for reconsideration of the latest decision about them, in a browser their link opened."""
    from letters.access import access_opened_party_link

    if not holds(request, party_grant(link)):
        raise Http404("This link is not valid.")
    return _reported_appeal(request, access_opened_party_link(link))


def _reported_appeal(request: HttpRequest, link: Any) -> HttpResponse:
    decisions = link.case.decisions.filter(proposal__status=ProposalStatus.PASSED, proposal__target=link.party)
    decision = decisions.order_by("-decided_at").first()
    if decision is None:
        raise Http404("No decision to appeal.")
    portal = reverse("letters:party_page", args=[link.pk])
    page = reverse("decisions:appeal_reported_page", args=[link.pk])
    return _appeal_page(request, decision, AppellantRole.REPORTED, portal, page)
