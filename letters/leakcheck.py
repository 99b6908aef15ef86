"""Does this text give away who reported? (REQUIREMENTS 7.3) The one check for every text that leaves Steward.

Every text written for someone outside the committee goes through `check_text` / `assert_no_leak` when a
steward writes it, and again (`leaked_kinds`) just before it is sent, since reporters and their messages can
be added in between:
- letters and messages to a reported person (approval, letters.actions; mail delivery, letters.outbox);
- messages to a reporter (cases.actions.do_send_message; mail delivery): checked against the *other*
  reporters of the case, so a reporter is never told who else reported (their own identity is theirs);
- reasons and texts an enforcement action gives a platform, which platforms show to the person (Discourse's
  suspension reason) or to everyone (GitHub's replaced comment): enforcement.actions and enforcement.executor.

What it looks for, through the shared matcher (privacy.identity_match, which also redacts exports): the
reporters' names and every part of them of three letters or more, their e-mail addresses and the part before
the "@", their handles in community spaces, their other contact details (phone numbers by their digits), in any
letter case, accents, look-alike letters, full-width or invisible characters, split or spelled out; and
distinctive phrases from what the reporters wrote (runs of five or more words where the run is not made of very
common words only). A finding blocks the text until it is edited.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases.access import Need, may
from cases.models import Case, Message, PartyRole, Report
from people.models import Space
from privacy.identity_match import EMAIL, HANDLE, NAME, Matcher, Protected, contact_forms, fold

NGRAM = 5
MIN_DISTINCT_WORDS = 2  # a run of five words needs at least two that are not very common
COMMON_WORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but by can could did do does
    doing for from had has have having he her here hers him his how i if in into is it its just me more most my no nor
    not now of on once only or other our ours out over own same she should so some such than that the their theirs them
    then there these they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours back front everyone everybody everything someone somebody something anyone
    anything people person time times day days way said say says told tell get got go went come came make made like
    know think see saw one two also even well really still much many may might must just yes ok please thank thanks
    hello dear regards community stewards el la los las un una y o de del en que es por con para se su al lo le no me
    mi""".split()  # noqa: SIM905 - a word list reads better as text
)
CONTACT = "contact"


@dataclass(frozen=True)
class Finding:
    kind: str  # name, email, handle, contact, phrase
    matched: str  # as it is written in the checked text
    why: str


def _why(kind: str, part: bool) -> str:
    if kind == NAME:
        return _("part of the reporter's name") if part else _("the reporter's name")
    if kind == EMAIL:
        return _("the first part of the reporter's e-mail address") if part else _("the reporter's e-mail address")
    if kind == HANDLE:
        return _("the reporter's user name in a community space")
    return _("the reporter's contact details")


def _name_key(name: str) -> str:
    """A name as the matcher sees it, to tell whether a report's name is a consenting party's."""
    return " ".join(word.text for word in fold(name).words)


class _Secrets:
    """What must not appear: gathered from the case's reports, reporter parties and reporters' messages.

    With `to_report`, the text is for that report's reporter: what identifies them is theirs to read (it is
    `allowed`); only the other reporters are protected.
    """

    def __init__(self, case: Case, to_report: Report | None = None) -> None:
        self.protected: list[tuple[str, Protected]] = []  # (finding kind, value)
        self.allowed: list[Protected] = []
        self.texts: list[str] = []
        own_email = to_report.reporter_email.casefold() if to_report is not None and to_report.reporter_email else None
        own_reports: set[int] = set()
        parties = list(case.parties.filter(role=PartyRole.REPORTER).select_related("person").prefetch_related("person__identities"))
        # A reporter a steward recorded as agreeing to be named (cases.actions.do_record_naming_consent) may be
        # named; their addresses, handles and words stay protected: the consent is to the name only.
        consenting = {_name_key(party.person.display_name) for party in parties if party.agreed_to_be_named and party.person.display_name}
        for report in case.reports.all():
            found = []
            if report.reporter_name and _name_key(report.reporter_name) in consenting:
                self.allowed.append(Protected(NAME, report.reporter_name))
            elif report.reporter_name:
                found.append((NAME, Protected(NAME, report.reporter_name)))
            if report.reporter_email:
                found.append((EMAIL, Protected(EMAIL, report.reporter_email)))
            found += [(CONTACT, form) for form in contact_forms(report.reporter_other_contact)]
            own = to_report is not None and (report.pk == to_report.pk or bool(own_email and report.reporter_email.casefold() == own_email))
            if own:
                own_reports.add(report.pk)
                self.allowed += [value for _kind, value in found]
            else:
                self.protected += found
                self.texts.append(report.body)
        for party in parties:
            identities = list(party.person.identities.all())
            found = []
            if party.person.display_name and party.agreed_to_be_named:
                self.allowed.append(Protected(NAME, party.person.display_name))
            elif party.person.display_name:
                found.append((NAME, Protected(NAME, party.person.display_name)))
            for identity in identities:
                kind = EMAIL if identity.space == Space.EMAIL else HANDLE
                found.append((kind, Protected(kind, identity.handle)))
            if own_email and any(value.kind == EMAIL and value.value.casefold() == own_email for _kind, value in found):
                self.allowed += [value for _kind, value in found]
            else:
                self.protected += found
        for message in Message.objects.filter(case=case, from_reporter=True).exclude(report_id__in=own_reports):
            self.texts.append(message.body)


