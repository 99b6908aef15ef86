"""Every string the Python code marks for translation is in the Spanish catalogue.

Modules mark strings with `_`, `_lazy` (gettext_lazy imported under that name beside gettext), `gettext`,
`gettext_lazy` or `ngettext`. xgettext only finds the names it is told about: `_lazy` strings were missing from
the catalogue, and so stayed English, until steward's own `makemessages` added the keyword. This test reads the
code itself, so a new alias or a forgotten `make messages` fails here, naming the strings.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from steward.tests.test_translations import CATALOGUE, HOW_TO_FIX, entries

pytestmark = pytest.mark.database_free

MARKERS = {"_", "_lazy", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "gettext_noop"}
SKIPPED_DIRECTORIES = {".venv", ".venv-encoder", ".venv-synapse", "node_modules", "var", "migrations", "tests", ".git"}


def _sources() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return [
        path
        for path in base.rglob("*.py")
        if not SKIPPED_DIRECTORIES.intersection(path.relative_to(base).parts[:-1]) and not path.name.startswith("test_")
    ]


def marked_strings(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value:
                found.add(first.value)
    return found


def test_the_code_s_marked_strings_are_found() -> None:
    assert len(marked_strings(Path(settings.BASE_DIR) / "cases" / "views" / "queue.py")) >= 5


def test_every_marked_string_in_the_code_is_in_the_catalogue() -> None:
    known = {entry.msgid for entry in entries(CATALOGUE)}
    missing = sorted(
        f"{path.relative_to(settings.BASE_DIR)}: {text!r}" for path in _sources() for text in marked_strings(path) if text not in known
    )
    assert not missing, f"{len(missing)} marked strings are not in the catalogue ({HOW_TO_FIX}):\n" + "\n".join(missing[:40])
