"""Proposals, votes and decisions. Each do_* validates, writes and records its audit event in one transaction.

Voting (REQUIREMENTS 6.3): only stewards who declared no conflict vote; the rule is the policy's.
Stewards who have not voted yet count as possible "no" votes, so a proposal passes once the rule is
met whatever they do, and fails once it can no longer be met. Abstentions are recorded and not cast.
A lazy-consensus proposal passes at its objection deadline unless an eligible steward voted no.
Callers have already passed the access layer (cases.access); these re-check the rules of the change.

One active sanction per person per case: while a sanction from this case stands (active, not ended,
lifted, rescinded, changed or replaced), a new proposal about that person must name it in `replaces`
(an escalation; the decision ends it), or the sanction is changed through an appeal (decisions.appeals).
A proposal that passes after another one already sanctioned the person fails instead of adding a second.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from cases.access import Need, Standing, committee_standings, may, standing
from cases.models import Case, Party, PartyRole, Report, Status
from decisions.appeals import do_decide_appeal, do_file_appeal  # noqa: F401  (the public API lives here too)
from decisions.models import (
    Decision,
    InformDecision,
    OutcomeClass,
    Proposal,
    ProposalMode,
    ProposalStatus,
    Sanction,
    SanctionStatus,
    Vote,
    VoteChoice,
)
from decisions.protection import protectable_reports
from decisions.recommend import highest_earlier_rank
from people.access import is_active_steward
from people.models import Person
from steward.queueing import enqueue_with_transaction


@dataclass
class ProposalInput:
    outcome: str
    rationale: str
    target: Party | None = None
    period_days: int | None = None
    protected_people: list[Person] = field(default_factory=list)
    # Reporters known only by their report (decisions.protection.protectable_reports).
    protected_reports: list[Report] = field(default_factory=list)
    conditions_for_return: str = ""
    skip_reason: str = ""
    lazy_consensus: bool = False
    replaces: Sanction | None = None


@dataclass(frozen=True)
class Tally:
    yes: int
    no: int
    abstain: int
    eligible: int

    @property
    def remaining(self) -> int:
        return max(self.eligible - self.yes - self.no - self.abstain, 0)


def eligible_voters(case: Case) -> list[Any]:
    # The whole committee's standings in a few queries, not two per steward.
    return [steward for steward, held in committee_standings(case) if held is Standing.UNCONFLICTED]


def may_vote(user: Any, case: Case) -> bool:
    return is_active_steward(user) and standing(user, case) is Standing.UNCONFLICTED


def active_sanctions_in(case: Case) -> QuerySet[Sanction]:
    """Sanctions from this case's decisions that still stand: active, and not past their end."""
    still_running = Q(ends_at__isnull=True) | Q(ends_at__gt=timezone.now())
    return Sanction.objects.filter(decision__case=case, status=SanctionStatus.ACTIVE).filter(still_running).select_related("person")


def active_sanctions(case: Case, person: Person | None) -> QuerySet[Sanction]:
    """The sanctions from this case that still stand for `person`."""
    if person is None:
        return Sanction.objects.none()
    return active_sanctions_in(case).filter(person=person)


def _check_replacement(case: Case, target: Party | None, replaces: Sanction | None) -> None:
    person = target.person if target is not None else None
    standing_ones = active_sanctions(case, person)
    if replaces is not None and not standing_ones.filter(pk=replaces.pk).exists():
        raise ValidationError({"replaces": _("Only an active sanction from this case for the same person can be replaced.")})
    if replaces is None and standing_ones.exists():
        raise ValidationError(
            {
                "replaces": _(
                    "This person already has an active sanction from this case. Name it as the sanction this proposal "
                    "replaces (an escalation), or change it through an appeal."
                )
            }
        )


def is_permanent_ban(case: Case, outcome: str) -> bool:
    return outcome == case.policy_version.policy.top_level.code


def tally(proposal: Proposal) -> Tally:
    eligible = {steward.pk for steward in eligible_voters(proposal.case)}
    counts = dict.fromkeys(VoteChoice.values, 0)
    for vote in proposal.votes.all():
        if vote.steward_id in eligible:  # a steward who has since lost eligibility no longer counts
            counts[vote.choice] += 1
    return Tally(yes=counts[VoteChoice.YES], no=counts[VoteChoice.NO], abstain=counts[VoteChoice.ABSTAIN], eligible=len(eligible))


