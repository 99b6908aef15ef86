"""Template helpers for the case thread: the identity check and e-mail delivery of a message."""

from django import template

from cases.models import Approval, Message
from letters.leakcheck import Finding, check_text
from letters.models import OutgoingMail

register = template.Library()


@register.filter
def leak_findings(message: Message) -> list[Finding]:
    """What in a message waiting for approval could identify the reporter (nothing for other messages)."""
    if message.approval != Approval.AWAITING:
        return []
    return check_text(message.case, message.body)


@register.filter
def deliveries(message: Message) -> list[OutgoingMail]:
    return list(message.outgoing_mails.all())
