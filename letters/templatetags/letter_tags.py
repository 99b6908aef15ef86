"""Template helpers for the case thread: the identity check and e-mail delivery of a message."""

from typing import Any

from django import template

from cases.access import Need, may
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


@register.simple_tag
def leak_findings_for(message: Message, user: Any) -> dict[str, Any]:
    """The findings on a message waiting for approval, and whether `user` may read what matched (see
    letters.leakcheck.describe_for: only stewards who may see the reporter's identity)."""
    return {"findings": leak_findings(message), "detailed": may(user, message.case, Need.IDENTITY)}


@register.filter
def deliveries(message: Message) -> list[OutgoingMail]:
    return list(message.outgoing_mails.all())
