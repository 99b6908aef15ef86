"""Telling people on the platform why (the code of conduct: "communicate reasons for moderation decisions").

When the policy's `enforcement.notify_on_platform` is true, an action that has just been applied posts one short
notice where its space can (`Space.notifies`): GitHub comments on the locked thread, or on the conversation a
hidden or deleted comment was in; Discourse sends the author of a hidden or deleted post a private message; Slack
and Zulip send the author of a deleted message a direct message from the bot; Discord sends the person timed out a
direct message. Where the action itself carries a message to the person (`Space.notice_in_action`: Discourse's
silence and suspension e-mail theirs), the notice travels with the action instead (`attach_notice`).
The text comes from a template in the community's first language (gettext catalogues, one per language), holds
only what was done and the stewards' reason, and passes the identity leak check (letters.leakcheck) against the
case's reporters just before it is sent: a reporter is never named; a notice that might name one is not sent.

At most once: the notice's row is claimed (and audited) in its own transaction before the platform is called, so
a second worker or a retry finds it and posts nothing. A failed notice is recorded with its reason and never undoes
the action, which is already in place.

The sweep (`sweep_notices`, run with the enforcement sweep) catches what a dead worker left:
- an applied action that should have a notice and has none (the worker died between recording the action and
  claiming its notice): claimed and posted then, but only for actions applied in the last `LOOK_BACK` while the
  policy in force asked for notices, so switching the setting on never reaches back to old cases;
- a notice claimed longer than a lease ago and never finished (the worker died during the platform call): where
  the platform can be asked (`Space.finds_notices`) it is looked up by the action's key and finished as found, or
  posted if it is not there; elsewhere it is marked unknown, never posted again (a platform post is not
  idempotent: twice is worse than once missing), and the stewards see it on the case and can post by hand.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.log import record
from enforcement.models import ActionStatus, EnforcementAction, NoticeStatus, PlatformNotice
from letters.leakcheck import leaked_kinds
from policy.models import PolicyVersion
from policy.services import current_policy
from spaces.base import ActionRequest, Op, Space, SpaceError, TemporaryFailure
from spaces.registry import platforms, space_for
from steward.failpoints import failpoint

logger = logging.getLogger("steward.enforcement")

# How far back the sweep looks for applied actions whose notice was never claimed. Long enough to outlast a worker
# outage of a day; short enough that switching `notify_on_platform` on never tells people about old decisions.
LOOK_BACK = timedelta(days=2)
# The request parameter that carries the notice into an action that sends it itself (`Space.notice_in_action`).
NOTICE_PARAM = "notice"
# What the action's recorded state says about a notice that travelled with the action (set by the space).
SENT_WITH_ACTION = "notice_sent"


def _what_was_done(op: str) -> str:
    return {
        Op.LOCK_THREAD: _("The community's stewards locked this conversation."),
        Op.HIDE_CONTENT: _("The community's stewards hid a comment in this conversation."),
        Op.DELETE_CONTENT: _("The community's stewards removed a comment from this conversation."),
        Op.TIMEOUT: _("The community's stewards have timed you out: you may read, but not post, for now."),
        Op.SILENCE: _("The community's stewards have silenced you on the forum: you may read, but not post, for now."),
        Op.SUSPEND: _("The community's stewards have suspended your account on the forum for now."),
    }.get(Op(op), _("The community's stewards took a moderation action here."))


def _what_was_done_to_you(op: str) -> str:
    """For a private message to the author, where "this conversation" would point nowhere."""
    return {
        Op.HIDE_CONTENT: _("The community's stewards hid something you wrote."),
        Op.DELETE_CONTENT: _("The community's stewards removed something you wrote."),
        # A mute told in a direct message (Matrix): not "on the forum", where the person was not.
        Op.SILENCE: _("The community's stewards have muted you: you may read, but not post, for now."),
    }.get(Op(op), _what_was_done(op))


def notice_text(action: EnforcementAction, language: str, *, private: bool = False) -> str:
    """The notice in `language`: what was done, the stewards' reason, and where to ask. Nothing about who reported.
    `private`: the notice goes to the author alone (a direct or private message), not to the conversation."""
    policy = current_policy()
    with translation.override(language):
        lines = [_what_was_done_to_you(action.op) if private else _what_was_done(action.op)]
        if action.reason.strip():
            lines.append(_("Reason: %(reason)s") % {"reason": action.reason.strip()})
        lines.append(_("Questions about this decision: %(contact)s") % {"contact": policy.stewards_contact})
        return "\n\n".join(lines)


def _language() -> str:
    return (current_policy().languages or ("en",))[0]


def _text_for(action: EnforcementAction, space: Space, language: str) -> str:
    return notice_text(action, language, private=action.op in space.notifies_privately)


def _finish(notice: PlatformNotice, status: str, *, ref: str = "", error: str = "", found: bool = False) -> None:
    with transaction.atomic():
        notice.status, notice.external_ref, notice.error = status, ref[:200], error[:500]
        notice.posted_at = timezone.now() if status == NoticeStatus.POSTED else None
        notice.save(update_fields=["status", "external_ref", "error", "posted_at"])
        if status == NoticeStatus.POSTED:
            words = "found posted after an interruption" if found else "posted"
        else:
            words = f"{'perhaps posted' if status == NoticeStatus.UNKNOWN else 'not posted'}: {error}"
        record(
            f"enforcement.notice.{status}",
            f"Action #{notice.action_id}: the notice on the platform was {words}",
            case_id=notice.action.plan.case_id,
            data={"action": notice.action_id},
        )


def _withheld(notice: PlatformNotice, action: EnforcementAction, text: str) -> bool:
    """Whether the leak check stops this text (the notice then records why, and is never sent)."""
    leaking = leaked_kinds(action.plan.case, text)
    if leaking:
        _finish(notice, NoticeStatus.FAILED, error=f"Not sent: it may identify a reporter ({', '.join(leaking)}).")
    return bool(leaking)


def _claim(action: EnforcementAction) -> PlatformNotice | None:
    with transaction.atomic():
        notice, created = PlatformNotice.objects.get_or_create(action=action, defaults={"language": _language()})
    return notice if created else None


def notify_applied(action_id: int) -> str:
    """Post the notice of one applied action, if the policy and its space call for one. Safe to call any number of times."""
    if not current_policy().enforcement.notify_on_platform:
        return "off"
    action = EnforcementAction.objects.select_related("plan__case", "connection").get(pk=action_id)
    space = space_for(action.connection)
    if action.op in space.notice_in_action:
        return _record_sent_with_action(action, space)
    if action.op not in space.notifies:
        return "not offered"
    notice = _claim(action)
    if notice is None:
        return "already"
    failpoint("enforcement.notice.claimed")
    return _post(notice, action, space)


def _post(notice: PlatformNotice, action: EnforcementAction, space: Space) -> str:
    text = _text_for(action, space, notice.language or _language())
    if _withheld(notice, action, text):
        return "withheld"
    from enforcement.executor import request_for

    try:
        ref = space.post_moderation_notice(request_for(action), action.state, text)
    except SpaceError as failure:
        _finish(notice, NoticeStatus.FAILED, error=failure.message)
        return "failed"
    except Exception as failure:  # a bug must not undo or retry the action, which is in place: recorded, logged
        logger.exception("enforcement action %s: the platform notice failed", action.pk)
        _finish(notice, NoticeStatus.FAILED, error=f"Unexpected error: {type(failure).__name__}")
        return "failed"
    failpoint("enforcement.notice.posted")
    _finish(notice, NoticeStatus.POSTED, ref=ref)
    return "posted"


# --- A notice that travels with the action (Discourse's silence and suspension message) ---------------------


def attach_notice(action: EnforcementAction, space: Space, request: ActionRequest) -> ActionRequest:
    """The request with the notice in its parameters, where the action itself carries a message to the person and
    the policy asks for notices. A text that may identify a reporter is not attached (`notify_applied` records it)."""
    if action.op not in space.notice_in_action or not current_policy().enforcement.notify_on_platform:
        return request
    text = _text_for(action, space, _language())
    if leaked_kinds(action.plan.case, text):
        return request
    return replace(request, params={**request.params, NOTICE_PARAM: text})


def _record_sent_with_action(action: EnforcementAction, space: Space) -> str:
    """The notice row of an action that carried its own notice: what the space said it did with it."""
    notice = _claim(action)
    if notice is None:
        return "already"
    if _withheld(notice, action, _text_for(action, space, notice.language or _language())):
        return "withheld"
    sent = action.state.get(SENT_WITH_ACTION)
    if sent is True:
        _finish(notice, NoticeStatus.POSTED, ref=f"with the {action.op} ({space.title} sends it to the person)")
        return "posted"
    if sent is False:
        _finish(notice, NoticeStatus.FAILED, error=f"{space.title} did not send it: the action was already in place.")
        return "failed"
    _finish(
        notice,
        NoticeStatus.UNKNOWN,
        error=f"The action was found in place after an interruption: Steward cannot tell whether {space.title} sent the message with it.",
    )
    return "unknown"


# --- The sweep --------------------------------------------------------------------------------------------------


def notices_were_on(at: datetime) -> bool:
    """Whether the policy in force at `at` asked for notices: the latest version loaded by then and in force that day."""
    row = (
        PolicyVersion.objects.filter(effective_from__lte=timezone.localdate(at), loaded_at__lte=at)
        .order_by("-effective_from", "-id")
        .first()
    )
    return row is not None and row.policy.enforcement.notify_on_platform


def _noticed() -> Q:
    """Actions whose space tells people why after them: each platform's own operations, nothing else."""
    wanted = Q(pk__in=[])
    for platform, space in platforms().items():
        ops = [str(op) for op in (*space.notifies, *space.notice_in_action)]
        if ops:
            wanted |= Q(connection__platform=platform, op__in=ops)
    return wanted


