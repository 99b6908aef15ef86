"""Issue #11: letters speak of protected people by role, and an anonymous reporter can be protected.

A no-contact order protects people; the letter to the reported person says "the person who
reported", "a witness", never a name, unless a steward recorded that the person agreed to be named.
The reporter reads "you". An anonymous reporter, who is no person in the case, is protected
through their report, and nothing in the letter or the log points at them.
"""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event
from cases.actions import InvolvedPerson, do_add_party, do_declare_conflict, do_send_message
from cases.models import Approval, Audience, Case, PartyRole
from decisions.appeals import do_decide_appeal, do_file_appeal
from decisions.models import Decision, Proposal, ProposalStatus, SanctionStatus
from decisions.tests.conftest import COMMITTEE, make_ready, new_case, propose, reported, reporter, votes
from enforcement.watching import sanctions_in_force
from letters.actions import do_approve_message
from letters.fill import fill_letter
from letters.leakcheck import check_text
from letters.models import LetterKind
from people.models import Space

pytestmark = pytest.mark.django_db

WITNESS = "Wendy Witness"


def _letter_to_reported(case: Case, language: str = "en") -> str:
    letter = fill_letter(LetterKind.DECISION_REPORTED, language, case, audience=Audience.REPORTED, party=reported(case))
    assert letter is not None
    return letter.body


def _ready(case: Case, stewards: dict[str, Any]) -> Case:
    for name in COMMITTEE:
        if not case.declarations.filter(steward=stewards[name]).exists():
            do_declare_conflict(stewards[name], case, "none")
    make_ready(case, stewards["alice"])
    case.refresh_from_db()
    return case


def _pass(case: Case, stewards: dict[str, Any]) -> None:
    proposal = Proposal.objects.get(case=case, status=ProposalStatus.OPEN)
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PASSED


def test_an_anonymous_reporter_is_protected_and_named_by_nobody(stewards: dict[str, Any], login: Any, clock: Any) -> None:
    case = _ready(new_case(anonymous=True, reporter_name="Rita Reporter", reporter_email="rita@example.net")[0], stewards)
    report = case.reports.get()
    assert not case.parties.filter(role=PartyRole.REPORTER).exists()  # nobody to put on a list of people

    # The steward chooses "the person who made report R-…" on the proposal form.
    page = login(stewards["alice"]).get(reverse("cases:detail", kwargs={"code": case.code_name})).content.decode()
    assert f'value="report-{report.pk}"' in page
    response = login(stewards["alice"]).post(
        reverse("decisions:propose", kwargs={"code": case.code_name}),
        {
            "outcome": "warning",
            "target": reported(case).pk,
            "period_days": "30",
            "protected_people": [f"report-{report.pk}"],
            "rationale": "Insults.",
        },
    )
    assert response.status_code == 302
    _pass(case, stewards)
    sanction = Decision.objects.get(case=case).sanctions.get()
    assert list(sanction.no_contact_reports.all()) == [report] and not sanction.no_contact.exists()

    body = _letter_to_reported(case)
    assert "No-contact order: Do not contact the person who reported until 2026-04-01." in body
    assert report.reference not in body and check_text(case, body) == []
    # The letter goes out: drafted, approved by a second steward, released.
    message = do_send_message(stewards["alice"], case, Audience.REPORTED, body, party=reported(case))
    assert do_approve_message(stewards["bob"], case, message.pk).approval == Approval.APPROVED

    # The watch covers known identities only: this order has nobody it could recognise in a space.
    assert sanction not in sanctions_in_force({reported(case).person_id})
    # The log says how many are protected, never which report.
    created = Event.objects.get(case_id=case.pk, kind="sanction.created")
    assert created.data == {"sanction": sanction.pk, "no_contact": 1} and report.reference not in created.summary

    # Changed on appeal: the reporter stays protected.
    appeal = do_file_appeal(Decision.objects.get(case=case), "reported", ["disproportionate"], "Too long.")
    do_decide_appeal(stewards["erin"], appeal, "changed", "Two weeks.", "warning", 14)
    new = Decision.objects.get(case=case).sanctions.get(status=SanctionStatus.ACTIVE)
    assert list(new.no_contact_reports.all()) == [report]
    assert "Do not contact the person who reported until 2026-03-16." in _letter_to_reported(case)


