"""A protected person's identity planted in texts in the forms people use to slip it past a check.

The four values share no part, so a finding of one kind can only come from the value planted. The look-alike
letters below are typed out here on purpose, independently of the matcher's own table.
"""

import unicodedata

from hypothesis import strategies as st

NAME = "Théodora Blackwood"
NAME_PARTS = ("Théodora", "Blackwood")
EMAIL = "quillon.ashby@mailbox.test"
EMAIL_LOCAL = "quillon.ashby"
HANDLE = "zephyr_kite"
PHONE = "+31 6 4817 2950"
NATIONAL = "648172950"  # the phone without its country code or trunk prefix

LOOK_ALIKES = {
    "a": "аα",  # Cyrillic a, Greek alpha
    "b": "Ь",
    "c": "сϲ",
    "d": "ԁ",
    "e": "еε",
    "h": "һ",
    "i": "іι",
    "j": "ј",
    "k": "кκ",
    "l": "ӏ",
    "m": "м",
    "n": "ո",
    "o": "оοօ",  # Cyrillic o, Greek omicron, Armenian oh
    "p": "рρ",
    "q": "ԛ",
    "s": "ѕ",
    "t": "т",
    "u": "ս",
    "w": "ԝ",
    "x": "хχ",
    "y": "уγ",
    "A": "АΑ",
    "B": "ВΒ",
    "C": "С",
    "E": "ЕΕ",
    "H": "НΗ",
    "I": "ІΙ",
    "K": "КΚ",
    "M": "МΜ",
    "N": "Ν",
    "O": "ОΟ",
    "P": "РΡ",
    "T": "ТΤ",
    "X": "ХΧ",
    "Y": "Υ",
    "Z": "Ζ",
}
INVISIBLE = "\u200b\u200c\u200d\u2060\u00ad\ufeff"  # zero-width space, non-joiner, joiner, word joiner, soft hyphen, BOM
ACCENTS = "\u0301\u0308\u0300"


def full_width(char: str) -> str:
    return chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char


def math_bold(char: str) -> str:
    if "A" <= char <= "Z":
        return chr(0x1D400 + ord(char) - ord("A"))
    if "a" <= char <= "z":
        return chr(0x1D41A + ord(char) - ord("a"))
    if "0" <= char <= "9":
        return chr(0x1D7CE + ord(char) - ord("0"))
    return char


def arabic_indic(char: str) -> str:
    return chr(0x0660 + int(char)) if char.isdigit() else char


@st.composite
def disguised_char(draw: st.DrawFn, char: str) -> str:
    styles = ["plain", "upper", "lower", "full-width", "math", "accent"]
    if char in LOOK_ALIKES:
        styles.append("look-alike")
    style = draw(st.sampled_from(styles))
    if style == "upper":
        return char.upper()
    if style == "lower":
        return char.lower()
    if style == "full-width":
        return full_width(char)
    if style == "math":
        return math_bold(unicodedata.normalize("NFD", char)[0])
    if style == "accent" and char.isalpha():
        return char + draw(st.sampled_from(ACCENTS))
    if style == "look-alike":
        return draw(st.sampled_from(LOOK_ALIKES[char]))
    return char


@st.composite
def disguised(draw: st.DrawFn, value: str) -> str:
    """`value` with its letters disguised one by one, maybe spelled out, invisible characters slipped in, NFD or NFC."""
    chars = [draw(disguised_char(char)) for char in value]
    if draw(st.booleans()):  # spelled out: "T h e o" or "T.h.e.o"
        joiner = draw(st.sampled_from([" ", ".", " . ", "-", "  "]))
        chars = [joiner.join(chars)]
    text = ""
    for piece in chars:
        text += piece
        if draw(st.integers(0, 3)) == 0:
            text += draw(st.text(st.sampled_from(INVISIBLE), min_size=1, max_size=2))
    return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)


@st.composite
def phone_written(draw: st.DrawFn) -> str:
    """The phone number with or without its country code, grouped and separated any way, in any digits."""
    prefix = draw(st.sampled_from(["+31 ", "+31", "0031 ", "0", "+31 (0)", "(+31) "]))
    digits = NATIONAL
    groups, position = [], 0
    while position < len(digits):
        size = draw(st.integers(1, 4))
        groups.append(digits[position : position + size])
        position += size
    separators = [draw(st.sampled_from([" ", "-", ".", "", "/", " - "])) for _ in groups[1:]]
    text = prefix + groups[0] + "".join(sep + group for sep, group in zip(separators, groups[1:], strict=True))
    style = draw(st.sampled_from([str, full_width, math_bold, arabic_indic]))
    text = "".join(style(char) if char.isdigit() else char for char in text)
    if draw(st.booleans()):
        position = draw(st.integers(1, len(text) - 1))
        text = text[:position] + draw(st.sampled_from(INVISIBLE)) + text[position:]
    return text


# (kind of finding, strategy for the planted text); the kinds are letters.leakcheck's.
PLANTS = {
    "name": st.sampled_from([NAME, *NAME_PARTS, NAME.upper(), "Theodora"]).flatmap(disguised),
    "email": st.sampled_from([EMAIL, EMAIL_LOCAL, EMAIL.replace(".", " "), "quillon ashby", "quillonashby"]).flatmap(disguised),
    "handle": st.sampled_from([HANDLE, "@" + HANDLE, "zephyr kite", "zephyrkite", "zephyr-kite", "Zephyr.Kite"]).flatmap(disguised),
    "contact": phone_written(),
}

# Innocent words around the planted text: none of them is part of the planted identity or of the report.
FILLER = st.lists(
    st.sampled_from(["we", "looked", "into", "the", "matter", "and", "will", "write", "again", "soon", "thanks", ",", ".", "!", "\n"]),
    max_size=12,
).map(" ".join)


@st.composite
def letter_with(draw: st.DrawFn, kind: str) -> str:
    return f"{draw(FILLER)} {draw(PLANTS[kind])} {draw(FILLER)}"
