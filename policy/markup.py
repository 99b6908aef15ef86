"""The policy's longer texts as safe HTML: paragraphs, bulleted and numbered lists, and links.

A policy body is plain text with a little Markdown: a blank line separates paragraphs, lines starting with
"- " or "* " make a bulleted list and "1. " a numbered one, `[words](https://…)` is a link and a bare
http(s) address becomes one. Everything is escaped first, so HTML in the file is shown as text and never
interpreted; a link's target must start with http://, https:// or mailto: (anything else stays plain text).
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
# On escaped text: [words](target) with a safe scheme, or a bare web address (trailing punctuation left out).
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s()]+)\)")
_BARE = re.compile(r"(?<![\w\"=/>])(https?://[^\s<>()]+[^\s<>().,;:!?’”'\"])")


def _inline(text: str) -> str:
    escaped = escape(text)
    parts: list[str] = []
    last = 0
    for match in _LINK.finditer(escaped):
        parts.append(_bare_links(escaped[last : match.start()]))
        parts.append(f'<a href="{match.group(2)}" rel="noopener noreferrer">{match.group(1)}</a>')
        last = match.end()
    parts.append(_bare_links(escaped[last:]))
    return "".join(parts)


def _bare_links(escaped: str) -> str:
    return _BARE.sub(lambda m: f'<a href="{m.group(1)}" rel="noopener noreferrer">{m.group(1)}</a>', escaped)


def _block(lines: list[str]) -> str:
    """One paragraph or list (a block of lines without a blank line)."""
    html: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    kind = ""

    def flush_paragraph() -> None:
        if paragraph:
            html.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def flush_list() -> None:
        nonlocal kind
        if items:
            tag = "ol" if kind == "numbered" else "ul"
            html.append(f"<{tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>")
            items.clear()
        kind = ""

    for line in lines:
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        match, this = (bullet, "bulleted") if bullet else (numbered, "numbered") if numbered else (None, "")
        if match:
            flush_paragraph()
            if kind and kind != this:
                flush_list()
            kind = this
            items.append(_inline(match.group(1).strip()))
        elif items and line.startswith((" ", "\t")):
            items[-1] += " " + _inline(line.strip())  # a list item continued on an indented line
        else:
            flush_list()
            paragraph.append(line.strip())
    flush_paragraph()
    flush_list()
    return "".join(html)


def render(text: str) -> SafeString:
    blocks: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return mark_safe("\n".join(_block(block) for block in blocks if block))  # noqa: S308 - every piece of text is escaped above
