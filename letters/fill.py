"""Letter templates filled from a case with a fixed set of `{placeholder}` names.

Templates come from the database and are edited by admins, so they are never run through Django's
template engine (that would let a template read settings or load tags). A placeholder is exactly
`{name}` with a name from PLACEHOLDERS; any other `{name}` is refused; everything else, including
`{{ ... }}` and `{% ... %}`, is literal text.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from cases.models import Audience, Case, Party, Report
from letters.models import LetterKind, LetterTemplate

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"

PLACEHOLDERS = (
    "case_reference",
    "steward_name",
    "decision_outcome",
    "decision_behaviour",
    "decision_impact",
    "expected_change",
    "consequences",
    "appeal_route",
    "appeal_deadline",
    "new_date",
    "no_contact",
    "portal_link",
)

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class UnknownPlaceholder(ValueError):
    pass


def unknown_placeholders(text: str) -> set[str]:
    return {name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS}


def render_text(text: str, values: dict[str, str]) -> str:
    """Replace each known `{name}`; refuse unknown names; leave every other character as it is."""
    unknown = unknown_placeholders(text)
    if unknown:
        raise UnknownPlaceholder(", ".join(sorted(unknown)))
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), text)


@dataclass(frozen=True)
class Letter:
    kind: str
    language: str
    subject: str
    body: str


def default_letter(kind: str, language: str) -> Letter | None:
    """The shipped default: `defaults/<lang>/<kind>.txt`, first line `Subject: ...`, a blank line, the body."""
    if kind not in LetterKind.values or not re.fullmatch(r"[a-z]{2}(-[a-z]{2})?", language):
        return None
    path = DEFAULTS_DIR / language / f"{kind}.txt"
    if not path.is_file():
        return None
    head, _blank, body = path.read_text(encoding="utf-8").partition("\n\n")
    return Letter(kind, language, head.removeprefix("Subject:").strip(), body.strip() + "\n")


def letter_for(kind: str, language: str) -> Letter | None:
    """The admins' version if there is one, else the shipped default; English when the language has none."""
    for lang in dict.fromkeys([language or "en", "en"]):
        row = LetterTemplate.objects.filter(kind=kind, language=lang).first()
        if row is not None:
            return Letter(kind, lang, row.subject, row.body)
        default = default_letter(kind, lang)
        if default is not None:
            return default
    return None


@dataclass(frozen=True)
class Recipient:
    """Whom a letter is for: a value may read differently to them (a protected reporter is "you")."""

    audience: str
    report: Report | None = None
    party: Party | None = None


# Other apps (decisions, clocks) add values for their placeholders: fn(case, recipient) -> {name: value}.
ValueSource = Callable[[Case, Recipient], dict[str, str]]
_SOURCES: list[ValueSource] = []


def register_values(source: ValueSource) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def _blank(name: str) -> str:
    return "[" + _("to fill in: %(name)s") % {"name": name.replace("_", " ")} + "]"


def values_for(
    case: Case, *, audience: str, report: Report | None = None, party: Party | None = None, steward: Any = None
) -> dict[str, str]:
    """What the placeholders say in a letter about `case` to `audience`. Nothing about a reporter goes to a reported person."""
    policy = case.policy_version.policy
    values = {name: _blank(name) for name in PLACEHOLDERS}
    profile = getattr(steward, "steward_profile", None)
    values["steward_name"] = profile.public_name if profile is not None else _("The stewards")
    values["appeal_route"] = _("Reply through your personal page within %(days)s days and say why the decision should be reconsidered.") % {
        "days": policy.appeal_window_days
    }
    if case.decided_at is not None:
        values["appeal_deadline"] = (case.decided_at + timedelta(days=policy.appeal_window_days)).date().isoformat()
    if audience == Audience.REPORTER and report is not None:
        values["case_reference"] = report.reference
        values["portal_link"] = settings.SITE_URL + reverse("intake:follow_up_start")
    else:
        values["case_reference"] = case.code_name
        values["portal_link"] = _("your personal page (the link is in our first letter to you)")
    recipient = Recipient(audience, report if audience == Audience.REPORTER else None, party)
    for source in _SOURCES:
        values.update({key: str(value) for key, value in source(case, recipient).items() if key in PLACEHOLDERS})
    return values


def fill_letter(kind: str, language: str, case: Case, **context: Any) -> Letter | None:
    letter = letter_for(kind, language)
    if letter is None:
        return None
    with override(letter.language):
        values = values_for(case, **context)
    return Letter(kind, letter.language, render_text(letter.subject, values), render_text(letter.body, values))
