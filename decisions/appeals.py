"""Appeals (REQUIREMENTS 10): a party asks for reconsideration within the policy's window, on listed
grounds; a steward with no conflict who took no part in the decision decides it. Sanctions stay in
force while an appeal is open; the outcome upholds, changes or rescinds them.
"""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from cases.access import Standing, standing
from decisions.models import (
    Appeal,
    AppealOutcome,
    AppealStatus,
    AppellantRole,
    Decision,
    Ground,
    Sanction,
    SanctionStatus,
)
from people.access import is_active_steward
from steward.times import when


def appeal_deadline(decision: Decision) -> datetime:
    return decision.decided_at + timedelta(days=decision.policy_version.policy.appeal_window_days)


def may_still_appeal(decision: Decision, role: str) -> bool:
    return timezone.now() <= appeal_deadline(decision) and not decision.appeals.filter(appellant_role=role).exists()


def took_part(user: Any, decision: Decision) -> bool:
    """Proposed or voted on the proposal that became this decision."""
    proposal = decision.proposal
    return proposal.proposed_by_id == user.pk or proposal.votes.filter(steward=user).exists()


def may_decide_appeal(user: Any, decision: Decision) -> bool:
    return is_active_steward(user) and standing(user, decision.case) is Standing.UNCONFLICTED and not took_part(user, decision)


@transaction.atomic
def do_file_appeal(decision: Decision, role: str, grounds: list[str], text: str) -> Appeal:
    """A party (reporter or reported person, through their own link) asks for reconsideration."""
    if role not in AppellantRole.values:
        raise ValidationError(_("Unknown appellant."))
    if not grounds or any(ground not in Ground.values for ground in grounds):
        raise ValidationError(_("Choose at least one of the listed grounds."))
    if not text.strip():
        raise ValidationError(_("Explain why the decision should be reconsidered."))
    if timezone.now() > appeal_deadline(decision):
        raise ValidationError(_("The time to appeal this decision has passed."))
    if decision.appeals.filter(appellant_role=role).exists():
        raise ValidationError(_("You have already appealed this decision."))
    appeal = Appeal.objects.create(
        decision=decision, appellant_role=role, grounds=list(dict.fromkeys(grounds)), text=text.strip(), filed_at=timezone.now()
    )
    record(
        "appeal.filed",
        f"Appeal filed against decision #{decision.pk} by the {AppellantRole(role).label.lower()}",
        actor_label=role,
        case_id=decision.case_id,
        data={"appeal": appeal.pk, "grounds": appeal.grounds},
    )
    return appeal


@transaction.atomic
def do_decide_appeal(
    steward: Any, appeal: Appeal, outcome: str, rationale: str, new_level: str = "", new_period_days: int | None = None
) -> Appeal:
    appeal = Appeal.objects.select_for_update().select_related("decision__case", "decision__proposal").get(pk=appeal.pk)
    decision = appeal.decision
    if not may_decide_appeal(steward, decision):
        raise ValidationError(_("Only a steward with no conflict who took no part in the decision may decide the appeal."))
    if appeal.status != AppealStatus.OPEN:
        raise ValidationError(_("This appeal has already been decided."))
    if outcome not in AppealOutcome.values:
        raise ValidationError(_("Choose upheld, changed or rescinded."))
    if not rationale.strip():
        raise ValidationError(_("Give the rationale for the outcome."))
    active = list(decision.sanctions.filter(status=SanctionStatus.ACTIVE))
    if outcome == AppealOutcome.RESCINDED:
        for sanction in active:
            _set_status(steward, sanction, SanctionStatus.RESCINDED)
    elif outcome == AppealOutcome.CHANGED:
        _change(steward, decision, active, new_level, new_period_days)
    appeal.status = AppealStatus.DECIDED
    appeal.outcome = outcome
    appeal.decided_by = steward
    appeal.decided_at = timezone.now()
    appeal.rationale = rationale.strip()
    appeal.save()
    record("appeal.decided", f"Appeal #{appeal.pk}: {outcome}", actor=steward, case_id=decision.case_id, data={"appeal": appeal.pk})
    return appeal


def _set_status(steward: Any, sanction: Sanction, status: str) -> None:
    sanction.status = status
    sanction.save(update_fields=["status"])
    record(f"sanction.{status}", f"Sanction #{sanction.pk} {status}", actor=steward, case_id=sanction.decision.case_id)


def _change(steward: Any, decision: Decision, active: list[Sanction], new_level: str, period_days: int | None) -> None:
    policy = decision.policy_version.policy
    try:
        level = policy.level(new_level)
    except KeyError:
        raise ValidationError(_("Choose the new level from the ladder.")) from None
    if level.needs_period and not period_days:
        raise ValidationError(_("%(level)s needs a period in days.") % {"level": level.title})
    if period_days is not None and period_days < 1:
        raise ValidationError(_("A period is a number of days, one or more."))
    proposal = decision.proposal
    if not active and proposal.target is None:
        raise ValidationError(_("This decision names nobody to sanction; make a new proposal instead."))
    now = timezone.now()
    targets: list[Sanction | None] = list(active) or [None]
    for old in targets:
        person = old.person if old is not None else proposal.target.person  # type: ignore[union-attr]
        protected = list(old.no_contact.all()) if old is not None else list(proposal.protected_people.all())
        protected_reports = list(old.no_contact_reports.all()) if old is not None else list(proposal.protected_reports.all())
        if level.needs_no_contact and not (protected or protected_reports):
            raise ValidationError(_("%(level)s needs protected people; make a new proposal instead.") % {"level": level.title})
        starts = old.starts_at if old is not None else now  # time already served counts
        if level.needs_period and period_days and starts + timedelta(days=period_days) <= now:
            # Counted from the original start, this period is already over: that is a rescission, not a change.
            message = _("A period of %(days)s days from the sanction's start on %(start)s is already over; to end it now, rescind it.")
            raise ValidationError(message % {"days": period_days, "start": when(starts)})
        new = Sanction.objects.create(
            decision=decision,
            person=person,
            level=level.code,
            starts_at=starts,
            ends_at=starts + timedelta(days=period_days) if level.needs_period and period_days else None,
            replaces=old,
        )
        new.no_contact.set(protected if level.needs_no_contact else [])
        new.no_contact_reports.set(protected_reports if level.needs_no_contact else [])
        if old is not None:
            _set_status(steward, old, SanctionStatus.CHANGED)
        record("sanction.created", f"Sanction on appeal: {level.code}", actor=steward, case_id=decision.case_id, data={"sanction": new.pk})
