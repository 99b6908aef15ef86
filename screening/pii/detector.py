"""Find other people's private information in a text, and say why without repeating it.

Libraries do the parsing: email-validator checks an address's syntax, phonenumbers finds and validates phone
numbers, pyap finds street addresses (US, Canada, UK). Access tokens have fixed, vendor-documented shapes
(prefix + length + alphabet), so a table of those formats is the detector; nothing guesses at "random-looking"
strings, which would flag every commit hash.

Not a leak, by design: the author's own address or handle (`Text.author`), anything in the author's signature,
commit trailers (Signed-off-by, Co-authored-by: a commit's author e-mail is public by design), noreply and role
addresses (security@, conduct@), reserved example domains, fictional 555-01xx numbers, and placeholders in code
("ghp_xxxx", "AKIAIOSFODNN7EXAMPLE").
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
import pyap
from email_validator import EmailNotValidError, validate_email


@dataclass(frozen=True)
class PiiHit:
    kind: str  # "email", "phone", "address", "token"
    masked: str  # enough to find it in the text, not enough to use it
    why: str
    score: float


# --- where not to look ------------------------------------------------------------------------------------

_FENCED = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]+`", re.S)
_TRAILER = re.compile(
    r"^\s*(?:Signed-off-by|Co-authored-by|Co-Authored-By|Reviewed-by|Acked-by|Tested-by|Reported-by|Suggested-by|Author|Committer|Cc|From|To|Date):.*$",
    re.M | re.I,
)
_SIG_DELIM = re.compile(r"^-- ?$", re.M)
_SIGN_OFF = re.compile(
    r"^\s*(?:best(?: regards| wishes)?|kind regards|regards|cheers|thanks(?: again)?|thank you|sincerely|yours|all the best|--)"
    r"\s*[,.!]?\s*$",
    re.I | re.M,
)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace spans with spaces, keeping offsets, so later matches still point into the original text."""
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def _signature_start(text: str) -> int:
    """Where the author's signature begins (the "-- " line, or a sign-off in the last few lines); len(text) if none."""
    m = _SIG_DELIM.search(text)
    if m:
        return m.start()
    tail_from = max(0, len(text) - 400)
    for m in _SIGN_OFF.finditer(text, tail_from):
        return m.start()
    return len(text)


# --- e-mail -----------------------------------------------------------------------------------------------

# Candidates only: email-validator decides what is a real address.
_EMAIL_CANDIDATE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_RESERVED_DOMAINS = ("example.com", "example.org", "example.net", "example.edu", "localhost", "users.noreply.github.com")
_RESERVED_TLDS = (".test", ".example", ".invalid", ".localhost", ".local")
_NOREPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|notifications?|mailer-daemon|bounces?)(?:[+.-].*)?$", re.I)
_ROLE = {
    "abuse", "admin", "conduct", "coc", "contact", "help", "hello", "info", "legal", "maintainers", "noc", "office", "press",
    "privacy", "security", "support", "team", "webmaster", "postmaster", "sales", "jobs", "community", "moderators", "git",
}  # fmt: skip
# Mailing lists are public by nature: python-dev@, kernel-janitors@, foo-announce@, users@.
_LIST = re.compile(r"(?:^|[-_.])(?:dev|devel|users?|announce|discuss|general|list|lists|janitors|commits|patches)$")


def _mask_email(addr: str) -> str:
    local, _, domain = addr.partition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{host[:1]}***.{tld}"


def _emails(text: str, author: set[str]) -> list[PiiHit]:
    hits = []
    for m in _EMAIL_CANDIDATE.finditer(text):
        raw = m.group(0).rstrip(".")
        try:
            addr = validate_email(raw, check_deliverability=False).normalized
        except EmailNotValidError:
            continue
        local, _, domain = addr.lower().partition("@")
        base_local = local.split("+", 1)[0]
        if (
            domain in _RESERVED_DOMAINS
            or domain.endswith(_RESERVED_TLDS)
            or domain.endswith(".noreply.github.com")
            or _NOREPLY.match(local)
            or base_local in _ROLE
            or _LIST.search(base_local)
            or addr.lower() in author
            or base_local in author
        ):
            continue
        hits.append(PiiHit("email", _mask_email(addr), f"an e-mail address ({_mask_email(addr)}) that is not the author's own", 0.9))
    return hits


