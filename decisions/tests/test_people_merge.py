"""Two person records found to be one human: nothing that pointed at either is lost."""

from typing import Any

import pytest

from cases.actions import do_send_message
from cases.models import Audience, Message, Party, PartyRole
from decisions.actions import ProposalInput, do_propose
from decisions.models import InformChoice, ResponseKind, Sanction
from decisions.records import do_record_inform, do_record_response
from decisions.tests.conftest import propose, votes
from people.actions import do_link_identity, person_for_identity
from people.models import Person, Space

pytestmark = pytest.mark.django_db


def test_folding_a_sanctioned_persons_party_keeps_the_sanction_the_proposal_and_the_messages(
    stewards: dict[str, Any], committee_case: Any
) -> None:
    """Mallory was named twice in one case, by GitHub handle and by Slack handle, and sanctioned under
    the first. Learning that both are one person must not delete what was about the first record."""
    case = committee_case({"alice": "none", "dave": "none"}, ready=False, reported_handle="mallory-gh")
    by_github = case.parties.get(role=PartyRole.REPORTED)
    by_slack = Party.objects.create(
        case=case, person=person_for_identity(Space.SLACK, "mallory.m", display_name="Mallory M"), role=PartyRole.REPORTED
    )
    do_send_message(stewards["dave"], case, Audience.REPORTED, "About the review thread.", party=by_github)
    do_record_inform(stewards["alice"], case, InformChoice.YES, "No risk in telling them.")
    do_record_response(stewards["alice"], case, by_github, ResponseKind.DECLINED)
    proposal = do_propose(stewards["alice"], case, ProposalInput(outcome="correction", target=by_github, rationale="Rude."))
    votes(proposal, stewards, alice="yes", dave="yes")
    sanction = Sanction.objects.get(decision__case=case)
    absorbed = by_github.person

    do_link_identity(stewards["alice"], by_slack.person, Space.GITHUB, "mallory-gh")

    assert not Person.objects.filter(pk=absorbed.pk).exists()
    assert list(case.parties.filter(role=PartyRole.REPORTED)) == [by_slack]
    sanction.refresh_from_db()
    proposal.refresh_from_db()
    assert sanction.person == by_slack.person and proposal.target == by_slack
    assert Message.objects.get(case=case, audience=Audience.REPORTED).party == by_slack
    assert case.response_records.get().party == by_slack


def test_a_protected_person_stays_protected_when_their_records_are_folded(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case({"alice": "none", "dave": "none"})
    proposal = propose(case, stewards["alice"], "correction")
    votes(proposal, stewards, alice="yes", dave="yes")
    sanction = Sanction.objects.get(decision__case=case)
    witness = person_for_identity(Space.SLACK, "wendy.w", display_name="Wendy")
    same_witness = person_for_identity(Space.EMAIL, "wendy@example.net", display_name="Wendy")
    sanction.no_contact.set([witness, same_witness])
    proposal.protected_people.set([witness])

    do_link_identity(stewards["alice"], same_witness, Space.SLACK, "wendy.w")

    assert list(sanction.no_contact.all()) == [same_witness]
    assert list(proposal.protected_people.all()) == [same_witness]
