"""The decision section of the case page: recommendation, inform/response records, proposals and
votes, decisions with their sanctions, and appeals. The case has passed access_case(Need.READ)."""

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from cases.access import ALLOWED, Need, Standing
from cases.models import Case, PartyRole
from decisions.actions import Tally, latest_inform, missing_before_decision, settle_open, tally
from decisions.appeals import appeal_deadline, may_decide_appeal
from decisions.forms import AppealDecisionForm, InformForm, ProposalForm, ResponseForm
from decisions.models import Appeal, AppealStatus, Decision, Proposal, ProposalStatus, Vote
from decisions.recommend import Recommendation, recommend
from policy.schema import Policy


def protected_labels(people: Any, reports: Any) -> list[str]:
    """How the case page lists a no-contact order: code names, and a report for a reporter known by nothing else."""
    labels = [person.code_name for person in people]
    labels += [_("the person who made report %(reference)s") % {"reference": report.reference} for report in reports]
    return labels


def outcome_title(policy: Policy, code: str) -> str:
    titles = dict(policy.level_choices() + policy.outcome_choices())
    return titles.get(code, code)


@dataclass
class ProposalView:
    proposal: Proposal
    title: str
    tally: Tally
    votes: list[Vote]
    my_vote: Vote | None
    missing: list[str]
    protected: list[str]


@dataclass
class AppealView:
    appeal: Appeal
    may_decide: bool
    form: AppealDecisionForm | None


@dataclass
class DecisionView:
    decision: Decision
    title: str
    sanctions: list[Any]
    appeals: list[AppealView] = field(default_factory=list)
    appeal_until: Any = None


def _proposal_view(proposal: Proposal, policy: Policy, user: Any) -> ProposalView:
    votes = list(proposal.votes.select_related("steward__steward_profile"))
    return ProposalView(
        proposal=proposal,
        title=outcome_title(policy, proposal.outcome),
        tally=tally(proposal),
        votes=votes,
        my_vote=next((vote for vote in votes if vote.steward_id == user.pk), None),
        missing=missing_before_decision(proposal) if proposal.status == ProposalStatus.OPEN else [],
        protected=protected_labels(proposal.protected_people.all(), proposal.protected_reports.all()),
    )


def _decision_view(decision: Decision, policy: Policy, user: Any) -> DecisionView:
    appeals = []
    for appeal in decision.appeals.all():
        may = appeal.status == AppealStatus.OPEN and may_decide_appeal(user, decision)
        form = AppealDecisionForm(policy=policy, initial={"appeal": appeal.pk}, auto_id=f"appeal-{appeal.pk}-%s") if may else None
        appeals.append(AppealView(appeal, may, form))
    sanctions = [
        (
            sanction,
            outcome_title(policy, sanction.level),
            protected_labels(sanction.no_contact.all(), sanction.no_contact_reports.all()),
            sanction.no_contact_reports.exists(),  # somebody the no-contact watch cannot recognise
        )
        for sanction in decision.sanctions.select_related("person")
    ]
    return DecisionView(
        decision=decision,
        title=outcome_title(policy, decision.outcome),
        sanctions=sanctions,
        appeals=appeals,
        appeal_until=appeal_deadline(decision),
    )


def recommendations(case: Case) -> list[Recommendation]:
    reported = [party for party in case.parties_with_people() if party.role == PartyRole.REPORTED]
    return [recommend(case, party) for party in reported] or [recommend(case, None)]


def panel_context(request: HttpRequest, case: Case, viewer: Standing) -> dict[str, Any]:
    settle_open(case)  # a lazy-consensus deadline that passed since the task last ran
    policy = case.policy_version.policy
    user = request.user
    proposals = [_proposal_view(p, policy, user) for p in case.proposals.select_related("proposed_by__steward_profile", "target__person")]
    decisions = [_decision_view(d, policy, user) for d in case.decisions.select_related("policy_version", "proposal")]
    return {
        "can_write": viewer in ALLOWED[Need.WRITE],
        "can_decide": viewer in ALLOWED[Need.DECIDE],
        "can_vote": viewer in ALLOWED[Need.VOTE],
        "recommendations": recommendations(case),
        "open_proposals": [view for view in proposals if view.proposal.status == ProposalStatus.OPEN],
        "closed_proposals": [view for view in proposals if view.proposal.status != ProposalStatus.OPEN],
        "decisions": decisions,
        "has_reported": any(party.role == PartyRole.REPORTED for party in case.parties_with_people()),
        "inform": latest_inform(case),
        "responses": list(case.response_records.select_related("party__person", "recorded_by__steward_profile")),
        "proposal_form": ProposalForm(case=case),
        "inform_form": InformForm(),
        "response_form": ResponseForm(case=case),
    }
