"""What happens around the executor: queueing, the end time, drift, check-ins, and the sweep that catches all.

Everything time-based is a row with a due time (an action's `next_attempt_at` and `revert_at`, a plan's
`check_in_at` and `end_reminder_at`), with a deferred task as the fast path and the sweep as the safety
net: a lost task, a crash between commit and enqueue, or a worker that was down at the time only delays
things until the next sweep.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.log import record
from cases.models import Approval, Audience, Message
from decisions.models import SanctionStatus
from enforcement import notices
from enforcement.models import (
    CLAIMED,
    WAITING,
    ActionStatus,
    EnforcementAction,
    Notice,
    Phase,
    Plan,
    PlanStatus,
    Receipt,
)
from letters.models import MailStatus
from people.access import active_stewards
from policy.schema import Policy
from policy.services import current_policy
from steward.once import exclusive

SWEEP_EVERY = timedelta(minutes=5)


def describe_op(action: EnforcementAction) -> str:
    from enforcement.plans import capability_of

    capability = capability_of(action)
    return capability.label if capability is not None else action.op


FINAL = (ActionStatus.REVERTED, ActionStatus.EXPIRED, ActionStatus.FAILED, ActionStatus.REVERT_FAILED, ActionStatus.CANCELLED)


def _tasks() -> Any:
    from enforcement import tasks

    return tasks


def enqueue_action(action_id: int, at: datetime | None = None) -> None:
    """Run the action's next step once the current transaction commits (at `at`, when given)."""

    def enqueue() -> None:
        task = _tasks().run_enforcement_action
        if at is not None and task.get_backend().supports_defer and at > timezone.now():
            task.using(run_after=at).enqueue(action_id)
        else:
            task.enqueue(action_id)

    transaction.on_commit(enqueue, robust=True)


def enqueue_end(action: EnforcementAction) -> None:
    if action.revert_at is None:
        return
    action_id, at = action.pk, action.revert_at

    def enqueue() -> None:
        task = _tasks().end_enforcement_action
        if task.get_backend().supports_defer and at > timezone.now():
            task.using(run_after=at).enqueue(action_id)
        else:
            task.enqueue(action_id)

    transaction.on_commit(enqueue, robust=True)


def release(plan: Plan) -> int:
    """Enqueue every waiting action of a plan that may now apply (approved, and the person told first)."""
    if not plan.may_apply:
        return 0
    ids = list(plan.actions.filter(status__in=WAITING).values_list("pk", flat=True))
    for action_id in ids:
        enqueue_action(action_id)
    return len(ids)


# --- After each step ----------------------------------------------------------------------------


def after_applied(action: EnforcementAction) -> None:
    plan = action.plan
    lifted = plan.sanction is not None and plan.sanction.status != SanctionStatus.ACTIVE
    if plan.status in (PlanStatus.ENDED, PlanStatus.CANCELLED) or lifted:
        # Lifted (or rescinded on appeal) while this action was being applied: undo it straight away.
        action.revert_at = timezone.now()
        action.save(update_fields=["revert_at"])
    enqueue_end(action)
    refresh_plan(plan)


def after_reverted(action: EnforcementAction) -> None:
    refresh_plan(action.plan)


def refresh_plan(plan: Plan) -> None:
    """Move the plan along once its actions settle: approved → active (check-in set), active → ended."""
    plan = Plan.objects.select_for_update(of=("self",)).select_related("sanction", "decision__policy_version").get(pk=plan.pk)
    live = plan.actions.exclude(status=ActionStatus.CANCELLED)
    if live.filter(status__in=[*WAITING, *CLAIMED]).exists():
        return
    now = timezone.now()
    settings = policy_of(plan).enforcement
    if plan.status == PlanStatus.APPROVED:
        plan.status = PlanStatus.ACTIVE
        if plan.sanction is not None:  # a one-off moderation of content has no check-in and no end
            plan.check_in_at = now + timedelta(days=settings.check_in_days)
        ends = plan.sanction.ends_at if plan.sanction is not None else None
        if ends is not None and live.filter(status=ActionStatus.APPLIED).exists():
            plan.end_reminder_at = max(now, ends - timedelta(days=settings.remind_before_end_days))
        plan.save(update_fields=["status", "check_in_at", "end_reminder_at"])
        record("enforcement.plan.active", f"Enforcement plan #{plan.pk} in force", case_id=plan.case_id, data={"plan": plan.pk})
        _schedule_plan_clocks(plan)
    if plan.sanction is None:
        return  # a moderation of content stays: there is nothing to end
    sanction = plan.sanction
    if (
        plan.status == PlanStatus.ACTIVE
        and not live.filter(status=ActionStatus.APPLIED).exists()
        and live.exclude(status__in=FINAL).count() == 0
    ):
        ended = sanction.ends_at is not None and sanction.ends_at <= now
        if ended or sanction.status != SanctionStatus.ACTIVE:
            plan.status = PlanStatus.ENDED
            plan.save(update_fields=["status"])
            record(
                "enforcement.plan.ended",
                f"Enforcement plan #{plan.pk} ended: every action lifted",
                case_id=plan.case_id,
                data={"plan": plan.pk},
            )
            if ended and sanction.status == SanctionStatus.ACTIVE:
                sanction.status = SanctionStatus.LIFTED
                sanction.save(update_fields=["status"])
                record("sanction.lifted", f"Sanction #{sanction.pk} lifted at its end time", case_id=plan.case_id)