def sweep_notices(now: datetime | None = None) -> dict[str, int]:
    """Post the notices a dead worker never claimed; settle the ones it claimed and never finished."""
    from enforcement.executor import lease

    now = now or timezone.now()
    counts = {"notices_posted": 0, "notices_settled": 0}
    if current_policy().enforcement.notify_on_platform:
        missed = EnforcementAction.objects.filter(
            _noticed(), status=ActionStatus.APPLIED, applied_at__gte=now - LOOK_BACK, platform_notice__isnull=True
        )
        for action_id, applied_at in missed.values_list("pk", "applied_at"):
            if applied_at is not None and notices_were_on(applied_at):
                counts["notices_posted"] += notify_applied(action_id) == "posted"
    stale = PlatformNotice.objects.filter(status=NoticeStatus.CLAIMED, claimed_at__lte=now - lease())
    for notice_id in stale.values_list("pk", flat=True):
        counts["notices_settled"] += settle_interrupted(notice_id, now) not in ("not due", "later")
    return counts


def _take_over(notice_id: int, now: datetime) -> PlatformNotice | None:
    """The claimed notice whose lease ran out, claimed afresh by this run (None: finished or taken meanwhile)."""
    from enforcement.executor import lease

    with transaction.atomic():
        notice = (
            PlatformNotice.objects.select_for_update(of=("self",))
            .select_related("action__plan__case", "action__connection")
            .filter(pk=notice_id, status=NoticeStatus.CLAIMED, claimed_at__lte=now - lease())
            .first()
        )
        if notice is None:
            return None
        notice.claimed_at = timezone.now()
        notice.save(update_fields=["claimed_at"])
    return notice


