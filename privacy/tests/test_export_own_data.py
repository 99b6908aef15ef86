"""A person's export holds what is about them or from them; other people's words never.

Two reporters on one case (two reports merged into one), two reported people with a decision about
one of them: each person's export is checked for what belongs to somebody else.
"""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.actions import InvolvedPerson, do_declare_conflict, do_merge_cases, do_reporter_reply, do_send_message
from cases.models import Audience, Case, Party, PartyRole, Report
from decisions.actions import ProposalInput, do_propose, do_vote
from decisions.models import InformChoice, ResponseKind
from decisions.records import do_record_inform, do_record_response
from intake.actions import Submission, do_submit_report
from letters.actions import do_approve_message
from people.models import Identity, Person, Space
from privacy.actions import do_open_data_request

COMMITTEE = ("alice", "bob", "carol", "dave", "erin")
RITA_BODY = "RITA-REPORT Ivan mocked my talk in the chat"
QUINN_BODY = "QUINN-REPORT Ivan mocked the speaker again afterwards"


def exported(client: Client, admin: Any, subject: Person, *, report_text: bool = False) -> tuple[str, dict[str, Any]]:
    """The export as an admin downloads it (through the view, as on any path out of a case)."""
    request = do_open_data_request(admin, subject)
    url = reverse("privacy:request_export", kwargs={"pk": request.pk}) + ("?report_text=1" if report_text else "")
    response = client.get(url)
    assert response.status_code == 200
    payload = json.loads(response.content)
    return json.dumps(payload, ensure_ascii=False), payload


def report_case(body: str, name: str, email: str, *reported: tuple[str, str]) -> Case:
    involved = [InvolvedPerson(PartyRole.REPORTED, display, Space.GITHUB, handle) for display, handle in reported]
    receipt = do_submit_report(Submission(body=body, reporter_name=name, reporter_email=email, involved_people=involved))
    return Case.objects.get(code_name=receipt.case_code_name)


def person(space: str, handle: str) -> Person:
    return Identity.objects.get(space=space, handle=handle).person


def declare_all(stewards: dict[str, Any], case: Case) -> None:
    for name in COMMITTEE:
        do_declare_conflict(stewards[name], case, "none")


@pytest.mark.django_db
def test_a_reporter_gets_only_their_own_report_and_thread_on_a_merged_case(stewards, login) -> None:
    rita_case = report_case(RITA_BODY, "Rita Reporter", "rita@example.net", ("Ivan", "ivan-gh"))
    quinn_case = report_case(QUINN_BODY, "Quinn Secondreporter", "quinn@example.net", ("Ivan", "ivan-gh"))
    rita_report, quinn_report = Report.objects.get(case=rita_case), Report.objects.get(case=quinn_case)
    declare_all(stewards, rita_case)
    declare_all(stewards, quinn_case)
    do_merge_cases(stewards["dave"], rita_case, quinn_case)
    rita_report.refresh_from_db()
    quinn_report.refresh_from_db()
    do_send_message(stewards["dave"], rita_case, Audience.REPORTER, "TO-RITA thank you for your report", report=rita_report)
    do_send_message(stewards["dave"], rita_case, Audience.REPORTER, "TO-QUINN can you tell us more", report=quinn_report)
    do_reporter_reply(quinn_report, "QUINN-REPLY it happened twice", [])
    do_reporter_reply(rita_report, "RITA-REPLY here is the link", [])

    alice = login(stewards["alice"])  # an admin with no conflict on the case
    rita, _ = exported(alice, stewards["alice"], person(Space.EMAIL, "rita@example.net"), report_text=True)
    for own in (RITA_BODY, "TO-RITA", "RITA-REPLY"):
        assert own in rita, own
    for other in (QUINN_BODY, "TO-QUINN", "QUINN-REPLY", "Quinn Secondreporter", "quinn@example.net"):
        assert other not in rita, other

    quinn, _ = exported(alice, stewards["alice"], person(Space.EMAIL, "quinn@example.net"), report_text=True)
    for own in (QUINN_BODY, "TO-QUINN", "QUINN-REPLY"):
        assert own in quinn, own
    for other in (RITA_BODY, "TO-RITA", "RITA-REPLY", "Rita Reporter", "rita@example.net"):
        assert other not in quinn, other


@pytest.mark.django_db
def test_a_decision_and_letters_reach_only_the_person_they_are_about(stewards, login) -> None:
    case = report_case(RITA_BODY, "Rita Reporter", "rita@example.net", ("Ivan", "ivan-gh"), ("Pat", "pat-gh"))
    declare_all(stewards, case)
    ivan_party = Party.objects.get(case=case, person=person(Space.GITHUB, "ivan-gh"))
    pat_party = Party.objects.get(case=case, person=person(Space.GITHUB, "pat-gh"))
    do_record_inform(stewards["alice"], case, InformChoice.YES, "No risk in telling them.")
    do_record_response(stewards["alice"], case, ivan_party, ResponseKind.RESPONSE, "IVAN-RESPONSE it was a joke")
    do_record_response(stewards["alice"], case, pat_party, ResponseKind.RESPONSE, "PAT-RESPONSE I was not there")
    letter = do_send_message(stewards["dave"], case, Audience.REPORTED, "TO-IVAN-APPROVED please stop", party=ivan_party)
    do_approve_message(stewards["erin"], case, letter.pk)
    do_send_message(stewards["dave"], case, Audience.REPORTED, "TO-IVAN-DRAFT not yet approved", party=ivan_party)
    pat_letter = do_send_message(stewards["dave"], case, Audience.REPORTED, "TO-PAT-APPROVED we closed your part", party=pat_party)
    do_approve_message(stewards["erin"], case, pat_letter.pk)
    proposal = do_propose(
        stewards["alice"],
        case,
        ProposalInput(
            outcome="warning",
            target=ivan_party,
            period_days=30,
            rationale="Clear impact.",
            protected_people=[person(Space.EMAIL, "rita@example.net")],
        ),
    )
    for name in COMMITTEE:
        do_vote(stewards[name], proposal, "yes")
        proposal.refresh_from_db()
        if proposal.status != "open":
            break

    alice = login(stewards["alice"])  # an admin with no conflict on the case
    pat, pat_export = exported(alice, stewards["alice"], pat_party.person)
    assert pat_export["cases"][0]["decisions"] == []  # the warning is Ivan's
    assert "TO-PAT-APPROVED" in pat and "PAT-RESPONSE" in pat
    for other in ("TO-IVAN", "IVAN-RESPONSE", '"warning"'):
        assert other not in pat, other

    rita, rita_export = exported(alice, stewards["alice"], person(Space.EMAIL, "rita@example.net"))
    assert rita_export["cases"][0]["decisions"] == []
    for other in ("TO-IVAN", "TO-PAT", "IVAN-RESPONSE", "PAT-RESPONSE", '"warning"'):
        assert other not in rita, other

    ivan, ivan_export = exported(alice, stewards["alice"], ivan_party.person)
    [ivan_entry] = ivan_export["cases"]
    [decision] = ivan_entry["decisions"]
    assert decision["outcome"] == "warning" and [s["level"] for s in decision["sanctions"]] == ["warning"]
    assert "TO-IVAN-APPROVED" in ivan and "IVAN-RESPONSE" in ivan
    for other in ("TO-IVAN-DRAFT", "TO-PAT-APPROVED", "PAT-RESPONSE"):
        assert other not in ivan, other
