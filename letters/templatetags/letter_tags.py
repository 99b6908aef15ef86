"""Template helpers for the case thread: the identity check and e-mail delivery of a message."""

from django import template

from cases.models import Approval, Message
from letters.leakcheck import Finding, check_text
from letters.models import MailStatus, OutgoingMail

register = template.Library()


@register.filter
def leak_findings(message: Message) -> list[Finding]:
    """What in a message waiting for approval could identify the reporter (nothing for other messages)."""
    if message.approval != Approval.AWAITING:
        return []
    subjects = [mail.subject for mail in message.outgoing_mails.all() if mail.status == MailStatus.HELD]
    return check_text(message.case, "\n".join([*subjects, message.body]))  # as approval checks it (letters.actions)


@register.filter
def deliveries(message: Message) -> list[OutgoingMail]:
    return list(message.outgoing_mails.all())