def verdict(proposal: Proposal, counts: Tally) -> str:
    """ProposalStatus.PASSED, FAILED, or OPEN while the remaining votes could still change the result."""
    rule = proposal.case.policy_version.policy.decision_rule
    ban = is_permanent_ban(proposal.case, proposal.outcome)
    if proposal.mode == ProposalMode.LAZY:
        if counts.no:
            return ProposalStatus.FAILED
        deadline_passed = proposal.objection_deadline is not None and timezone.now() >= proposal.objection_deadline
        return ProposalStatus.PASSED if deadline_passed else ProposalStatus.OPEN
    cast, rest = counts.yes + counts.no, counts.remaining
    if rule.is_met(yes=counts.yes, cast=cast + rest, eligible=counts.eligible, permanent_ban=ban):
        return ProposalStatus.PASSED
    if not rule.is_met(yes=counts.yes + rest, cast=cast + rest, eligible=counts.eligible, permanent_ban=ban):
        return ProposalStatus.FAILED
    return ProposalStatus.OPEN


def latest_inform(case: Case) -> InformDecision | None:
    return case.inform_decisions.order_by("-recorded_at", "-id").first()


def missing_before_decision(proposal: Proposal) -> list[str]:
    """What must be recorded before this proposal can become a decision (REQUIREMENTS 5.4)."""
    reported = list(proposal.case.parties.filter(role=PartyRole.REPORTED))
    if not reported:
        return []
    missing = []
    if latest_inform(proposal.case) is None:
        missing.append(_("the decision whether and when to inform the reported person"))
    answered = set(proposal.case.response_records.values_list("party_id", flat=True))
    needed = [proposal.target] if proposal.target is not None else reported
    if any(party.pk not in answered for party in needed):
        missing.append(_("the reported person's response (or that they declined or were not asked)"))
    return missing


def _outcome_class(case: Case, outcome: str) -> str:
    policy = case.policy_version.policy
    if outcome in {level.code for level in policy.ladder}:
        return OutcomeClass.SANCTION
    if outcome in {item.code for item in policy.outcomes}:
        return OutcomeClass.NON_SANCTION
    raise ValidationError({"outcome": _("Choose an outcome from the case's policy.")})


def _check_proposal(case: Case, data: ProposalInput) -> None:
    """Each refusal names the ProposalInput field it is about, so the form shows it next to that field."""
    policy = case.policy_version.policy
    is_sanction = _outcome_class(case, data.outcome) == OutcomeClass.SANCTION
    if data.target is not None and (data.target.case_id != case.pk or data.target.role != PartyRole.REPORTED):
        raise ValidationError({"target": _("The person a decision is about must be a reported person in this case.")})
    if not data.rationale.strip():
        raise ValidationError({"rationale": _("Give the rationale for the proposal.")})
    protects = bool(data.protected_people or data.protected_reports)
    if not is_sanction:
        if data.period_days or protects:
            field = "period_days" if data.period_days else "protected_people"
            raise ValidationError({field: _("A period and protected people belong to sanctions only.")})
        return
    level = policy.level(data.outcome)
    if data.target is None:
        raise ValidationError({"target": _("Choose the reported person the sanction is for.")})
    if data.period_days is not None and data.period_days < 1:
        raise ValidationError({"period_days": _("A period is a number of days, one or more.")})
    if level.needs_period and not data.period_days:
        raise ValidationError({"period_days": _("%(level)s needs a period in days.") % {"level": level.title}})
    if not level.needs_period and data.period_days:
        raise ValidationError({"period_days": _("%(level)s has no period.") % {"level": level.title}})
    if level.needs_no_contact and not protects:
        raise ValidationError({"protected_people": _("%(level)s needs the people the no-contact order protects.") % {"level": level.title}})
    if not level.needs_no_contact and protects:
        raise ValidationError({"protected_people": _("%(level)s has no no-contact order.") % {"level": level.title}})
    _check_protected(case, data.target, data)
    if level.rank > highest_earlier_rank(data.target.person, case, policy) + 2 and not data.skip_reason.strip():
        raise ValidationError({"skip_reason": _("This skips levels of the ladder: state the reason.")})
    if data.lazy_consensus and level.code == policy.top_level.code and policy.decision_rule.permanent_ban_needs_majority_of_all:
        raise ValidationError(
            {"lazy_consensus": _("A permanent ban needs the votes of a majority of all unconflicted stewards; it cannot pass by silence.")}
        )