# --- phone numbers ----------------------------------------------------------------------------------------

_REGIONS = ("US", "GB", "DE", "FR", "IN", "BR", "AU")  # the default region only matters for numbers without "+"


# The parsers are slow on long texts (about 3 ms and 11 ms for a 500-character comment), so they only read
# short windows around something shaped like a phone number or a house number followed by a street word.
_PHONE_CANDIDATE = re.compile(r"\+?\(?\d[\d \t().-]{5,18}\d")
_ADDRESS_CANDIDATE = re.compile(
    r"\b\d{1,6}[A-Za-z]?\s+(?:[\w'.-]+\s+){0,4}?(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|way|court|ct|"
    r"place|pl|terrace|crescent|close|parkway|pkwy|highway|hwy|circle|cir|square|sq|trail|row|rue|gardens|grove|hill|mews)\b",
    re.I,
)


_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_DIGIT_GROUP = re.compile(r"\d+")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _could_be_phone(m: re.Match[str]) -> bool:
    """Worth the parser: 7-15 digits written with a separator or "+" (a bare run of digits is a count or an id,
    and is not reported anyway), and not an ISO date. Most digit runs in technical text fail this cheaply."""
    raw = m.group(0)
    digits = sum(c.isdigit() for c in raw)
    if not 7 <= digits <= 15 or raw.isdigit() or _DATE.match(raw) or _IPV4.fullmatch(raw):
        return False
    groups = _DIGIT_GROUP.findall(raw)
    # An IP address, a decimal (381360.908047), a row of a table (0 0 6517 6516 0 0) or a long zero-padded id is not a phone.
    if raw.count(".") == 1 and len(groups) == 2:
        return False
    return sum(len(g) == 1 for g in groups) <= 1 and max(map(len, groups)) <= 8


def _windows(
    text: str, pattern: re.Pattern[str], before: int, after: int, keep: Callable[[re.Match[str]], bool] | None = None
) -> list[tuple[int, str]]:
    """(offset, text) windows around the pattern's matches (those `keep` accepts), merged where they overlap."""
    spans: list[list[int]] = []
    for m in pattern.finditer(text):
        if keep is not None and not keep(m):
            continue
        a, b = max(0, m.start() - before), min(len(text), m.end() + after)
        if spans and a <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b)
        else:
            spans.append([a, b])
    return [(a, text[a:b]) for a, b in spans]


def _phones(text: str) -> list[PiiHit]:
    seen: dict[tuple[int, int], PiiHit | None] = {}
    for offset, window in _windows(text, _PHONE_CANDIDATE, 20, 20, _could_be_phone):
        _phones_in(window, offset, seen)
    return [h for h in seen.values() if h is not None]


def _phones_in(text: str, offset: int, seen: dict[tuple[int, int], PiiHit | None]) -> None:
    for region in _REGIONS:
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            start, end = offset + m.start, offset + m.end
            if any(a <= start < b for a, b in seen):
                continue
            seen[(start, end)] = None  # looked at: another region must not re-read the same digits
            # A bare run of digits ("processed 4158263371 rows") is a count, not a number someone wrote as a phone.
            if re.fullmatch(r"\d+", m.raw_string):
                continue
            national = str(m.number.national_number)
            # 555-0100..0199 are reserved for fiction in North America: a placeholder, not a person.
            if m.number.country_code == 1 and national[3:6] == "555" and national[6:8] == "01":
                continue
            digits = re.sub(r"\D", "", m.raw_string)
            if len(set(digits)) <= 2:  # 000-000-0000, 1111111111
                continue
            masked = f"…{digits[-2:]}"
            seen[(start, end)] = PiiHit("phone", masked, f"a phone number (ending {digits[-2:]}) posted in the text", 0.8)


# --- street addresses -------------------------------------------------------------------------------------

_PLACEHOLDER_STREET = re.compile(r"\b(?:123 main|1234 main|anytown|anystreet|foo|bar street|example)\b", re.I)


def _addresses(text: str) -> list[PiiHit]:
    hits = []
    for _, window in _windows(text, _ADDRESS_CANDIDATE, 0, 80):
        hits += _addresses_in(window)
    return hits


