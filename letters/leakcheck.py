"""Does this text give away who reported? (REQUIREMENTS 7.3)

Checked before any message to a reported person (or, later, a space's moderators) may be approved:
the reporters' names and every part of them of three letters or more, their e-mail addresses and
other contact details, the handles of reporter parties, and distinctive phrases from what the
reporters wrote (runs of five or more words, ignoring case, spacing and punctuation, where the run
is not made of very common words only). A finding blocks approval until the text is edited.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases.models import Case, Message, PartyRole
from people.models import Space

NGRAM = 5
MIN_NAME_PART = 3
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
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Finding:
    kind: str  # name, email, handle, contact, phrase
    matched: str
    why: str


def _words(text: str) -> list[str]:
    return [word.casefold() for word in WORD.findall(text)]


def _contains_words(haystack: list[str], needle: list[str]) -> bool:
    """Whether `needle` appears as consecutive whole words in `haystack`."""
    if not needle:
        return False
    size = len(needle)
    return any(haystack[index : index + size] == needle for index in range(len(haystack) - size + 1))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


class _Secrets:
    """What must not appear: gathered from the case's reports and reporter parties."""

    def __init__(self, case: Case) -> None:
        self.names: list[str] = []
        self.emails: list[str] = []
        self.handles: list[str] = []
        self.contacts: list[str] = []
        self.texts: list[str] = []
        for report in case.reports.all():
            if report.reporter_name:
                self.names.append(report.reporter_name)
            if report.reporter_email:
                self.emails.append(report.reporter_email)
            if report.reporter_other_contact:
                self.contacts.append(report.reporter_other_contact)
            self.texts.append(report.body)
        for party in case.parties.filter(role=PartyRole.REPORTER).select_related("person").prefetch_related("person__identities"):
            if party.person.display_name:
                self.names.append(party.person.display_name)
            for identity in party.person.identities.all():
                (self.emails if identity.space == Space.EMAIL else self.handles).append(identity.handle)
        for message in Message.objects.filter(case=case, from_reporter=True):
            self.texts.append(message.body)


def check_text(case: Case, text: str) -> list[Finding]:
    """Everything in `text` that could identify a reporter of `case`, with what matched and why."""
    found: dict[tuple[str, str], Finding] = {}
    words = _words(text)
    folded = text.casefold()
    source = _Secrets(case)

    def add(kind: str, matched: str, why: str) -> None:
        found.setdefault((kind, matched.casefold()), Finding(kind, matched, why))

    for name in source.names:
        if _contains_words(words, _words(name)):
            add("name", name, _("the reporter's name"))
        for part in WORD.findall(name):
            if len(part) >= MIN_NAME_PART and _contains_words(words, [part.casefold()]):
                add("name", part, _("part of the reporter's name"))
    for email in source.emails:
        if email.casefold() in folded:
            add("email", email, _("the reporter's e-mail address"))
        local = email.partition("@")[0]
        if len(local) >= MIN_NAME_PART and _contains_words(words, _words(local)):
            add("email", local, _("the first part of the reporter's e-mail address"))
    for handle in source.handles:
        if _contains_words(words, _words(handle)) or handle.casefold() in folded:
            add("handle", handle, _("the reporter's user name in a community space"))
    for contact in source.contacts:
        digits = _digits(contact)
        if contact.casefold() in folded or (len(digits) >= 6 and digits in _digits_runs(text)):
            add("contact", contact, _("the reporter's contact details"))
        for part in WORD.findall(contact):
            if len(part) >= 4 and not part.isdigit() and _contains_words(words, [part.casefold()]):
                add("contact", part, _("part of the reporter's contact details"))
    for phrase in _shared_phrases(source.texts, words):
        add("phrase", phrase, _("words taken from what the reporter wrote"))
    return list(found.values())


def _digits_runs(text: str) -> str:
    """Runs of digits and the separators people put in phone numbers, digits only, joined by '|'."""
    return "|".join(_digits(run) for run in re.findall(r"[\d][\d\s().+-]*", text))


def _distinctive(gram: tuple[str, ...]) -> bool:
    return sum(1 for word in gram if word not in COMMON_WORDS) >= MIN_DISTINCT_WORDS


def _shared_phrases(texts: list[str], words: list[str]) -> list[str]:
    """Maximal runs of the message's words copied from the reporters' texts that hold a distinctive five-word run."""
    grams: set[tuple[str, ...]] = set()
    for text in texts:
        source = _words(text)
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