def _check_protected(case: Case, target: Party, data: ProposalInput) -> None:
    """People on the list are others in this case; a report on it is one whose reporter is nobody in the case."""
    case_people = set(case.parties.exclude(pk=target.pk).values_list("person_id", flat=True))
    if any(person.pk not in case_people or person.pk == target.person_id for person in data.protected_people):
        raise ValidationError({"protected_people": _("Protected people must be other people in this case.")})
    allowed = {report.pk for report in protectable_reports(case)}
    if any(report.pk not in allowed for report in data.protected_reports):
        raise ValidationError(
            {
                "protected_people": _(
                    "Only the reporter of a report of this case who is not linked as a person can be protected by their report."
                )
            }
        )


@transaction.atomic
def do_propose(steward: Any, case: Case, data: ProposalInput) -> Proposal:
    if not may(steward, case, Need.DECIDE):
        raise ValidationError(_("Only stewards who declared no conflict on this case propose outcomes."))
    _check_proposal(case, data)
    _check_replacement(case, data.target, data.replaces)
    hours = case.policy_version.policy.decision_rule.lazy_consensus_hours
    if data.lazy_consensus and not hours:
        raise ValidationError({"lazy_consensus": _("The policy does not allow proposals that pass unless someone objects.")})
    proposal = Proposal.objects.create(
        case=case,
        proposed_by=steward,
        outcome=data.outcome,
        target=data.target,
        period_days=data.period_days or None,
        conditions_for_return=data.conditions_for_return.strip(),
        rationale=data.rationale.strip(),
        skip_reason=data.skip_reason.strip(),
        mode=ProposalMode.LAZY if data.lazy_consensus else ProposalMode.NORMAL,
        objection_deadline=timezone.now() + timedelta(hours=hours) if data.lazy_consensus and hours else None,
        replaces=data.replaces,
    )
    proposal.protected_people.set(data.protected_people)
    proposal.protected_reports.set(data.protected_reports)
    record(
        "proposal.created",
        f"Proposal #{proposal.pk}: {data.outcome}" + (" (passes unless someone objects)" if data.lazy_consensus else ""),
        actor=steward,
        case_id=case.pk,
        data={"proposal": proposal.pk, "outcome": data.outcome, "mode": proposal.mode},
    )
    if proposal.objection_deadline is not None:
        from decisions.tasks import settle_proposal

        enqueue_with_transaction(settle_proposal, proposal.pk, run_after=proposal.objection_deadline)
    return proposal


@transaction.atomic
def do_vote(steward: Any, proposal: Proposal, choice: str) -> Vote:
    proposal = Proposal.objects.select_for_update().select_related("case__policy_version").get(pk=proposal.pk)
    if not may_vote(steward, proposal.case):
        raise ValidationError(_("Only stewards who declared no conflict on this case vote."))
    if choice not in VoteChoice.values:
        raise ValidationError(_("Vote yes, no or abstain."))
    if proposal.status != ProposalStatus.OPEN:
        raise ValidationError(_("Voting on this proposal has ended."))
    if proposal.votes.filter(steward=steward).exists():
        raise ValidationError(_("You have already voted on this proposal."))
    vote = Vote.objects.create(proposal=proposal, steward=steward, choice=choice)
    record(
        "vote.cast",
        f"Vote on proposal #{proposal.pk}: {choice}",
        actor=steward,
        case_id=proposal.case_id,
        data={"proposal": proposal.pk, "choice": choice},
    )
    settle(proposal, actor=steward)
    return vote


@transaction.atomic
def do_withdraw(steward: Any, proposal: Proposal) -> Proposal:
    if not may(steward, proposal.case, Need.DECIDE):
        raise ValidationError(_("Only stewards who declared no conflict on this case withdraw proposals."))
    if proposal.status != ProposalStatus.OPEN:
        raise ValidationError(_("Only an open proposal can be withdrawn."))
    _close(proposal, ProposalStatus.WITHDRAWN, steward)
    return proposal


def _close(proposal: Proposal, status: str, actor: Any) -> None:
    proposal.status = status
    proposal.closed_at = timezone.now()
    proposal.save(update_fields=["status", "closed_at"])
    record(f"proposal.{status}", f"Proposal #{proposal.pk} {status}", actor=actor, case_id=proposal.case_id, data={"proposal": proposal.pk})


