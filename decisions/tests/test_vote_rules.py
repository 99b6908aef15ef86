"""A vote and the rule (REQUIREMENTS 6.3): only stewards with no conflict on the case now count.

A vote cast by a steward who has since lost the right to vote (a soft or hard conflict brought in by
joining another case, becoming a party, deactivation) no longer counts, and neither do they among the
eligible. A permanent ban needs both the policy's supermajority of the votes cast and yes votes from
more than half of all unconflicted stewards; abstentions are not cast. Each rule is checked at its
boundary: exactly at it passes, one vote short does not.
"""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cases.actions import InvolvedPerson, do_add_party, do_declare_conflict, do_merge_cases
from cases.models import Case, PartyRole
from decisions.actions import Tally, do_vote, eligible_voters, may_vote, settle, tally
from decisions.models import Decision, Proposal, ProposalStatus
from decisions.tests.conftest import COMMITTEE, new_case, propose, votes
from people.actions import do_deactivate_steward
from people.models import Space

pytestmark = pytest.mark.django_db

SKIP = {"skip_reason": "Threats of violence."}


def status(proposal: Proposal) -> str:
    proposal.refresh_from_db()
    return proposal.status


def join_in_a_case_where(stewards: dict[str, Any], target: Case, name: str, level: str) -> None:
    """Another report about the same incident is joined in; on it `name` declared `level`, the rest none."""
    source, _ = new_case()
    for other in COMMITTEE:
        do_declare_conflict(stewards[other], source, level if other == name else "none")
    do_merge_cases(None, target, source)


def lose_the_vote(stewards: dict[str, Any], case: Case, how: str) -> None:
    carol = stewards["carol"]
    if how == "soft conflict from a joined case":
        join_in_a_case_where(stewards, case, "carol", "soft")
    elif how == "hard conflict from a joined case":
        join_in_a_case_where(stewards, case, "carol", "hard")
    elif how == "named as a witness":
        do_add_party(stewards["alice"], case, InvolvedPerson(PartyRole.WITNESS, "Carol", Space.GITHUB, "carol"))
    elif how == "deactivated":
        do_deactivate_steward(stewards["alice"], carol.steward_profile)
        carol.refresh_from_db()
    else:
        raise AssertionError(how)


WAYS_TO_LOSE_THE_VOTE = ["soft conflict from a joined case", "hard conflict from a joined case", "named as a witness", "deactivated"]


@pytest.mark.parametrize("how", WAYS_TO_LOSE_THE_VOTE)
def test_a_vote_stops_counting_when_the_voter_loses_the_right_to_vote(stewards: dict[str, Any], committee_case: Any, how: str) -> None:
    case = committee_case()
    proposal = propose(case, stewards["alice"])
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes")
    assert tally(proposal) == Tally(yes=3, no=0, abstain=0, eligible=5)
    lose_the_vote(stewards, case, how)
    assert stewards["carol"].pk not in {steward.pk for steward in eligible_voters(case)}
    assert not may_vote(stewards["carol"], case)
    assert tally(proposal) == Tally(yes=2, no=0, abstain=0, eligible=4)
    # Counted, Carol's yes would carry it (3 of 4); without it two of four can still be outvoted.
    assert settle(proposal) == ProposalStatus.OPEN
    with pytest.raises(ValidationError):
        do_vote(stewards["carol"], proposal, "no")


@pytest.mark.parametrize("how", WAYS_TO_LOSE_THE_VOTE)
def test_a_no_vote_stops_counting_too(stewards: dict[str, Any], committee_case: Any, how: str) -> None:
    case = committee_case()
    proposal = propose(case, stewards["alice"])
    votes(proposal, stewards, carol="no", alice="yes", bob="yes")
    lose_the_vote(stewards, case, how)
    assert tally(proposal) == Tally(yes=2, no=0, abstain=0, eligible=4)
    votes(proposal, stewards, dave="yes")
    assert status(proposal) == ProposalStatus.PASSED  # 3 of the 4 who may vote


