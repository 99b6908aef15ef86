"""Every change stewards make to enforcement: review and approve a plan, adjust its actions, record the notice,
retry what failed, deal with drift. Each validates, writes, audits in one transaction, and queues work on commit.
Views reach a plan only through a case the access layer already gave them (`plan_of`)."""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from cases.models import Case
from decisions.models import Sanction, SanctionStatus
from enforcement import shared_bans
from enforcement.models import CLAIMED, WAITING, ActionStatus, EnforcementAction, Notice, Phase, Plan, PlanStatus, Receipt
from enforcement.plans import POSITION, build_plan, platform_text, revert_time, space_class
from enforcement.schedule import detect_notice, enqueue_action, refresh_plan, release
from enforcement.tasks import ensure_enforcement_sweep
from letters.leakcheck import assert_no_leak
from people.models import Identity
from spaces.base import Target
from spaces.models import SpaceConnection

OPEN_PLAN = (PlanStatus.DRAFT, PlanStatus.APPROVED, PlanStatus.ACTIVE)
# What stewards may do to an action in each status; the case page asks the same questions.
REMOVABLE = (ActionStatus.PLANNED, ActionStatus.QUEUED, ActionStatus.FAILED)
# A failed action is not applied: its reason can be corrected (after the identity check refused it, say) and retried.
REASON_EDITABLE = (ActionStatus.PLANNED, ActionStatus.QUEUED, ActionStatus.FAILED)


def is_drifted(action: EnforcementAction) -> bool:
    return action.status == ActionStatus.APPLIED and action.drifted_at is not None


def plan_of(case: Case, plan_id: Any) -> Plan:
    try:
        return (
            Plan.objects.select_for_update(of=("self",))
            .select_related("sanction", "decision__policy_version")
            .get(pk=int(plan_id), case=case)
        )
    except (Plan.DoesNotExist, TypeError, ValueError):
        raise ValidationError(_("There is no such enforcement plan on this case.")) from None


def action_of(case: Case, action_id: Any) -> EnforcementAction:
    try:
        return (
            EnforcementAction.objects.select_for_update(of=("self",))
            .select_related("plan__sanction", "connection")
            .get(pk=int(action_id), plan__case=case)
        )
    except (EnforcementAction.DoesNotExist, TypeError, ValueError):
        raise ValidationError(_("There is no such action on this case.")) from None


def plan_for_sanction(sanction: Sanction) -> Plan:
    """Written with the sanction (enforcement.signals): the decision's durable outbox."""
    plan = build_plan(sanction)
    record(
        "enforcement.plan.drafted",
        f"Enforcement plan #{plan.pk} drafted with {plan.actions.count()} action(s)",
        case_id=plan.case_id,
        data={"plan": plan.pk, "sanction": sanction.pk},
    )
    return plan


@transaction.atomic
def do_approve_plan(steward: Any, case: Case, plan_id: Any) -> Plan:
    plan = plan_of(case, plan_id)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("This plan has already been approved or closed."))
    if plan.sanctioned.status != SanctionStatus.ACTIVE:
        raise ValidationError(_("The sanction is no longer in force; there is nothing to apply."))
    plan.status = PlanStatus.APPROVED
    plan.approved_by = steward
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    plan.actions.filter(status=ActionStatus.PLANNED).update(status=ActionStatus.QUEUED)
    record("enforcement.plan.approved", f"Enforcement plan #{plan.pk} approved", actor=steward, case_id=case.pk, data={"plan": plan.pk})
    if plan.notify_first and plan.notice == Notice.PENDING:
        detect_notice(plan)  # the decision letter may already have gone out
        plan.refresh_from_db()
    if not release(plan):
        refresh_plan(plan)  # nothing to run (or waiting for the notice): an empty plan is in force at once
    transaction.on_commit(ensure_enforcement_sweep, robust=True)  # the drift checks and the end times need it waiting
    return plan


