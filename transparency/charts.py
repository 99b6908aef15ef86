"""Server-rendered SVG bar charts: no script, no image requests. Each is role="img" with a title and a
description, and the page puts the same numbers in a table beside it; a hidden count gets no bar, only
its "fewer than N" text, so the chart's length cannot give it away either."""

from typing import Any

from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from steward.svg import accessible_svg

WIDTH, LABEL_WIDTH, ROW, BAR_HEIGHT, LABEL_CHARS = 640, 250, 30, 20, 34
BAR_COLOUR, TEXT_COLOUR = "#2b5797", "#1f2328"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(element_id: str, title: str, rows: list[Any], threshold: int) -> SafeString:
    """Horizontal bars, one per row, scaled to the largest shown count."""
    largest = max([row.value for row in rows if row.value is not None] + [1])
    span = WIDTH - LABEL_WIDTH - 60
    height = ROW * len(rows) + 10
    parts = []
    for index, row in enumerate(rows):
        y = 5 + index * ROW
        length = 0 if row.value is None else round(span * row.value / largest)
        parts.append((y + BAR_HEIGHT - 5, _short(row.label), LABEL_WIDTH, y, length, LABEL_WIDTH + length + 6, row.shown))
    bars = format_html_join(
        "",
        '<text x="0" y="{}" fill="' + TEXT_COLOUR + '" font-size="13">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="' + str(BAR_HEIGHT) + '" fill="' + BAR_COLOUR + '"></rect>'
        '<text x="{}" y="' + "{}" + '" fill="' + TEXT_COLOUR + '" font-size="13">{}</text>',
        ((label_y, label, x, y, length, text_x, label_y, shown) for label_y, label, x, y, length, text_x, shown in parts),
    )
    description = _("Bar chart; the same numbers are in the table beside it. Counts below %(threshold)d are not shown.") % {
        "threshold": threshold
    }
    return accessible_svg(element_id, WIDTH, height, title, description, bars)