def _addresses_in(text: str) -> list[PiiHit]:
    hits = []
    for country in ("US", "CA", "GB"):
        for a in pyap.parse(text, country=country):
            full = str(a.full_address)
            # A home address has a house number and a street; pyap's looser UK matches ("... AKIA4J7QX") lack one.
            if not getattr(a, "street_number", None) or not getattr(a, "street_name", None) or _PLACEHOLDER_STREET.search(full):
                continue
            where = ", ".join(p for p in (getattr(a, "city", None), getattr(a, "region1", None)) if p) or country
            hits.append(PiiHit("address", f"a street address in {where}", f"a street address (in {where}) posted in the text", 0.85))
    return hits


# --- access tokens ----------------------------------------------------------------------------------------

# (name, pattern): formats the vendors document; each body is long enough that a match is not a coincidence.
_TOKENS = [
    ("GitHub token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b")),
    ("GitHub fine-grained token", re.compile(r"\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-(?:\d+-)+[A-Za-z0-9-]{8,}")),
    ("Slack webhook", re.compile(r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+")),
    ("AWS access key", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("Stripe secret key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}\b")),
    ("npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("PyPI token", re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}")),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----")),
]
_PLACEHOLDER_TOKEN = re.compile(r"x{4,}|X{4,}|\*{3,}|\.{3}|0{8,}|EXAMPLE|example|your|YOUR|<|>|redacted|REDACTED|dummy|DUMMY|fake|FAKE")


def _looks_placeholder(secret: str, body: str) -> bool:
    if _PLACEHOLDER_TOKEN.search(secret):
        return True
    return len(set(body)) < 8  # "ghp_aaaa…", "AKIA1234123412341234": a real secret uses most of its alphabet


# Every format above starts with one of these: one search tells whether any pattern needs to run.
_TOKEN_PREFIX = re.compile(
    r"gh[pousr]_|github_pat_|glpat-|xox[abposr]-|hooks\.slack\.com|A(?:KIA|SIA|BIA|CCA|Iza)|[sr]k_live_|npm_|pypi-|-----BEGIN"
)


def _tokens(text: str) -> list[PiiHit]:
    hits: list[PiiHit] = []
    if not _TOKEN_PREFIX.search(text):
        return hits
    for name, pat in _TOKENS:
        for m in pat.finditer(text):
            secret = m.group(0)
            if name == "private key":
                block_end = text.find("-----END", m.end())
                body = text[m.end() : block_end if block_end > 0 else m.end() + 200]
                if _looks_placeholder(body, re.sub(r"\s", "", body)) or len(body.strip()) < 40:
                    continue
                masked = "a private key block"
            else:
                prefix = re.match(r"[A-Za-z]+[_-]|AKIA|ASIA|ABIA|ACCA|AIza|https://hooks\.slack\.com/", secret)
                head = prefix.group(0) if prefix else ""
                if _looks_placeholder(secret, secret[len(head) :]):
                    continue
                masked = f"{head}…{secret[-2:]}"
            hits.append(PiiHit("token", masked, f"a live-looking {name} ({masked}): revoke it and remove the text", 0.99))
    return hits


_FIVE_DIGITS = re.compile(r"(?:\d\D*){5}")


def find_private_information(text: str, author: tuple[str, ...] = (), kind: str = "issue_comment") -> list[PiiHit]:
    """Other people's private information in `text`; the author's own details and placeholders are left out."""
    own = {a.strip().lower().lstrip("@") for a in author if a.strip()}
    # A token is dangerous wherever it sits, code block or not; placeholders are filtered by shape.
    hits = _tokens(text)
    # Personal details inside code, commit trailers and the signature are the author's own or public by design.
    skip = [(m.start(), m.end()) for m in _FENCED.finditer(text)]
    skip += [(m.start(), m.end()) for m in _TRAILER.finditer(text)]
    sig = _signature_start(text)
    skip.append((sig, len(text)))
    prose = _blank(text, skip)
    if "@" in prose:
        hits += _emails(prose, own)
    if _FIVE_DIGITS.search(prose):  # phones and street addresses need digits; skip the parsers otherwise
        hits += _phones(prose)
        hits += _addresses(prose)
    return hits
