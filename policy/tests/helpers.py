"""Building broken policy files from the shipped one, remembering which line each change is on."""

from pathlib import Path

from django.conf import settings

POLICIES = Path(settings.BASE_DIR) / "policy" / "policies"
DEFAULT = POLICIES / "ai-alliance.yaml"


def default_text() -> str:
    return DEFAULT.read_text(encoding="utf-8")


def replace_line(text: str, old: str, new: str, occurrence: int = 1) -> tuple[str, int]:
    """Replace the `occurrence`-th line containing `old` (that part of it) and return (text, its line number)."""
    lines = text.splitlines(keepends=True)
    seen = 0
    for index, line in enumerate(lines):
        if old in line:
            seen += 1
            if seen == occurrence:
                lines[index] = line.replace(old, new, 1)
                return "".join(lines), index + 1
    raise AssertionError(f"{old!r} not found {occurrence} time(s)")


def line_of(text: str, fragment: str) -> int:
    for index, line in enumerate(text.splitlines()):
        if fragment in line:
            return index + 1
    raise AssertionError(f"{fragment!r} not found")
