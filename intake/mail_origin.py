"""Who reported a mail, and whose words they passed on (RFC 5322 3.6.6 for redirects; the clients' forwards).

The reporter is whoever sent the mail to the reports address, never simply its From:
- A redirected ("bounced", "resent") message keeps its original From and Message-ID; the client adds
  a block of Resent-From, Resent-To, Resent-Date and Resent-Message-ID above them, one block per
  resend, newest on top. The reporter is the Resent-From (else Resent-Sender) of the topmost block;
  the original From is the author of what is reported.
- A forward is a new message from the forwarder: they are the reporter. The original is attached
  (message/rfc822: "forward as attachment" in Gmail, Outlook, Thunderbird) or quoted in the text
  under a line like Gmail's "---------- Forwarded message ---------", Thunderbird's "-------- Forwarded
  Message --------" or "-------- Original Message --------", Outlook's "-----Original Message-----" or
  line of underscores, Apple Mail's "Begin forwarded message:", followed by a From line.

The author is offered to the stewards as the reported person (a party, as the report form's "who was
involved"), never as the reporter: letters to the reporter go to Report.reporter_email, which is the
resender or forwarder.
"""

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

DIRECT, REDIRECTED, FORWARDED = "direct", "redirected", "forwarded"

# The line a client writes above a forwarded message quoted in the text.
FORWARD_MARKER = re.compile(
    r"^\s*(?:>\s*)*(?:-{2,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado)\s*-{2,}|"
    r"Begin forwarded message:|Anfang der weitergeleiteten Nachricht:)\s*$",
    re.IGNORECASE,
)
# Outlook (a line of underscores, or "-----Original Message-----") and old Thunderbird write the same
# line above the message a reply answers: it marks a forward only under a forward's subject ("FW: …").
REPLY_OR_FORWARD_MARKER = re.compile(r"^\s*(?:>\s*)*(?:-{2,}\s*Original Message\s*-{2,}|_{20,})\s*$", re.IGNORECASE)
FORWARD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:fwd?|wg|tr|rv|vs|enc|doorst)\s*:", re.IGNORECASE)
# The From line of the quoted header block; Gmail and Apple Mail set the label (and the name) in *bold*.
QUOTED_FROM = re.compile(r"^\s*(?:>\s*)*\*?(?:From|Von|De|Da)\s*:\s*\*?\s*(?P<value>.+?)\s*$", re.IGNORECASE)
QUOTED_HEADER_LINES = 12  # the From line comes within the quoted header block, right under the marker


@dataclass(frozen=True)
class Correspondent:
    name: str = ""
    address: str = ""  # a valid e-mail address, or "" when the header held none
    text: str = ""  # the header as written, when it held no valid address

    def __bool__(self) -> bool:
        return bool(self.name or self.address or self.text)

    def same_as(self, other: "Correspondent") -> bool:
        return bool(self.address) and self.address.casefold() == other.address.casefold()


@dataclass(frozen=True)
class Origin:
    reporter: Correspondent
    author: Correspondent  # whose message the reporter passed on; empty when they wrote it themselves
    how: str  # DIRECT, REDIRECTED or FORWARDED
    resent_at: str = ""  # the topmost Resent-Date: when the reporter redirected it
    original_sent: str = ""  # the passed-on message's Date, when it is known


def origin_of(message: EmailMessage, text: str, own: frozenset[str] = frozenset()) -> Origin:
    """`text`: the message's readable text (intake.mail.body_text), where a quoted forward is looked for;
    `own`: the reports mailbox's own addresses, lower case (see topmost_resent_block)."""
    block = topmost_resent_block(message, own)
    sender = correspondent(str(message.get("From", "")))
    if block:
        reporter = correspondent(block.get("resent-from") or block.get("resent-sender") or "")
        author = _other_than(author_of(message), reporter, own)
        return Origin(reporter, author, REDIRECTED, resent_at=block.get("resent-date", ""), original_sent=str(message.get("Date", "")))
    forwarded = forwarded_original(message, text)
    if forwarded is not None:
        author, sent = forwarded
        return Origin(sender, _other_than(author, sender, own), FORWARDED, original_sent=sent)
    return Origin(sender, Correspondent(), DIRECT)


