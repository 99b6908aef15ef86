"""E-mail for messages: a row written with the message, sent by a task through Django's mail framework.

- A message to a reporter is mailed when their report has an e-mail address and they did not ask
  not to be contacted (checked again just before sending: "do not contact" always wins).
- A message to a reported person is mailed to their person's e-mail identity once a second steward
  approved it; until then its mail row is "held". The first letter that carries their portal link
  gets a fresh link made at sending time, so the secret is never stored anywhere.
- Just before sending, the identity check runs again on the subject and text (letters.leakcheck: a
  reporter, or for a reporter another reporter, may have been added since the text was written). A
  finding stops the mail for good: it is marked failed with the kinds found, never sent.
- The task claims its row with a conditional update ("sending", claimed_at), so running it twice
  sends once. Temporary failures are retried with back-off; permanent ones, and the last retry, mark
  the mail failed, which the case thread and the timeline show.
- Crash safety: a worker can die between claiming a row and finishing it. A claim older than
  LEASE belongs to such a worker; the next delivery task for the row, or `recover_stalled_mail`
  (run by the clocks' sweep every few minutes), claims it again. "sent" and sent_at are written in
  one statement, so a mail whose attempt finished is never claimed again. A worker that dies after
  the SMTP server accepted the mail but before that statement commits makes the mail go out twice:
  SMTP is at-least-once. Every attempt carries the row's own Message-ID, so receivers can drop the
  repeat, and a portal link made for an attempt that may have reached the reader stays valid.
"""

import re
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.dispatch import Signal
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from audit.log import record
from cases.models import Approval, Audience, Message
from letters.access import new_token, portal_url
from letters.leakcheck import leaked_kinds
from letters.models import MailStatus, OutgoingMail, PartyLink
from people.models import Space
from steward.queueing import enqueue_with_transaction

MAX_ATTEMPTS = 4
BACKOFF_SECONDS = (60, 300, 1800)
# Sent once a mail has gone out (after its row says so): enforcement releases plans waiting for the decision letter.
mail_sent = Signal()

IN_FLIGHT = (MailStatus.HELD, MailStatus.QUEUED, MailStatus.SENDING, MailStatus.SENT)
# Longer than any live attempt can take (the SMTP connection has a timeout well below it).
LEASE = timedelta(minutes=10)


def recipient_for(message: Message) -> str:
    """Where this message may be mailed, or "" when it must not or cannot be."""
    if message.audience == Audience.REPORTER and message.report is not None and not message.from_reporter:
        report = message.report
        return "" if report.do_not_contact else report.reporter_email
    if message.audience == Audience.REPORTED and message.party is not None and not message.from_party:
        identity = message.party.person.identities.filter(space=Space.EMAIL).first()
        return identity.handle if identity is not None else ""
    return ""


def _language(message: Message) -> str:
    if message.audience == Audience.REPORTER and message.report is not None and message.report.language:
        return message.report.language
    languages = message.case.policy_version.policy.languages
    return languages[0] if languages else settings.LANGUAGE_CODE


def _compose(message: Message, subject: str, language: str) -> tuple[str, str]:
    with override(language):
        if message.audience == Audience.REPORTER:
            assert message.report is not None
            reference = message.report.reference
            subject = subject or _("A message from the stewards about your report %(reference)s") % {"reference": reference}
            footer = _(
                "You can read this message and answer on your follow-up page: %(url)s "
                "(use the reference %(reference)s and the code from your receipt)."
            ) % {"url": settings.SITE_URL + reverse("intake:follow_up_start"), "reference": reference}
        else:
            subject = subject or _("A message from the community stewards")
            footer = ""
    return subject, message.body + ("\n\n-- \n" + footer if footer else "") + "\n"


def _needs_portal_link(message: Message) -> bool:
    party = message.party
    if party is None or PartyLink.objects.filter(party=party, revoked_at__isnull=True).exists():
        return False
    return not OutgoingMail.objects.filter(message__party=party, carries_portal_link=True, status__in=IN_FLIGHT).exists()


def _enqueue(mail: OutgoingMail, run_after: datetime | None = None) -> None:
    enqueue_with_transaction(deliver_mail, mail.pk, run_after=run_after)


