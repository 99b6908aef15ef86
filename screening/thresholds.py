"""The community's cut per (category, content kind): the trade-off between flagging more and missing more.

Every model category is scored on the scorer's common scale, where each head's cross-validated threshold sits at
0.5 (screening.model.scorer). A community may move that cut, per category and kind, within [MIN_CUT, MAX_CUT]: lower
flags more and misses less, higher flags less and misses more. The rows are screening.models.CategoryCut, changed
only through screening.actions.do_set_cut; the pipeline reads them once per batch (`community_cuts`) and each flag
keeps the cut it was raised under (Flag.threshold).

Harassment (a count of flagged messages, screening.pipeline) and private information (rules, screening/pii) are not
model scores on that scale, so they have no cut here.

What the shipped model measured comes from the model directory's own files: MANIFEST.json holds per head its
cross-validated point (precision and recall at its threshold, the share of positives) and its curve over the cuts an
admin may set (pooled out-of-fold precision, recall and the shares of rows and negatives flagged, on this same scale:
screening.model.training.cut_curve); the encoder's encoder.json holds the blend's point only. Both are measured on
the shared data, not on this community: the community's own figures come from the stewards' labels (screening.curves).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from screening.model.files import CONFIG, MANIFEST
from screening.model.scorer import CATEGORY_THRESHOLD, DefaultScorer, model_dir
from screening.models import CategoryCut, Flag
from screening.scoring import KINDS, Finding, get_scorer

MIN_CUT = 0.20  # below it nearly every text of some kinds would be flagged
MAX_CUT = 0.90  # above it a head finds almost nothing
DEFAULT_CUT = CATEGORY_THRESHOLD  # the model's own cross-validated threshold on the common scale
UNCUT = frozenset({"harassment", "private-information"})
KIND_LABELS: Mapping[str, Promise] = {
    "code_review": _lazy("code reviews"),
    "issue_comment": _lazy("issue comments"),
    "discussion": _lazy("discussions"),
    "commit_message": _lazy("commit messages"),
    "chat": _lazy("chat messages"),
    "forum_post": _lazy("forum posts"),
    "email": _lazy("mail"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def cut_in_force(row: CategoryCut | None) -> float:
    """The cut a pair is judged by: the community's, or the model's own threshold when none is set."""
    return row.cut if row is not None and row.cut is not None else DEFAULT_CUT


def community_cuts() -> dict[tuple[str, str], float]:
    """The cuts the community set, by (category, kind); a pair without one uses the scorer's own threshold."""
    rows = CategoryCut.objects.filter(cut__isnull=False).values_list("category", "kind", "cut")
    return {(category, kind): cut for category, kind, cut in rows if cut is not None}


def with_cut(finding: Finding, kind: str, cuts: Mapping[tuple[str, str], float]) -> Finding:
    """The finding judged against the community's cut for its category and the item's kind, when one is set."""
    cut = cuts.get((finding.category, kind))
    if cut is None or finding.category in UNCUT:
        return finding
    return replace(finding, threshold=cut)


def trade_off(cut: float) -> str:
    """The cut in the words an admin weighs it in."""
    if abs(cut - DEFAULT_CUT) < 0.005:
        return _("the model's cross-validated threshold")
    if cut < DEFAULT_CUT:
        return _("flags more, misses less than the model's threshold")
    return _("flags less, misses more than the model's threshold")


def check_cut(category: str, kind: str, cut: float | None) -> None:
    """Refuse what cannot be a cut: a ValidationError with the message an admin reads."""
    if category in UNCUT:
        raise ValidationError(_("%(category)s is not a model score: it has no cut to set.") % {"category": category})
    if (category, kind) not in {(pair.category, pair.kind) for pair in settable_pairs()}:
        raise ValidationError(_("Screening does not score %(category)s on %(kind)s.") % {"category": category, "kind": kind_label(kind)})
    if cut is not None and not MIN_CUT <= cut <= MAX_CUT:
        raise ValidationError(
            _("A cut must be between %(low).2f and %(high).2f: lower would flag nearly everything, higher nearly nothing.")
            % {"low": MIN_CUT, "high": MAX_CUT}
        )


@dataclass(frozen=True)
class CurvePoint:
    """A head's pooled out-of-fold figures at one cut of the common scale, on its training source. None: nothing
    flagged there (precision), or nothing to count against."""

    cut: float
    precision: float | None
    recall: float | None
    rows_flagged: float | None  # the share of the source's rows this cut flags
    negatives_flagged: float | None  # the share of its negatives (false alarms)

    @property
    def rows_percent(self) -> float | None:
        return None if self.rows_flagged is None else 100 * self.rows_flagged

    @property
    def negatives_percent(self) -> float | None:
        return None if self.negatives_flagged is None else 100 * self.negatives_flagged