def test_a_named_report_is_protected_as_its_person_not_its_report(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    with pytest.raises(ValidationError, match="not linked as a person"):
        propose(case, stewards["alice"], "warning", protected_people=[], protected_reports=[case.reports.get()])


def test_the_reporter_reads_you_on_their_letter_and_page(stewards: dict[str, Any], login: Any, client: Any, clock: Any) -> None:
    case, receipt = new_case()
    case = _ready(case, stewards)
    propose(case, stewards["alice"], "warning")  # protects the reporter, Rita
    _pass(case, stewards)

    composed = login(stewards["bob"]).get(
        reverse("letters:compose", kwargs={"code": case.code_name}),
        {"kind": LetterKind.DECISION_REPORTER, "language": "en", "audience": f"reporter:{receipt.reference}"},
    )
    text = composed.content.decode()
    assert "The decision orders the reported person not to contact you until 2026-04-01." in text
    assert "Do not contact Rita" not in text

    letter = fill_letter(LetterKind.DECISION_REPORTER, "en", case, audience=Audience.REPORTER, report=case.reports.get())
    assert letter is not None
    do_send_message(stewards["bob"], case, Audience.REPORTER, letter.body, report=case.reports.get())
    client.logout()
    link = reverse("intake:follow_up", kwargs={"reference": receipt.reference, "secret": receipt.secret})
    portal = client.get(link, follow=True).content.decode()
    assert "Do not contact Rita" not in portal and "Rita Reporter" not in portal
    assert "The decision orders the reported person not to contact you." in portal  # the decision section
    assert "not to contact you until 2026-04-01." in portal  # the letter in the thread


def test_a_named_reporter_is_named_only_after_a_steward_records_consent(
    stewards: dict[str, Any], committee_case: Any, login: Any, clock: Any
) -> None:
    case = committee_case()
    propose(case, stewards["alice"], "warning")
    _pass(case, stewards)
    body = _letter_to_reported(case)
    assert "Do not contact the person who reported until 2026-04-01." in body and "Rita" not in body

    party = reporter(case)
    url = reverse("cases:record_naming_consent", kwargs={"code": case.code_name})
    assert login(stewards["bob"]).post(url, {"party": party.pk, "agreed": "yes"}).status_code == 302
    party.refresh_from_db()
    assert party.agreed_to_be_named
    event = Event.objects.filter(case_id=case.pk, kind="party.naming_consent").get()
    assert event.actor_id == stewards["bob"].pk and "Rita" not in event.summary
    named = _letter_to_reported(case)
    assert "Do not contact Rita Reporter until 2026-04-01." in named
    # The consent is to the name: the letter that uses it is not blocked as a leak, but an address still is.
    assert check_text(case, named) == []
    assert [finding.kind for finding in check_text(case, named + " Write to rita@example.net.")] == ["email"]

    login(stewards["bob"]).post(url, {"party": party.pk, "agreed": "no"})  # withdrawn: back to the role
    assert "name" in {finding.kind for finding in check_text(case, named)}
    assert "Do not contact the person who reported until 2026-04-01." in _letter_to_reported(case)
    # The reported person gives no consent that matters: there is nothing to record for them.
    login(stewards["bob"]).post(url, {"party": reported(case).pk, "agreed": "yes"})
    assert not reported(case).agreed_to_be_named


def test_witnesses_are_a_witness_until_they_agree_in_both_languages(stewards: dict[str, Any], committee_case: Any, clock: Any) -> None:
    case = committee_case()
    witness = do_add_party(stewards["alice"], case, InvolvedPerson(PartyRole.WITNESS, WITNESS, Space.GITHUB, "wendy-w"))
    propose(case, stewards["alice"], "warning", protected_people=[reporter(case).person, witness.person])
    _pass(case, stewards)
    body = _letter_to_reported(case)
    assert "Do not contact the person who reported and a witness until 2026-04-01." in body
    assert WITNESS not in body and "wendy" not in body
    spanish = _letter_to_reported(case, "es")
    assert "Orden de no contacto: No contactes con la persona que informó y una persona testigo hasta el 2026-04-01." in spanish

    to_reporter = fill_letter(LetterKind.DECISION_REPORTER, "es", case, audience=Audience.REPORTER, report=case.reports.get())
    assert to_reporter is not None
    assert "La decisión prohíbe a la persona denunciada contactar contigo o con 1 persona más hasta el 2026-04-01." in to_reporter.body

    from cases.actions import do_record_naming_consent

    do_record_naming_consent(stewards["alice"], case, witness.pk, True)
    assert f"Do not contact {WITNESS} and the person who reported until 2026-04-01." in _letter_to_reported(case)


def test_two_reporters_one_anonymous_each_read_you(stewards: dict[str, Any], clock: Any) -> None:
    """Joined cases: Rita (named) and an anonymous reporter are both protected; each reads "you", nobody a name."""
    from cases.actions import do_declare_conflict, do_merge_cases

    case, _receipt = new_case()
    other, _other_receipt = new_case(anonymous=True, reporter_name="", reporter_email="")
    anonymous = other.reports.get()
    for each in (case, other):  # only a steward with no conflict on both cases joins them
        do_declare_conflict(stewards["alice"], each, "none")
    do_merge_cases(stewards["alice"], case, other)
    case = _ready(case, stewards)
    named = case.reports.exclude(pk=anonymous.pk).get()
    propose(case, stewards["alice"], "warning", protected_people=[reporter(case).person], protected_reports=[anonymous])
    _pass(case, stewards)

    body = _letter_to_reported(case)
    assert "Do not contact the people who reported until 2026-04-01." in body and check_text(case, body) == []
    for report in (named, anonymous):
        letter = fill_letter(LetterKind.DECISION_REPORTER, "en", case, audience=Audience.REPORTER, report=report)
        assert letter is not None
        assert "The decision orders the reported person not to contact you or 1 other person until 2026-04-01." in letter.body
        assert "Rita" not in letter.body and "reported until" not in letter.body
