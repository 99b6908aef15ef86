"""Public report pages (index, report, CSV, JSON, Atom feed) and the stewards' drafts. Views are thin: they
read a report, or run one action from transparency/actions.py. No view here reads a case."""

import csv
from datetime import datetime, time
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import feedgenerator, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.views.common import apply_form, steward_only
from people.access import is_active_steward
from policy.services import current_policy
from transparency import display
from transparency.actions import (
    SignOff,
    do_draft_report,
    do_edit_summary,
    do_recompute_report,
    do_sign_off,
    earliest_publication,
    may_sign_off,
)
from transparency.forms import DraftForm, SignOffForm, SummaryForm
from transparency.models import TransparencyReport


def _published(period: str) -> TransparencyReport:
    report = TransparencyReport.objects.published().filter(period=period).first()
    if report is None:
        raise Http404("No published report for this period.")
    return report


def _report_context(report: TransparencyReport) -> dict[str, Any]:
    figures = report.figures
    return {
        "report": report,
        "figures": figures,
        "sections": display.sections(figures),
        "times": display.times(figures),
        "threshold": figures["threshold"],
    }


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    reports = TransparencyReport.objects.published()
    return render(request, "transparency/index.html", {"reports": reports, "is_steward_here": is_active_steward(request.user)})


@require_safe
def report(request: HttpRequest, period: str) -> HttpResponse:
    return render(request, "transparency/report.html", _report_context(_published(period)))


@require_safe
def report_json(request: HttpRequest, period: str) -> HttpResponse:
    found = _published(period)
    body = {"community": current_policy().community_name, "summary": found.summary, "published_on": found.publish_on, **found.figures}
    response = JsonResponse(body, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="transparency-{found.period}.json"'
    return response


@require_safe
def report_csv(request: HttpRequest, period: str) -> HttpResponse:
    found = _published(period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="transparency-{found.period}.csv"'
    writer = csv.writer(response)
    writer.writerows(display.csv_rows(found.figures))
    return response


@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    policy = current_policy()
    reports = list(TransparencyReport.objects.published()[:20])
    home = request.build_absolute_uri(reverse("transparency:index"))
    atom = feedgenerator.Atom1Feed(
        title=_("%(community)s: transparency reports") % {"community": policy.community_name},
        link=home,
        description=_("Figures on reports and how they were handled, published by the community stewards."),
        feed_url=request.build_absolute_uri(reverse("transparency:feed")),
        feed_guid=home,
        author_name=_("The community stewards of %(community)s") % {"community": policy.community_name},
        language=request.LANGUAGE_CODE,
    )
    for item in reports:
        link = request.build_absolute_uri(reverse("transparency:report", kwargs={"period": item.period}))
        when = timezone.make_aware(datetime.combine(item.publish_on or item.last_day, time.min))
        atom.add_item(
            title=_("Transparency report %(period)s") % {"period": item.period},
            link=link,
            unique_id=link,
            description=item.summary or _("Figures for %(first)s to %(last)s.") % {"first": item.first_day, "last": item.last_day},
            pubdate=when,
            updateddate=when,
        )
    return HttpResponse(atom.writeString("utf-8"), content_type="application/atom+xml; charset=utf-8")


# The stewards' side. Any active steward: the figures are anonymous aggregates, already suppressed exactly as
# the public will see them, and no draft page names or lists a case.


@require_safe
@steward_only
def drafts(request: HttpRequest) -> HttpResponse:
    return render(request, "transparency/drafts.html", {"reports": TransparencyReport.objects.all(), "form": DraftForm()})


@require_POST
@steward_only
def create_draft(request: HttpRequest) -> HttpResponse:
    form = DraftForm(request.POST)
    made: list[TransparencyReport] = []
    if apply_form(
        request, form, lambda data: made.append(do_draft_report(request.user, data["period"], data["summary"])), _("Draft computed.")
    ):
        return HttpResponseRedirect(reverse("transparency:draft", kwargs={"period": made[0].period}))
    return HttpResponseRedirect(reverse("transparency:drafts"))


@require_safe
@steward_only
def draft(request: HttpRequest, period: str) -> HttpResponse:
    found = get_object_or_404(TransparencyReport, period=period)
    context = _report_context(found)
    may_sign = may_sign_off(request.user, found)
    context.update({
        "summary_form": SummaryForm(initial={"summary": found.summary}),
        "sign_off_form": SignOffForm(initial={"revision": found.revision}),
        "may_sign": may_sign,
        "earliest": earliest_publication(found),
        "is_public": found.is_published(),
    })  # fmt: skip
    return render(request, "transparency/draft.html", context)


def _back(period: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("transparency:draft", kwargs={"period": period}))


@require_POST
@steward_only
def recompute(request: HttpRequest, period: str) -> HttpResponse:
    found = get_object_or_404(TransparencyReport, period=period)
    apply_form(request, SummaryForm({}), lambda _data: do_recompute_report(request.user, found), _("Figures computed again."))
    return _back(period)


@require_POST
@steward_only
def edit_summary(request: HttpRequest, period: str) -> HttpResponse:
    found = get_object_or_404(TransparencyReport, period=period)
    apply_form(request, SummaryForm(request.POST), lambda data: do_edit_summary(request.user, found, data["summary"]), _("Summary saved."))
    return _back(period)


@require_POST
@steward_only
def sign_off(request: HttpRequest, period: str) -> HttpResponse:
    found = get_object_or_404(TransparencyReport, period=period)
    apply_form(
        request,
        SignOffForm(request.POST),
        lambda data: do_sign_off(request.user, found, SignOff(revision=data["revision"], publish_on=data["publish_on"])),
        _("Signed off."),
    )
    return _back(period)