@pytest.mark.parametrize("level", ["soft", "hard"])
def test_conflicted_and_undeclared_stewards_neither_vote_nor_count(stewards: dict[str, Any], committee_case: Any, level: str) -> None:
    case = committee_case({"alice": "none", "bob": "none", "carol": "none", "dave": level})  # Erin never declared
    assert {steward.username for steward in eligible_voters(case)} == {"alice", "bob", "carol"}
    proposal = propose(case, stewards["alice"])
    for name in ("dave", "erin", "frank"):
        assert not may_vote(stewards[name], case)
        with pytest.raises(ValidationError):
            do_vote(stewards[name], proposal, "yes")
    votes(proposal, stewards, alice="yes")
    assert status(proposal) == ProposalStatus.OPEN
    # Two of the three eligible: exactly two thirds. Were Dave and Erin counted as possible "no" votes, it could not pass yet.
    votes(proposal, stewards, bob="yes")
    assert status(proposal) == ProposalStatus.PASSED


def test_the_supermajority_counts_votes_cast_not_abstentions(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    exactly = propose(case, stewards["alice"])
    votes(exactly, stewards, alice="yes", bob="yes", carol="no", dave="abstain", erin="abstain")
    assert status(exactly) == ProposalStatus.PASSED  # 2 of 3 cast: exactly two thirds


def test_one_yes_short_of_the_supermajority_fails(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    short = propose(case, stewards["alice"])
    votes(short, stewards, alice="yes", bob="yes", carol="yes", dave="no")
    assert status(short) == ProposalStatus.OPEN  # 3 of 4 so far; a fifth "no" makes it 3 of 5
    votes(short, stewards, erin="no")
    assert status(short) == ProposalStatus.FAILED
    assert not Decision.objects.filter(case=case).exists()


def test_a_permanent_ban_needs_the_supermajority_even_with_a_majority_of_all(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    ban = propose(case, stewards["alice"], "permanent-ban", **SKIP)
    # 3 of 5 is a majority of all unconflicted stewards but less than two thirds of the votes cast.
    votes(ban, stewards, alice="yes", bob="yes", carol="yes", dave="no", erin="no")
    assert status(ban) == ProposalStatus.FAILED
    assert not Decision.objects.filter(case=case).exists()


def test_a_permanent_ban_passes_exactly_above_half_of_all_unconflicted(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    ban = propose(case, stewards["alice"], "permanent-ban", **SKIP)
    votes(ban, stewards, dave="abstain", erin="abstain", alice="yes", bob="yes")
    assert status(ban) == ProposalStatus.OPEN  # 2 of 5 is not more than half, but Carol may still say yes
    votes(ban, stewards, carol="yes")
    assert status(ban) == ProposalStatus.PASSED  # 3 of 5


def test_a_permanent_ban_with_half_of_all_unconflicted_fails(stewards: dict[str, Any], committee_case: Any) -> None:
    # Four unconflicted stewards (Erin soft): two yes is every vote cast, but only half of all four.
    case = committee_case({"alice": "none", "bob": "none", "carol": "none", "dave": "none", "erin": "soft"})
    ban = propose(case, stewards["alice"], "permanent-ban", **SKIP)
    votes(ban, stewards, alice="yes", bob="yes", carol="abstain", dave="abstain")
    assert status(ban) == ProposalStatus.FAILED
    temporary = propose(case, stewards["alice"], "temporary-ban", **SKIP)
    votes(temporary, stewards, alice="yes", bob="yes", carol="abstain")
    assert status(temporary) == ProposalStatus.PASSED  # two of at most three cast: anything short of a permanent ban passes


def test_a_case_decided_without_a_sanction_cannot_be_joined_into_another(stewards: dict[str, Any], committee_case: Any) -> None:
    """A decision (here one with no sanction, so no enforcement plan either) is never lost in a join."""
    decided, other = committee_case(), committee_case()
    proposal = propose(decided, stewards["alice"], "no-action")
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    assert status(proposal) == ProposalStatus.PASSED
    with pytest.raises(ValidationError):
        do_merge_cases(stewards["alice"], other, decided)
    decided.refresh_from_db()
    assert decided.merged_into is None and Decision.objects.filter(case=decided).exists()
