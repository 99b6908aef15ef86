"""Reports that arrive by e-mail become reports in the queue (REQUIREMENTS 2.9), each message exactly once.

Exactly once: a digest of the message's Message-ID (of the raw bytes when it has none) is written,
with a unique constraint, in the transaction that creates the case. Only after that commits is the
message marked taken at its source (Steward's own mark, never \\Seen: spaces.email.sources). A crash before
the commit leaves it unmarked and nothing stored; a crash after it leaves it unmarked, and the next fetch
finds the digest, creates nothing, and marks it done.

The sender is the reporter (not anonymous): From becomes their name and contact. Automatic mail
(auto-replies, bounces, bulk mail) is skipped, with its digest kept so it is not looked at again.
Attachments go through the same checks as the form's uploads; a refused file does not refuse the
report: the report is kept, with a note of what was not.
"""

import hashlib
import html
import logging
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parseaddr

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from cases.evidence import CheckedFile, check_upload
from cases.models import Channel
from intake.actions import Submission, do_submit_report
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
    taken: int = 0
    skipped: int = 0
    already: int = 0
    failed: int = 0


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
    message_id = (BytesHeaderParser(policy=policy.compat32).parsebytes(raw).get("Message-ID") or "").strip()
    if message_id:
        return hashlib.sha256(b"message-id:" + message_id.encode("utf-8", "replace")).hexdigest()
    return hashlib.sha256(b"raw:" + raw).hexdigest()


def take_mail(connection: SpaceConnection | None, raw: bytes) -> str:
    """One message: TAKEN (a case now exists), SKIPPED (automatic mail) or ALREADY (seen before)."""
    digest = mail_digest(raw)
    if ReceivedMail.objects.filter(digest=digest).exists():
        return ALREADY
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    robot = automatic(message)
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
        submission = submission_from(message)
        do_submit_report(submission, held_as_possible_flood=_flooding(submission.reporter_email or submission.reporter_other_contact))
    return TAKEN


def automatic(message: Message) -> str:
    """Why this message was written by a machine (an auto-reply, a bounce, bulk mail); empty for a person's mail."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return "auto-submitted"
    if str(message.get("Precedence", "")).strip().lower() in BULK_PRECEDENCE:
        return "precedence"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "auto-reply"
    if str(message.get("Return-Path", "")).strip() == "<>" or message.get_content_type() == "multipart/report":
        return "bounce"
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    if sender.split("@")[0] in ROBOT_SENDERS:
        return "mailer-daemon"
    return ""


def submission_from(message: EmailMessage) -> Submission:
    name, address = parseaddr(str(message.get("From", "")))
    try:
        validate_email(address)
    except ValidationError:
        address, other = "", str(message.get("From", ""))[:200]
    else:
        other = ""
    files, refused = attachments_of(message)
    return Submission(
        body=compose_body(message, refused),
        reporter_name=name[:200],
        reporter_email=address[:254],
        reporter_other_contact=other,
        channel=Channel.EMAIL,
        files=files,
    )


def compose_body(message: EmailMessage, refused: list[str]) -> str:
    subject = str(message.get("Subject", "")).strip()
    sent = str(message.get("Date", "")).strip()
    text = body_text(message).strip() or "(The message had no text.)"
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS] + "\n[…] (The rest of the message was longer than a report can be.)"
    lines = [f"Subject: {subject or '(none)'}"]
    if sent:
        lines.append(f"Sent: {sent}")
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
    for part in message.iter_attachments():
        name, content = _attachment(part)
        if len(files) >= limit:
            refused.append(f"“{name}”: a report keeps at most {limit} files.")
            continue
        try:
            files.append(check_upload(SimpleUploadedFile(name, content)))
        except ValidationError as error:
            refused.append(" ".join(error.messages))
    return files, refused


def _attachment(part: Message) -> tuple[str, bytes]:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload(0)
        content = inner.as_bytes() if isinstance(inner, Message) else b""
        return (part.get_filename() or "forwarded.eml"), content
    payload = part.get_payload(decode=True)
    return (part.get_filename() or "attachment"), payload if isinstance(payload, bytes) else b""


def _flooding(sender: str) -> bool:
    """Past the soft limit a sender's reports are still taken, held for review (REQUIREMENTS 2.10); nothing is lost."""
    return hit(Counted("mail", sender.lower()), settings.STEWARD_REPORT_WINDOW_SECONDS) > settings.STEWARD_REPORT_SOFT_LIMIT
