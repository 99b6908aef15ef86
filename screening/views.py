"""The flag review queue and the flag page. Views are thin: a flag comes only from screening.access, and every
change is one screening.actions function (which writes its audit record in the same transaction)."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.views.common import apply_form, case_url, steward_only
from enforcement.models import ActionStatus
from policy.services import current_policy
from screening.access import FLAG_ORDER, access_flag, may_see, visible_flags
from screening.actions import (
    action_under_way,
    category_choices,
    category_title,
    do_act_on_flag,
    do_dismiss_flag,
    do_open_case_from_flag,
    item_capabilities,
)
from screening.forms import ANY, ActForm, CaseForm, DismissForm, FilterForm
from screening.models import Flag, FlagStatus
from steward.pagination import paginate
from steward.weblinks import is_web_link

QUEUE_LIMIT = 100  # rows on one page; the queue is ordered, so the most urgent come first


def flag_url(flag: Flag) -> str:
    return reverse("screening:flag", kwargs={"flag_id": flag.pk})


@require_safe
@steward_only
def queue(request: HttpRequest) -> HttpResponse:
    categories = current_policy().category_choices()
    form = FilterForm(request.GET or None, categories=categories)
    status: str = FlagStatus.OPEN
    category = ""
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or FlagStatus.OPEN
        category = form.cleaned_data["category"]
    flags = visible_flags(request.user, status="" if status == ANY else status, category=category)
    titles = dict(categories)
    # Pages by keyset in the queue's own order; no COUNT of every visible flag (a scan of the whole table).
    page = paginate(request, flags, FLAG_ORDER, "after", QUEUE_LIMIT)
    rows = [(flag, titles.get(flag.category, flag.category)) for flag in page.items]
    context = {"form": form, "rows": rows, "page": page, "status": status}
    return render(request, "screening/queue.html", context)


@require_safe
@steward_only
def flag_detail(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = access_flag(request.user, flag_id)
    item = flag.item
    capabilities = item_capabilities(item)
    pending = action_under_way(flag)
    failed = flag.action is not None and flag.status == FlagStatus.OPEN and flag.action.status == ActionStatus.FAILED
    # The reason the platform records starts as the code of conduct's category; the steward may say more.
    act_initial = {"reason": _("Code of conduct: %(category)s") % {"category": category_title(flag.category)}}
    findings = [(other, category_title(other.category)) for other in item.flags.order_by("-score") if may_see(request.user, other)]
    context = {
        "flag": flag,
        "item": item,
        "title": category_title(flag.category),
        "original": item.url if is_web_link(item.url) else "",
        "findings": findings,
        "is_open": flag.status == FlagStatus.OPEN and not pending,
        "pending": pending,
        "failed": failed,
        "dismiss_form": DismissForm(),
        "act_form": ActForm(initial=act_initial, capabilities=capabilities, categories=category_choices(flag)) if capabilities else None,
        "case_form": CaseForm(categories=category_choices(flag)),
        "receipts": list(flag.action.receipts.all()) if flag.action else [],
    }
    return render(request, "screening/flag.html", context)


@require_POST
@steward_only
def dismiss(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = access_flag(request.user, flag_id)
    form = DismissForm(request.POST)
    apply_form(request, form, lambda data: do_dismiss_flag(request.user, flag.pk, data["note"]), _("Flag dismissed."))
    return HttpResponseRedirect(flag_url(flag))


@require_POST
@steward_only
def act(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = access_flag(request.user, flag_id)
    form = ActForm(request.POST, capabilities=item_capabilities(flag.item), categories=category_choices(flag))
    apply_form(
        request,
        form,
        lambda data: do_act_on_flag(request.user, flag.pk, data["op"], data["reason"], form.params(), data["category"]),
        _("The action is queued; its result shows here once the space answers."),
    )
    return HttpResponseRedirect(flag_url(flag))


@require_POST
@steward_only
def open_case(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = access_flag(request.user, flag_id)
    form = CaseForm(request.POST, categories=category_choices(flag))
    opened: list[str] = []

    def run(data: dict[str, str]) -> None:
        opened.append(case_url(do_open_case_from_flag(request.user, flag.pk, data["note"], data["category"])))

    if apply_form(request, form, run, _("A case was opened from this flag.")):
        return HttpResponseRedirect(opened[0])
    return HttpResponseRedirect(flag_url(flag))