def settle(proposal: Proposal, actor: Any = None) -> str:
    """Apply the tally: pass (decision and sanctions), fail, or leave open. Idempotent."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("case__policy_version").get(pk=proposal.pk)
        if proposal.status != ProposalStatus.OPEN:
            return proposal.status
        result = verdict(proposal, tally(proposal))
        if result == ProposalStatus.FAILED:
            _close(proposal, result, actor)
        elif result == ProposalStatus.PASSED:
            if missing_before_decision(proposal):
                return ProposalStatus.OPEN  # passes as soon as the missing records are in
            if _would_double_sanction(proposal):
                _refuse_second_sanction(proposal, actor)
                return ProposalStatus.FAILED
            _close(proposal, result, actor)
            _decide(proposal, actor)
        return result


def _would_double_sanction(proposal: Proposal) -> bool:
    """Another proposal about the same person passed first (they ran side by side)."""
    target = proposal.target
    if target is None:
        return False
    others = active_sanctions(proposal.case, target.person)
    if proposal.replaces_id is not None:
        others = others.exclude(pk=proposal.replaces_id)
    return others.exists()


def _refuse_second_sanction(proposal: Proposal, actor: Any) -> None:
    _close(proposal, ProposalStatus.FAILED, actor)
    record(
        "proposal.refused",
        f"Proposal #{proposal.pk} cannot take effect: the person already has an active sanction from this case",
        actor=actor,
        case_id=proposal.case_id,
        data={"proposal": proposal.pk},
    )


def settle_open(case: Case, actor: Any = None) -> None:
    """Re-check every open proposal of the case: on page view, after a record, from the task."""
    for proposal in case.proposals.filter(status=ProposalStatus.OPEN):
        settle(proposal, actor=actor)


def _decide(proposal: Proposal, actor: Any) -> Decision:
    case = proposal.case
    now = timezone.now()
    outcome_class = _outcome_class(case, proposal.outcome)
    decision = Decision.objects.create(
        case=case,
        proposal=proposal,
        policy_version=case.policy_version,
        outcome=proposal.outcome,
        outcome_class=outcome_class,
        decided_at=now,
    )
    record("decision.made", f"Decision: {proposal.outcome}", actor=actor, case_id=case.pk, data={"decision": decision.pk})
    if outcome_class == OutcomeClass.SANCTION and proposal.target is not None:
        ends = now + timedelta(days=proposal.period_days) if proposal.period_days else None
        sanction = Sanction.objects.create(
            decision=decision,
            person=proposal.target.person,
            level=proposal.outcome,
            starts_at=now,
            ends_at=ends,
            replaces_id=proposal.replaces_id,
        )
        sanction.no_contact.set(proposal.protected_people.all())
        sanction.no_contact_reports.set(proposal.protected_reports.all())
        _end_replaced(proposal, actor)
        record(
            "sanction.created",
            f"Sanction #{sanction.pk}: {proposal.outcome}" + (f" until {ends:%Y-%m-%d}" if ends else ""),
            actor=actor,
            case_id=case.pk,
            # Counts only: the log outlives the case and must not tie a report to the order.
            data={"sanction": sanction.pk, "no_contact": sanction.no_contact.count() + sanction.no_contact_reports.count()},
        )
    elif proposal.replaces_id is not None:
        _end_replaced(proposal, actor)
    if case.status != Status.DECIDED:
        previous = case.status
        Case.objects.filter(pk=case.pk).update(status=Status.DECIDED, decided_at=now, closed_at=None)
        case.status, case.decided_at = Status.DECIDED, now
        record("case.status", f"Status: {previous} → decided", actor=actor, case_id=case.pk, data={"from": previous, "to": Status.DECIDED})
    return decision


def _end_replaced(proposal: Proposal, actor: Any) -> None:
    """The escalation's decision ends the sanction it names (its enforcement is lifted: enforcement.signals)."""
    if proposal.replaces_id is None:
        return
    old = Sanction.objects.select_for_update().get(pk=proposal.replaces_id)
    if old.status != SanctionStatus.ACTIVE:
        return
    old.status = SanctionStatus.REPLACED
    old.save(update_fields=["status"])
    record(f"sanction.{old.status}", f"Sanction #{old.pk} replaced", actor=actor, case_id=proposal.case_id, data={"sanction": old.pk})
