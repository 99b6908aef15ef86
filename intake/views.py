"""The public report form, the receipt, the reporter's follow-up portal and on-behalf reports.

Views stay thin: parse the form, call the action, render. Two rules hold throughout:
- the follow-up secret is shown once, in the body of the POST response that created it, and is never
  put in a query string, a redirect, a cookie, or the database; the link's first visit trades it for a short
  session and redirects to the report's page without it (steward/link_sessions.py), so no later request
  carries it;
- nothing about the client (address, browser) is stored: flood control counts by a keyed hash.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.access import access_opened_report, access_report_by_link
from cases.actions import do_reporter_reply
from intake.actions import Receipt, do_submit_report
from intake.forms import SOMEWHERE_ELSE, FollowUpStartForm, OnBehalfReportForm, ReplyForm, ReportForm, looks_valid
from intake.portal import reporter_evidence, reporter_messages, reporter_status
from people.access import is_active_steward
from policy.services import current_policy
from policy.wording import days, hours
from steward.link_sessions import grant, holds, leave, report_grant
from steward.methods import page_or_form
from steward.middleware import private
from steward.not_stored import not_stored
from steward.pagination import NEWEST_FIRST, NEWEST_FIRST_ADDED, oldest_first, paginate
from steward.ratelimit import client_key, hit, peek


def _timelines() -> dict[str, Any]:
    policy = current_policy()
    return {
        "policy": policy,
        "acknowledge_within": hours(policy.timelines.acknowledge_hours),
        "first_followup_within": days(policy.timelines.first_followup_days),
        "decision_within": days(policy.timelines.decision_target_days),
    }


PORTAL_PAGE = 50  # messages, and files, a reporter's page shows at once


def follow_up_url(reference: str, secret: str) -> str:
    return settings.SITE_URL + reverse("intake:follow_up", kwargs={"reference": reference, "secret": secret})


def _render_form(request: HttpRequest, form: ReportForm, *, on_behalf: bool, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        **_timelines(),
        "form": form,
        "on_behalf": on_behalf,
        "files_were_chosen": bool(request.FILES),
        **extra,
    }
    response = render(request, "intake/report_form.html", context, status=status)
    return private(response, indexable=not form.is_bound and not on_behalf)


def _render_receipt(request: HttpRequest, receipt: Receipt, form: ReportForm, *, on_behalf: bool) -> HttpResponse:
    context = {
        **_timelines(),
        "receipt": receipt,
        "link": follow_up_url(receipt.reference, receipt.secret),
        "start_url": settings.SITE_URL + reverse("intake:follow_up_start"),
        "on_behalf": on_behalf,
        "identity_dropped": form.identity_dropped,
        "anonymous": form.cleaned_data["anonymous"],
        "do_not_contact": form.cleaned_data["do_not_contact"],
        "on_file_only": form.cleaned_data["on_file_only"],
        "files_count": len(form.cleaned_data["evidence"]),
    }
    return private(render(request, "intake/receipt.html", context))


@page_or_form
def report(request: HttpRequest) -> HttpResponse:
    """The public form. The receipt is the POST response itself; it is never redirected to."""
    if request.method != "POST":
        return _render_form(request, ReportForm(), on_behalf=False)
    key = client_key(request, "report")
    window = settings.STEWARD_REPORT_WINDOW_SECONDS
    if peek(key, window) >= settings.STEWARD_REPORT_HARD_LIMIT:
        return _too_many(request)
    form = ReportForm(request.POST, request.FILES)
    if form.is_spam:
        hit(key, window)
        return private(render(request, "intake/thanks.html", _timelines()))
    if not form.is_valid():
        return _render_form(request, form, on_behalf=False)
    count = hit(key, window)
    if count > settings.STEWARD_REPORT_HARD_LIMIT:
        return _too_many(request)
    try:
        receipt = do_submit_report(form.to_submission(), held_as_possible_flood=count > settings.STEWARD_REPORT_SOFT_LIMIT)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_form(request, form, on_behalf=False)
    except Exception:  # noqa: BLE001 - whatever broke, the reporter keeps what they typed (steward.not_stored)
        return _render_form(request, form, on_behalf=False, status=not_stored(form, "a report"), not_stored=True)
    return _render_receipt(request, receipt, form, on_behalf=False)


def _too_many(request: HttpRequest) -> HttpResponse:
    """Too many reports from one place: keep everything typed, store nothing, say when to try again."""
    form = ReportForm(request.POST)  # files are not kept: the browser cannot refill a file input
    minutes = max(1, settings.STEWARD_REPORT_WINDOW_SECONDS // 60)
    response = _render_form(request, form, on_behalf=False, status=429, flooded=True, wait_minutes=minutes)
    response["Retry-After"] = str(settings.STEWARD_REPORT_WINDOW_SECONDS)
    return response


@page_or_form
def report_on_behalf(request: HttpRequest) -> HttpResponse:
    """A steward files a report for somebody who told them another way; the steward is recorded."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_active_steward(request.user):
        raise Http404("No such page.")
    if request.method != "POST":
        return _render_form(request, OnBehalfReportForm(), on_behalf=True)
    form = OnBehalfReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, form, on_behalf=True)
    try:
        receipt = do_submit_report(form.to_submission(), taken_by=request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_form(request, form, on_behalf=True)
    except Exception:  # noqa: BLE001 - whatever broke, the steward keeps what they typed (steward.not_stored)
        return _render_form(request, form, on_behalf=True, status=not_stored(form, "a report taken on behalf"), not_stored=True)
    return _render_receipt(request, receipt, form, on_behalf=True)


# --- Follow-up ------------------------------------------------------------------------------------


def _not_found(request: HttpRequest) -> HttpResponse:
    """One response for every link that does not open a report, whether or not the reference exists."""
    context = {"policy": current_policy(), "start_url": reverse("intake:follow_up_start")}
    return private(render(request, "intake/follow_up_not_found.html", context, status=404))


@page_or_form
def follow_up_start(request: HttpRequest) -> HttpResponse:
    """Type the reference and code from the receipt; a match opens the report's page (POST, then redirect)."""
    form = FollowUpStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reference, code = form.cleaned_data["reference"], form.cleaned_data["code"]
        if looks_valid(reference, code):
            try:
                report = access_report_by_link(reference, code)
            except Http404:
                pass
            else:
                return _open(request, report)
        form.add_error(None, _("We could not open a report with that reference and code. Please check both and try again."))
    left = request.method == "GET" and request.GET.get("left") == "1"
    return private(render(request, "intake/follow_up_start.html", {"form": form, "policy": current_policy(), "left": left}))


def _open(request: HttpRequest, report: Any) -> HttpResponse:
    grant(request, report_grant(report.reference))
    return private(HttpResponseRedirect(reverse("intake:follow_up_page", args=[report.reference]), status=303))


@page_or_form
def follow_up(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    """The link from the receipt and the mails: it opens the report's page in this browser and leads there.
    A form posted here (a page loaded before links opened sessions) is still taken, then sent on the same way."""
    if not looks_valid(reference, secret):
        return _not_found(request)
    try:
        report = access_report_by_link(reference, secret)
    except Http404:
        return _not_found(request)
    if request.method == "POST":
        grant(request, report_grant(report.reference))
        return _portal(request, report)
    return _open(request, report)


@page_or_form
def follow_up_page(request: HttpRequest, reference: str) -> HttpResponse:
    """The reporter's portal, for a browser that opened the report with its link: status, the thread with the
    stewards, their report, and a reply form. Any other browser gets the same page as a wrong link."""
    if not holds(request, report_grant(reference)):
        return _not_found(request)
    try:
        report = access_opened_report(reference)
    except Http404:
        return _not_found(request)
    return _portal(request, report)


@require_POST
def follow_up_leave(request: HttpRequest, reference: str) -> HttpResponse:
    """Close the report's page in this browser (a shared computer): only the link opens it again."""
    leave(request, report_grant(reference))
    return private(HttpResponseRedirect(reverse("intake:follow_up_start") + "?left=1", status=303))


def _portal(request: HttpRequest, report: Any) -> HttpResponse:
    page = reverse("intake:follow_up_page", args=[report.reference])
    http_status = 200
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                do_reporter_reply(report, form.cleaned_data["body"], form.cleaned_data["evidence"])
            except ValidationError as error:
                form.add_error(None, error)
            except Exception:  # noqa: BLE001 - whatever broke, the reporter keeps what they typed (steward.not_stored)
                http_status = not_stored(form, "a reporter's message")
            else:
                # POST-redirect-GET to the page; the flag only shows a thank-you line.
                return private(HttpResponseRedirect(page + "?sent=1", status=303))
    else:
        form = ReplyForm()
    policy = report.case.policy_version.policy
    portal_page: dict[str, Any] = {"size": PORTAL_PAGE, "forget": ["sent"]}  # the thank-you line shows once
    context = {
        "report": report,
        "page_path": page,
        "status": reporter_status(report),
        # The latest page of each; "earlier" links page back, so a long thread costs what a short one does.
        "thread": oldest_first(paginate(request, reporter_messages(report), NEWEST_FIRST, "messages_before", **portal_page)),
        "evidence": oldest_first(paginate(request, reporter_evidence(report), NEWEST_FIRST_ADDED, "files_before", **portal_page)),
        "categories": [title for code, title in policy.category_choices() if code in report.categories],
        "space_title": _space_title(policy, report.space),
        "form": form,
        "sent": request.method == "GET" and request.GET.get("sent") == "1",
        "files_were_chosen": bool(request.FILES),
        "link_minutes": settings.STEWARD_LINK_SESSION_SECONDS // 60,
        **_timelines(),
    }
    return private(render(request, "intake/follow_up.html", context, status=http_status))


def _space_title(policy: Any, code: str) -> str:
    if not code:
        return ""
    if code == SOMEWHERE_ELSE:
        return _("Somewhere else")
    return dict(policy.space_choices()).get(code, code)