@transaction.atomic
def do_record_notice(steward: Any, case: Case, plan_id: Any, how: str, note: str) -> Plan:
    """The person was told another way (a call, in person), or the stewards apply without notice (e.g. ongoing harm)."""
    plan = plan_of(case, plan_id)
    if how not in (Notice.RECORDED, Notice.WAIVED):
        raise ValidationError(_("Choose how the person was told, or that the actions go ahead without notice."))
    if not note.strip():
        raise ValidationError(_("Say how they were told, or why the actions cannot wait."))
    if plan.status not in OPEN_PLAN or plan.notice != Notice.PENDING:
        raise ValidationError(_("The notice for this plan is already recorded."))
    plan.notice = how
    plan.notice_note = note.strip()
    plan.save(update_fields=["notice", "notice_note"])
    record("enforcement.plan.notice", f"Enforcement plan #{plan.pk}: notice {how}", actor=steward, case_id=case.pk, data={"plan": plan.pk})
    release(plan)
    return plan


@dataclass
class NewAction:
    connection_id: int
    op: str
    subject: str = ""
    identity_id: int | None = None
    reason: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def check_platform_text(case: Case, text: str) -> None:
    """Platforms show what Steward sends them (Discourse shows the suspension reason to the person; a replaced
    comment is public): refuse text that may identify a reporter while the steward is still writing it."""
    assert_no_leak(case, text, _("This text goes to the platform and may identify the reporter; change it: %(findings)s"))


@transaction.atomic
def do_add_action(steward: Any, case: Case, plan_id: Any, new: NewAction) -> EnforcementAction:
    plan = plan_of(case, plan_id)
    if plan.status not in OPEN_PLAN:
        raise ValidationError(_("This plan is closed; actions can no longer be added."))
    connection = SpaceConnection.objects.filter(pk=new.connection_id, enabled=True).first()
    cls = space_class(connection) if connection is not None else None
    if connection is None or cls is None:
        raise ValidationError(_("Choose a space that is connected and switched on."))
    capability = next((item for item in cls.capabilities if item.op == new.op), None)
    if capability is None:
        raise ValidationError(_("%(space)s cannot do that.") % {"space": connection.title})
    if not shared_bans.offered(new.op):
        raise ValidationError(shared_bans.not_allowed())
    identity = None
    subject = new.subject.strip()
    if capability.target == Target.PERSON:
        identity = Identity.objects.filter(pk=new.identity_id or 0, person=plan.sanctioned.person, space=cls.acts_on()).first()
        if identity is None:
            raise ValidationError(_("Choose one of the sanctioned person's identities in %(space)s.") % {"space": connection.title})
        subject = identity.handle
    elif not subject:
        raise ValidationError(_("Give the link to the content or thread."))
    unknown = set(new.params) - set(capability.params)
    if unknown:
        raise ValidationError(_("Unknown settings for this action: %(names)s") % {"names": ", ".join(sorted(unknown))})
    action = EnforcementAction(
        plan=plan,
        connection=connection,
        identity=identity,
        op=new.op,
        subject=subject,
        # A shared ban carries the policy's public reason only, whatever the steward wrote (enforcement.shared_bans).
        reason=shared_bans.public_reason()
        if shared_bans.shares(new.op)
        else new.reason.strip() or plan.actions.values_list("reason", flat=True).first() or "",
        position=POSITION[capability.target],
        revert_at=revert_time(capability, plan.sanctioned),
        status=ActionStatus.PLANNED if plan.status == PlanStatus.DRAFT else ActionStatus.QUEUED,
        added_by=steward,
    )
    action.params = {key: value for key, value in new.params.items() if value not in ("", None)}
    check_platform_text(case, platform_text(action.reason, action.params))
    action.save()
    record(
        "enforcement.action.added",
        f"Action #{action.pk} ({connection.platform} {new.op}) added to plan #{plan.pk}",
        actor=steward,
        case_id=case.pk,
        data={"plan": plan.pk, "action": action.pk},
    )
    if plan.status in (PlanStatus.APPROVED, PlanStatus.ACTIVE):
        if plan.status == PlanStatus.ACTIVE:
            plan.status = PlanStatus.APPROVED  # back to applying until this one settles
            plan.save(update_fields=["status"])
        if plan.may_apply:
            enqueue_action(action.pk)
    return action


