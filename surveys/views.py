"""The survey pages under a party's link (a browser their link opened), and the stewards' results page."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cases.access import access_opened_report
from cases.views.common import steward_only
from policy.periods import periods_between
from policy.services import current_policy
from steward.link_sessions import holds, party_grant, report_grant
from steward.methods import page_or_form
from steward.middleware import private
from surveys.actions import do_answer_as_reported, do_answer_as_reporter
from surveys.forms import SurveyForm
from surveys.models import SurveyAnswer, SurveyRole
from surveys.offer import is_open, reported_answered, reporter_answered
from surveys.results import CELLS, period_results


@page_or_form
def reporter_survey(request: HttpRequest, reference: str) -> HttpResponse:
    if not holds(request, report_grant(reference)):
        raise Http404("This follow-up link is not valid.")
    report = access_opened_report(reference)
    portal = reverse("intake:follow_up_page", args=[report.reference])
    return _survey_page(
        request, portal, is_open(report.case), reporter_answered(report), lambda answers: do_answer_as_reporter(report, answers)
    )


@page_or_form
def reported_survey(request: HttpRequest, link: int) -> HttpResponse:
    from letters.access import access_opened_party_link  # the reported person's link belongs to the letters app

    if not holds(request, party_grant(link)):
        raise Http404("This link is not valid.")
    opened = access_opened_party_link(link)
    if opened.party.role != "reported":
        raise Http404("No survey here.")
    portal = reverse("letters:party_page", args=[opened.pk])
    return _survey_page(
        request, portal, is_open(opened.case), reported_answered(opened.party), lambda answers: do_answer_as_reported(opened.party, answers)
    )


def _survey_page(request: HttpRequest, portal: str, open_now: bool, answered: bool, answer: Any) -> HttpResponse:
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and open_now and not answered and form.is_valid():
        try:
            answer(form.answers())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return private(HttpResponseRedirect(request.path, status=303))  # the page now says thank you
    context = {"form": form, "portal": portal, "open_now": open_now, "answered": answered}
    return private(render(request, "surveys/survey.html", context))


@require_safe
@steward_only
def results(request: HttpRequest) -> HttpResponse:
    """Every period since the first answer, aggregate and suppressed; a period shows figures only once final.

    Periods of the policy's shortest length only: each answer is in exactly one period shown, so no total (a year
    beside its halves) can give a hidden count back by subtraction. Longer periods are in the transparency
    reports, whose suppression weighs a year and its halves together (transparency.survey_figures)."""
    policy = current_policy()
    threshold = policy.transparency.suppress_below
    first = SurveyAnswer.objects.order_by("closed_month").values_list("closed_month", flat=True).first()
    today = timezone.localdate()
    spans = periods_between(first, today, min(policy.transparency.period_months)) if first else []
    periods = [_for_page(period_results(span.first_day, span.last_day, threshold)) for span in spans]
    context = {"periods": periods, "threshold": threshold, "surveys_on": policy.transparency.surveys}
    return private(render(request, "surveys/results.html", context))


def _for_page(results: dict[str, Any]) -> dict[str, Any]:
    """The dict period_results gives, with each role as table rows in the cells' order."""
    titles = {SurveyRole.REPORTER: _("Reporters"), SurveyRole.REPORTED: _("Reported people")}
    tables = []
    for role, result in results["roles"].items():
        rows = [
            {"statement": question["statement"], "counts": [result["questions"][question["code"]][cell] for cell in CELLS]}
            for question in results["questions"]
            if question["code"] in result["questions"]
        ]
        tables.append({"title": titles[SurveyRole(role)], "respondents": result["respondents"], "rows": rows})
    return {**results, "tables": tables}
