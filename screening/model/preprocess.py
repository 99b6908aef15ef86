"""Neutralise the technical parts of a text before scoring.

Code, stack traces, URLs, @mentions and quoted text carry words ("kill", "abort", "die", "dummy") that look
hostile to a bag-of-words model but say nothing about how the author treats people. Each is replaced by a
placeholder token, so the model still sees that the author pasted code or quoted someone, not what it said.
"""

import re

_FENCED = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)", re.S)
_HTML_CODE = re.compile(r"<(pre|code)\b[^>]*>.*?</\1>", re.S | re.I)
_INLINE = re.compile(r"`[^`\n]{1,200}`")
# Python tracebacks, Java/JS "at ..." frames, Go panics, core dumps, log lines with a level.
_TRACE_LINE = re.compile(
    r"^\s*(?:Traceback \(most recent call last\):|File \".*\", line \d+.*|at [\w$.<>/\\:-]+\(.*\)\s*|"
    r"at [\w$.<>]+ \(?[\w./\\:-]+:\d+(?::\d+)?\)?|goroutine \d+ \[.*|panic: .*|Caused by: .*|"
    r"(?:[\w.]+(?:Error|Exception)): .*|#\d+\s+0x[0-9a-f]+ .*|\[?\d{4}-\d\d-\d\d[ T][\d:.,]+\]? .*(?:ERROR|WARN|INFO|DEBUG|FATAL).*)$",
    re.M,
)
_INDENTED_CODE = re.compile(r"(?:^(?: {4}|\t).*\n?){2,}", re.M)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\[\]]+", re.I)
_MENTION = re.compile(r"(?<![\w.@])@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[\w.-]+)?")
_QUOTE = re.compile(r"^[ \t]*>.*$", re.M)
_PATH = re.compile(r"(?:\b[\w.-]+)?(?:/[\w.-]+){2,}/?")
_HEX = re.compile(r"\b[0-9a-f]{7,40}\b")
_SPACES = re.compile(r"[ \t]+")

# Placeholders are plain words, so both the word and the character vectorisers see them as one unit.
CODE, TRACE, URL, MENTION, QUOTE, PATH, HASH = " zzcode ", " zztrace ", " zzurl ", " zzmention ", " zzquote ", " zzpath ", " zzhash "


def neutralise(text: str) -> str:
    """The text with code, traces, URLs, mentions and quotes replaced by placeholder words."""
    t = text.replace("\r\n", "\n")
    t = _FENCED.sub(CODE, t)
    t = _HTML_CODE.sub(CODE, t)
    t = _QUOTE.sub(QUOTE, t)
    t = _TRACE_LINE.sub(TRACE, t)
    t = _INDENTED_CODE.sub(CODE + "\n", t)
    t = _INLINE.sub(CODE, t)
    t = _URL.sub(URL, t)
    t = _MENTION.sub(MENTION, t)
    t = _PATH.sub(PATH, t)
    t = _HEX.sub(HASH, t)
    return _SPACES.sub(" ", t).strip()
