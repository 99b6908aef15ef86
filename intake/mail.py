"""Reports that arrive by e-mail become reports in the queue (REQUIREMENTS 2.9), each delivery exactly once.

Exactly once: a digest of the delivery (`delivery_digest`) is written, with a unique constraint, in
the transaction that creates the case. Only after that commits is the message marked taken at its
source (Steward's own mark, never \\Seen: spaces.email.sources). A crash before the commit leaves the
message to be read again and nothing stored; a crash after it leaves the message unmarked, and the next
fetch finds the digest, creates nothing, and marks it.

A duplicate is the same delivery, not merely the same original: two members redirecting one post
send two messages with one Message-ID, and each is a report of its own (intake.mail_origin names
each one's reporter; both name the post's author as the reported person, so the stewards see the two
cases under "Earlier cases about the same people" and can join them). The digest covers the
Resent-Message-ID and Message-ID with the content (the author's header fields and the body), not the
fields servers add in transit, so the same delivery fetched twice is recognised while different
content under a reused Message-ID is never dropped. Rows written before this digest hold the old one
(of the Message-ID alone, `mail_digest`); such a row is taken over by the first message that matches
it, so an upgrade does not import the mailbox again.

The reporter is whoever sent the mail to the reports address (intake.mail_origin): the topmost
Resent-From of a redirected message, the forwarder of a forward, else From. They are not anonymous:
their name and address become the report's contact. Automatic mail (auto-replies, bounces, bulk mail)
is skipped, with its digest kept so it is not looked at again. Attachments go through the same checks
as the form's uploads; a refused or unreadable file does not refuse the report: the report is kept,
with a note of what was not.
"""

import hashlib
import html
import logging
import mimetypes
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from email import policy
from email.errors import InvalidBase64CharactersDefect, InvalidBase64LengthDefect, InvalidBase64PaddingDefect
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parseaddr

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from cases.actions import InvolvedPerson
from cases.evidence import ALLOWED_TYPES, CheckedFile, check_upload
from cases.models import Channel, PartyRole
from intake.actions import Submission, do_submit_report
from intake.mail_origin import FORWARDED, REDIRECTED, Correspondent, Origin, origin_of, topmost_resent_block
from people.models import Space
from spaces.email.sources import open_source
from spaces.models import ReceivedMail, SpaceConnection
from spaces.registry import space_for
from steward.ratelimit import Counted, hit

logger = logging.getLogger("steward.spaces")

TAKEN, SKIPPED, ALREADY = "taken", "skipped", "already"
MAX_BODY_CHARS = 50_000  # as the report form
BULK_PRECEDENCE = {"bulk", "junk", "auto_reply"}
ROBOT_SENDERS = {"mailer-daemon", "postmaster"}


@dataclass
class FetchResult:
    """What one fetch did; it is the poller's spaces.routing.Fetched (the counts kept, the summary printed)."""

    taken: int = 0
    skipped: int = 0
    already: int = 0
    failed: int = 0

    def counts(self) -> dict[str, int]:
        return asdict(self)

    def summary(self) -> str:
        return f"{self.taken} taken, {self.skipped} skipped, {self.already} seen before, {self.failed} not readable"


def fetch_report_mail(connection: SpaceConnection) -> FetchResult:
    """Take every message not yet marked taken (read or not); raise TemporaryFailure/PermanentFailure when the source fails."""
    space = space_for(connection)
    result = FetchResult()
    with open_source(space.settings, space.secrets) as source:
        for mail in source.pending():
            try:
                outcome = take_mail(connection, mail.raw)
            except Exception as error:  # noqa: BLE001 - one unreadable message must not hold up the ones behind it
                logger.warning("report mail not taken: connection=%s key=%s error=%s", connection.slug, mail.key, type(error).__name__)
                result.failed += 1
                continue
            source.done(mail.key)
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def mail_digest(raw: bytes) -> str:
    """A digest of the Message-ID (of the raw bytes when there is none): one post, however often or by whom it came.

    Screening's archives use it as an archived post's id. Report mail used it before `delivery_digest`,
    so ReceivedMail rows from then hold it (see `take_mail`).
    """
    message_id = (BytesHeaderParser(policy=policy.compat32).parsebytes(raw).get("Message-ID") or "").strip()
    if message_id:
        return hashlib.sha256(b"message-id:" + message_id.encode("utf-8", "replace")).hexdigest()
    return hashlib.sha256(b"raw:" + raw).hexdigest()


# The fields the author (or the resender) wrote. The rest (Received, Delivered-To, Return-Path,
# Authentication-Results, DKIM and ARC seals, spam scores) is added on the way and differs between
# two copies of one delivery; it does not make a second report.
AUTHORED_FIELDS = frozenset(
    [
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    ]
)


