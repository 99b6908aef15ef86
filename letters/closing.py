"""The letters a closed case offers: to each reporter, and to each reported person who knows of the case.

Closing records the outcome (cases.actions.do_change_status); the case page then lists, for each recipient,
a link to the letters' compose page with the right template, language and recipient already chosen, so the
steward reviews and sends it the usual way (a letter to a reported person still waits for a second steward).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from cases.access import ALLOWED, Need, Standing
from cases.forms import TO_REPORTED_PREFIX, TO_REPORTER_PREFIX
from cases.models import Case, Message, PartyRole, Status
from cases.panels import decided_outcome
from letters.models import LetterKind, PartyLink

NOT_A_VIOLATION = "not-a-violation"  # the shipped policies' code for it: the "no violation" letter fits it


@dataclass(frozen=True)
class ClosingLetter:
    label: str  # a report reference or a person's code name: never a reporter's name
    to_reporter: bool
    kind: str
    url: str
    do_not_contact: bool = False


def closing_kind(case: Case) -> str:
    """The template a closed case's letters start from: "no violation" when that is how it ended without a
    decision, else the closure letter (a decision's own letter went out with the decision)."""
    if not decided_outcome(case) and case.outcome == NOT_A_VIOLATION:
        return LetterKind.NO_VIOLATION
    return LetterKind.CLOSURE


def _language(code: str) -> str:
    known = {language for language, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def _compose_url(case: Case, kind: str, language: str, audience: str) -> str:
    query = urlencode({"kind": kind, "language": _language(language), "audience": audience})
    return reverse("letters:compose", kwargs={"code": case.code_name}) + "?" + query


def closing_letters(case: Case) -> list[ClosingLetter]:
    """Who a closed case's letter goes to, each with the compose page's address already filled in."""
    if case.status != Status.CLOSED:
        return []
    kind = closing_kind(case)
    languages = case.policy_version.policy.languages
    first_language = languages[0] if languages else settings.LANGUAGE_CODE
    offers = [
        ClosingLetter(
            report.reference,
            True,
            kind,
            _compose_url(case, kind, report.language or first_language, TO_REPORTER_PREFIX + report.reference),
            report.do_not_contact,
        )
        for report in case.reports.all()
    ]
    # A reported person who never heard from the stewards about this case is not told that it closed.
    reported = [party for party in case.parties_with_people() if party.role == PartyRole.REPORTED]
    heard = set(PartyLink.objects.filter(case=case).values_list("party_id", flat=True))
    heard |= set(Message.objects.filter(case=case, party__isnull=False).values_list("party_id", flat=True))
    for party in reported:
        if party.pk in heard:
            url = _compose_url(case, kind, first_language, TO_REPORTED_PREFIX + str(party.pk))
            offers.append(ClosingLetter(party.person.code_name, False, kind, url))
    return offers


def panel_context(request: HttpRequest, case: Case, viewer: Standing) -> dict[str, Any]:
    if case.status != Status.CLOSED or viewer not in ALLOWED[Need.WRITE]:
        return {"letters": []}  # nothing to offer, and nothing read for it
    return {"letters": closing_letters(case), "kind": dict(LetterKind.choices).get(closing_kind(case), "")}