@transaction.atomic
def do_remove_action(steward: Any, case: Case, action_id: Any) -> EnforcementAction:
    action = action_of(case, action_id)
    if action.status not in REMOVABLE:
        raise ValidationError(_("Only an action that has not been applied can be removed; lift it instead."))
    action.status = ActionStatus.CANCELLED
    action.next_attempt_at = None
    action.save(update_fields=["status", "next_attempt_at"])
    record(
        "enforcement.action.removed",
        f"Action #{action.pk} removed from the plan",
        actor=steward,
        case_id=case.pk,
        data={"action": action.pk},
    )
    refresh_plan(action.plan)
    return action


@transaction.atomic
def do_edit_reason(steward: Any, case: Case, action_id: Any, reason: str) -> EnforcementAction:
    action = action_of(case, action_id)
    if action.status not in REASON_EDITABLE:
        raise ValidationError(_("The reason can only change before the action is applied."))
    if shared_bans.shares(action.op):
        raise ValidationError(_("A shared ban carries the policy's public reason (enforcement.shared_ban_reason), never the case's."))
    if not reason.strip():
        raise ValidationError(_("Give the reason the platform will record."))
    check_platform_text(case, reason)
    action.reason = reason.strip()
    action.save(update_fields=["reason"])
    record("enforcement.action.reason", f"Action #{action.pk}: reason changed", actor=steward, case_id=case.pk, data={"action": action.pk})
    return action


@transaction.atomic
def do_retry_action(steward: Any, case: Case, action_id: Any) -> EnforcementAction:
    """Try a failed action again (after fixing a permission, say), or re-apply one that was undone by hand."""
    action = action_of(case, action_id)
    if action.status == ActionStatus.FAILED or is_drifted(action):
        action.status = ActionStatus.QUEUED
    elif action.status == ActionStatus.REVERT_FAILED:
        action.status = ActionStatus.REVERT_QUEUED
    else:
        raise ValidationError(_("Only a failed action, or one undone outside Steward, can be tried again."))
    action.attempts = 0
    action.next_attempt_at = None
    action.drifted_at = None
    action.last_error = ""
    action.save(update_fields=["status", "attempts", "next_attempt_at", "drifted_at", "last_error"])
    plan = action.plan
    if action.status == ActionStatus.QUEUED and plan.status == PlanStatus.ACTIVE:
        plan.status = PlanStatus.APPROVED
        plan.save(update_fields=["status"])
    record("enforcement.action.retry", f"Action #{action.pk}: tried again", actor=steward, case_id=case.pk, data={"action": action.pk})
    enqueue_action(action.pk)
    return action


@transaction.atomic
def do_accept_drift(steward: Any, case: Case, action_id: Any, note: str) -> EnforcementAction:
    """The stewards agree the action stays undone (e.g. the person was unblocked for a good reason)."""
    action = action_of(case, action_id)
    if not is_drifted(action):
        raise ValidationError(_("Only an action undone outside Steward can be accepted as undone."))
    if not note.strip():
        raise ValidationError(_("Say why it stays undone."))
    action.status = ActionStatus.REVERTED
    action.reverted_at = timezone.now()
    action.save(update_fields=["status", "reverted_at"])
    Receipt.objects.create(action=action, phase=Phase.VERIFY, ok=True, detail=f"Accepted as undone: {note.strip()}")
    record(
        "enforcement.drift.accepted", f"Action #{action.pk}: accepted as undone", actor=steward, case_id=case.pk, data={"action": action.pk}
    )
    refresh_plan(action.plan)
    return action


