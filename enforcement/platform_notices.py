"""Telling people on the platform why (the code of conduct: "communicate reasons for moderation decisions").

When the policy's `enforcement.notify_on_platform` is true, an action that has just been applied posts one short
notice where its space can (`Space.notifies`): GitHub comments on the locked thread, or on the conversation a
hidden or deleted comment was in; Discord sends the person timed out a direct message. The text comes from a
template in the community's first language (gettext catalogues, one per language), holds only what was done and
the stewards' reason, and passes the identity leak check (letters.leakcheck) against the case's reporters just
before it is sent: a reporter is never named; a notice that might name one is not sent.

At most once: the notice's row is claimed (and audited) in its own transaction before the platform is called, so
a second worker or a retry finds it and posts nothing. A failed notice is recorded with its reason and never undoes
the action, which is already in place.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.log import record
from enforcement.models import EnforcementAction, NoticeStatus, PlatformNotice
from letters.leakcheck import leaked_kinds
from policy.services import current_policy
from spaces.base import Op, SpaceError
from spaces.registry import space_for

logger = logging.getLogger("steward.enforcement")


def _what_was_done(op: str) -> str:
    return {
        Op.LOCK_THREAD: _("The community's stewards locked this conversation."),
        Op.HIDE_CONTENT: _("The community's stewards hid a comment in this conversation."),
        Op.DELETE_CONTENT: _("The community's stewards removed a comment from this conversation."),
        Op.TIMEOUT: _("The community's stewards have timed you out: you may read, but not post, for now."),
    }.get(Op(op), _("The community's stewards took a moderation action here."))


def notice_text(action: EnforcementAction, language: str) -> str:
    """The notice in `language`: what was done, the stewards' reason, and where to ask. Nothing about who reported."""
    policy = current_policy()
    with translation.override(language):
        lines = [_what_was_done(action.op)]
        if action.reason.strip():
            lines.append(_("Reason: %(reason)s") % {"reason": action.reason.strip()})
        lines.append(_("Questions about this decision: %(contact)s") % {"contact": policy.stewards_contact})
        return "\n\n".join(lines)


def _finish(notice: PlatformNotice, status: str, *, ref: str = "", error: str = "") -> None:
    with transaction.atomic():
        notice.status, notice.external_ref, notice.error = status, ref[:200], error[:500]
        notice.posted_at = timezone.now() if status == NoticeStatus.POSTED else None
        notice.save(update_fields=["status", "external_ref", "error", "posted_at"])
        words = "posted" if status == NoticeStatus.POSTED else f"not posted: {error}"
        record(
            f"enforcement.notice.{status}",
            f"Action #{notice.action_id}: the notice on the platform was {words}",
            case_id=notice.action.plan.case_id,
            data={"action": notice.action_id},
        )


def notify_applied(action_id: int) -> str:
    """Post the notice of one applied action, if the policy and its space call for one. Safe to call any number of times."""
    if not current_policy().enforcement.notify_on_platform:
        return "off"
    action = EnforcementAction.objects.select_related("plan__case", "connection").get(pk=action_id)
    space = space_for(action.connection)
    if action.op not in space.notifies:
        return "not offered"
    language = (current_policy().languages or ("en",))[0]
    with transaction.atomic():
        notice, created = PlatformNotice.objects.get_or_create(action=action, defaults={"language": language})
        if not created:
            return "already"
    text = notice_text(action, language)
    leaking = leaked_kinds(action.plan.case, text)
    if leaking:
        _finish(notice, NoticeStatus.FAILED, error=f"Not sent: it may identify a reporter ({', '.join(leaking)}).")
        return "withheld"
    from enforcement.executor import request_for

    try:
        ref = space.post_moderation_notice(request_for(action), action.state, text)
    except SpaceError as failure:
        _finish(notice, NoticeStatus.FAILED, error=failure.message)
        return "failed"
    except Exception as failure:  # a bug must not undo or retry the action, which is in place: recorded, logged
        logger.exception("enforcement action %s: the platform notice failed", action_id)
        _finish(notice, NoticeStatus.FAILED, error=f"Unexpected error: {type(failure).__name__}")
        return "failed"
    _finish(notice, NoticeStatus.POSTED, ref=ref)
    return "posted"
