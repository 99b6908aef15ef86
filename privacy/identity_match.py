"""Finding a protected person's name, e-mail address, handle or phone number in a text, however it is written.

One matcher for every path that must not reveal (or must cut out) someone's identity: the leak check of
letters, messages and platform reasons (letters.leakcheck) and the redaction of data-subject exports
(privacy.export). Exact string search is easy to evade, so both the text and what is protected are reduced
to a skeleton first, one original character at a time (so every match maps back to a span of the original):

- compatibility forms become plain ones (NFKD: full-width "Ｒｉｔａ", mathematical "𝐑𝐢𝐭𝐚", circled, ligatures);
- accents, combining marks and invisible format characters are dropped ("Rïta", NFD, zero-width spaces and
  joiners, the soft hyphen, variation selectors);
- letter case is folded, and letters that look like Latin ones (Cyrillic "а", Greek "ο", small capitals...)
  become that Latin letter (CONFUSABLES: a compact table of the look-alikes people actually type);
- digits of any script become ASCII digits.

Then the skeleton's words are matched, whole words only: "Rita" does not match "Margarita". A protected value
may be written with its parts run together or split differently ("rita_r", "rita r", "ritar", "Rita.Reporter"),
glued by punctuation ("R.i.t.a", "Ri-ta") or spelled out letter by letter ("R i t a"); but two ordinary words
are never joined to make one ("is a" is not "Isa"). Phone numbers match on their digits, whatever the
separators, with or without the country code.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

NAME, EMAIL, HANDLE, PHONE = "name", "email", "handle", "phone"
MIN_NAME_PART = 3  # a part of a name this long or longer is identifying on its own
MIN_LOCAL_PART = 3  # the same for the part of an e-mail address before the "@"
MIN_PHONE_DIGITS = 6
PHONE_TAIL = 7  # the subscriber number: a phone written without its country or trunk prefix still ends with these
REDACTED = "[redacted]"

# Accents, enclosing marks, and invisible format characters (zero-width space/joiners, word joiner, soft hyphen,
# bidi controls, tags). Dropping them cannot merge two words: they are not separators.
DROPPED_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
# What people put between the digits of a phone number.
PHONE_SEPARATORS = frozenset(" \t\n\r\u00a0().-+/")

# Letters that look like Latin letters, and Latin letters NFKD leaves alone (strokes, small capitals, dotless i).
# Upper-case look-alikes are listed where their lower case looks different (Greek Η is H, η is n).
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    **dict.fromkeys("Аа", "a"),
    **dict.fromkeys("Вв", "b"),
    **dict.fromkeys("Ьь", "b"),
    **dict.fromkeys("Сс", "c"),
    **dict.fromkeys("Ԁԁ", "d"),
    **dict.fromkeys("Ее", "e"),
    **dict.fromkeys("Ҽҽ", "e"),
    **dict.fromkeys("Нн", "h"),
    **dict.fromkeys("Һһ", "h"),
    **dict.fromkeys("Іі", "i"),
    **dict.fromkeys("Јј", "j"),
    **dict.fromkeys("Кк", "k"),
    **dict.fromkeys("Ӏӏ", "l"),
    **dict.fromkeys("Мм", "m"),
    **dict.fromkeys("Пп", "n"),
    **dict.fromkeys("Оо", "o"),
    **dict.fromkeys("Рр", "p"),
    **dict.fromkeys("Ԛԛ", "q"),
    **dict.fromkeys("Гг", "r"),
    **dict.fromkeys("Ѕѕ", "s"),
    **dict.fromkeys("Тт", "t"),
    **dict.fromkeys("Ѵѵ", "v"),
    **dict.fromkeys("Ԝԝ", "w"),
    **dict.fromkeys("Хх", "x"),
    **dict.fromkeys("УуҮү", "y"),
    # Greek
    **dict.fromkeys("Αα", "a"),
    **dict.fromkeys("Ββ", "b"),
    **dict.fromkeys("Ϲϲ", "c"),
    **dict.fromkeys("Εε", "e"),
    "Η": "h",
    "η": "n",
    **dict.fromkeys("Ιιͺ", "i"),
    **dict.fromkeys("Ϳϳ", "j"),
    **dict.fromkeys("Κκ", "k"),
    "Μ": "m",
    "μ": "u",
    "Ν": "n",
    "ν": "v",
    **dict.fromkeys("Οο", "o"),
    **dict.fromkeys("Ρρ", "p"),
    **dict.fromkeys("Ττ", "t"),
    "Υ": "y",
    "υ": "u",
    "γ": "y",
    **dict.fromkeys("Χχ", "x"),
    "Ζ": "z",
    "ω": "w",
    # Armenian
    "օ": "o",
    "ս": "u",
    "ո": "n",
    "հ": "h",
    "ց": "g",
    "զ": "q",
    # Latin letters without a decomposition, and small capitals
    "ı": "i",
    "ȷ": "j",
    "ɑ": "a",
    "ɡ": "g",
    "ɩ": "i",
    "ø": "o",
    "đ": "d",
    "ł": "l",
    "ħ": "h",
    "ƀ": "b",
    "æ": "ae",
    "œ": "oe",
    **dict(zip("ᴀʙᴄᴅᴇɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ", "abcdeghijklmnoprstuvwyz", strict=True)),
}


def _plain(text: str) -> str:
    """One pass: look-alikes mapped (before NFKD too, which turns some into other letters: lunate sigma into
    final sigma), compatibility decomposition, marks and format characters dropped."""
    out = []
    for char in unicodedata.normalize("NFKD", "".join(CONFUSABLES.get(char, char) for char in text)):
        if unicodedata.category(char) in DROPPED_CATEGORIES:
            continue
        if char.isdecimal() and not char.isascii():
            char = str(unicodedata.decimal(char))
        out.append(CONFUSABLES.get(char, char))
    return "".join(out)


@lru_cache(maxsize=4096)
def skeleton(char: str) -> str:
    """What one character of a text is reduced to before matching ("" for an invisible one)."""
    return _plain(_plain(char).casefold())


@dataclass(frozen=True)
class Word:
    text: str  # the skeleton
    start: int  # span in the original text
    end: int
    spaced: bool  # whitespace separates it from the previous word (False: nothing, or punctuation only)


@dataclass(frozen=True)
class Folded:
    """A text reduced to skeleton characters, each remembering which original character it came from."""

    original: str
    chars: tuple[tuple[str, int], ...]
    words: tuple[Word, ...]

    def span_end(self, last: int) -> int:
        """The end of a span whose last character is at `last`: invisible characters right after it go with it."""
        end = last + 1
        while end < len(self.original) and not skeleton(self.original[end]):
            end += 1
        return end


def fold(text: str) -> Folded:
    chars = tuple((piece, index) for index, char in enumerate(text) for piece in skeleton(char))
    words: list[Word] = []
    current: list[tuple[str, int]] = []
    gap: list[str] = []

    def close() -> None:
        if current:
            spaced = bool(words) and any(char.isspace() for char in gap)
            words.append(Word("".join(char for char, _ in current), current[0][1], current[-1][1] + 1, spaced))
            current.clear()
            gap.clear()

    for char, index in chars:
        if char.isalnum():
            current.append((char, index))
        else:
            close()
            gap.append(char)
    close()
    return Folded(text, chars, tuple(words))


@dataclass(frozen=True)
class Protected:
    """One identifying value of a protected person, and what it is (NAME, EMAIL, HANDLE or PHONE)."""

    kind: str
    value: str

    @classmethod
    def guess(cls, value: str) -> "Protected":
        """For a bare string: an e-mail address, a phone number, a name (has spaces) or else a handle."""
        value = value.strip()
        if EMAIL_ADDRESS.fullmatch(value):
            return cls(EMAIL, value)
        digits = sum(char.isdigit() for char in value)
        if digits >= MIN_PHONE_DIGITS and digits * 2 >= sum(char.isalnum() for char in value):
            return cls(PHONE, value)
        return cls(NAME if " " in value else HANDLE, value)


@dataclass(frozen=True)
class Needle:
    kind: str
    value: str  # the protected value it comes from
    part: bool  # a part of the value (a name part, an address's local part) rather than all of it
    tokens: tuple[str, ...]  # the skeleton's words; for a phone, its digits only

    @property
    def compact(self) -> str:
        return "".join(self.tokens)


@dataclass(frozen=True)
class Match:
    kind: str
    value: str  # the protected value
    part: bool
    start: int  # where it is in the checked text
    end: int


EMAIL_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"']+")
CONTACT_LABEL = re.compile(r"^\s*[^\W\d_][^\W\d_ ]{1,19}\s*:\s*")  # "Signal: ...", "Matrix: ..."
PHONE_RUN = re.compile(r"\+?\d[\d \t().\-/]*\d")  # digits with what people put between them
# A word that looks like a handle: "@rita", "@rita.r", "rita_r", "rita#1234", "@rita:matrix.org" (not "Signal:").
HANDLE_WORD = re.compile(r"@[^\W_]+(?:[._#:@-][^\W_]+)*|[^\W_]+(?:[._#:@-][^\W_]+)+|[^\W_]*_[^\W_]*")


def _tokens(value: str) -> tuple[str, ...]:
    return tuple(word.text for word in fold(value).words)


def needles_for(protected: Protected) -> list[Needle]:
    """The forms of one protected value that are searched for."""
    kind, value = protected.kind, protected.value.strip()
    found: list[Needle] = []
    if kind == PHONE:
        digits = "".join(char for char in _plain(value) if char.isdigit())
        if len(digits) >= MIN_PHONE_DIGITS:
            found.append(Needle(PHONE, value, False, (digits[-PHONE_TAIL:],)))
        return found
    if kind == EMAIL:
        found.append(Needle(EMAIL, value, False, _tokens(value)))
        local = _tokens(value.rpartition("@")[0])
        if len("".join(local)) >= MIN_LOCAL_PART:
            found.append(Needle(EMAIL, value, True, local))
        return [needle for needle in found if needle.tokens]
    tokens = _tokens(value)
    if len("".join(tokens)) >= 2:
        found.append(Needle(kind, value, False, tokens))
    if kind == NAME and len(tokens) > 1:
        found += [Needle(NAME, value, True, (token,)) for token in tokens if len(token) >= MIN_NAME_PART and not token.isdigit()]
    return found


def contact_forms(contact: str) -> list[Protected]:
    """Free-text contact details ("+44 20 7946 0958", "Signal: @rita.r", an address, or several of them) as
    what they contain: each address, each phone number, and each handle written beside them."""
    forms = [Protected(EMAIL, address) for address in EMAIL_ADDRESS.findall(contact)]
    rest = EMAIL_ADDRESS.sub(" ", contact)
    # Each number on its own: one value for two numbers would be searched for by the last one's digits only.
    forms += [Protected(PHONE, run) for run in PHONE_RUN.findall(_plain(rest)) if sum(map(str.isdigit, run)) >= MIN_PHONE_DIGITS]
    if not forms:
        # Only a handle, perhaps labelled ("Signal: rita") or in a few words ("@rita on Slack", "Discord rita#1234",
        # intake.from_spaces' "rita-gh on Acme"): the whole, and the handle on its own, which is what gets written.
        whole = CONTACT_LABEL.sub("", rest).strip()
        own = whole.partition(" on ")[0]  # "<handle> on <space>": the space's name is no one's identity
        words = [word for word in HANDLE_WORD.findall(own) if any(map(str.isalpha, word))]
        return [Protected(HANDLE, value) for value in dict.fromkeys([whole, own, *words]) if value]
    # Beside an address or a number ("Signal: @rita.r, or call +44 ..."), the handles must not be lost with the rest.
    return forms + [Protected(HANDLE, word) for word in HANDLE_WORD.findall(rest) if any(map(str.isalpha, word))]


def _junction_ok(left: Word, right: Word, at: int, boundaries: frozenset[int]) -> bool:
    """May these two neighbouring words of the text be one stretch of the protected value?

    Yes where the value itself has a break there ("rita r" for "rita_r"), where only punctuation separates
    them ("R.i.t.a", "Ri-ta"), or where both are single letters ("R i t a"). Never two ordinary words.
    """
    return not right.spaced or at in boundaries or (len(left.text) == 1 and len(right.text) == 1)


def _find_words(folded: Folded, needle: Needle) -> Iterable[tuple[int, int]]:
    target = needle.compact
    if not target:
        return
    boundaries = frozenset(sum(len(token) for token in needle.tokens[:index]) for index in range(len(needle.tokens) + 1))
    words = folded.words
    for first in range(len(words)):
        if not target.startswith(words[first].text):
            continue
        at = len(words[first].text)
        last = first
        while at < len(target):
            following = last + 1
            if following >= len(words):
                break
            word = words[following]
            if not target.startswith(word.text, at) or not _junction_ok(words[last], word, at, boundaries):
                break
            at += len(word.text)
            last = following
        if at == len(target):
            yield words[first].start, words[last].end


def _find_phone(folded: Folded, needle: Needle) -> Iterable[tuple[int, int]]:
    """Runs of digits with only phone separators between them that contain the number's last digits."""
    tail = needle.tokens[0]
    run: list[tuple[str, int]] = []
    for char, index in (*folded.chars, ("x", len(folded.original))):
        if char.isdigit():
            run.append((char, index))
        elif char in PHONE_SEPARATORS and run:
            continue
        else:
            if tail in "".join(digit for digit, _ in run):
                yield run[0][1], run[-1][1] + 1
            run = []


