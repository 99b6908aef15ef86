"""The durable executor: each action applied (and later lifted) exactly once, whatever crashes in between.

One run of `run_action(id)`:
1. claim — in a transaction, lock the row; take it only if it is waiting and due, or if it is claimed by a
   worker whose lease has run out (that worker died). Mark it running with a new lease. Commit.
2. call — outside any transaction (a platform call must never hold a database lock). A run that took over an
   expired lease first asks the platform whether the effect already holds (`verify`): if the dead worker's
   call went through, it is recorded as done and not sent again.
3. record — in a transaction, only if the claim is still ours: the result, a Receipt, an audit event, and
   whatever comes next (the reversal at the end time, the plan's state). Commit.
Before 2, the identity check runs on what the platform will be given (letters.leakcheck): a reason that may
identify a reporter is never sent; applying stops as failed (the steward edits the reason and retries), lifting
goes ahead without the reason.
A crash before 3 leaves a lease to expire; a crash after 3 leaves nothing undone (the sweep re-derives
anything that was to be enqueued on commit). Temporary failures go back to waiting with back-off; permanent
ones stop with the platform's reason on the case.
"""

import logging
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.log import record
from enforcement import shared_bans
from enforcement.models import CLAIMED, WAITING, ActionStatus, EnforcementAction, Phase, Receipt
from enforcement.plans import platform_text
from letters.leakcheck import leaked_kinds
from spaces.base import ActionRequest, Check, Op, Outcome, PermanentFailure, TemporaryFailure, Verdict
from spaces.registry import space_for
from steward.failpoints import failpoint
from steward.times import when

logger = logging.getLogger("steward.enforcement")

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)

# The state each phase moves through: waiting → claimed → done (or failed).
STEPS = {
    Phase.APPLY: (ActionStatus.QUEUED, ActionStatus.RUNNING, ActionStatus.APPLIED, ActionStatus.FAILED),
    Phase.REVERT: (ActionStatus.REVERT_QUEUED, ActionStatus.REVERTING, ActionStatus.REVERTED, ActionStatus.REVERT_FAILED),
}


