"""Admin pages for the community's cut per category and kind: the overview, one pair's curve with a proposal from the
labels, and the change. Thin: figures come from screening.curves, the change is screening.actions.do_set_cut."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.views.common import admin_only, apply_form
from screening.actions import category_title, do_set_cut
from screening.curves import BETAS, MIN_AT_CUT, MIN_EACH, MIN_LABELS, curve, propose, reviewed_counts
from screening.cutchart import cut_chart
from screening.forms import GOAL_PRECISION, CutForm, ProposalForm
from screening.models import CategoryCut
from screening.thresholds import (
    DEFAULT_CUT,
    MAX_CUT,
    MIN_CUT,
    Pair,
    cut_in_force,
    find_pair,
    settable_pairs,
    trade_off,
    where_on_curve,
)


def threshold_url(category: str, kind: str) -> str:
    return reverse("screening:threshold", kwargs={"category": category, "kind": kind})


def _pair_or_404(category: str, kind: str) -> Pair:
    pair = find_pair(category, kind)
    if pair is None:
        raise Http404("Screening does not score that.")
    return pair


@require_safe
@admin_only
def thresholds(request: HttpRequest) -> HttpResponse:
    pairs = settable_pairs()
    cuts = {(row.category, row.kind): row for row in CategoryCut.objects.select_related("set_by__steward_profile")}
    counts = reviewed_counts(request.user)
    rows = []
    for pair in pairs:
        row = cuts.get((pair.category, pair.kind))
        cut = cut_in_force(row)
        rows.append((pair, category_title(pair.category), row, cut, trade_off(cut), counts.get((pair.category, pair.kind))))
    return render(request, "screening/thresholds.html", {"rows": rows, "default": DEFAULT_CUT})


@require_safe
@admin_only
def threshold(request: HttpRequest, category: str, kind: str) -> HttpResponse:
    pair = _pair_or_404(category, kind)
    data = curve(request.user, category, kind)
    points = data.points()
    row = CategoryCut.objects.filter(category=category, kind=kind).select_related("set_by__steward_profile").first()
    form = ProposalForm(request.GET or None)
    proposal = None
    if form.is_bound and form.is_valid():
        goal = form.cleaned_data["goal"]
        if goal == GOAL_PRECISION:
            proposal = propose(data, precision=float(form.cleaned_data["precision"]))
        else:
            proposal = propose(data, beta=form.cleaned_data["beta"] or 1.0)
    title = _("%(category)s on %(kind)s") % {"category": category_title(category), "kind": pair.kind_label}
    context = {
        "pair": pair,
        "title": title,
        "row": row,
        "in_force": data.in_force,
        "trade_off": trade_off(data.in_force),
        "default": DEFAULT_CUT,
        "points": points,
        # Beside each cut's label figures, every head's stored curve there (None where it stores none).
        "rows": [(point, [(shipped, shipped.at(point.cut)) for shipped in pair.points]) for point in points],
        "shipped": [(shipped, where_on_curve(shipped, data.in_force)) for shipped in pair.points],
        "reviewed": len(data.reviewed),
        "confirmed": sum(1 for label in data.reviewed if label.confirmed),
        "floor": data.floor,
        "items": data.items,
        "chart": cut_chart("cut-chart", title, points, data.in_force, pair.points),
        "cut_form": CutForm(initial={"cut": f"{data.in_force:.2f}"}),
        "proposal_form": form,
        "proposal": proposal,
        "betas": BETAS,
        "rules": {"labels": MIN_LABELS, "each": MIN_EACH, "at_cut": MIN_AT_CUT, "low": MIN_CUT, "high": MAX_CUT},
    }
    return render(request, "screening/threshold.html", context)


@require_POST
@admin_only
def set_threshold(request: HttpRequest, category: str, kind: str) -> HttpResponse:
    _pair_or_404(category, kind)
    form = CutForm(request.POST)
    apply_form(request, form, lambda data: do_set_cut(request.user, category, kind, form.chosen()), _("The cut is changed."))
    return HttpResponseRedirect(threshold_url(category, kind))
