"""For newcomers (REQUIREMENTS 13): a "how to report" note and badge that each community space can embed.

The page per space gives the note as HTML and as Markdown, to copy into a README, a channel topic or a forum's
about page: which code of conduct applies, how to report, who the stewards are. The badge is a static SVG:
the same bytes for everyone, cacheable by any cache, no cookie, no counter, nothing about who fetched it.
"""

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from policy.schema import Policy, Space
from policy.services import current_version

BADGE_MAX_AGE = 24 * 3600  # a day: a new translation or name shows up by tomorrow
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!<>|])")


def absolute(path: str) -> str:
    """An address that works from another site: SITE_URL, since the note is pasted elsewhere."""
    return settings.SITE_URL + path


def _space(policy: Policy, code: str) -> Space:
    try:
        return policy.space(code)
    except KeyError as missing:
        raise Http404("No such space.") from missing


def _markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def note_links(space: Space) -> dict[str, str]:
    return {
        "code": absolute(reverse("policy:code_of_conduct")),
        "report": absolute(reverse("intake:report")),
        "stewards": absolute(reverse("policy:stewards")),
        "how": absolute(reverse("policy:how_to_report")),
        "badge": absolute(reverse("policy:space_badge", args=[space.code])),
    }


def note_html(policy: Policy, space: Space, steward_names: list[str]) -> SafeString:
    links = note_links(space)
    alt = _("Code of conduct: how to report")
    badge = format_html('<a href="{}"><img src="{}" alt="{}" height="20"></a>', links["how"], links["badge"], alt)
    return format_html("<p>{}</p>\n<p>{}</p>", badge, note_text_html(policy, space, steward_names))


def note_text_html(policy: Policy, space: Space, steward_names: list[str]) -> SafeString:
    """The note's sentences (without the badge), as HTML."""
    links = note_links(space)
    text = format_html(
        _('{space} follows the <a href="{code}">{name}</a>. If something here goes against it, you can '
          '<a href="{report}">report it to the community stewards</a>, anonymously if you prefer.'),
        space=space.title, code=links["code"], name=policy.name, report=links["report"],
    )  # fmt: skip
    stewards = format_html(
        _('The stewards are {names} (<a href="{url}">who they are</a>).'),
        names=", ".join(steward_names) or "—",
        url=links["stewards"],
    )
    return format_html("{} {}", text, stewards)


def note_markdown(policy: Policy, space: Space, steward_names: list[str]) -> str:
    links = note_links(space)
    badge = f"[![{_markdown(_('Code of conduct: how to report'))}]({links['badge']})]({links['how']})"
    text = _(
        "{space} follows the [{name}]({code}). If something here goes against it, you can "
        "[report it to the community stewards]({report}), anonymously if you prefer."
    ).format(space=_markdown(space.title), name=_markdown(policy.name), code=links["code"], report=links["report"])
    stewards = _("The stewards are {names} ([who they are]({url})).").format(
        names=", ".join(_markdown(name) for name in steward_names) or "—", url=links["stewards"]
    )
    return f"{badge}\n\n{text} {stewards}\n"


def _text_width(text: str) -> int:
    # Verdana at 11px averages about 7px a character; the badge only needs to be wide enough.
    return 10 + 7 * len(text)


def badge_svg(left: str, right: str) -> str:
    left_width, right_width = _text_width(left), _text_width(right)
    width = left_width + right_width
    label = escape(f"{left}: {right}")
    left, right = escape(left), escape(right)
    # #444 and #0b5394 under white text both pass WCAG AA contrast.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{label}">'
        f"<title>{label}</title>"
        f'<rect width="{left_width}" height="20" fill="#444"/>'
        f'<rect x="{left_width}" width="{right_width}" height="20" fill="#0b5394"/>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle">'
        f'<text x="{left_width / 2}" y="14">{left}</text>'
        f'<text x="{left_width + right_width / 2}" y="14">{right}</text></g></svg>'
    )


@require_safe
def space_badge(request: HttpRequest, space: str) -> HttpResponse:
    """The badge for one space (its code in the address keeps one image per space, as the note links it)."""
    _space(current_version().policy, space)
    response = HttpResponse(badge_svg(_("code of conduct"), _("how to report")), content_type="image/svg+xml")
    response["Cache-Control"] = f"public, max-age={BADGE_MAX_AGE}"
    response["Content-Language"] = get_language() or settings.LANGUAGE_CODE
    return response


def space_note_context(policy: Policy, code: str, steward_names: list[str]) -> dict[str, object]:
    space = _space(policy, code)
    return {
        "space": space,
        "note_html": note_html(policy, space, steward_names),
        "preview_html": note_text_html(policy, space, steward_names),
        "note_markdown": note_markdown(policy, space, steward_names),
        "badge_url": note_links(space)["badge"],
    }