def lease() -> timedelta:
    return timedelta(seconds=settings.STEWARD_ENFORCEMENT_LEASE_SECONDS)


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential with jitter, never sooner than the platform asked."""
    wait = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)
    wait = wait * random.uniform(0.8, 1.2)  # noqa: S311  (spreading retries, not security)
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    return wait


def request_for(action: EnforcementAction) -> ActionRequest:
    return ActionRequest(
        key=action.key,
        op=Op(action.op),
        subject=action.subject,
        reason=action.reason,
        params=action.params,
        ends_at=action.plan.sanction.ends_at if action.plan.sanction else None,
    )


@dataclass(frozen=True)
class Claim:
    action_id: int
    phase: Phase
    attempt: int
    recovering: bool
    # The lease this claim took: what tells it from a later claim of the same phase and attempt number (the
    # attempts restart at 0 when a steward retries a failed action, so the number alone can repeat).
    lease_until: datetime


def claim(action_id: int) -> Claim | None:
    now = timezone.now()
    with transaction.atomic():
        action = EnforcementAction.objects.select_for_update(of=("self",)).select_related("plan").filter(pk=action_id).first()
        if action is None:
            return None
        phase = Phase.APPLY if action.status in (ActionStatus.QUEUED, ActionStatus.RUNNING) else Phase.REVERT
        if action.status in WAITING:
            if action.next_attempt_at is not None and action.next_attempt_at > now:
                return None
            if phase == Phase.APPLY and not action.plan.may_apply:
                return None  # the plan waits (for approval, or for the person to be told first)
            recovering = False
        elif action.status in CLAIMED and action.lease_until is not None and action.lease_until <= now:
            recovering = True  # its worker died mid-call
        else:
            return None
        action.status = STEPS[phase][1]
        action.lease_until = now + lease()
        action.attempts += 1
        action.save(update_fields=["status", "lease_until", "attempts"])
    return Claim(action.pk, phase, action.attempts, recovering, action.lease_until)


def run_action(action_id: int) -> str:
    """One step of one action; safe to call any number of times, from any number of workers."""
    taken = claim(action_id)
    if taken is None:
        return "nothing to do"
    failpoint("enforcement.claimed")
    action = EnforcementAction.objects.select_related("plan__case", "plan__sanction", "connection").get(pk=action_id)
    request = request_for(action)
    if taken.recovering:
        recovered = _recovered(taken, action, request)
        if recovered is not None:
            return recovered
    if taken.phase == Phase.APPLY:
        request, refused = shared_bans.for_platform(request)  # a shared ban: the policy's public reason, if allowed at all
        if refused:
            return fail(taken, refused)
    leaking = leaked_kinds(action.plan.case, platform_text(request.reason, request.params))
    if leaking and taken.phase == Phase.APPLY:
        return fail(taken, refusal(leaking))
    if leaking:
        request = withhold_reason(action, request, leaking)
    try:
        space = space_for(action.connection)
        if not action.connection.enabled:
            raise PermanentFailure(f"The space {action.connection.title} is switched off.")
        if taken.phase == Phase.APPLY:
            from enforcement.platform_notices import attach_notice

            request = attach_notice(action, space, request)  # where the action itself tells the person why
        outcome = space.apply(request) if taken.phase == Phase.APPLY else space.revert(request, action.state)
    except TemporaryFailure as error:
        return retry(taken, error.message, error.retry_after)
    except PermanentFailure as error:
        return fail(taken, error.message)
    except Exception as error:  # a bug or an unforeseen library error: retried, but never silently
        logger.exception("enforcement action %s: unexpected error", action_id)
        return retry(taken, f"Unexpected error: {type(error).__name__}", None)
    failpoint("enforcement.called")
    result = finish(taken, outcome)
    failpoint("enforcement.recorded")
    if result == "done" and taken.phase == Phase.APPLY:
        from enforcement.platform_notices import notify_applied

        notify_applied(action_id)  # after the action is recorded: a failed notice never undoes it
    return result


def _recovered(taken: Claim, action: EnforcementAction, request: ActionRequest) -> str | None:
    """A step whose worker died mid-call may have taken effect. Asked first, before any refusal (the policy no longer
    allowing a shared ban, a reason that might identify a reporter): a refusal cannot take back what the platform
    already holds, and only an action recorded as applied is ever lifted. None: not in place, go on as usual."""
    if not action.connection.enabled:
        return None  # nothing is read from a space switched off; the usual path says so
    try:
        check = space_for(action.connection).verify(request, action.state)
    except TemporaryFailure as error:
        return retry(taken, error.message, error.retry_after)
    except Exception:  # noqa: BLE001 - cannot tell: the usual path decides (apply and revert are idempotent)
        return None
    if check.verdict == (Verdict.HOLDS if taken.phase == Phase.APPLY else Verdict.ABSENT):
        return finish(taken, Outcome(detail=check.detail, state=action.state), recovered=True)
    return None


def refusal(kinds: list[str]) -> str:
    """Why an action was not sent: the kinds found only (this reaches the receipts and the case page, never the text)."""
    return (
        f"Not sent to the platform: its reason or text may identify a reporter ({', '.join(kinds)}). "
        "Edit the reason (or remove the action and add it with other text), then try again."
    )


def withhold_reason(action: EnforcementAction, request: ActionRequest, kinds: list[str]) -> ActionRequest:
    """Lifting a sanction must not wait on a reason: it goes to the platform without one (a neutral default)."""
    with transaction.atomic():
        record(
            "enforcement.reason.withheld",
            f"Action #{action.pk}: lifted without its reason, which may identify a reporter",
            case_id=action.plan.case_id,
            data={"action": action.pk, "kinds": kinds},
        )
    return replace(request, reason="")


def _still_ours(taken: Claim) -> EnforcementAction | None:
    """The row, locked, if no other worker took the action over since our claim (our lease ran out)."""
    action = (
        EnforcementAction.objects.select_for_update(of=("self",)).select_related("plan__sanction", "connection").get(pk=taken.action_id)
    )
    if action.status != STEPS[taken.phase][1] or action.attempts != taken.attempt or action.lease_until != taken.lease_until:
        logger.warning("enforcement action %s: claim lost to another worker; result not recorded twice", taken.action_id)
        return None
    return action


def finish(taken: Claim, outcome: Outcome, recovered: bool = False) -> str:
    from enforcement.schedule import after_applied, after_reverted

    with transaction.atomic():
        action = _still_ours(taken)
        if action is None:
            return "claim lost"
        now = timezone.now()
        action.status = STEPS[taken.phase][2]
        action.lease_until = None
        action.last_error = ""
        action.attempts = 0
        action.next_attempt_at = None
        if taken.phase == Phase.APPLY:
            action.applied_at = now
            action.verified_at = now
            action.state = dict(outcome.state)
            action.external_ref = outcome.external_ref[:200]
            action.native_expiry = outcome.native_expiry
        else:
            action.reverted_at = now
        action.save()
        _receipt(action, taken, True, outcome.detail, recovered)
        if taken.phase == Phase.APPLY:
            after_applied(action)
        else:
            after_reverted(action)
    return "done"


def retry(taken: Claim, message: str, retry_after: float | None) -> str:
    with transaction.atomic():
        action = _still_ours(taken)
        if action is None:
            return "claim lost"
        if taken.attempt >= MAX_ATTEMPTS:
            return _stop(action, taken, f"{message} (gave up after {taken.attempt} attempts)")
        action.status = STEPS[taken.phase][0]
        action.lease_until = None
        action.last_error = message[:500]
        action.next_attempt_at = timezone.now() + backoff(taken.attempt, retry_after)
        action.save(update_fields=["status", "lease_until", "last_error", "next_attempt_at"])
        _receipt(action, taken, False, f"{message} — will try again at {when(action.next_attempt_at)}", False)
        from enforcement.schedule import enqueue_action

        enqueue_action(action.pk, at=action.next_attempt_at)
    return "retry"


def fail(taken: Claim, message: str) -> str:
    with transaction.atomic():
        action = _still_ours(taken)
        if action is None:
            return "claim lost"
        return _stop(action, taken, message)


def _stop(action: EnforcementAction, taken: Claim, message: str) -> str:
    from enforcement.schedule import refresh_plan

    action.status = STEPS[taken.phase][3]
    action.lease_until = None
    action.last_error = message[:500]
    action.next_attempt_at = None
    action.save(update_fields=["status", "lease_until", "last_error", "next_attempt_at"])
    _receipt(action, taken, False, message, False)
    refresh_plan(action.plan)
    return "failed"


def _receipt(action: EnforcementAction, taken: Claim, ok: bool, detail: str, recovered: bool) -> None:
    Receipt.objects.create(action=action, phase=taken.phase, ok=ok, detail=detail, attempt=taken.attempt, recovered=recovered)
    verb = {Phase.APPLY: "applied", Phase.REVERT: "lifted"}[taken.phase] if ok else f"{taken.phase} failed"
    record(
        f"enforcement.{taken.phase}.{'ok' if ok else 'failed'}",
        f"Action #{action.pk} ({action.connection.platform} {action.op}) {verb}"
        + (" (found done after an interruption)" if recovered else ""),
        case_id=action.plan.case_id,
        data={"action": action.pk, "attempt": taken.attempt, "ok": ok},
    )


def verify_action(action_id: int) -> Check | None:
    """Drift check of one applied action: does it still hold on the platform? Flags it when undone by hand."""
    from enforcement.schedule import flag_drift

    action = EnforcementAction.objects.select_related("plan__sanction", "connection").get(pk=action_id)
    if action.status != ActionStatus.APPLIED:
        return None
    try:
        check = space_for(action.connection).verify(request_for(action), action.state)
    except (TemporaryFailure, PermanentFailure) as error:
        logger.warning("enforcement action %s: drift check could not run: %s", action_id, error.message)
        return None
    with transaction.atomic():
        action = EnforcementAction.objects.select_for_update().get(pk=action_id)
        if action.status != ActionStatus.APPLIED:
            return check
        action.verified_at = timezone.now()
        action.save(update_fields=["verified_at"])
        if check.verdict == Verdict.ABSENT and action.drifted_at is None:
            flag_drift(action, check.detail)
    return check