def delivery_digest(raw: bytes) -> str:
    """One delivery: the same Resent-Message-ID and Message-ID with the same content (same raw bytes always match)."""
    head, _separator, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    fields = BytesHeaderParser(policy=policy.compat32).parsebytes(head + b"\n\n")
    digest = hashlib.sha256(b"delivery:2\n")
    for name, value in fields.items():
        key = name.lower()
        if key in AUTHORED_FIELDS or key.startswith("resent-"):
            digest.update(f"{key}:{' '.join(str(value).split())}\n".encode("utf-8", "replace"))
    digest.update(b"\n" + body)
    return digest.hexdigest()


def already_taken(raw: bytes, digest: str) -> bool:
    """Whether this delivery was taken (or skipped) before, under its digest or under the old one.

    A row with the old digest (the Message-ID alone) stands for one message taken before the upgrade:
    the first message that matches it takes it over (its digest becomes the new one), so that message
    is not taken again, and any further message with the same Message-ID, which the old digest wrongly
    dropped, is taken now.
    """
    if ReceivedMail.objects.filter(digest=digest).exists():
        return True
    try:
        with transaction.atomic():
            return ReceivedMail.objects.filter(digest=mail_digest(raw)).update(digest=digest) > 0
    except IntegrityError:
        return True  # another fetch stored this delivery a moment ago


def take_mail(connection: SpaceConnection | None, raw: bytes) -> str:
    """One message: TAKEN (a case now exists), SKIPPED (automatic mail) or ALREADY (this delivery was seen before)."""
    digest = delivery_digest(raw)
    if already_taken(raw, digest):
        return ALREADY
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    own = own_addresses(connection)
    robot = automatic(message, own)
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReceivedMail.objects.create(
                    connection=connection, digest=digest, outcome=ReceivedMail.SKIPPED if robot else ReceivedMail.TAKEN
                )
        except IntegrityError:
            return ALREADY  # another fetch took it a moment ago
        if robot:
            logger.info("report mail skipped: connection=%s reason=%s", connection.slug if connection else "-", robot)
            return SKIPPED
        submission = submission_from(message, own)
        do_submit_report(submission, held_as_possible_flood=_flooding(submission.reporter_email or submission.reporter_other_contact))
    return TAKEN


def own_addresses(connection: SpaceConnection | None) -> frozenset[str]:
    """The stewards' own addresses: the reports mailbox's (its IMAP `user` when that is an address, and its
    `address` setting) and the letters' sender. A redirect by one of them is the mail server's hop, not a
    reporter; a letter of theirs that a reporter passes on is not about them (intake.mail_origin)."""
    values = [parseaddr(settings.DEFAULT_FROM_EMAIL)[1]]
    if connection is not None:
        values += [str(connection.settings.get(key) or "") for key in ("user", "address")]
    return frozenset(value.strip().casefold() for value in values if "@" in value)


def automatic(message: Message, own: frozenset[str] = frozenset()) -> str:
    """Why this message was written by a machine (an auto-reply, a bounce, bulk mail); empty for a person's mail.

    A redirected message keeps the original's fields: a list post's Precedence or a bot's Auto-Submitted
    says nothing about the member who redirected it, so only the delivery's own signs count then.
    """
    resent = topmost_resent_block(message, own)
    if not resent:
        auto = str(message.get("Auto-Submitted", "")).strip().lower()
        if auto and auto != "no":
            return "auto-submitted"
        if str(message.get("Precedence", "")).strip().lower() in BULK_PRECEDENCE:
            return "precedence"
        if message.get("X-Autoreply") or message.get("X-Autorespond"):
            return "auto-reply"
    if str(message.get("Return-Path", "")).strip() == "<>" or message.get_content_type() == "multipart/report":
        return "bounce"
    sender = parseaddr(resent.get("resent-from") or resent.get("resent-sender") or str(message.get("From", "")))[1].lower()
    if sender.split("@")[0] in ROBOT_SENDERS:
        return "mailer-daemon"
    return ""


def submission_from(message: EmailMessage, own: frozenset[str] = frozenset()) -> Submission:
    text = body_text(message)
    origin = origin_of(message, text, own)
    reporter = origin.reporter
    files, refused = attachments_of(message)
    involved, involved_people = "", []
    author = origin.author
    if author:
        # Whose words were passed on: offered to the stewards as the reported person, as the form's
        # "who was involved" is (a party they can look up earlier cases by), never as the reporter.
        involved = f"{_written(author)}, the author of the message the reporter {origin.how}."
        if author.address:
            involved_people.append(InvolvedPerson(PartyRole.REPORTED, author.name, Space.EMAIL, author.address))
        elif author.name:
            involved_people.append(InvolvedPerson(PartyRole.REPORTED, author.name))
    return Submission(
        body=compose_body(message, origin, text, refused),
        reporter_name=reporter.name,
        reporter_email=reporter.address,
        reporter_other_contact=reporter.text,
        involved=involved,
        involved_people=involved_people,
        channel=Channel.EMAIL,
        files=files,
    )


def _written(person: Correspondent) -> str:
    if person.address:
        return f"{person.name} <{person.address}>" if person.name else person.address
    return person.name or person.text