@dataclass(frozen=True)
class ShippedPoint:
    """One head's cross-validated figures at its own threshold (0.5 on the common scale), on its training source,
    and its curve over the other cuts when the model stores one."""

    head: str
    sources: tuple[str, ...]
    precision: float
    recall: float
    positive: float  # the share of positives in that source
    rows: int
    with_encoder: bool
    curve: tuple[CurvePoint, ...] = ()

    @property
    def curve_without_encoder(self) -> bool:
        """The curve is the linear head's alone while the point is the blend's with the encoder stage: the encoder's
        cross-validation kept no per-text probabilities, so the blend was measured at its threshold only."""
        return self.with_encoder and bool(self.curve)

    @property
    def flags_per_1000(self) -> float:
        """Flags per 1,000 texts of the source: positives found, over the share of flags that are right."""
        return 1000 * self.positive * self.recall / self.precision if self.precision else 0.0

    def at(self, cut: float) -> CurvePoint | None:
        """The curve's figures at exactly this cut (to the hundredth), if it was measured there."""
        return next((point for point in self.curve if abs(point.cut - cut) < 0.005), None)

    def around(self, cut: float) -> tuple[CurvePoint | None, CurvePoint | None]:
        """Where a cut sits on the curve: the measured point at it (twice), or the two measured either side of it."""
        exact = self.at(cut)
        if exact is not None:
            return exact, exact
        below = [point for point in self.curve if point.cut < cut]
        above = [point for point in self.curve if point.cut > cut]
        return (below[-1] if below else None), (above[0] if above else None)


def _curve(figures: Mapping[str, Any] | None) -> tuple[CurvePoint, ...]:
    stored = (figures or {}).get("curve") or {}
    return tuple(
        CurvePoint(float(p["cut"]), p.get("precision"), p.get("recall"), p.get("rows_flagged"), p.get("negatives_flagged"))
        for p in stored.get("points", [])
    )


@dataclass(frozen=True)
class Pair:
    category: str
    kind: str
    points: tuple[ShippedPoint, ...] = ()

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


def _read(path: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return loaded


def _shipped_heads() -> list[tuple[dict[str, Any], ShippedPoint | None]]:
    """The default scorer's heads that feed a category (kinds listed), with their cross-validated point if stored."""
    if not isinstance(get_scorer(), DefaultScorer):
        return []
    directory = model_dir()
    # A head for a category without a cut (the single-text harassment head: harassment is counted as a pattern
    # across items too) is left out, as its category is.
    heads = [head for head in _read(directory / CONFIG).get("heads", []) if head.get("kinds") and head.get("category") not in UNCUT]
    figures = _read(directory / MANIFEST).get("cross_validation", {})
    encoder = _read(directory / "encoder" / "encoder.json") if settings.STEWARD_SCREENING_ENCODER else {}
    out = []
    for head in heads:
        blend = encoder.get("cross_validation", {}).get("mean_over_folds", {}).get("blend") if encoder.get("head") == head["name"] else None
        own = figures.get(head["name"])
        point = None
        if blend:
            # No blend curve is ever made up: the linear head's own curve is shown, and labelled as that.
            trained = encoder.get("trained_on", {})
            point = ShippedPoint(head["name"], tuple(trained.get("source", head["sources"])), blend["precision"], blend["recall"],
                                 trained.get("positive", 0.0), int(trained.get("rows", 0)), True, _curve(own))  # fmt: skip
        elif own:
            point = ShippedPoint(
                head["name"], tuple(own["sources"]), own["precision"], own["recall"], own["positive"], int(own["n"]), False, _curve(own)
            )
        out.append((head, point))
    return out


def settable_pairs() -> list[Pair]:
    """Every (category, kind) a community may set a cut for: what the configured model scores, plus what flags and
    cuts already name (another scorer's categories). Harassment and private information are not model scores."""
    points: dict[tuple[str, str], list[ShippedPoint]] = {}
    for head, point in _shipped_heads():
        for kind in head["kinds"]:
            points.setdefault((head["category"], kind), []).extend([point] if point else [])
    seen = set(Flag.objects.exclude(category__in=UNCUT).values_list("category", "item__kind").distinct())
    seen |= set(CategoryCut.objects.values_list("category", "kind"))
    for pair in seen:
        if pair[1] in KINDS:
            points.setdefault(pair, [])
    return [Pair(category, kind, tuple(found)) for (category, kind), found in sorted(points.items(), key=_pair_order)]


def _pair_order(entry: tuple[tuple[str, str], Any]) -> tuple[str, int]:
    category, kind = entry[0]
    return category, KINDS.index(kind) if kind in KINDS else len(KINDS)


def find_pair(category: str, kind: str) -> Pair | None:
    return next((pair for pair in settable_pairs() if (pair.category, pair.kind) == (category, kind)), None)


def current_cut(category: str, kind: str) -> CategoryCut | None:
    return CategoryCut.objects.filter(category=category, kind=kind).first()


def _figures(point: CurvePoint) -> str:
    def share(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    def number(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    return _("precision %(p)s, recall %(r)s, flagging %(rows)s of the rows and %(negatives)s of the negatives") % {
        "p": number(point.precision),
        "r": number(point.recall),
        "rows": share(point.rows_flagged),
        "negatives": share(point.negatives_flagged),
    }


def where_on_curve(shipped: ShippedPoint, cut: float) -> str:
    """Where a cut sits on a head's stored curve, in the words an admin reads; "" when the head stores no curve."""
    below, above = shipped.around(cut)
    linear = " " + _("(The linear head's curve, without the encoder stage.)") if shipped.curve_without_encoder else ""
    if below is not None and below is above:
        return _("At the cut in force, %(cut).2f, the curve measured %(figures)s.") % {"cut": cut, "figures": _figures(below)} + linear
    if below is not None and above is not None:
        return (
            _("The cut in force, %(cut).2f, lies between %(low).2f (%(low_figures)s) and %(high).2f (%(high_figures)s).")
            % {
                "cut": cut,
                "low": below.cut,
                "low_figures": _figures(below),
                "high": above.cut,
                "high_figures": _figures(above),
            }
            + linear
        )
    return ""