def mail_for_message(message: Message, subject: str = "") -> OutgoingMail | None:
    """Write the mail row for a new message (inside the caller's transaction). Held while approval is awaited."""
    to = recipient_for(message)
    if not to:
        return None
    language = _language(message)
    subject, body = _compose(message, subject, language)
    held = message.approval == Approval.AWAITING
    mail = OutgoingMail.objects.create(
        case=message.case,
        message=message,
        to=to,
        subject=subject[:200],
        body=body,
        language=language,
        status=MailStatus.HELD if held else MailStatus.QUEUED,
    )
    if not held:
        _enqueue(mail)
    return mail


def release(message: Message) -> OutgoingMail | None:
    """The message was approved: write its mail from the text as approved and queue it."""
    to = recipient_for(message)
    held = OutgoingMail.objects.filter(message=message, status=MailStatus.HELD).first()
    if not to:
        if held is not None:
            OutgoingMail.objects.filter(pk=held.pk).update(status=MailStatus.CANCELLED)
        return None
    language = held.language if held is not None else _language(message)
    subject, body = _compose(message, held.subject if held is not None else "", language)
    mail = held or OutgoingMail(case=message.case, message=message)
    mail.to, mail.subject, mail.body, mail.language = to, subject[:200], body, language
    mail.carries_portal_link = _needs_portal_link(message)
    mail.status = MailStatus.QUEUED
    mail.save()
    _enqueue(mail)
    return mail


def _portal_footer(mail: OutgoingMail, message: Message) -> tuple[str, PartyLink]:
    """Make the link this attempt's letter carries; it is committed before the letter goes out.

    A link from an earlier attempt that failed was revoked by `_failed`. One from an attempt whose
    worker died stays valid: that letter may have been delivered, and a receiver that drops this
    repeat by its Message-ID keeps the first copy.
    """
    assert message.party is not None
    token, digest = new_token()
    link = PartyLink.objects.create(case=message.case, party=message.party, secret_hash=digest, for_mail=mail)
    with override(mail.language or settings.LANGUAGE_CODE):
        footer = "\n-- \n" + _(
            "Your personal page, where you can read our letters and answer: %(url)s\n"
            "Keep this link private: anyone who has it can read your letters."
        ) % {"url": portal_url(token)}
    return footer, link


def _is_temporary(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, OSError)  # refused or dropped connections, timeouts


# Anything that looks like an e-mail address (SMTP errors quote addresses, often in <angle brackets>).
EMAIL_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


def _describe(error: Exception, to: str) -> str:
    """The error for the case page and the audit log, with the recipient and any other address removed.

    The log outlives the case, so no address may reach it; servers echo addresses in any letter case.
    """
    text = f"{type(error).__name__}: {error}"
    if to:
        text = re.sub(re.escape(to), "[recipient]", text, flags=re.IGNORECASE)
    text = EMAIL_ADDRESS.sub("[address]", text)
    return text[:500]


def _claimable(now: datetime) -> Q:
    """Queued, or "sending" under a claim that outlived the lease (its worker died mid-attempt)."""
    stale = Q(claimed_at__lt=now - LEASE) | Q(claimed_at__isnull=True)
    return Q(status=MailStatus.QUEUED) | (Q(status=MailStatus.SENDING) & stale)