def check_text(case: Case, text: str, *, to_report: Report | None = None) -> list[Finding]:
    """Everything in `text` that could identify a reporter of `case` (other than `to_report`'s), and why."""
    source = _Secrets(case, to_report)
    kinds = {(value.kind, value.value): kind for kind, value in reversed(source.protected)}
    found: dict[tuple[str, str], Finding] = {}
    for match in Matcher([value for _kind, value in source.protected], allowed=source.allowed).find(text):
        kind = kinds.get((match.kind, match.value), CONTACT)
        matched = text[match.start : match.end]
        found.setdefault((kind, "".join(word.text for word in fold(matched).words)), Finding(kind, matched, _why(kind, match.part)))
    words = [word.text for word in fold(text).words]
    for phrase in _shared_phrases(source.texts, words):
        found.setdefault(("phrase", phrase), Finding("phrase", phrase, _("words taken from what the reporter wrote")))
    return list(found.values())


def leaked_kinds(case: Case | None, text: str, *, to_report: Report | None = None) -> list[str]:
    """The last guard before sending: the kinds of finding only, which can be logged without repeating them."""
    if case is None or not text.strip():
        return []
    return sorted({finding.kind for finding in check_text(case, text, to_report=to_report)})


def describe(findings: list[Finding]) -> str:
    return "; ".join(f"“{finding.matched}” ({finding.why})" for finding in findings)


class IdentityLeak(ValidationError):
    """A text was refused because it may identify a reporter; `findings` says what and why."""

    def __init__(self, message: str, findings: list[Finding]) -> None:
        super().__init__(message)
        self.findings = findings


def describe_for(user: Any, case: Case, findings: list[Finding]) -> str:
    """The findings as `user` may read them. What matched and why says which words belong to a reporter's
    identity, so it is shown only to stewards who may see that identity (Need.IDENTITY); to anyone else (a
    soft-conflicted steward) a finding says only that the text must change, or they could test guesses."""
    if user is None or may(user, case, Need.IDENTITY):
        return describe(findings)
    return _("a steward with no conflict on this case can see what was found")


def assert_no_leak(case: Case, text: str, refusal: str, *, to_report: Report | None = None, writer: Any = None) -> None:
    """Refuse (IdentityLeak) a text a steward is writing for outside the committee if it may identify a reporter.

    `refusal` is the message shown, with %(findings)s where the findings go (see describe_for: `writer` is
    the steward who reads it).
    """
    findings = check_text(case, text, to_report=to_report)
    if findings:
        raise IdentityLeak(refusal % {"findings": describe_for(writer, case, findings)}, findings)


def _distinctive(gram: tuple[str, ...]) -> bool:
    return sum(1 for word in gram if word not in COMMON_WORDS) >= MIN_DISTINCT_WORDS


def _shared_phrases(texts: list[str], words: list[str]) -> list[str]:
    """Maximal runs of the message's words copied from the reporters' texts that hold a distinctive five-word run."""
    grams: set[tuple[str, ...]] = set()
    for text in texts:
        source = [word.text for word in fold(text).words]
        grams.update(tuple(source[index : index + NGRAM]) for index in range(len(source) - NGRAM + 1))
    runs: list[tuple[int, int, bool]] = []  # start, end, distinctive
    for index in range(len(words) - NGRAM + 1):
        gram = tuple(words[index : index + NGRAM])
        if gram not in grams:
            continue
        if runs and index <= runs[-1][1]:
            start, _end, distinctive = runs[-1]
            runs[-1] = (start, index + NGRAM, distinctive or _distinctive(gram))
        else:
            runs.append((index, index + NGRAM, _distinctive(gram)))
    return [" ".join(words[start:end]) for start, end, distinctive in runs if distinctive]
