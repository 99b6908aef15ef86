"""Joining a case: the joined case's history (ended votes, screening flags) leads to the result, while what
belongs to the joined case's own past (mails already sent about it, its retention) stays with it; and no record
kind nobody has decided on is ever carried along or left behind by accident."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import merging
from cases.actions import InvolvedPerson, do_merge_cases
from cases.models import Case, PartyRole
from decisions.actions import ProposalInput, do_propose, do_withdraw
from decisions.models import Proposal
from enforcement.models import StewardNotice
from people.models import Space
from privacy.models import CaseRetention
from screening.tests.flagging import flag, github, scripted  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

MALLORY = InvolvedPerson(PartyRole.REPORTED, "Mallory", Space.GITHUB, "mallory-gh")


def test_an_ended_vote_on_the_joined_case_is_part_of_the_result(make_case: Any, stewards: Any) -> None:
    """A withdrawn proposal is history the committee must still see: the next vote on the group weighs it."""
    dave = stewards["dave"]
    a = make_case("A", readers=("dave", "erin"))
    b = make_case("B", readers=("dave", "erin"), involved_people=[MALLORY])
    proposal = do_propose(dave, b, ProposalInput(outcome="correction", target=b.parties.get(role=PartyRole.REPORTED), rationale="Rude."))
    do_withdraw(dave, proposal)

    do_merge_cases(dave, a, b)

    proposal.refresh_from_db()
    assert proposal.case_id == a.pk
    assert proposal.target.case_id == a.pk, "the proposal's person is the same person in the result"


@pytest.mark.usefixtures("scripted")
def test_a_screening_flag_linked_to_the_joined_case_leads_to_the_result(
    make_case: Any, stewards: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dave = stewards["dave"]
    a = make_case("A", readers=("dave",))
    b = make_case("B", readers=("dave",))
    connection = github(monkeypatch)
    linked = flag(connection, "7", case=b)
    other = flag(connection, "8", case=a)

    do_merge_cases(dave, a, b)

    linked.refresh_from_db()
    other.refresh_from_db()
    assert linked.case_id == a.pk and other.case_id == a.pk


def test_mail_already_sent_to_stewards_about_the_joined_case_stays_with_it(make_case: Any, stewards: Any) -> None:
    """A notice names the case it was about; moving it would rewrite what a steward was told, and a notice
    with the same topic on the result would then be taken as already sent."""
    dave = stewards["dave"]
    a = make_case("A", readers=("dave",))
    b = make_case("B", readers=("dave",))
    sent = StewardNotice.objects.create(case=b, topic="check-in:1", steward=dave, subject="Check in on B", body="B", sent_at=timezone.now())

    do_merge_cases(dave, a, b)

    sent.refresh_from_db()
    assert sent.case_id == b.pk


def test_the_result_keeps_its_own_retention_and_the_joined_case_keeps_its_own(make_case: Any, stewards: Any) -> None:
    """The result's retention decides for the group (privacy.erasure); the joined case's row is not carried over it
    (the joined case's own clock is set again when it closes, which is its business, not the result's)."""
    dave = stewards["dave"]
    a = make_case("A", readers=("dave",))
    b = make_case("B", readers=("dave",))
    soon, later = timezone.now() + timedelta(days=30), timezone.now() + timedelta(days=7000)
    a_row, _ = CaseRetention.objects.update_or_create(case=a, defaults={"retain_until": later})
    b_row, _ = CaseRetention.objects.update_or_create(case=b, defaults={"retain_until": soon})

    do_merge_cases(dave, a, b)

    assert CaseRetention.objects.get(case=a).pk == a_row.pk and CaseRetention.objects.get(case=a).retain_until == later
    assert CaseRetention.objects.get(case=b).pk == b_row.pk


@pytest.mark.parametrize("undecided", [("letters.OutgoingMail", "case"), ("privacy.CaseRetention", "case")])
def test_a_record_kind_nobody_decided_on_blocks_every_join(
    make_case: Any, stewards: Any, monkeypatch: pytest.MonkeyPatch, undecided: tuple[str, str]
) -> None:
    """A new model pointing at cases is neither moved nor left behind silently: joins stop until it is decided."""
    dave = stewards["dave"]
    a = make_case("A", readers=("dave",))
    b = make_case("B", readers=("dave",))
    relations = dict(merging.RELATIONS)
    del relations[undecided]
    monkeypatch.setattr(merging, "RELATIONS", relations)

    with pytest.raises(ValidationError, match="cannot be joined until") as refused:
        do_merge_cases(dave, a, b)

    assert str(undecided) in str(refused.value)
    b.refresh_from_db()
    assert b.merged_into_id is None and not Case.objects.filter(merged_into=a).exists()
    assert not Proposal.objects.exists()
