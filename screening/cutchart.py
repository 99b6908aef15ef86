"""The cut's curve as an inline SVG line chart: no script, no image request. It is role="img" with a title and a
description, and the page puts the same numbers in the table beside it (the table is what a screen reader reads)."""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from screening.curves import Point
from screening.thresholds import MAX_CUT, MIN_CUT, ShippedPoint
from steward.svg import accessible_svg

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 346, 48, 16, 16, 110
PRECISION, KEPT, CUT, SHIPPED, INK, GRID = "#2b5797", "#8a4b08", "#1f2328", "#1a7f37", "#1f2328", "#d0d7de"


def _x(cut: float) -> float:
    return round(LEFT + (cut - MIN_CUT) / (MAX_CUT - MIN_CUT) * (WIDTH - LEFT - RIGHT), 1)


def _y(value: float) -> float:
    return round(TOP + (1 - value) * (HEIGHT - TOP - BOTTOM), 1)


def _line(points: Sequence[tuple[float, float | None]], colour: str, dashed: bool, dotted: bool = False) -> SafeString:
    shown = " ".join(f"{_x(cut)},{_y(value)}" for cut, value in points if value is not None)
    if not shown:
        return SafeString("")
    dash = ' stroke-dasharray="2 3"' if dotted else ' stroke-dasharray="6 4"' if dashed else ""
    return format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"{}></polyline>', shown, colour, SafeString(dash))


def _key_line(x: int, y: int, colour: str, dashed: bool, label: str, dotted: bool = False) -> SafeString:
    dash = ' stroke-dasharray="2 3"' if dotted else ' stroke-dasharray="6 4"' if dashed else ""
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{}></line>'
        '<text x="{}" y="{}" font-size="12" fill="{}">{}</text>',
        x, y, x + 24, y, colour, SafeString(dash), x + 30, y + 4, INK, label,
    )  # fmt: skip


def _key_marks(x: int, y: int, label: str) -> SafeString:
    return format_html(
        '<circle cx="{}" cy="{}" r="5" fill="{}"></circle>'
        '<rect x="{}" y="{}" width="9" height="9" fill="none" stroke="{}" stroke-width="2"></rect>'
        '<text x="{}" y="{}" font-size="12" fill="{}">{}</text>',
        x + 8, y, SHIPPED, x + 16, y - 4.5, SHIPPED, x + 30, y + 4, INK, label,
    )  # fmt: skip


def cut_chart(element_id: str, title: str, points: Sequence[Point], in_force: float, shipped: Sequence[ShippedPoint]) -> SafeString:
    """Precision and kept share from the labels over the cuts, the cut in force, the shipped model's points (at 0.5,
    where each head's cross-validated threshold sits: a circle for its precision, a square for its recall) and, where
    the model stores one, each head's cross-validated curve (precision solid, recall dotted, in the points' colour)."""
    axis_y = HEIGHT - BOTTOM
    ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="'
        + GRID
        + '"></line><text x="4" y="{3}" font-size="12" fill="'
        + INK
        + '">{4}</text>',
        ((LEFT, _y(v), WIDTH - RIGHT, _y(v) + 4, f"{v:.1f}") for v in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)),
    )
    cuts = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="' + INK + '">{}</text>',
        ((_x(c), axis_y + 16, f"{c:.1f}") for c in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)),
    )
    marks = format_html_join(
        "",
        '<circle cx="{0}" cy="{1}" r="5" fill="'
        + SHIPPED
        + '"></circle><rect x="{2}" y="{3}" width="9" height="9" fill="none" stroke="'
        + SHIPPED
        + '" stroke-width="2"></rect>',
        ((_x(0.5), _y(s.precision), _x(0.5) - 4.5, _y(s.recall) - 4.5) for s in shipped),
    )
    legend_y, curve_y, second_y = HEIGHT - 66, HEIGHT - 40, HEIGHT - 14
    curved = [s for s in shipped if s.curve]
    # With the encoder on, a head's point is the blend's but its curve the linear head's alone: the key says which.
    linear = any(s.curve_without_encoder for s in curved)
    legend = format_html(
        "{}{}{}{}",
        _key_line(LEFT, legend_y, PRECISION, False, _("precision (labels)")),
        _key_line(LEFT + 200, legend_y, KEPT, True, _("kept share (labels)")),
        format_html(
            "{}{}",
            _key_line(
                LEFT, curve_y, SHIPPED, False, _("precision (linear head's curve)") if linear else _("precision (shipped model's curve)")
            ),
            _key_line(
                LEFT + 280,
                curve_y,
                SHIPPED,
                False,
                _("recall (linear head's curve)") if linear else _("recall (shipped model's curve)"),
                dotted=True,
            ),
        )
        if curved
        else SafeString(""),
        _key_marks(LEFT, second_y, _("shipped model, cross-validated at its threshold: precision ●, recall □")),
    )
    curves = SafeString(
        "".join(
            _line([(p.cut, p.precision) for p in s.curve], SHIPPED, False)
            + _line([(p.cut, p.recall) for p in s.curve], SHIPPED, False, dotted=True)
            for s in curved
        )
    )
    force = format_html(
        '<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{c}" stroke-width="1.5" stroke-dasharray="2 3"></line>'
        '<text x="{tx}" y="{ty}" font-size="12" fill="{c}">{label}</text>',
        x=_x(in_force), top=TOP, bottom=axis_y, c=CUT, tx=_x(in_force) + 4, ty=axis_y - 6, label=_("in force"),
    )  # fmt: skip
    description = _(
        "Line chart of precision and kept share against the cut, from 0.2 to 0.9, with the cut in force marked; "
        "the same numbers are in the table below."
    )
    if curved:
        description += " " + _(
            "It also draws the shipped model's cross-validated precision and recall against the cut, measured on the "
            "shared training data, not on this community; those numbers are in the shipped model's table."
        )
    precision = _line([(p.cut, p.precision) for p in points], PRECISION, False)
    kept = _line([(p.cut, p.kept) for p in points], KEPT, True)
    return accessible_svg(element_id, WIDTH, HEIGHT, title, description, ticks, cuts, force, curves, precision, kept, marks, legend)
