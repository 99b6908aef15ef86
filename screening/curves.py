"""What each cut would have meant, from the stewards' own labels, and the cut those labels propose.

Only flagged items are reviewed, so labels say nothing about text that scored below the cut in force when it was
scored: precision at a cut c counts the reviewed flags raised under a cut at or below c (for those, every item that
scored c or more was flagged) whose score reached c; below the lowest cut any labelled flag was raised under,
nothing is known. "Kept" is the share of the confirmed flags raised under that lowest cut that c would still flag:
recall relative to what was found, never recall itself (what was never flagged was never counted). Flags per 1,000
items count the items scored since the cut in force was set, at cuts at or above it.

Confirmed: the flag was acted on or made a case (under whichever category the steward filed it); dismissed: not a
violation. Every figure is a count over screening.access.flags_for_figures(admin): flags on the admin's own content, or
that opened a case they are hard-conflicted on, are left out, and no item is ever named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from screening.access import flags_for_figures
from screening.models import Item
from screening.thresholds import DEFAULT_CUT, MAX_CUT, MIN_CUT, current_cut, cut_in_force

SHOWN_CUTS = tuple(round(MIN_CUT + 0.05 * step, 2) for step in range(round((MAX_CUT - MIN_CUT) / 0.05) + 1))
PROPOSAL_CUTS = tuple(round(MIN_CUT + 0.01 * step, 2) for step in range(round((MAX_CUT - MIN_CUT) / 0.01) + 1))
MIN_LABELS = 30  # reviewed flags before the labels may propose a cut
MIN_EACH = 5  # of each verdict, confirmed and dismissed
MIN_AT_CUT = 10  # labels at or above a proposed cut: fewer is a coin toss
BETAS = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Label:
    score: float
    threshold: float  # the cut the flag was raised under
    confirmed: bool | None  # None: not reviewed yet


@dataclass(frozen=True)
class Point:
    """The figures at one cut. None where the labels cannot tell."""

    cut: float
    labels: int
    confirmed: int
    precision: float | None
    kept: float | None  # share of the confirmed flags (raised under the lowest cut) this cut still flags
    flags: int | None
    items: int
    per_1000: float | None

    @property
    def dismissed(self) -> int:
        return self.labels - self.confirmed


@dataclass(frozen=True)
class Curve:
    category: str
    kind: str
    in_force: float  # the cut in force now (the model's own when none is set)
    labels: list[Label]
    items: int  # items of this kind scored since the cut in force was set
    window_flags: list[float]  # scores of the flags on those items

    @property
    def reviewed(self) -> list[Label]:
        return [label for label in self.labels if label.confirmed is not None]

    @property
    def floor(self) -> float | None:
        """The lowest cut any reviewed flag was raised under: below it the labels know nothing."""
        return min((label.threshold for label in self.reviewed), default=None)

    def point(self, cut: float) -> Point:
        usable = [label for label in self.reviewed if label.threshold <= cut + 1e-9 and label.score >= cut]
        confirmed = sum(1 for label in usable if label.confirmed)
        floor = self.floor
        found = [label for label in self.reviewed if label.confirmed and floor is not None and label.threshold <= floor + 1e-9]
        kept = None
        if found and floor is not None and cut >= floor - 1e-9:
            kept = sum(1 for label in found if label.score >= cut) / len(found)
        measured = cut >= self.in_force - 1e-9
        flags = sum(1 for score in self.window_flags if score >= cut) if measured else None
        per_1000 = 1000 * flags / self.items if flags is not None and self.items else None
        precision = confirmed / len(usable) if usable else None
        return Point(cut, len(usable), confirmed, precision, kept, flags, self.items, per_1000)

    def points(self, cuts: tuple[float, ...] = SHOWN_CUTS) -> list[Point]:
        return [self.point(cut) for cut in cuts]


def curve(admin: Any, category: str, kind: str) -> Curve:
    """The labels and flag counts behind the curve of one category and kind, as this admin may count them."""
    row = current_cut(category, kind)
    in_force = cut_in_force(row)
    flags = flags_for_figures(admin).filter(category=category, item__kind=kind)
    labels = [Label(score, threshold, label) for score, threshold, label in flags.values_list("score", "threshold", "label")]
    items = Item.objects.filter(kind=kind, scored_at__isnull=False)
    in_window = flags.filter(item__scored_at__isnull=False)
    if row is not None:
        items = items.filter(scored_at__gte=row.set_at)
        in_window = in_window.filter(item__scored_at__gte=row.set_at)
    return Curve(category, kind, in_force, labels, items.count(), list(in_window.values_list("score", flat=True)))


@dataclass(frozen=True)
class Proposal:
    point: Point | None  # None: no proposal, `message` says why
    message: str


def _f_beta(point: Point, beta: float) -> float:
    if not point.precision or not point.kept:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * point.precision * point.kept / (b2 * point.precision + point.kept)


def shortfall(data: Curve) -> str:
    """Why the labels cannot propose a cut yet, with how many more reviews it takes; "" when they can."""
    reviewed = data.reviewed
    confirmed = sum(1 for label in reviewed if label.confirmed)
    dismissed = len(reviewed) - confirmed
    need_confirmed, need_dismissed = max(0, MIN_EACH - confirmed), max(0, MIN_EACH - dismissed)
    more = max(MIN_LABELS - len(reviewed), need_confirmed + need_dismissed)
    if more <= 0:
        return ""
    return _(
        "Not enough labels to propose a cut: %(n)d reviewed flags (%(confirmed)d confirmed, %(dismissed)d dismissed). "
        "It takes %(min)d, with at least %(each)d of each: %(more)d more reviews, of which at least %(need_c)d "
        "confirmed and %(need_d)d dismissed."
    ) % {
        "n": len(reviewed),
        "confirmed": confirmed,
        "dismissed": dismissed,
        "min": MIN_LABELS,
        "each": MIN_EACH,
        "more": more,
        "need_c": need_confirmed,
        "need_d": need_dismissed,
    }


def propose(data: Curve, *, precision: float | None = None, beta: float | None = None) -> Proposal:
    """The cut the labels propose: the lowest (flagging most) whose precision reaches `precision`, or the one with the
    best F-beta of precision and kept share. Only cuts with MIN_AT_CUT labels at or above them are candidates, and
    none below the labels' floor. Never applied here: the admin applies it (screening.actions.do_set_cut)."""
    short = shortfall(data)
    if short:
        return Proposal(None, short)
    floor = data.floor if data.floor is not None else DEFAULT_CUT
    candidates = [point for point in data.points(PROPOSAL_CUTS) if point.cut >= floor - 1e-9 and point.labels >= MIN_AT_CUT]
    if not candidates:
        return Proposal(None, _("No cut has %(n)d reviewed flags at or above it yet.") % {"n": MIN_AT_CUT})
    if precision is not None:
        meeting = [point for point in candidates if point.precision is not None and point.precision >= precision]
        if not meeting:
            best = max(candidates, key=lambda point: (point.precision or 0.0, -point.cut))
            return Proposal(
                None,
                _("No cut with at least %(n)d labels reaches precision %(target).2f; the highest measured is %(best).2f, at %(cut).2f.")
                % {"n": MIN_AT_CUT, "target": precision, "best": best.precision or 0.0, "cut": best.cut},
            )
        chosen = min(meeting, key=lambda point: point.cut)
        return Proposal(chosen, _("The lowest cut whose precision on your labels reaches %(target).2f.") % {"target": precision})
    beta = beta or 1.0
    chosen = max(candidates, key=lambda point: (_f_beta(point, beta), -point.cut))
    return Proposal(chosen, _("The cut with the best F%(beta)s of precision and kept share on your labels.") % {"beta": f"{beta:g}"})


def reviewed_counts(admin: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (category, kind): the reviewed flags this admin may count, and how many of them were confirmed."""
    rows = (
        flags_for_figures(admin)
        .filter(label__isnull=False)
        .values("category", "item__kind")
        .annotate(reviewed=Count("pk"), confirmed=Count("pk", filter=Q(label=True)))
    )
    return {(row["category"], row["item__kind"]): dict(row) for row in rows}