def settle_interrupted(notice_id: int, now: datetime | None = None) -> str:
    """Finish a notice whose worker died while posting it: found, posted (where the platform tells), or unknown."""
    from enforcement.executor import request_for

    notice = _take_over(notice_id, now or timezone.now())
    if notice is None:
        return "not due"
    action = notice.action
    space = space_for(action.connection)
    if not space.finds_notices:
        _finish(
            notice,
            NoticeStatus.UNKNOWN,
            error=(
                f"The worker posting it stopped mid-way, and {space.title} cannot be asked whether it arrived: Steward does not "
                "post it twice. Look on the platform, and tell the person by hand if it is not there."
            ),
        )
        return "unknown"
    try:
        found = space.find_moderation_notice(request_for(action), action.state)
    except TemporaryFailure as failure:
        logger.warning("notice %s: could not look it up on the platform: %s", notice_id, failure.message)
        return "later"  # still claimed; its new lease runs out and the next sweep asks again
    except SpaceError as failure:
        _finish(notice, NoticeStatus.UNKNOWN, error=f"The worker posting it stopped mid-way; looking it up failed: {failure.message}")
        return "unknown"
    if found:
        _finish(notice, NoticeStatus.POSTED, ref=found, found=True)
        return "found"
    return _post(notice, action, space)
