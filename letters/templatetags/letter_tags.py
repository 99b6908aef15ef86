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


@register.simple_tag(takes_context=True)
def leak_findings_for(context: Any, message: Message, user: Any) -> dict[str, Any]:
    """The findings on a message waiting for approval, and whether `user` may read what matched (see
    letters.leakcheck.describe_for: only stewards who may see the reporter's identity).

    On the case page the viewer's answer is already in the context (`can_see_identity`, from the one
    standing() of the request), so a thread of waiting messages does not ask the access layer per message."""
    page_case = context.get("case")
    if page_case is not None and page_case.pk == message.case_id and user == context.get("user") and "can_see_identity" in context:
        detailed = bool(context["can_see_identity"])
    else:
        detailed = may(user, message.case, Need.IDENTITY)
    return {"findings": leak_findings(message), "detailed": detailed}


@register.filter
def deliveries(message: Message) -> list[OutgoingMail]:
    return list(message.outgoing_mails.all())
