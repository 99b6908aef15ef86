"""Whose identity a data-subject export cuts out, and whose it keeps (GDPR 15 and 15(4)).

A person's export keeps what identifies them (it is theirs) however it is recorded: on their report or only
on their person record, and whichever way they reported (the form, or a space's own report tool). It cuts out
every other reporter and witness, however short their name. And it says when things happened.
"""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.actions import InvolvedPerson, do_declare_conflict, do_merge_cases, do_send_message
from cases.models import Audience, Case, Channel, Party, PartyRole
from decisions.models import InformChoice, ResponseKind
from decisions.records import do_record_inform, do_record_response
from intake.actions import Submission, do_submit_report
from letters.actions import do_approve_message, do_create_party_link
from letters.models import OutgoingMail
from people.actions import do_link_identity, person_for_identity
from people.models import Identity, Person, Space
from privacy.actions import do_open_data_request
from privacy.export import REDACTED

pytestmark = pytest.mark.django_db

MALLORY = InvolvedPerson(PartyRole.REPORTED, "Mallory Example", Space.GITHUB, "mallory-gh")


def submit(body: str, *, name: str = "", email: str = "", contact: str = "", channel: str = Channel.WEB, involved=()) -> Case:
    receipt = do_submit_report(
        Submission(
            body=body,
            reporter_name=name,
            reporter_email=email,
            reporter_other_contact=contact,
            channel=channel,
            involved_people=[MALLORY, *involved],
        )
    )
    return Case.objects.get(code_name=receipt.case_code_name)


def export_of(client: Client, admin: Any, subject: Person) -> dict[str, Any]:
    request = do_open_data_request(admin, subject)
    response = client.get(reverse("privacy:request_export", kwargs={"pk": request.pk}) + "?report_text=1")
    assert response.status_code == 200
    return json.loads(response.content)


def declare_none(stewards: dict[str, Any], case: Case) -> None:
    for name in ("alice", "bob", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], case, "none")


def test_a_reporters_own_handle_and_recorded_name_stay_in_her_own_report(stewards, login) -> None:
    """Cleo is on record as "Cleo Marchetti" with a GitHub handle; her report signs "C. M." and mentions both.
    They are hers: her export keeps them."""
    cleo = person_for_identity(Space.EMAIL, "cm@harbourmail.test", display_name="Cleo Marchetti")
    do_link_identity(None, cleo, Space.GITHUB, "harbour-cleo")
    body = "Mallory mocked Cleo Marchetti (harbour-cleo on GitHub) in three review threads."
    case = submit(body, name="C. M.", email="cm@harbourmail.test")
    declare_none(stewards, case)
    [entry] = export_of(login(stewards["alice"]), stewards["alice"], cleo)["cases"]
    assert [row["text"] for row in entry["reports"]] == [body]


def test_a_witness_with_a_two_letter_name_is_cut_out_of_the_reported_persons_export(stewards, login) -> None:
    witness = InvolvedPerson(PartyRole.WITNESS, "Bo", Space.GITHUB, "quiet-harbour")
    case = submit(
        "Mallory shouted at the new contributor; Bo saw it from the next desk.", name="Ada", email="ada@kestrel.test", involved=[witness]
    )
    declare_none(stewards, case)
    mallory = Identity.objects.get(space=Space.GITHUB, handle="mallory-gh").person
    [entry] = export_of(login(stewards["alice"]), stewards["alice"], mallory)["cases"]
    [report] = entry["reports"]
    assert "Bo " not in report["text"] and f"{REDACTED} saw it" in report["text"]


def test_a_reporter_who_used_a_spaces_report_tool_gets_her_report(stewards, login) -> None:
    """intake.from_spaces records such a reporter by handle ("<handle> on <space>"), with no e-mail address."""
    reporter = InvolvedPerson(PartyRole.REPORTER, "Tern Quay", Space.GITHUB, "tern-quay")
    body = "Reported in Example GitHub with the space's own report action. What the reporter wrote: it was the third time."
    case = submit(body, name="Tern Quay", contact="tern-quay on Example GitHub", channel=Channel.SPACE, involved=[reporter])
    declare_none(stewards, case)
    tern = Identity.objects.get(space=Space.GITHUB, handle="tern-quay").person
    [entry] = export_of(login(stewards["alice"]), stewards["alice"], tern)["cases"]
    assert entry["your_role"] == "reporter"
    assert [row["text"] for row in entry["reports"]] == [body]


