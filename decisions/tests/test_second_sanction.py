"""One active sanction per person per case: a second one only by replacing the first (an escalation
that ends it) or through an appeal."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from decisions.models import ProposalStatus, Sanction, SanctionStatus
from decisions.tests.conftest import kinds, propose, votes

pytestmark = pytest.mark.django_db

ONE_VOTER = {"alice": "none", "dave": "none"}


def _sanctioned(case: Any, stewards: dict[str, Any]) -> Sanction:
    proposal = propose(case, stewards["alice"], "correction")
    votes(proposal, stewards, alice="yes", dave="yes")
    return Sanction.objects.get(decision__case=case)


def test_a_second_sanction_for_the_same_person_is_refused(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case(ONE_VOTER)
    first = _sanctioned(case, stewards)
    with pytest.raises(ValidationError, match="already has an active sanction"):
        propose(case, stewards["alice"], "warning")
    assert list(Sanction.objects.filter(decision__case=case)) == [first]


def test_two_proposals_side_by_side_cannot_both_sanction(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case(ONE_VOTER)
    correction = propose(case, stewards["alice"], "correction")
    warning = propose(case, stewards["dave"], "warning")
    votes(correction, stewards, alice="yes", dave="yes")
    votes(warning, stewards, alice="yes", dave="yes")
    warning.refresh_from_db()
    assert warning.status == ProposalStatus.FAILED and "proposal.refused" in kinds(case)
    assert Sanction.objects.filter(decision__case=case, status=SanctionStatus.ACTIVE).count() == 1


def test_an_escalation_replaces_the_active_sanction(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case(ONE_VOTER)
    first = _sanctioned(case, stewards)
    with pytest.raises(ValidationError, match="Only an active sanction"):
        propose(case, stewards["alice"], "warning", replaces=Sanction(pk=first.pk + 100))
    escalation = propose(case, stewards["alice"], "warning", replaces=first)
    votes(escalation, stewards, alice="yes", dave="yes")
    first.refresh_from_db()
    second = Sanction.objects.get(decision__proposal=escalation)
    assert first.status == SanctionStatus.REPLACED and second.replaces == first
    assert list(Sanction.objects.filter(decision__case=case, status=SanctionStatus.ACTIVE)) == [second]


def test_a_sanction_that_ended_no_longer_blocks(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case(ONE_VOTER)
    first = _sanctioned(case, stewards)
    Sanction.objects.filter(pk=first.pk).update(status=SanctionStatus.LIFTED)
    proposal = propose(case, stewards["alice"], "warning")
    assert proposal.status == ProposalStatus.OPEN