def author_of(message: Message) -> Correspondent:
    """Who wrote a message. A list that rewrites From for DMARC ("Mallory via Dev <dev@lists…>": Mailman 3,
    Google Groups) keeps the author in X-Original-From (Google Groups) or Reply-To / Cc (Mailman)."""
    sender = correspondent(str(message.get("From", "")))
    if not (message.get("List-Id") and " via " in sender.name):
        return sender
    for field in ("X-Original-From", "Reply-To", "Cc"):
        found = correspondent(str(message.get(field, "")))
        if found.address and not found.same_as(sender):
            return found
    return sender


def _other_than(author: Correspondent, reporter: Correspondent, own: frozenset[str]) -> Correspondent:
    """The author, unless they are the reporter (passing on their own mail) or the stewards themselves
    (a reporter passing on the stewards' letter is not reporting the stewards)."""
    if author.same_as(reporter) or author.address.casefold() in own:
        return Correspondent()
    return author


def topmost_resent_block(message: Message, own: frozenset[str] = frozenset()) -> dict[str, str]:
    """The newest set of Resent-* fields (lower-case names) that a person added; {} when there is none.

    A block that the reports mailbox's own address resent (`own`: a server-side redirect from an alias
    into the mailbox) is a hop on the way, not the reporter: the block below it is looked at instead.
    """
    for block in resent_blocks(message):
        if correspondent(block.get("resent-from") or block.get("resent-sender") or "").address.casefold() not in own:
            return block
    return {}


def resent_blocks(message: Message) -> list[dict[str, str]]:
    """Each resend's fields, newest first. Each resend prepends its own block (RFC 5322 3.6.6): a block
    ends where one of its fields repeats (the older block begins) or where another field follows."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for name, value in message.items():
        key = name.lower()
        if key.startswith("resent-"):
            if key in current:
                blocks.append(current)
                current = {}
            current[key] = str(value).strip()
        elif current:
            blocks.append(current)
            current = {}
    return [*blocks, current] if current else blocks


def correspondent(header: str) -> Correspondent:
    """The first address in a From-like header; the header text itself when it holds none."""
    header = header.strip()
    for name, address in getaddresses([header]):
        try:
            validate_email(address)
        except ValidationError:
            continue
        return Correspondent(name=name.strip()[:200], address=address[:254])
    return Correspondent(text=header[:200]) if header else Correspondent()


def forwarded_original(message: EmailMessage, text: str) -> tuple[Correspondent, str] | None:
    """The author (and date) of a forwarded message: an attached message/rfc822 first, else a quoted block."""
    for part in message.walk():
        if part is not message and part.get_content_type() == "message/rfc822":
            inner = part.get_payload(0) if part.is_multipart() else None
            if isinstance(inner, Message):
                return author_of(inner), str(inner.get("Date", "")).strip()
    return quoted_original(text, str(message.get("Subject", "")))


def quoted_original(text: str, subject: str) -> tuple[Correspondent, str] | None:
    lines = text.splitlines()
    forward_subject = bool(FORWARD_SUBJECT.match(subject))
    for index, line in enumerate(lines):
        if not (FORWARD_MARKER.match(line) or (forward_subject and REPLY_OR_FORWARD_MARKER.match(line))):
            continue
        following = lines[index + 1 : index + 1 + QUOTED_HEADER_LINES]
        for quoted in following:
            found = QUOTED_FROM.match(quoted)
            if found:
                author = correspondent(found.group("value").replace("*", "").replace("[mailto:", "<").replace("]", ">"))
                return (author, _quoted_date(following)) if author else None
    return None


QUOTED_DATE = re.compile(r"^\s*(?:>\s*)*\*?(?:Date|Sent|Datum|Gesendet)\s*:\s*\*?\s*(?P<value>.+?)\s*$", re.IGNORECASE)


def _quoted_date(lines: list[str]) -> str:
    for line in lines:
        found = QUOTED_DATE.match(line)
        if found:
            return found.group("value").replace("*", "")[:100]
    return ""