class Matcher:
    """Finds the protected values in texts. Values in `allowed` (the recipient's own) are never findings."""

    def __init__(self, protected: Iterable[Protected], allowed: Iterable[Protected] = ()) -> None:
        own = {(needle.kind == PHONE, needle.compact) for item in allowed for needle in needles_for(item)}
        unique: dict[tuple[str, str, bool, tuple[str, ...]], Needle] = {}
        for item in protected:
            for needle in needles_for(item):
                if (needle.kind == PHONE, needle.compact) not in own:
                    unique.setdefault((needle.kind, needle.value.casefold(), needle.part, needle.tokens), needle)
        self.needles = list(unique.values())

    def find(self, text: str) -> list[Match]:
        folded = fold(text)
        found = []
        for needle in self.needles:
            spans = _find_phone(folded, needle) if needle.kind == PHONE else _find_words(folded, needle)
            found += [Match(needle.kind, needle.value, needle.part, start, folded.span_end(end - 1)) for start, end in spans]
        return sorted(found, key=lambda match: (match.start, -match.end))

    def redact(self, text: str, replacement: str = REDACTED) -> str:
        """`text` with every match replaced; overlapping matches become one replacement."""
        spans: list[list[int]] = []
        for match in self.find(text):
            if spans and match.start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], match.end)
            else:
                spans.append([match.start, match.end])
        pieces, position = [], 0
        for start, end in spans:
            pieces += [text[position:start], replacement]
            position = end
        return "".join([*pieces, text[position:]])