@transaction.atomic
def do_cancel_plan(steward: Any, case: Case, plan_id: Any, note: str) -> Plan:
    """A draft plan the stewards decide not to carry out (the decision stands; nothing happens on the platforms)."""
    plan = plan_of(case, plan_id)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a plan that has not been approved can be cancelled."))
    if not note.strip():
        raise ValidationError(_("Say why the plan is not carried out."))
    plan.status = PlanStatus.CANCELLED
    plan.notice_note = note.strip()
    plan.save(update_fields=["status", "notice_note"])
    plan.actions.exclude(status=ActionStatus.CANCELLED).update(status=ActionStatus.CANCELLED)
    record("enforcement.plan.cancelled", f"Enforcement plan #{plan.pk} cancelled", actor=steward, case_id=case.pk, data={"plan": plan.pk})
    return plan


def lift_for_sanction(sanction: Sanction) -> int:
    """The sanction no longer stands (rescinded or changed on appeal): undo what was applied, stop what was not."""
    plan = Plan.objects.select_for_update().filter(sanction=sanction).first()
    if plan is None or plan.status in (PlanStatus.ENDED, PlanStatus.CANCELLED):
        return 0
    now = timezone.now()
    lifted = 0
    for action in plan.actions.select_for_update():
        if action.status == ActionStatus.APPLIED:
            action.status, action.revert_at, action.attempts, action.next_attempt_at = ActionStatus.REVERT_QUEUED, now, 0, None
            action.save(update_fields=["status", "revert_at", "attempts", "next_attempt_at"])
            enqueue_action(action.pk)
            lifted += 1
        elif action.status in (ActionStatus.PLANNED, *WAITING[:1], ActionStatus.FAILED):
            action.status = ActionStatus.CANCELLED
            action.save(update_fields=["status"])
        elif action.status in CLAIMED:
            pass  # being applied right now: after_applied sees the sanction gone and lifts it straight away
    if plan.status == PlanStatus.DRAFT:
        plan.status = PlanStatus.CANCELLED
        plan.save(update_fields=["status"])
    record("enforcement.plan.lifting", f"Enforcement plan #{plan.pk}: lifting, the sanction is {sanction.status}", case_id=plan.case_id)
    refresh_plan(plan)
    return lifted


@transaction.atomic
def do_moderate_content(
    steward: Any, connection: SpaceConnection, op: str, subject: str, reason: str, params: dict[str, Any] | None = None
) -> EnforcementAction:
    """Act on one piece of content outside any case (hide a comment a screening flag found, say): a plan of one
    action, approved by the steward who asks, applied at once by the executor and never lifted."""
    cls = space_class(connection) if connection.enabled else None
    capability = next((item for item in cls.capabilities if item.op == op), None) if cls is not None else None
    if capability is None or capability.target == Target.PERSON:
        raise ValidationError(_("%(space)s cannot do that to content.") % {"space": connection.title})
    if not subject.strip():
        raise ValidationError(_("Give the link to the content or thread."))
    if not reason.strip():
        raise ValidationError(_("Give the reason the platform will record."))
    params = {key: value for key, value in (params or {}).items() if value not in ("", None)}
    unknown = set(params) - set(capability.params)
    if unknown:
        raise ValidationError(_("Unknown settings for this action: %(names)s") % {"names": ", ".join(sorted(unknown))})
    plan = Plan.objects.create(status=PlanStatus.APPROVED, notify_first=False, approved_by=steward, approved_at=timezone.now())
    action = EnforcementAction(
        plan=plan,
        connection=connection,
        op=op,
        subject=subject.strip(),
        reason=reason.strip(),
        status=ActionStatus.QUEUED,
        added_by=steward,
    )
    action.params = params
    action.save()
    record(
        "enforcement.content.moderated",
        f"Action #{action.pk} ({connection.platform} {op}) on content, outside any case",
        actor=steward,
        data={"plan": plan.pk, "action": action.pk},
    )
    enqueue_action(action.pk)
    return action
