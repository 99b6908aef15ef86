"""The Spanish interface is complete: every message of locale/es/LC_MESSAGES/django.po is translated, none is fuzzy,
each keeps its placeholders, and the compiled .mo says what the .po says.

When this fails after new strings were added, refresh and finish the catalogue:

    make messages          # manage.py makemessages --all (same --ignore options) and compilemessages
    # translate every entry with an empty msgstr or a "#, fuzzy" flag in locale/es/LC_MESSAGES/django.po
    # (fuzzy: check the guessed translation against the new English, then delete the "#, fuzzy" line)
    make messages          # again, to compile the .mo the site reads

The policy's own text (the code of conduct, its categories and ladder) is translated in the policy file, not here.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

pytestmark = pytest.mark.database_free

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
HOW_TO_FIX = (
    "run `make messages`, translate them in locale/es/LC_MESSAGES/django.po, then `make messages` again (see this file's docstring)"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdi]|%[sd]|\{\w*\}")


@dataclass
class Entry:
    line: int
    flags: list[str] = field(default_factory=list)
    context: str | None = None
    msgid: str = ""
    plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"line {self.line}: {self.msgid[:70]!r}"


def entries(path: Path) -> list[Entry]:
    """The live entries of a PO file (obsolete "#~" ones are skipped), with their strings unquoted."""
    found: list[Entry] = []
    for number, block in _blocks(path):
        entry, target = Entry(line=number), ""
        for line in block:
            if line.startswith("#,"):
                entry.flags = [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                _append(entry, target, json.loads(line))
            else:
                keyword, _, value = line.partition(" ")
                target = keyword
                _append(entry, target, json.loads(value), start=True)
        if entry.msgid:
            found.append(entry)
    return found


def _blocks(path: Path) -> list[tuple[int, list[str]]]:
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            if current:
                blocks.append((start, current))
            current, start = [], number + 1
        elif not line.startswith("#~"):
            current.append(line)
    if current:
        blocks.append((start, current))
    return blocks


def _append(entry: Entry, target: str, text: str, start: bool = False) -> None:
    if target == "msgctxt":
        entry.context = text if start else (entry.context or "") + text
    elif target == "msgid":
        entry.msgid = text if start else entry.msgid + text
    elif target == "msgid_plural":
        entry.plural = text if start else (entry.plural or "") + text
    elif target.startswith("msgstr"):
        index = int(target[7:-1]) if target.startswith("msgstr[") else 0
        entry.msgstr[index] = text if start else entry.msgstr.get(index, "") + text


CATALOGUE_ENTRIES = entries(CATALOGUE)


def test_the_catalogue_is_read() -> None:
    assert len(CATALOGUE_ENTRIES) > 500, "hardly any message in the Spanish catalogue: is the parser reading it?"


def test_every_spanish_message_is_translated_and_none_is_fuzzy() -> None:
    untranslated = [entry.name for entry in CATALOGUE_ENTRIES if not entry.msgstr or any(not text for text in entry.msgstr.values())]
    fuzzy = [entry.name for entry in CATALOGUE_ENTRIES if "fuzzy" in entry.flags]
    assert not untranslated, f"{len(untranslated)} untranslated Spanish messages ({HOW_TO_FIX}):\n" + "\n".join(untranslated)
    assert not fuzzy, f"{len(fuzzy)} fuzzy Spanish messages ({HOW_TO_FIX}):\n" + "\n".join(fuzzy)


def test_translations_keep_their_placeholders() -> None:
    """A lost or renamed %(name)s would raise, or show nothing, when the Spanish page is drawn."""
    wrong = []
    for entry in CATALOGUE_ENTRIES:
        sources = [entry.msgid] if entry.plural is None else [entry.msgid, entry.plural]
        wanted = set().union(*(PLACEHOLDER.findall(text) for text in sources))
        for index, text in entry.msgstr.items():
            have = set(PLACEHOLDER.findall(text))
            # A singular form may leave out the count ("One case…"), as the English singular does.
            allowed_missing = {"%(counter)s", "%(count)d", "%(n)d"} if entry.plural is not None and index == 0 else set()
            if not have <= wanted or wanted - have - allowed_missing:
                wrong.append(f"{entry.name} [{index}]: {sorted(have)} against {sorted(wanted)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "entry", [e for e in CATALOGUE_ENTRIES if e.plural is None][:: max(1, len(CATALOGUE_ENTRIES) // 60)], ids=lambda e: f"line-{e.line}"
)
def test_the_compiled_catalogue_matches_the_po(entry: Entry) -> None:
    """django.mo is committed: a .po translated but not compiled would leave the site in English."""
    with translation.override("es"):
        shown = translation.pgettext(entry.context, entry.msgid) if entry.context else translation.gettext(entry.msgid)
    assert shown == entry.msgstr[0], f"{entry.name}: the .mo is stale; run `make messages` (compilemessages)"