def test_the_export_says_when_things_happened(stewards, login) -> None:
    case = submit("Mallory posted my address in the chat.", name="Ada", email="ada@kestrel.test")
    declare_none(stewards, case)
    ada = Identity.objects.get(space=Space.EMAIL, handle="ada@kestrel.test").person
    payload = export_of(login(stewards["alice"]), stewards["alice"], ada)
    [entry] = payload["cases"]
    assert entry["opened_at"] == case.created_at.isoformat()
    assert payload["person"]["recorded_since"] == ada.created_at.isoformat()
    [report] = entry["reports"]
    assert report["reference_date"] == case.reports.get().submitted_at.isoformat()


def test_two_reporters_who_used_a_spaces_report_tool_each_get_only_their_own_report(stewards, login) -> None:
    tern = InvolvedPerson(PartyRole.REPORTER, "Tern Quay", Space.GITHUB, "tern-quay")
    gull = InvolvedPerson(PartyRole.REPORTER, "Gull Pewter", Space.GITHUB, "gull-pewter")
    first = submit(
        "TERN-REPORT it was the third time.",
        name="Tern Quay",
        contact="tern-quay on Example GitHub",
        channel=Channel.SPACE,
        involved=[tern],
    )
    second = submit(
        "GULL-REPORT and in the wiki too.",
        name="Gull Pewter",
        contact="gull-pewter on Example GitHub",
        channel=Channel.SPACE,
        involved=[gull],
    )
    declare_none(stewards, first)
    declare_none(stewards, second)
    do_merge_cases(stewards["alice"], first, second)
    client = login(stewards["alice"])
    for handle, own in (("tern-quay", "TERN-REPORT"), ("gull-pewter", "GULL-REPORT")):
        [entry] = export_of(client, stewards["alice"], Identity.objects.get(space=Space.GITHUB, handle=handle).person)["cases"]
        assert [row["text"].split()[0] for row in entry["reports"]] == [own]


def test_a_reported_person_sees_how_each_letter_to_them_was_delivered(stewards, login) -> None:
    ivan = InvolvedPerson(PartyRole.REPORTED, "Ivan Reported", Space.EMAIL, "ivan@example.net")
    case = submit("Ivan talked over me at every standup.", name="Ada", email="ada@kestrel.test", involved=[ivan])
    declare_none(stewards, case)
    do_record_inform(stewards["alice"], case, InformChoice.YES, "No risk in telling them.")
    party = Party.objects.get(case=case, person=Identity.objects.get(space=Space.EMAIL, handle="ivan@example.net").person)
    message = do_send_message(stewards["dave"], case, Audience.REPORTED, "Please stop talking over people.", party=party)
    do_approve_message(stewards["erin"], case, message.pk)
    [entry] = export_of(login(stewards["alice"]), stewards["alice"], party.person)["cases"]
    [row] = [row for row in entry["messages_to_you"] if row["text"] == "Please stop talking over people."]
    assert [letter["status"] for letter in row["letters"]] == [OutgoingMail.objects.get(message=message).status]
    assert row["letters"][0]["subject"]


def test_what_a_reported_person_said_and_was_given_in_a_joined_case_stays_in_their_export(stewards, login) -> None:
    """Ivan answered, and was given a portal link, in a case later joined into another: both stay his."""
    ivan = InvolvedPerson(PartyRole.REPORTED, "Ivan Reported", Space.EMAIL, "ivan@example.net")
    joined = submit("Ivan talked over me at every standup.", name="Ada", email="ada@kestrel.test", involved=[ivan])
    target = submit("Ivan mocked my accent in the call.", name="Bruno", email="bruno@pine.test", involved=[ivan])
    for case in (joined, target):
        declare_none(stewards, case)
    person = Identity.objects.get(space=Space.EMAIL, handle="ivan@example.net").person
    in_joined = Party.objects.get(case=joined, person=person)
    do_record_response(stewards["alice"], joined, in_joined, ResponseKind.RESPONSE, "IVAN-RESPONSE it was a joke")
    do_create_party_link(stewards["alice"], joined, in_joined)
    do_merge_cases(stewards["alice"], target, joined)
    entries = export_of(login(stewards["alice"]), stewards["alice"], person)["cases"]
    assert [row["text"] for entry in entries for row in entry["your_responses"]] == ["IVAN-RESPONSE it was a joke"]
    assert sum(len(entry["portal_links"]) for entry in entries) == 1
