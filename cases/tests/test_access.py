"""The access layer's rules, case by case (the URL walk is tests/test_access_matrix.py)."""

import pytest
from django.http import Http404

from cases.access import (
    Need,
    Standing,
    access_case,
    access_report_by_link,
    quorum_for,
    readable_cases,
    standing,
    undeclared_cases,
)
from cases.actions import InvolvedPerson, do_declare_conflict
from cases.models import Case, ConflictLevel, PartyRole
from intake.actions import Submission, do_submit_report
from people.actions import do_deactivate_steward, do_link_identity
from people.models import Space


@pytest.fixture
def case_about_bob(stewards):
    """Bob is the reported person (by GitHub handle); the reporter kept Carol out."""
    receipt = do_submit_report(
        Submission(
            body="Bob insulted me in a review.",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Bob", Space.GITHUB, "@BOB")],
            excluded_steward_ids=[stewards["carol"].pk],
        )
    )
    return Case.objects.get(code_name=receipt.case_code_name), receipt


def test_party_and_excluded_stewards_are_hard_conflicted_automatically(stewards, case_about_bob):
    case, _ = case_about_bob
    assert standing(stewards["bob"], case) is Standing.HIDDEN
    assert standing(stewards["carol"], case) is Standing.HIDDEN
    assert standing(stewards["dave"], case) is Standing.UNDECLARED
    for name in ("bob", "carol"):
        for need in Need:
            with pytest.raises(Http404):
                access_case(stewards[name], case.code_name, need)
        assert case not in undeclared_cases(stewards[name])
        assert case not in readable_cases(stewards[name])


def test_party_status_cannot_be_undone_by_declaring_none(stewards, case_about_bob):
    case, _ = case_about_bob
    do_declare_conflict(stewards["bob"], case, ConflictLevel.NONE)
    with pytest.raises(Http404):
        access_case(stewards["bob"], case.code_name, Need.READ)


def test_undeclared_steward_sees_code_name_only_until_declaring(stewards, case_about_bob):
    case, _ = case_about_bob
    dave = stewards["dave"]
    assert access_case(dave, case.code_name, Need.CODE_NAME) == case
    with pytest.raises(Http404):
        access_case(dave, case.code_name, Need.READ)
    assert case in undeclared_cases(dave) and case not in readable_cases(dave)
    do_declare_conflict(dave, case, ConflictLevel.NONE)
    assert access_case(dave, case.code_name, Need.VOTE) == case
    assert case in readable_cases(dave) and case not in undeclared_cases(dave)


def test_soft_conflict_reads_while_allowed_and_never_votes(stewards, case_about_bob):
    case, _ = case_about_bob
    erin = stewards["erin"]
    do_declare_conflict(erin, case, ConflictLevel.SOFT)
    assert access_case(erin, case.code_name, Need.READ) == case
    with pytest.raises(Http404):
        access_case(erin, case.code_name, Need.VOTE)
    Case.objects.filter(pk=case.pk).update(soft_conflicted_may_read=False)
    with pytest.raises(Http404):
        access_case(erin, case.code_name, Need.READ)
    assert case not in readable_cases(erin)


def test_hard_declaration_hides_everything(stewards, case_about_bob):
    case, _ = case_about_bob
    do_declare_conflict(stewards["alice"], case, ConflictLevel.HARD)
    for need in Need:
        with pytest.raises(Http404):
            access_case(stewards["alice"], case.code_name, need)
    assert case not in undeclared_cases(stewards["alice"])


def test_deactivated_steward_loses_access_at_once(stewards, case_about_bob):
    case, _ = case_about_bob
    dave = stewards["dave"]
    do_declare_conflict(dave, case, ConflictLevel.NONE)
    assert access_case(dave, case.code_name, Need.READ) == case
    do_deactivate_steward(None, dave.steward_profile)
    dave.refresh_from_db()
    with pytest.raises(Http404):
        access_case(dave, case.code_name, Need.CODE_NAME)
    assert not readable_cases(dave).exists()


def test_linking_an_identity_later_makes_the_steward_a_party(stewards):
    receipt = do_submit_report(Submission(body="x", involved_people=[InvolvedPerson(PartyRole.WITNESS, "", Space.DISCORD, "daveD#1")]))
    case = Case.objects.get(code_name=receipt.case_code_name)
    assert standing(stewards["dave"], case) is Standing.UNDECLARED
    do_link_identity(None, stewards["dave"].steward_profile.person, Space.DISCORD, "DaveD#1")
    assert standing(stewards["dave"], case) is Standing.HIDDEN


def test_reporting_steward_is_a_party(stewards):
    receipt = do_submit_report(Submission(body="x", reporter_email="Erin@example.org"))
    case = Case.objects.get(code_name=receipt.case_code_name)
    assert standing(stewards["erin"], case) is Standing.HIDDEN


def test_follow_up_link_needs_the_exact_secret(stewards, case_about_bob):
    _, receipt = case_about_bob
    report = access_report_by_link(receipt.reference, receipt.secret)
    assert report.reference == receipt.reference
    for reference, secret in [
        (receipt.reference, receipt.secret[:-1]),
        (receipt.reference, receipt.secret + "x"),
        ("R-AAAA-AAAA", receipt.secret),
        (receipt.reference, ""),
    ]:
        with pytest.raises(Http404):
            access_report_by_link(reference, secret)


def test_quorum_guard_sends_case_outside_when_too_few_can_act(stewards, case_about_bob):
    case, _ = case_about_bob
    # Five active stewards; Bob (party) and Carol (excluded) are out: 3 remain, quorum still met.
    quorum = quorum_for(case)
    assert (quorum.not_hard_conflicted, quorum.met) == (3, True)
    assert not case.needs_outside_contact
    do_declare_conflict(stewards["dave"], case, ConflictLevel.HARD)
    case.refresh_from_db()
    assert case.needs_outside_contact
    assert quorum_for(case).not_hard_conflicted == 2


def test_quorum_needs_someone_possibly_unconflicted(stewards):
    receipt = do_submit_report(Submission(body="x"))
    case = Case.objects.get(code_name=receipt.case_code_name)
    for name in ("alice", "bob", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], case, ConflictLevel.SOFT)
    case.refresh_from_db()
    assert case.needs_outside_contact
    assert quorum_for(case).unconflicted == 0
