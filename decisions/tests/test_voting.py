"""Who votes, how the policy's rule counts, lazy consensus, and what a passed proposal produces."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cases.models import Status
from decisions.actions import do_vote
from decisions.models import Decision, OutcomeClass, ProposalStatus, Sanction, SanctionStatus
from decisions.tasks import settle_proposal
from decisions.tests.conftest import T0, kinds, make_ready, propose, reported, reporter, votes
from policy.testing import load_test_policy

pytestmark = pytest.mark.django_db


def test_soft_conflicted_steward_cannot_vote(stewards: dict[str, Any], committee_case: Any, login: Any) -> None:
    case = committee_case({"alice": "none", "bob": "none", "carol": "soft", "dave": "none"})
    proposal = propose(case, stewards["alice"])
    response = login(stewards["carol"]).post(
        reverse("decisions:vote", kwargs={"code": case.code_name}), {"proposal": proposal.pk, "choice": "yes"}
    )
    assert response.status_code == 404
    with pytest.raises(ValidationError):
        do_vote(stewards["carol"], proposal, "yes")
    assert not proposal.votes.exists()
    # She still reads the case, without vote buttons.
    page = login(stewards["carol"]).get(reverse("cases:detail", kwargs={"code": case.code_name})).content.decode()
    assert "Only stewards who declared no conflict vote." in page
    assert 'value="abstain"' not in page


def test_hard_conflicted_steward_sees_nothing_and_cannot_vote(stewards: dict[str, Any], committee_case: Any, login: Any) -> None:
    case = committee_case({"alice": "none", "bob": "hard", "dave": "none"})
    proposal = propose(case, stewards["alice"], rationale="HARD-HIDDEN-RATIONALE")
    client = login(stewards["bob"])
    assert client.get(reverse("cases:detail", kwargs={"code": case.code_name})).status_code == 404
    response = client.post(reverse("decisions:vote", kwargs={"code": case.code_name}), {"proposal": proposal.pk, "choice": "yes"})
    assert response.status_code == 404
    assert b"HARD-HIDDEN-RATIONALE" not in response.content
    with pytest.raises(ValidationError):
        do_vote(stewards["bob"], proposal, "yes")


def test_two_thirds_of_unconflicted_stewards_passes(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    proposal = propose(case, stewards["alice"])
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN  # 3 of 5: two more "no" votes would sink it
    votes(proposal, stewards, dave="yes")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PASSED
    with pytest.raises(ValidationError):
        do_vote(stewards["erin"], proposal, "no")  # voting has ended


def test_two_thirds_rule_fails_once_it_cannot_be_met(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    proposal = propose(case, stewards["alice"])
    votes(proposal, stewards, alice="yes", bob="no")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    votes(proposal, stewards, carol="no")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.FAILED
    assert not Decision.objects.filter(case=case).exists()
    assert "proposal.failed" in kinds(case)


def test_permanent_ban_needs_a_majority_of_all_unconflicted_stewards(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    ban = propose(case, stewards["alice"], "permanent-ban", skip_reason="Threats of violence.")
    # Two of the three votes cast are yes (2/3), but 2 is not a majority of the 5 unconflicted stewards.
    votes(ban, stewards, alice="yes", bob="yes", carol="no", dave="abstain", erin="abstain")
    ban.refresh_from_db()
    assert ban.status == ProposalStatus.FAILED
    assert not Sanction.objects.exists()
    # The very same votes carry a temporary ban.
    temporary = propose(case, stewards["alice"], "temporary-ban", skip_reason="Threats of violence.")
    votes(temporary, stewards, alice="yes", bob="yes", carol="no", dave="abstain", erin="abstain")
    temporary.refresh_from_db()
    assert temporary.status == ProposalStatus.PASSED


def test_decision_stores_policy_version_and_sanction_dates(stewards: dict[str, Any], committee_case: Any, clock: Any) -> None:
    case = committee_case()
    proposal = propose(case, stewards["alice"], "warning", period_days=30)
    clock(timedelta(hours=5))
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    decision = Decision.objects.get(case=case)
    assert decision.policy_version_id == case.policy_version_id
    assert decision.outcome == "warning" and decision.outcome_class == OutcomeClass.SANCTION
    sanction = decision.sanctions.get()
    assert sanction.person == reported(case).person and sanction.status == SanctionStatus.ACTIVE
    assert sanction.starts_at == T0 + timedelta(hours=5)
    assert sanction.ends_at == T0 + timedelta(hours=5, days=30)
    assert list(sanction.no_contact.all()) == [reporter(case).person]
    case.refresh_from_db()
    assert case.status == Status.DECIDED
    for kind in ("proposal.created", "vote.cast", "decision.made", "sanction.created"):
        assert kind in kinds(case)


def test_non_sanction_outcome_makes_no_sanction(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    proposal = propose(case, stewards["alice"], "responsible-unknown", target=None)
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    decision = Decision.objects.get(case=case)
    assert decision.outcome_class == OutcomeClass.NON_SANCTION
    assert not decision.sanctions.exists()


def test_no_decision_before_inform_and_response_are_recorded(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case(ready=False)
    proposal = propose(case, stewards["alice"])
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes", erin="yes")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert not Decision.objects.exists()
    make_ready(case, stewards["bob"])  # recording them lets the carried proposal pass
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PASSED
    assert Decision.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    ("outcome", "fields", "message"),
    [
        ("warning", {"period_days": None}, "needs a period"),
        ("warning", {"protected_people": []}, "protects"),
        ("correction", {"period_days": 10}, "has no period"),
        ("warning", {"target": None}, "reported person"),
        ("temporary-ban", {}, "skips levels"),
        ("permanent-ban", {}, "skips levels"),
        ("warning", {"rationale": "  "}, "rationale"),
        ("no-such-level", {"target": None}, "outcome"),
    ],
)
def test_proposal_rules(stewards: dict[str, Any], committee_case: Any, outcome: str, fields: dict[str, Any], message: str) -> None:
    case = committee_case()
    with pytest.raises(ValidationError, match=message):
        propose(case, stewards["alice"], outcome, **fields)


def test_protected_people_must_be_in_the_case(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    with pytest.raises(ValidationError, match="other people in this case"):
        propose(case, stewards["alice"], "warning", protected_people=[stewards["bob"].steward_profile.person])


def test_skip_reason_not_needed_after_an_earlier_sanction(stewards: dict[str, Any], committee_case: Any) -> None:
    first = committee_case()
    votes(propose(first, stewards["alice"], "warning"), stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    second = committee_case()  # the same reported handle: the same person
    assert reported(second).person == reported(first).person
    proposal = propose(second, stewards["alice"], "temporary-ban")  # one step up from the warning: no reason needed
    assert proposal.skip_reason == ""
    with pytest.raises(ValidationError, match="skips levels"):
        propose(committee_case(reported_handle="someone-new"), stewards["alice"], "temporary-ban")


def test_lazy_consensus_passes_after_the_deadline(
    stewards: dict[str, Any], committee_case: Any, clock: Any, django_capture_on_commit_callbacks: Any, login: Any
) -> None:
    load_test_policy({"decision_rule": {"lazy_consensus_hours": 24}}, effective_from=T0.date())
    case = committee_case()
    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose(case, stewards["alice"], lazy_consensus=True)
    assert proposal.objection_deadline == T0 + timedelta(hours=24)
    queued = DBTaskResult.objects.get(task_path=settle_proposal.module_path)
    assert queued.run_after == T0 + timedelta(hours=24)
    votes(proposal, stewards, bob="yes")
    clock(timedelta(hours=23))
    assert settle_proposal.call(proposal.pk) == ProposalStatus.OPEN
    clock(timedelta(hours=24, minutes=1))
    assert settle_proposal.call(proposal.pk) == ProposalStatus.PASSED
    assert settle_proposal.call(proposal.pk) == ProposalStatus.PASSED  # idempotent
    assert Decision.objects.filter(case=case).count() == 1
    assert Sanction.objects.filter(decision__case=case).count() == 1


def test_lazy_consensus_passes_at_the_deadline_itself(stewards: dict[str, Any], committee_case: Any, clock: Any) -> None:
    """The settling task is queued to run at the objection deadline: running then, it must settle the proposal
    (a minute before, it must not), or an unopposed proposal waits for the next sweep or page view."""
    load_test_policy({"decision_rule": {"lazy_consensus_hours": 24}}, effective_from=T0.date())
    proposal = propose(committee_case(), stewards["alice"], lazy_consensus=True)
    clock(timedelta(hours=24) - timedelta(seconds=1))
    assert settle_proposal.call(proposal.pk) == ProposalStatus.OPEN
    clock(timedelta(hours=24))
    assert settle_proposal.call(proposal.pk) == ProposalStatus.PASSED


def test_lazy_consensus_passes_on_page_view_when_the_task_has_not_run(
    stewards: dict[str, Any], committee_case: Any, clock: Any, login: Any
) -> None:
    load_test_policy({"decision_rule": {"lazy_consensus_hours": 24}}, effective_from=T0.date())
    case = committee_case()
    proposal = propose(case, stewards["alice"], lazy_consensus=True)
    clock(timedelta(hours=25))
    login(stewards["dave"]).get(reverse("cases:detail", kwargs={"code": case.code_name}))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PASSED


def test_lazy_consensus_fails_with_an_objection(stewards: dict[str, Any], committee_case: Any, clock: Any) -> None:
    load_test_policy({"decision_rule": {"lazy_consensus_hours": 24}}, effective_from=T0.date())
    case = committee_case()
    proposal = propose(case, stewards["alice"], lazy_consensus=True)
    clock(timedelta(hours=3))
    votes(proposal, stewards, erin="no")
    clock(timedelta(hours=30))
    assert settle_proposal.call(proposal.pk) == ProposalStatus.FAILED
    assert not Decision.objects.exists()


def test_lazy_consensus_only_where_the_policy_allows_it(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    with pytest.raises(ValidationError, match="does not allow"):
        propose(case, stewards["alice"], lazy_consensus=True)
    load_test_policy({"decision_rule": {"lazy_consensus_hours": 24}})
    case = committee_case()
    with pytest.raises(ValidationError, match="silence"):
        propose(case, stewards["alice"], "permanent-ban", skip_reason="Threats.", lazy_consensus=True)
