"""Exactly what each person's export holds (GDPR 15, with 15(4): never other people's words or identities).

Two cases about the same two reported people, Ivan and Pat:
- case A: Rita reports; Walter is a witness. Letters: one approved and one awaiting approval to Ivan, one
  approved to Pat. Both answer; Ivan has a portal link. Decision: a warning for Ivan.
- case B: Quinn reports, and Rita reports there too (her second report joined into B). Letters: one approved
  to Ivan, one awaiting approval to Pat. Ivan answers, Pat declines to. Decision: no action, for the whole case.

Every person's export, case by case, is compared with what the promise gives them, in full: a letter in the
wrong case, a letter still waiting for its second steward, another person's letter, response, link, decision or
report, or another reporter's thread, in any person's export, fails the comparison.
"""

import json
from dataclasses import dataclass
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
from letters.actions import do_approve_message, do_create_party_link, do_party_reply
from people.models import Identity, Person, Space
from privacy.actions import do_open_data_request
from privacy.export import REDACTED

pytestmark = pytest.mark.django_db

COMMITTEE = ("alice", "bob", "carol", "dave", "erin")
IVAN, PAT, WALTER = ("Ivan Reported", "ivan-gh"), ("Pat Reported", "pat-gh"), ("Walter Witnessman", "walter-gh")
RITA_EMAIL, QUINN_EMAIL = "rita@example.net", "quinn@example.net"
A_RITA = "FIRST-REPORT Ivan talked over me at every standup; call me on 020 7946 0958"  # her own number
A_RITA_REDACTED = f"FIRST-REPORT Ivan talked over me at every standup; call me on {REDACTED}"
RITA_CONTACT = "+44 20 7946 0958"
B_QUINN = "SECOND-REPORT Ivan and Pat mocked Rita Reporter in the channel"  # names the other reporter
B_RITA = "THIRD-REPORT Pat joined in when Ivan mocked me; Quinn (tern.quay, 06 4817 2950) saw it"
WITHHELD = "%d report(s); text withheld to protect the people who reported"
# Rita's report in B with the other reporter cut out: name, handle and number from her contact details.
B_RITA_REDACTED = f"THIRD-REPORT Pat joined in when Ivan mocked me; {REDACTED} ({REDACTED}, {REDACTED}) saw it"
QUINN_CONTACT = "Signal: @tern.quay, or call +31 6 4817 2950"
NOT_ABOUT_YOU = "Not included: the reports are not about you."


@dataclass
class Cases:
    a: Case
    b: Case


def report(body: str, name: str, email: str, *involved: InvolvedPerson, contact: str = "") -> Case:
    receipt = do_submit_report(
        Submission(body=body, reporter_name=name, reporter_email=email, reporter_other_contact=contact, involved_people=list(involved))
    )
    return Case.objects.get(code_name=receipt.case_code_name)


def reported(who: tuple[str, str]) -> InvolvedPerson:
    return InvolvedPerson(PartyRole.REPORTED, who[0], Space.GITHUB, who[1])


def person(space: str, handle: str) -> Person:
    return Identity.objects.get(space=space, handle=handle).person


def party(case: Case, handle: str) -> Party:
    return Party.objects.get(case=case, person=person(Space.GITHUB, handle))


def own_report(case: Case, body: str) -> Report:
    return next(item for item in Report.objects.filter(case=case) if item.body == body)


def letter(stewards: dict[str, Any], case: Case, to: str, text: str, *, approved: bool) -> None:
    message = do_send_message(stewards["dave"], case, Audience.REPORTED, text, party=party(case, to))
    if approved:
        do_approve_message(stewards["erin"], case, message.pk)


def decide(stewards: dict[str, Any], case: Case, data: ProposalInput) -> None:
    proposal = do_propose(stewards["alice"], case, data)
    for name in COMMITTEE:
        do_vote(stewards[name], proposal, "yes")
        proposal.refresh_from_db()
        if proposal.status != "open":
            break
    assert proposal.status != "open"


