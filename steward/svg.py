"""The frame of every chart Steward draws as inline SVG (transparency reports, the screening cut's curve).

No script and no image request: the chart is part of the page. It is role="img", labelled by its own title and
description, and scales to the width it is given; the page always puts the same numbers in a table beside it,
which is what a screen reader reads.
"""

from django.utils.html import format_html
from django.utils.safestring import SafeString


def accessible_svg(element_id: str, width: int, height: int, title: str, description: str, *parts: SafeString) -> SafeString:
    """An <svg> holding `parts` (already safe markup), with its title and description tied to it by id."""
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" width="100%"'
        ' preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=element_id,
        w=width,
        h=height,
        title=title,
        desc=description,
        body=SafeString("".join(parts)),
    )
