"""The enforcement section of the case page: each plan, its actions and their receipts, and the forms that
adjust them; plus the queue's flags for plans that need a steward.

`install()` is called from EnforcementConfig.ready. The panel's context runs after the case page has passed
access_case(Need.READ), which is what lets it show the handles and content links the actions are about;
forms only go to stewards who may WRITE. Which form shows mirrors the checks of enforcement.actions, which
stay the authority: a stale page posting a form that no longer applies gets the action's message.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.access import ALLOWED, Need, Standing
from cases.models import Case
from decisions.panel import outcome_title
from enforcement.actions import OPEN_PLAN, REASON_EDITABLE, REMOVABLE, is_drifted
from enforcement.forms import AcceptDriftForm, ActionForm, AddActionForm, CancelPlanForm, NoticeForm, PlanForm, ReasonForm, add_action_form
from enforcement.models import ActionStatus, EnforcementAction, Notice, Plan, PlanStatus, PlatformNotice, Receipt
from enforcement.plans import capability_of
from enforcement.shared_bans import shares
from spaces.base import Target

ANCHOR = "enforcement"
FAILED = (ActionStatus.FAILED, ActionStatus.REVERT_FAILED)
LIFTED = (ActionStatus.REVERTED, ActionStatus.EXPIRED)


@dataclass
class ActionView:
    action: EnforcementAction
    label: str
    link: str  # the content's web address, when the subject is one
    lifting: str  # "done", "stays", "platform" or "steward": how the template words the end
    waiting: str  # why a planned or queued action has not run yet, if it is waiting for a steward
    receipts: list[Receipt]
    drifted: bool
    failed: bool
    notice: PlatformNotice | None  # the notice on the platform telling people why, where one was claimed
    remove_form: ActionForm | None = None
    reason_form: ReasonForm | None = None
    retry_form: ActionForm | None = None
    drift_form: AcceptDriftForm | None = None

    @property
    def has_forms(self) -> bool:
        return any((self.remove_form, self.reason_form, self.retry_form, self.drift_form))


@dataclass
class PlanView:
    plan: Plan
    title: str
    actions: list[ActionView]
    approve_form: PlanForm | None = None
    cancel_form: CancelPlanForm | None = None
    notice_form: NoticeForm | None = None
    add_form: AddActionForm | None = None


def _lifting(action: EnforcementAction) -> str:
    if action.status in LIFTED:
        return "done"
    if action.revert_at is None:
        return "stays"
    capability = capability_of(action)
    if action.native_expiry or (capability is not None and capability.native_expiry is not None):
        return "platform"
    return "steward"


def _waiting(action: EnforcementAction, plan: Plan) -> str:
    if action.status not in (ActionStatus.PLANNED, ActionStatus.QUEUED):
        return ""
    if plan.status == PlanStatus.DRAFT:
        return _("Waits until a steward approves the plan.")
    if not plan.may_apply:
        return _("Waits until the person has been told.")
    return ""


def _link(action: EnforcementAction) -> str:
    capability = capability_of(action)
    person = capability is not None and capability.target == Target.PERSON
    # Only a web address becomes a link; a platform id or anything else stays text.
    return action.subject if not person and action.subject.startswith(("https://", "http://")) else ""


def _notice_of(action: EnforcementAction) -> PlatformNotice | None:
    try:
        return action.platform_notice
    except PlatformNotice.DoesNotExist:
        return None


def _action_view(action: EnforcementAction, plan: Plan, can_write: bool) -> ActionView:
    capability = capability_of(action)
    drifted = is_drifted(action)
    view = ActionView(
        action=action,
        label=str(capability.label) if capability is not None else action.op,
        link=_link(action),
        lifting=_lifting(action),
        waiting=_waiting(action, plan),
        receipts=list(action.receipts.all()),
        drifted=drifted,
        failed=action.status in FAILED,
        notice=_notice_of(action),
    )
    if can_write:
        pk = action.pk
        view.remove_form = ActionForm(action_id=pk) if action.status in REMOVABLE else None
        view.reason_form = (
            ReasonForm(action_id=pk, initial={"action": pk, "reason": action.reason})
            if action.status in REASON_EDITABLE and not shares(action.op)  # a shared ban's reason is the policy's
            else None
        )
        view.retry_form = ActionForm(action_id=pk, auto_id=f"action-{pk}-retry-%s") if view.failed or drifted else None
        view.drift_form = AcceptDriftForm(action_id=pk) if drifted else None
    return view


def _plan_view(plan: Plan, can_write: bool) -> PlanView:
    policy = plan.sanctioned.decision.policy_version.policy
    actions = [_action_view(action, plan, can_write) for action in plan.actions.all()]
    view = PlanView(plan=plan, title=outcome_title(policy, plan.sanctioned.level), actions=actions)
    if can_write:
        is_open = plan.status in OPEN_PLAN
        draft = plan.status == PlanStatus.DRAFT
        view.approve_form = PlanForm(plan_id=plan.pk) if draft else None
        view.cancel_form = CancelPlanForm(plan_id=plan.pk) if draft else None
        waits_for_notice = is_open and plan.notify_first and plan.notice == Notice.PENDING
        view.notice_form = NoticeForm(plan_id=plan.pk) if waits_for_notice else None
        view.add_form = add_action_form(plan_id=plan.pk, persons=[plan.sanctioned.person]) if is_open else None
    return view


def panel_context(request: HttpRequest, case: Case, viewer: Standing) -> dict[str, Any]:
    can_write = viewer in ALLOWED[Need.DECIDE]
    plans = (
        case.enforcement_plans.select_related("sanction__person", "decision__policy_version", "approved_by__steward_profile")
        .prefetch_related("actions__connection", "actions__receipts", "actions__platform_notice")
        .order_by("-created_at", "-id")
    )
    return {"plans": [_plan_view(plan, can_write) for plan in plans], "can_write": can_write}


# --- The queue ---------------------------------------------------------------------------------


def _attention() -> Q:
    """Actions a steward must look at: stopped on a refusal, or undone on the platform by someone."""
    return Q(status__in=FAILED) | Q(status=ActionStatus.APPLIED, drifted_at__isnull=False)


def needs_attention_q(user: Any = None) -> Q:
    """Cases for the queue's tab: an action needs a steward, or a plan waits for approval."""
    attention = EnforcementAction.objects.filter(_attention(), plan__case=OuterRef("pk"))
    drafts = Plan.objects.filter(case=OuterRef("pk"), status=PlanStatus.DRAFT)
    return Q(Exists(attention)) | Q(Exists(drafts))


def queue_flags(cases: Iterable[Case]) -> dict[int, list[str]]:
    """Two queries for the page, whatever its length."""
    ids = [case.pk for case in cases]
    flags: dict[int, list[str]] = {pk: [] for pk in ids}
    for case_id in set(EnforcementAction.objects.filter(_attention(), plan__case_id__in=ids).values_list("plan__case_id", flat=True)):
        flags[case_id].append(_("Enforcement needs attention"))
    for case_id in set(Plan.objects.filter(case_id__in=ids, status=PlanStatus.DRAFT).values_list("case_id", flat=True)):
        flags[case_id].append(_("Enforcement plan awaiting approval"))
    return flags


def install() -> None:
    from cases.panels import Panel, QueueTab, register_panel, register_queue_flags, register_queue_tab

    # After the decisions (70) and their no-contact alerts (75): a plan carries out a decision's sanction.
    register_panel(Panel(ANCHOR, "enforcement/_panel.html", panel_context, order=80))
    register_queue_tab(QueueTab(ANCHOR, gettext_lazy("Enforcement"), needs_attention_q))
    register_queue_flags(ANCHOR, queue_flags)