def policy_of(plan: Plan) -> Policy:
    """The policy the plan's decision was made under; for a moderation of content, the one in force."""
    return plan.decision.policy_version.policy if plan.decision is not None else current_policy()


def _schedule_plan_clocks(plan: Plan) -> None:
    plan_id = plan.pk
    for at, task_name in ((plan.check_in_at, "plan_check_in"), (plan.end_reminder_at, "plan_end_reminder")):
        if at is None:
            continue

        def enqueue(at: datetime = at, task_name: str = task_name) -> None:
            task = getattr(_tasks(), task_name)
            if task.get_backend().supports_defer and at > timezone.now():
                task.using(run_after=at).enqueue(plan_id)
            else:
                task.enqueue(plan_id)

        transaction.on_commit(enqueue, robust=True)


# --- The end time, drift, check-in --------------------------------------------------------------


def end_action(action_id: int) -> str:
    """At the end time: lift what Steward must lift; for what the platform lifts itself, check it did."""
    from enforcement.executor import request_for
    from spaces.base import PermanentFailure, TemporaryFailure, Verdict
    from spaces.registry import space_for

    now = timezone.now()
    action = EnforcementAction.objects.select_related("plan__sanction", "connection").get(pk=action_id)
    if action.status != ActionStatus.APPLIED or action.revert_at is None or action.revert_at > now:
        return "not due"
    expired = False
    if action.native_expiry:
        try:
            expired = space_for(action.connection).verify(request_for(action), action.state).verdict == Verdict.ABSENT
        except (TemporaryFailure, PermanentFailure):
            expired = False  # could not tell: lift it ourselves, which is idempotent
    with transaction.atomic():
        action = EnforcementAction.objects.select_for_update(of=("self",)).select_related("plan").get(pk=action_id)
        if action.status != ActionStatus.APPLIED:
            return "not due"
        if expired:
            action.status = ActionStatus.EXPIRED
            action.reverted_at = now
            action.save(update_fields=["status", "reverted_at"])
            Receipt.objects.create(action=action, phase=Phase.REVERT, ok=True, detail="Lifted by the platform itself at the end time.")
            record("enforcement.revert.ok", f"Action #{action.pk} lifted by the platform at its end time", case_id=action.plan.case_id)
            refresh_plan(action.plan)
            return "expired"
        action.status = ActionStatus.REVERT_QUEUED
        action.attempts = 0
        action.next_attempt_at = None
        action.save(update_fields=["status", "attempts", "next_attempt_at"])
        enqueue_action(action.pk)
    return "lifting"


def flag_drift(action: EnforcementAction, detail: str) -> None:
    """An applied action no longer holds: somebody undid it on the platform. Tell the stewards."""
    action.drifted_at = timezone.now()
    action.save(update_fields=["drifted_at"])
    Receipt.objects.create(action=action, phase=Phase.VERIFY, ok=False, detail=f"No longer in place: {detail}")
    case = action.plan.case
    what = f"An action ({describe_op(action)}) applied in {action.connection.title}"
    summary = f"Action #{action.pk} ({action.connection.platform} {action.op}) was undone outside Steward"
    record("enforcement.drift", summary, case_id=case.pk if case else None)
    if case is None:
        subject, lead = "A moderation of content was undone outside Steward", f"{what} no longer holds: someone undid it on the platform."
        notices.tell(None, f"drift:{action.pk}", subject, lead, recipients=active_stewards())
        return
    notices.tell(
        case,
        f"drift:{action.pk}",
        f"Case {case.code_name}: an enforcement action was undone outside Steward",
        f"{what} for case {case.code_name} no longer holds: "
        "someone undid it on the platform. Review it on the case page: re-apply it or record why it stays undone.",
        everyone=True,
    )


