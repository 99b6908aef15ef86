"""Thin views: the reported person's portal, and the stewards' letter, link and approval actions."""

from functools import cache

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.access import Need, access_case
from cases.forms import MessageForm
from cases.models import Audience, Case
from cases.views.common import apply_form, back_to_case, is_htmx, steward_only
from cases.views.context import case_context
from letters.access import access_opened_party_link, access_party_link, portal_url
from letters.actions import (
    do_approve_message,
    do_create_party_link,
    do_edit_draft,
    do_party_reply,
    do_revoke_party_link,
    do_withdraw_draft,
    reported_party,
)
from letters.fill import UnknownPlaceholder, fill_letter
from letters.forms import ComposeForm, EditDraftForm, IdForm, PartyReplyForm
from letters.models import PartyLink
from letters.portal import party_messages, party_status
from steward.link_sessions import grant, holds, leave, party_grant
from steward.methods import page_or_form
from steward.middleware import private
from steward.not_stored import not_stored
from steward.pagination import NEWEST_FIRST, oldest_first, paginate

APPEAL_TEMPLATE = "decisions/_appeal_portal.html"
PORTAL_PAGE = 50  # letters and messages the reported person's page shows at once, the latest


@cache
def _has_template(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def _party_not_found(request: HttpRequest) -> HttpResponse:
    return private(render(request, "letters/party_not_found.html", status=404))


@page_or_form
def party_portal(request: HttpRequest, token: str) -> HttpResponse:
    """The reported person's link: it opens their page in this browser and leads there (steward/link_sessions.py).
    A form posted here (a page loaded before links opened sessions) is still taken, then sent on the same way."""
    try:
        link = access_party_link(token)
    except Http404:
        return _party_not_found(request)
    grant(request, party_grant(link.pk))
    if request.method == "POST":
        return _party_page(request, link)
    return private(HttpResponseRedirect(reverse("letters:party_page", args=[link.pk]), status=303))


@page_or_form
def party_page(request: HttpRequest, link: int) -> HttpResponse:
    """The reported person's page, for a browser their link opened: status in plain words, approved letters, their
    answers, a reply form. Any other browser, or a revoked link, gets the same page as a wrong link."""
    if not holds(request, party_grant(link)):
        return _party_not_found(request)
    try:
        opened = access_opened_party_link(link)
    except Http404:
        return _party_not_found(request)
    return _party_page(request, opened)


@require_POST
def party_leave(request: HttpRequest, link: int) -> HttpResponse:
    """Close the page in this browser (a shared computer): only the link opens it again."""
    leave(request, party_grant(link))
    return private(render(request, "letters/party_left.html"))


def _party_page(request: HttpRequest, link: PartyLink) -> HttpResponse:
    page = reverse("letters:party_page", args=[link.pk])
    form = PartyReplyForm(request.POST or None)
    http_status = 200
    if request.method == "POST" and form.is_valid():
        try:
            do_party_reply(link, form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)
        except Exception:  # noqa: BLE001 - whatever broke, the reported person keeps what they typed (steward.not_stored)
            http_status = not_stored(form, "a reported person's message")
        else:
            return private(HttpResponseRedirect(page + "?sent=1", status=303))
    context = {
        "link": link,
        "page_path": page,
        "status": party_status(link.case),
        "thread": oldest_first(paginate(request, party_messages(link), NEWEST_FIRST, "messages_before", PORTAL_PAGE, forget=["sent"])),
        "form": form,
        "sent": request.method == "GET" and request.GET.get("sent") == "1",
        # The decisions app adds its appeal section by shipping this template (it gets `link` and `page_path`).
        "show_appeal": _has_template(APPEAL_TEMPLATE),
        "appeal_template": APPEAL_TEMPLATE,
        "link_minutes": settings.STEWARD_LINK_SESSION_SECONDS // 60,
    }
    return private(render(request, "letters/party_portal.html", context, status=http_status))


def _answer(request: HttpRequest, case: Case) -> HttpResponse:
    if is_htmx(request):
        case.refresh_from_db()
        context = case_context(request, case)
        context["partial"] = True
        return render(request, "cases/_thread.html", context)
    return back_to_case(case, "thread")


@require_POST
@steward_only
def approve_message(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.DECIDE)
    form = IdForm(request.POST)
    apply_form(request, form, lambda data: do_approve_message(request.user, case, data["target"]), _("Message approved; it is on its way."))
    return _answer(request, case)


@require_POST
@steward_only
def edit_draft(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = EditDraftForm(request.POST)
    apply_form(request, form, lambda data: do_edit_draft(request.user, case, data["target"], data["body"]), _("Message corrected."))
    return _answer(request, case)


@require_POST
@steward_only
def withdraw_draft(request: HttpRequest, code: str) -> HttpResponse:
    """Its author (who may be soft-conflicted and still writes) or an unconflicted steward takes a draft back."""
    case = access_case(request.user, code, Need.WRITE)
    form = IdForm(request.POST)
    apply_form(
        request, form, lambda data: do_withdraw_draft(request.user, case, data["target"]), _("Message withdrawn; it will not be sent.")
    )
    return _answer(request, case)


@require_POST
@steward_only
def create_party_link(request: HttpRequest, code: str) -> HttpResponse:
    """The new link is shown once, in this response; only its hash is kept."""
    case = access_case(request.user, code, Need.WRITE)
    form = IdForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reported person of this case."))
        return back_to_case(case, "party-links")
    try:
        new = do_create_party_link(request.user, case, reported_party(case, form.cleaned_data["target"]))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back_to_case(case, "party-links")
    context = {"case": case, "party": new.link.party, "url": portal_url(new.token)}
    return private(render(request, "letters/link_created.html", context))


@require_POST
@steward_only
def revoke_party_link(request: HttpRequest, code: str) -> HttpResponse:
    case = access_case(request.user, code, Need.WRITE)
    form = IdForm(request.POST)
    apply_form(request, form, lambda data: do_revoke_party_link(request.user, case, data["target"]), _("The link no longer works."))
    return back_to_case(case, "party-links")


@require_safe
@steward_only
def compose(request: HttpRequest, code: str) -> HttpResponse:
    """Fill a letter template from the case; the steward reviews it and sends it with the usual message form."""
    case = access_case(request.user, code, Need.WRITE)
    reports = list(case.reports.all())
    message_form = MessageForm(reports=reports)
    chooser = ComposeForm(request.GET or None, message_form=message_form)
    if chooser.is_bound and chooser.is_valid():
        data = chooser.cleaned_data
        message_form.cleaned_data = {"audience": data["audience"]}
        audience, report = message_form.audience_and_report()
        try:
            letter = fill_letter(
                data["kind"], data["language"], case, audience=audience, report=report, party=message_form.party(), steward=request.user
            )
        except UnknownPlaceholder as error:
            letter = None
            messages.error(request, _("This letter template uses unknown placeholders: %(names)s") % {"names": error})
        if letter is not None:
            message_form = MessageForm(
                reports=reports, initial={"audience": data["audience"], "body": letter.body, "subject": letter.subject}
            )
    context = {"case": case, "chooser": chooser, "message_form": message_form, "reported": Audience.REPORTED}
    return private(render(request, "letters/compose.html", context))
