"""Declarations after the first: a steward's later recusal, and an admin's correction of another's declaration.

Both go through cases.access (Need.CODE_NAME: a hidden case is a 404 here too) and cases.declarations; the new
declaration counts from the next request on, since every page, download and POST asks the access layer again.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import ALLOWED, Need, access_case_and_standing, standing
from cases.declarations import do_correct_declaration, do_recuse
from cases.forms import CorrectDeclarationForm, RecuseForm, first_error
from cases.models import Case, ConflictLevel, PartyRole
from cases.views.common import add_refusal, back_to_case, steward_only
from people.access import active_stewards, is_admin_steward
from steward.methods import page_or_form


def _onwards(request: HttpRequest, case: Case) -> HttpResponseRedirect:
    """Back to the case for a steward who may still read it, else to the queue (nothing of the case shown)."""
    if standing(request.user, case) in ALLOWED[Need.READ]:
        return back_to_case(case)
    return HttpResponseRedirect(reverse("cases:queue"))


@require_POST
@steward_only
def recuse(request: HttpRequest, code: str) -> HttpResponse:
    case, _current = access_case_and_standing(request.user, code, Need.CODE_NAME)
    form = RecuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return _onwards(request, case)
    level = form.cleaned_data["level"]
    try:
        do_recuse(request.user, case, level)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _onwards(request, case)
    if level == ConflictLevel.HARD:
        # The name is not repeated: from now on nothing, not even a message, shows this case to them.
        messages.success(request, _("Recorded. The case is now hidden from you."))
    else:
        messages.success(request, _("Your soft conflict is recorded: you no longer see who reported, decide or vote."))
    return _onwards(request, case)


@page_or_form
@steward_only
def correct_declarations(request: HttpRequest, code: str) -> HttpResponse:
    """Admins only, and only on a case they are not hidden from; the page shows the code name and the committee,
    never anybody's declaration (nobody else sees what a steward chose)."""
    if not is_admin_steward(request.user):
        raise Http404("No such page.")
    case, viewer = access_case_and_standing(request.user, code, Need.CODE_NAME)
    others = active_stewards().exclude(pk=request.user.pk).select_related("steward_profile").order_by("steward_profile__public_name", "pk")
    form = CorrectDeclarationForm(request.POST or None, stewards=list(others))
    if request.method == "POST" and form.is_valid():
        try:
            do_correct_declaration(request.user, case, form.chosen(), form.cleaned_data["level"])
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The declaration is corrected. It counts from that steward's next page."))
            return HttpResponseRedirect(request.path)
    context: dict[str, Any] = {"code_name": case.code_name, "form": form, "can_read": viewer in ALLOWED[Need.READ]}
    return render(request, "cases/correct_declarations.html", context, status=400 if form.errors else 200)


@dataclass(frozen=True)
class PartyToJudge:
    code_name: str
    handles: list[tuple[str, str]]  # (space, handle)


@dataclass(frozen=True)
class ConflictCheck:
    """What a steward who has not declared yet sees of a case, to judge a conflict: the reported people by code
    name and user names, and how many reports there are (and how many anonymous). Never the report, its category
    or dates, a name the reporter typed, the reporter or the witnesses."""

    reported: list[PartyToJudge]
    reports: int
    anonymous_reports: int


def conflict_check(case: Case) -> ConflictCheck:
    reported = []
    for party in case.parties_with_people():
        if party.role == PartyRole.REPORTED:
            handles = [(identity.get_space_display(), identity.handle) for identity in party.person.identities.all()]
            reported.append(PartyToJudge(party.person.code_name, handles))
    anonymous = list(case.reports.values_list("anonymous", flat=True))
    return ConflictCheck(reported, len(anonymous), sum(anonymous))