@pytest.fixture
def cases(stewards: dict[str, Any]) -> Cases:
    witness = InvolvedPerson(PartyRole.WITNESS, WALTER[0], Space.GITHUB, WALTER[1])
    a = report(A_RITA, "Rita Reporter", RITA_EMAIL, reported(IVAN), reported(PAT), witness, contact=RITA_CONTACT)
    b = report(B_QUINN, "Quinn Secondreporter", QUINN_EMAIL, reported(IVAN), reported(PAT), contact=QUINN_CONTACT)
    rita_in_b = report(B_RITA, "Rita Reporter", RITA_EMAIL, reported(IVAN))
    for case in (a, b, rita_in_b):
        for name in COMMITTEE:
            do_declare_conflict(stewards[name], case, "none")
    do_merge_cases(stewards["dave"], b, rita_in_b)

    # Reporters' threads: each hangs on its own report.
    a_rita, b_rita, b_quinn = own_report(a, A_RITA), own_report(b, B_RITA), own_report(b, B_QUINN)
    do_send_message(stewards["dave"], a, Audience.REPORTER, "A-TO-RITA thank you", report=a_rita)
    do_reporter_reply(a_rita, "A-RITA-REPLY here is the link", [])
    do_send_message(stewards["dave"], b, Audience.REPORTER, "B-TO-RITA thank you again", report=b_rita)
    do_send_message(stewards["dave"], b, Audience.REPORTER, "B-TO-QUINN can you tell us more", report=b_quinn)
    do_reporter_reply(b_quinn, "B-QUINN-REPLY it happened twice", [])

    # Letters to the reported people, their answers, a portal link.
    for case in (a, b):
        do_record_inform(stewards["alice"], case, InformChoice.YES, "No risk in telling them.")
    letter(stewards, a, IVAN[1], "A-TO-IVAN-APPROVED please stop", approved=True)
    letter(stewards, a, IVAN[1], "A-TO-IVAN-AWAITING a second steward has not approved this", approved=False)
    letter(stewards, a, PAT[1], "A-TO-PAT-APPROVED we are looking into it", approved=True)
    letter(stewards, b, IVAN[1], "B-TO-IVAN-APPROVED another report came in", approved=True)
    letter(stewards, b, PAT[1], "B-TO-PAT-AWAITING a second steward has not approved this", approved=False)
    link = do_create_party_link(stewards["alice"], a, party(a, IVAN[1])).link
    do_party_reply(link, "A-FROM-IVAN I disagree")
    do_record_response(stewards["alice"], a, party(a, IVAN[1]), ResponseKind.RESPONSE, "A-IVAN-RESPONSE it was a joke")
    do_record_response(stewards["alice"], a, party(a, PAT[1]), ResponseKind.RESPONSE, "A-PAT-RESPONSE I was not there")
    do_record_response(stewards["alice"], b, party(b, IVAN[1]), ResponseKind.RESPONSE, "B-IVAN-RESPONSE not again")
    do_record_response(stewards["alice"], b, party(b, PAT[1]), ResponseKind.DECLINED)

    # Decisions: a warning for Ivan in A; no action, for everyone, in B.
    rita = person(Space.EMAIL, RITA_EMAIL)
    decide(
        stewards,
        a,
        ProposalInput(outcome="warning", target=party(a, IVAN[1]), period_days=30, rationale="Impact.", protected_people=[rita]),
    )
    decide(stewards, b, ProposalInput(outcome="no-action", rationale="Not enough to act on."))
    return Cases(a, b)


def exported(client: Client, admin: Any, subject: Person, *, report_text: bool) -> dict[str, Any]:
    request = do_open_data_request(admin, subject)
    url = reverse("privacy:request_export", kwargs={"pk": request.pk}) + ("?report_text=1" if report_text else "")
    response = client.get(url)
    assert response.status_code == 200
    return json.loads(response.content)


def holds(entry: dict[str, Any]) -> dict[str, Any]:
    """What one case of an export holds, as comparable values."""
    return {
        "role": entry["your_role"],
        "messages": [(row["from_you"], row["text"]) for row in entry["messages_to_you"]],
        "decisions": [(row["outcome"], [sanction["level"] for sanction in row["sanctions"]]) for row in entry["decisions"]],
        "responses": [(row["kind"], row["text"]) for row in entry["your_responses"]],
        "links": len(entry["portal_links"]),
        "reports": entry["reports"] if isinstance(entry["reports"], str) else sorted(row["text"] for row in entry["reports"]),
        "others": sorted((row["role"], row["identity"]) for row in entry["other_people"]),
    }


def by_case(payload: dict[str, Any], cases: Cases) -> dict[str, dict[str, Any]]:
    names = {cases.a.code_name: "A", cases.b.code_name: "B"}
    return {names[entry["case"]]: holds(entry) for entry in payload["cases"]}


OTHERS_A_FOR_REPORTED = [("reported", "not included"), ("reporter", REDACTED), ("witness", REDACTED)]
OTHERS_B_FOR_REPORTED = [("reported", "not included"), ("reporter", REDACTED), ("reporter", REDACTED)]