def check_in(plan_id: int) -> str:
    """A week after the actions were applied, the shepherd is asked to check in (REQUIREMENTS 8.7)."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update(of=("self",)).select_related("case").get(pk=plan_id)
        if plan.check_in_at is None or plan.checked_in_at is not None or plan.check_in_at > timezone.now():
            return "not due"
        plan.checked_in_at = timezone.now()
        plan.save(update_fields=["checked_in_at"])
        applied = list(plan.actions.filter(status=ActionStatus.APPLIED).values_list("pk", flat=True))
        transaction.on_commit(lambda: [_tasks().verify_enforcement_action.enqueue(pk) for pk in applied], robust=True)
        record("enforcement.plan.check_in", f"Enforcement plan #{plan.pk}: check-in due", case_id=plan.case_id)
        notices.tell(
            plan.on_case,
            f"check-in:{plan.pk}",
            f"Case {plan.on_case.code_name}: time to check in on the enforcement",
            f"The actions for case {plan.on_case.code_name} were applied a while ago. Please check in: are they holding, "
            "is the situation calmer, does anyone need to hear from the stewards? Steward is checking the actions on the platforms now.",
        )
    return "sent"


def end_reminder(plan_id: int) -> str:
    """Before a temporary sanction is lifted, the shepherd hears of it (REQUIREMENTS 8.3)."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update(of=("self",)).select_related("case", "sanction").get(pk=plan_id)
        if plan.end_reminder_at is None or plan.end_reminded_at is not None or plan.end_reminder_at > timezone.now():
            return "not due"
        if plan.status != PlanStatus.ACTIVE:
            return "not active"
        plan.end_reminded_at = timezone.now()
        plan.save(update_fields=["end_reminded_at"])
        ends = timezone.localtime(plan.sanctioned.ends_at).strftime("%Y-%m-%d %H:%M %Z") if plan.sanctioned.ends_at else ""
        record("enforcement.plan.end_reminder", f"Enforcement plan #{plan.pk}: end reminder sent", case_id=plan.case_id)
        notices.tell(
            plan.on_case,
            f"end:{plan.pk}",
            f"Case {plan.on_case.code_name}: a temporary sanction ends on {ends}",
            f"The temporary sanction of case {plan.on_case.code_name} ends on {ends}. Steward will lift its actions on the platforms "
            "then. If it should not end (for example after a new incident), act on the case before that time.",
        )
    return "sent"


# --- Telling the person first -------------------------------------------------------------------


def letter_sent(plan: Plan) -> bool:
    """Whether the reported person has been sent a message since the decision (the rollout's first step)."""
    messages = Message.objects.filter(
        case_id=plan.on_case.pk,
        audience=Audience.REPORTED,
        party__person_id=plan.sanctioned.person_id,
        created_at__gte=plan.sanctioned.decision.decided_at,
        approval__in=[Approval.NOT_NEEDED, Approval.APPROVED],
    )
    for message in messages:
        mails = list(message.outgoing_mails.all())
        if not mails or any(mail.status == MailStatus.SENT for mail in mails):
            return True
    return False


def detect_notice(plan: Plan) -> bool:
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        if plan.notice != Notice.PENDING or not letter_sent(plan):
            return False
        plan.notice = Notice.SENT
        plan.save(update_fields=["notice"])
        record("enforcement.plan.notified", f"Enforcement plan #{plan.pk}: the person was sent the decision", case_id=plan.case_id)
        release(plan)
    return True


# --- The sweep ----------------------------------------------------------------------------------


@exclusive("enforcement.sweep", busy=lambda: {"already_running": 1})
def sweep(now: datetime | None = None) -> dict[str, int]:
    """Find everything that is due, whatever happened to its task. Idempotent; cheap when nothing is due."""
    from enforcement.executor import run_action, verify_action

    now = now or timezone.now()
    counts = {"notified": 0, "run": 0, "ended": 0, "verified": 0, "check_ins": 0, "reminders": 0, "mail": 0}
    for plan in Plan.objects.filter(status__in=[PlanStatus.APPROVED, PlanStatus.ACTIVE], notice=Notice.PENDING, notify_first=True):
        counts["notified"] += detect_notice(plan)
    due = Q(status__in=WAITING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    stale = Q(status__in=CLAIMED, lease_until__lte=now)
    for action_id in EnforcementAction.objects.filter(due | stale).values_list("pk", flat=True):
        counts["run"] += run_action(action_id) not in ("nothing to do",)
    for action_id in EnforcementAction.objects.filter(status=ActionStatus.APPLIED, revert_at__lte=now).values_list("pk", flat=True):
        counts["ended"] += end_action(action_id) != "not due"
    for action in EnforcementAction.objects.filter(status=ActionStatus.APPLIED, drifted_at__isnull=True).select_related(
        "plan__decision__policy_version"
    ):
        hours = policy_of(action.plan).enforcement.drift_check_hours
        if action.verified_at is None or action.verified_at <= now - timedelta(hours=hours):
            counts["verified"] += verify_action(action.pk) is not None
    for plan_id in Plan.objects.filter(check_in_at__lte=now, checked_in_at__isnull=True).values_list("pk", flat=True):
        counts["check_ins"] += check_in(plan_id) == "sent"
    for plan_id in Plan.objects.filter(end_reminder_at__lte=now, end_reminded_at__isnull=True).values_list("pk", flat=True):
        counts["reminders"] += end_reminder(plan_id) == "sent"
    counts["mail"] = notices.retry_undelivered()
    from enforcement.platform_notices import sweep_notices

    counts |= sweep_notices(now)  # notices on the platforms a dead worker missed or left half-done
    return counts
