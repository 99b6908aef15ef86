"""Reading a case: the conflict declaration that comes first, the case page, and the reporter's identity."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.access import ALLOWED, Need, Standing, access_case, access_case_or_merged, standing
from cases.actions import do_declare_conflict, log_identity_view
from cases.forms import DeclareForm
from cases.models import Case, ConflictLevel
from cases.panels import case_page_opened
from cases.views.common import back_to_case, is_htmx, steward_only
from cases.views.context import case_context
from cases.views.declarations import conflict_check
from people.access import is_admin_steward
from steward.methods import page_or_form


def _queue() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:queue"))


@page_or_form
@steward_only
def declare(request: HttpRequest, code: str) -> HttpResponse:
    case, current = access_case_or_merged(request.user, code, Need.CODE_NAME)
    if current is None:
        return back_to_case(case)
    if current is not Standing.UNDECLARED:
        messages.info(request, _("You have already declared your position on %(case)s.") % {"case": case.code_name})
        return back_to_case(case) if current in ALLOWED[Need.READ] else _queue()
    form = DeclareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        level = form.cleaned_data["level"]
        try:
            do_declare_conflict(request.user, case, level)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if level == ConflictLevel.HARD:
                # The name is not repeated: from now on nothing, not even a message, shows this case to them.
                messages.success(request, _("Recorded. The case is now hidden from you."))
                return _queue()
            messages.success(request, _("Your declaration on %(case)s is recorded.") % {"case": case.code_name})
            case.refresh_from_db()
            return back_to_case(case) if standing(request.user, case) in ALLOWED[Need.READ] else _queue()
    # Only the code name and what judging a conflict needs (views.declarations.conflict_check) go to the template.
    context = {"code_name": case.code_name, "form": form, "check": conflict_check(case), "is_admin": is_admin_steward(request.user)}
    return render(request, "cases/declare.html", context)


@require_safe
@steward_only
def detail(request: HttpRequest, code: str) -> HttpResponse:
    case, viewer = access_case_or_merged(request.user, code, Need.CODE_NAME)
    if viewer is None:
        # A joined case's old name (from a bookmark or a mail) leads to where it went, for its readers only.
        return back_to_case(case)
    if viewer is Standing.UNDECLARED:
        return HttpResponseRedirect(reverse("cases:declare", kwargs={"code": case.code_name}))
    if viewer not in ALLOWED[Need.READ]:
        raise Http404("No such case.")  # what access_case(..., Need.READ) answers, without asking again
    case_page_opened.send(sender=Case, user=request.user, case=case)
    return render(request, "cases/detail.html", case_context(request, case, viewer=viewer))


@require_POST
@steward_only
def reveal_identity(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    """The reporter's name and contact, shown only on request, and every showing is in the audit log.

    Only to stewards with no conflict: a soft-conflicted steward knows someone involved, and the
    reporter's identity is what must never reach the people around the reported person.
    """
    case = access_case(request.user, code, Need.IDENTITY)
    report = case.reports.filter(reference=reference).first()
    if report is None:
        raise Http404("No such report.")
    log_identity_view(request.user, case, report)
    context = {"case": case, "report": report}
    template = "cases/_identity.html" if is_htmx(request) else "cases/identity.html"
    return render(request, template, context)