@pytest.mark.parametrize("report_text", [False, True])
def test_each_reported_person_gets_their_letters_decisions_and_answers_only(cases, stewards, login, report_text) -> None:
    client = login(stewards["alice"])
    ivan = by_case(exported(client, stewards["alice"], person(Space.GITHUB, IVAN[1]), report_text=report_text), cases)
    assert (
        ivan
        == {
            "A": {
                "role": "reported",
                "messages": [(False, "A-TO-IVAN-APPROVED please stop"), (True, "A-FROM-IVAN I disagree")],
                "decisions": [("warning", ["warning"])],
                "responses": [("response", "A-IVAN-RESPONSE it was a joke")],
                "links": 1,  # the one link made for Ivan in A (he has no address: no letter was mailed)
                "reports": [A_RITA_REDACTED] if report_text else WITHHELD % 1,
                "others": OTHERS_A_FOR_REPORTED,
            },
            "B": {
                "role": "reported",
                "messages": [(False, "B-TO-IVAN-APPROVED another report came in")],
                "decisions": [("no-action", [])],
                "responses": [("response", "B-IVAN-RESPONSE not again")],
                "links": 0,
                # Both of B's reports are about Ivan; the reporter Quinn named is cut out.
                "reports": sorted([B_QUINN.replace("Rita Reporter", REDACTED), B_RITA_REDACTED]) if report_text else WITHHELD % 2,
                "others": [("reported", "not included"), *OTHERS_B_FOR_REPORTED[1:]],
            },
        }
    )
    pat = by_case(exported(client, stewards["alice"], person(Space.GITHUB, PAT[1]), report_text=report_text), cases)
    assert pat == {
        "A": {
            "role": "reported",
            "messages": [(False, "A-TO-PAT-APPROVED we are looking into it")],
            "decisions": [],  # the warning is Ivan's
            "responses": [("response", "A-PAT-RESPONSE I was not there")],
            "links": 0,
            "reports": [A_RITA_REDACTED] if report_text else WITHHELD % 1,
            "others": OTHERS_A_FOR_REPORTED,
        },
        "B": {
            "role": "reported",
            "messages": [],  # the letter to Pat awaits its second steward
            "decisions": [("no-action", [])],
            "responses": [("declined", "")],
            "links": 0,
            "reports": sorted([B_QUINN.replace("Rita Reporter", REDACTED), B_RITA_REDACTED]) if report_text else WITHHELD % 2,
            "others": OTHERS_B_FOR_REPORTED,
        },
    }


@pytest.mark.parametrize("report_text", [False, True])
def test_each_reporter_gets_their_own_reports_and_threads_only(cases, stewards, login, report_text) -> None:
    client = login(stewards["alice"])
    rita = by_case(exported(client, stewards["alice"], person(Space.EMAIL, RITA_EMAIL), report_text=report_text), cases)
    assert rita == {
        "A": {
            "role": "reporter",
            "messages": [(False, "A-TO-RITA thank you"), (True, "A-RITA-REPLY here is the link")],
            "decisions": [],
            "responses": [],
            "links": 0,
            "reports": [A_RITA] if report_text else WITHHELD % 1,  # her own number stays: it is hers
            "others": [("reported", "not included"), ("reported", "not included"), ("witness", REDACTED)],
        },
        "B": {
            "role": "reporter",
            "messages": [(False, "B-TO-RITA thank you again")],
            "decisions": [],
            "responses": [],
            "links": 0,
            "reports": [B_RITA_REDACTED] if report_text else WITHHELD % 1,
            "others": [("reported", "not included"), ("reported", "not included"), ("reporter", REDACTED)],
        },
    }
    quinn = by_case(exported(client, stewards["alice"], person(Space.EMAIL, QUINN_EMAIL), report_text=report_text), cases)
    assert quinn == {
        "B": {
            "role": "reporter",
            "messages": [(False, "B-TO-QUINN can you tell us more"), (True, "B-QUINN-REPLY it happened twice")],
            "decisions": [],
            "responses": [],
            "links": 0,
            # Quinn's own words, with the other reporter she named cut out.
            "reports": [B_QUINN.replace("Rita Reporter", REDACTED)] if report_text else WITHHELD % 1,
            "others": [("reported", "not included"), ("reported", "not included"), ("reporter", REDACTED)],
        },
    }


def test_a_witness_gets_the_case_but_no_report_nor_anyone_elses_letters(cases, stewards, login) -> None:
    client = login(stewards["alice"])
    walter = by_case(exported(client, stewards["alice"], person(Space.GITHUB, WALTER[1]), report_text=True), cases)
    assert walter == {
        "A": {
            "role": "witness",
            "messages": [],
            "decisions": [],
            "responses": [],
            "links": 0,
            "reports": NOT_ABOUT_YOU,
            "others": [("reported", "not included"), ("reported", "not included"), ("reporter", REDACTED)],
        },
    }