def compose_body(message: EmailMessage, origin: Origin, text: str, refused: list[str]) -> str:
    """What the stewards read: the subject, when and how it came, the text. The reporter's own name and
    address are not in it (they stay behind "Show reporter identity"); the author of a passed-on message is."""
    subject = str(message.get("Subject", "")).strip()
    sent = str(message.get("Date", "")).strip()
    text = text.strip() or "(The message had no text.)"
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS] + "\n[…] (The rest of the message was longer than a report can be.)"
    lines = [f"Subject: {subject or '(none)'}"]
    if origin.how == REDIRECTED:
        lines.append(f"Redirected to the stewards by the reporter{f' on {origin.resent_at}' if origin.resent_at else ''}.")
        lines.append(f"The original message: from {_written(origin.author) or 'the reporter'}{f', sent {sent}' if sent else ''}.")
    else:
        if sent:
            lines.append(f"Sent: {sent}")
        if origin.how == FORWARDED and origin.author:
            lines.append(
                f"Forwarded by the reporter; the original message: from {_written(origin.author)}"
                f"{f', sent {origin.original_sent}' if origin.original_sent else ''}."
            )
    parts = ["\n".join(lines), text]
    if refused:
        parts.append("Attachments that were not kept:\n" + "\n".join(f"- {reason}" for reason in refused))
    return "\n\n".join(parts)


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _content(part)
    return html_to_text(content) if part.get_content_type() == "text/html" else content


def _content(part: Message) -> str:
    try:
        return str(part.get_content())  # type: ignore[attr-defined]
    except (LookupError, UnicodeError):  # an unknown or wrong charset: keep what can be read
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def html_to_text(markup: str) -> str:
    """Readable text from an HTML mail: block ends become line breaks, every tag goes, scripts and styles with their content."""
    markup = re.sub(r"(?i)<br\s*/?>", "\n", markup)
    markup = re.sub(r"(?i)</(p|div|li|tr|h[1-6]|blockquote|pre)\s*>", "\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set(), clean_content_tags={"script", "style", "title"}))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def attachments_of(message: EmailMessage) -> tuple[list[CheckedFile], list[str]]:
    """The attachments that pass the evidence checks, and a sentence for each that does not."""
    files: list[CheckedFile] = []
    refused: list[str] = []
    limit = settings.STEWARD_EVIDENCE_MAX_FILES
    unnamed: Counter[str] = Counter()
    for part in evidence_parts(message):
        name = attachment_name(part, unnamed)
        content = _decoded(part)
        if content is None:
            refused.append(f"“{name}” could not be read (its encoding is broken), so it was not kept as evidence.")
            continue
        if len(files) >= limit:
            refused.append(f"“{name}”: a report keeps at most {limit} files.")
            continue
        try:
            files.append(check_upload(SimpleUploadedFile(name, content)))
        except ValidationError as error:
            refused.append(" ".join(error.messages))
    return files, refused


def evidence_parts(message: EmailMessage) -> Iterator[Message]:
    """The attachments, and the pictures of an HTML text (multipart/related), also where that text is one
    of the alternatives (Thunderbird and Apple Mail: multipart/alternative holding the plain text and a
    multipart/related of the HTML and its images)."""
    yield from message.iter_attachments()
    related = message.get_body(preferencelist=("related",))
    if isinstance(related, EmailMessage) and related is not message:
        yield from related.iter_attachments()


# The name an attachment without one gets, by its declared type (the types the evidence checks accept).
EXTENSIONS = {content_type: extension for extension, content_type in reversed(ALLOWED_TYPES.items())}


def attachment_name(part: Message, unnamed: Counter[str]) -> str:
    """The part's own file name; for an inline image without one (multipart/related), its type and number: image-1.png."""
    name = part.get_filename()
    if name:
        return str(name)
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        return "forwarded.eml"
    maintype = part.get_content_maintype()
    unnamed[maintype] += 1
    extension = EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ""
    return f"{maintype}-{unnamed[maintype]}{extension}"


BROKEN_ENCODING = (InvalidBase64CharactersDefect, InvalidBase64PaddingDefect, InvalidBase64LengthDefect)


def _decoded(part: Message) -> bytes | None:
    """The part's bytes; None when its transfer encoding does not decode (a broken base64 part keeps only
    what happened to decode, which is not what was sent)."""
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload(0)
        return inner.as_bytes() if isinstance(inner, Message) else b""
    before = len(part.defects)
    payload = part.get_payload(decode=True)
    if any(isinstance(defect, BROKEN_ENCODING) for defect in part.defects[before:]):
        return None
    return payload if isinstance(payload, bytes) else b""


def _flooding(sender: str) -> bool:
    """Past the soft limit a sender's reports are still taken, held for review (REQUIREMENTS 2.10); nothing is lost."""
    return hit(Counted("mail", sender.lower()), settings.STEWARD_REPORT_WINDOW_SECONDS) > settings.STEWARD_REPORT_SOFT_LIMIT