@task()
def deliver_mail(mail_id: int) -> str:
    """Send one queued mail. Idempotent: only the run that claims the row sends it (see the module notes)."""
    claimed_at = timezone.now()
    # A withdrawn letter is never sent, whatever state its mail row was left in (letters.actions.do_withdraw_draft).
    claim = OutgoingMail.objects.filter(_claimable(claimed_at), pk=mail_id).exclude(message__approval=Approval.WITHDRAWN)
    if not claim.update(status=MailStatus.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1):
        return "not queued"
    # Only the holder of this claim may move the row on; a later claim (after the lease) wins.
    mine = OutgoingMail.objects.filter(pk=mail_id, status=MailStatus.SENDING, claimed_at=claimed_at)
    mail = OutgoingMail.objects.select_related("message__report", "message__party", "case").get(pk=mail_id)
    message = mail.message
    if message.audience == Audience.REPORTER and (message.report is None or message.report.do_not_contact):
        mine.update(status=MailStatus.CANCELLED)
        return "cancelled"
    recipient_report = message.report if message.audience == Audience.REPORTER else None
    leaking = leaked_kinds(mail.case, f"{mail.subject}\n{mail.body}", to_report=recipient_report)
    if leaking:
        return _refused(mail, mine, leaking)
    link = None
    try:
        body = mail.body
        if mail.carries_portal_link:
            footer, link = _portal_footer(mail, message)
            body += footer
        headers = {"Message-ID": mail.message_id_header}
        EmailMessage(mail.subject, body, settings.DEFAULT_FROM_EMAIL, [mail.to], headers=headers).send()
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the case
        return _failed(mail, mine, error, link)
    with transaction.atomic():
        # The status and sent_at in one statement: once this commits, no claim can send it again.
        # Any claim holder may finish it (the mail did go out); only the first records it.
        finished = OutgoingMail.objects.filter(pk=mail.pk, status=MailStatus.SENDING)
        if not finished.update(status=MailStatus.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None):
            return "already finished"
        record("mail.sent", _sent_summary(message), case_id=mail.case_id, data={"mail": mail.pk, "message": message.pk})
    mail_sent.send(sender=OutgoingMail, mail=mail)
    return "sent"


def recover_stalled_mail(now: datetime | None = None) -> int:
    """Deliver every mail whose attempt died with its worker (a stale claim) or whose task was lost.

    Run by the clocks' sweep. A queued row only counts as lost once its due time is a lease old, so
    the sweep does not race the task that is about to send it (and if it does, one of them claims it).
    """
    now = now or timezone.now()
    stale_claims = Q(status=MailStatus.SENDING) & (Q(claimed_at__lt=now - LEASE) | Q(claimed_at__isnull=True))
    lost_tasks = Q(status=MailStatus.QUEUED) & (
        Q(next_attempt_at__lt=now - LEASE) | Q(next_attempt_at__isnull=True, created_at__lt=now - LEASE)
    )
    stalled = OutgoingMail.objects.filter(stale_claims | lost_tasks).order_by("pk").values_list("pk", flat=True)
    return sum(deliver_mail.call(mail_id) == "sent" for mail_id in stalled)


def _sent_summary(message: Message) -> str:
    return "E-mail delivered to the reporter" if message.audience == Audience.REPORTER else "E-mail delivered to the reported person"


def _refused(mail: OutgoingMail, mine: QuerySet[OutgoingMail], kinds: list[str]) -> str:
    """The last guard found something that may identify a reporter: the mail is never sent, and says why.

    The message stays in the case thread and the mail row keeps its text; a steward writes a corrected one.
    The reason names the kinds of finding only, so the audit log does not repeat them.
    """
    reason = _("Not sent: the text may identify a reporter (%(kinds)s). Write a corrected message.") % {"kinds": ", ".join(kinds)}
    with transaction.atomic():
        if not mine.update(status=MailStatus.FAILED, last_error=reason[:500], next_attempt_at=None):
            return "superseded"
        record(
            "mail.blocked_by_leakcheck",
            "An e-mail was not sent: it may identify a reporter",
            case_id=mail.case_id,
            data={"mail": mail.pk, "message": mail.message_id, "kinds": kinds},
        )
    return "refused"


def _failed(mail: OutgoingMail, mine: QuerySet[OutgoingMail], error: Exception, link: PartyLink | None) -> str:
    reason = _describe(error, mail.to)
    attempts = mail.attempts
    with transaction.atomic():
        if link is not None:  # the letter that carried it was not accepted
            PartyLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
        if _is_temporary(error) and attempts < MAX_ATTEMPTS:
            delay = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
            next_at = timezone.now() + timedelta(seconds=delay)
            if not mine.update(status=MailStatus.QUEUED, last_error=reason, next_attempt_at=next_at):
                return "superseded"  # a later claim took the row over
            _enqueue(mail, run_after=next_at)
            return "retry"
        if not mine.update(status=MailStatus.FAILED, last_error=reason, next_attempt_at=None):
            return "superseded"
        record("mail.failed", f"E-mail delivery failed: {reason}", case_id=mail.case_id, data={"mail": mail.pk, "message": mail.message_id})
    return "failed"
