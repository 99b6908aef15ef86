"""Each of the leak check's detectors on its own, at its boundaries (REQUIREMENTS 7.3).

Two reporters on one case. Every value that identifies them is unlike every other (no shared word, no
value inside another), so a finding of a kind can only come from that kind's detector: switching any one
detector off makes a test here fail instead of being covered by another detector finding the same words.

- Ada: her name has a three-letter part (Ada) and a two-letter one (Li); her report's address has a local
  part of two letters ("jo", too short to be identifying alone: only the whole address is), a second address
  on her person record has one of exactly three ("ulf"); her handle; other contact details with no digits.
- Bruno: other contact details holding two phone numbers and a handle, and a name and address of his own.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from cases.actions import InvolvedPerson, do_declare_conflict, do_merge_cases, do_record_naming_consent, do_reporter_reply
from cases.models import Case, ConflictLevel, Party, PartyRole, Report
from intake.actions import Submission, do_submit_report
from letters.leakcheck import check_text, leaked_kinds
from people.actions import do_link_identity, do_unlink_identity, person_for_identity
from people.models import Identity, Space

pytestmark = pytest.mark.django_db

ADA_NAME = "Ada Li Vyborny"
ADA_EMAIL = "jo@kestrelpost.test"  # local part of two letters
ADA_SECOND_EMAIL = "ulf@fjordmail.test"  # local part of exactly three
ADA_HANDLE = "vantablue"
ADA_CONTACT = "Signal: marrow.finch"  # no digits: kept as a handle-like contact, without its label
ADA_BODY = "Then it was lavender and marble, not the harbour at all, so we left the rooftop garden early."
ADA_REPLY = "Mallory photographed the whiteboard sketches without asking anyone."
BRUNO_NAME = "Bruno Halvorsen"
BRUNO_EMAIL = "pewter.gull@pinemail.test"
BRUNO_CONTACT = "+31 6 4817 2950 or 020 555 0199, Signal: @tern.quay"  # two numbers and a handle
BRUNO_BODY = "Mallory deleted the onboarding wiki twice during the translation sprint."
BRUNO_REPLY = "Afterwards the cached glossary pages vanished from the mirror too."

WHOLE_NAME, PART_OF_NAME = "the reporter's name", "part of the reporter's name"
WHOLE_EMAIL, PART_OF_EMAIL = "the reporter's e-mail address", "the first part of the reporter's e-mail address"
HANDLE_WHY, CONTACT_WHY = "the reporter's user name in a community space", "the reporter's contact details"


@dataclass
class Reporters:
    case: Case
    ada: Report
    bruno: Report
    ada_party: Party


def submit(body: str, name: str, email: str, contact: str) -> Report:
    receipt = do_submit_report(
        Submission(
            body=body,
            reporter_name=name,
            reporter_email=email,
            reporter_other_contact=contact,
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Mallory Example", Space.GITHUB, "mallory-gh")],
            language="en",
        )
    )
    return Report.objects.get(reference=receipt.reference)


@pytest.fixture
def reporters(stewards: dict[str, Any]) -> Reporters:
    ada = submit(ADA_BODY, ADA_NAME, ADA_EMAIL, ADA_CONTACT)
    bruno = submit(BRUNO_BODY, BRUNO_NAME, BRUNO_EMAIL, BRUNO_CONTACT)
    case = ada.case
    for each in (case, bruno.case):
        for name in ("alice", "bob", "carol", "dave", "erin"):
            do_declare_conflict(stewards[name], each, ConflictLevel.NONE)
    do_merge_cases(stewards["alice"], case, bruno.case)
    bruno.refresh_from_db()
    assert bruno.case_id == case.pk
    ada_person = Identity.objects.get(space=Space.EMAIL, handle=ADA_EMAIL).person
    ada_party = Party.objects.get(case=case, role=PartyRole.REPORTER, person=ada_person)
    do_link_identity(None, ada_party.person, Space.GITHUB, ADA_HANDLE)
    do_link_identity(None, ada_party.person, Space.EMAIL, ADA_SECOND_EMAIL)
    do_reporter_reply(ada, ADA_REPLY, [])
    do_reporter_reply(bruno, BRUNO_REPLY, [])
    return Reporters(case, ada, bruno, ada_party)


def found(case: Case, text: str, to_report: Report | None = None) -> set[tuple[str, str]]:
    return {(finding.kind, finding.why) for finding in check_text(case, text, to_report=to_report)}


# (text, what must be found): one value each, so exactly one detector can find it.
ONE_VALUE_EACH = [
    ("Please write to jo@kestrelpost.test again.", {("email", WHOLE_EMAIL)}),
    ("Please write to ＪＯ＠ＫＥＳＴＲＥＬＰＯＳＴ．ＴＥＳＴ again.", {("email", WHOLE_EMAIL)}),
    ("We heard from ulf yesterday.", {("email", PART_OF_EMAIL)}),  # a local part of exactly three letters
    ("We heard from Pewter.Gull yesterday.", {("email", PART_OF_EMAIL)}),
    ("We heard from Ada yesterday.", {("name", PART_OF_NAME)}),  # a name part of exactly three letters
    ("We heard from VYBORNY yesterday.", {("name", PART_OF_NAME)}),
    ("We heard from Halvorsen yesterday.", {("name", PART_OF_NAME)}),
    ("We heard from vanta_blue yesterday.", {("handle", HANDLE_WHY)}),
    ("Please stop messaging marrow.finch.", {("contact", CONTACT_WHY)}),  # contact details without digits
    ("Please stop messaging marrow finch.", {("contact", CONTACT_WHY)}),
    ("Someone rang from 06-4817 2950 twice.", {("contact", CONTACT_WHY)}),
    ("Someone rang from +31 6 48172950 twice.", {("contact", CONTACT_WHY)}),
    ("Someone rang from 020-555-0199 twice.", {("contact", CONTACT_WHY)}),  # the second number
    ("Please stop messaging @tern.quay.", {("contact", CONTACT_WHY)}),  # the handle beside the numbers
]


@pytest.mark.parametrize(("text", "expected"), ONE_VALUE_EACH)
def test_each_identifying_value_is_found_by_its_own_detector(reporters: Reporters, text: str, expected: set[tuple[str, str]]) -> None:
    assert found(reporters.case, text) == expected
    assert leaked_kinds(reporters.case, text) == [kind for kind, _why in expected]


def test_a_whole_name_is_found_as_the_name(reporters: Reporters) -> None:
    findings = check_text(reporters.case, "We heard from ada li vyborny yesterday.")
    assert {finding.kind for finding in findings} == {"name"}
    assert any(finding.matched == "ada li vyborny" and finding.why == WHOLE_NAME for finding in findings)


@pytest.mark.parametrize(
    "text",
    [
        "Li and I looked into it.",  # a name part of two letters is not identifying on its own
        "Jo and I looked into it.",  # nor the two-letter part before the @ of an address
        "Please reach us on Signal.",  # the label of a contact detail is not the contact
        "Your reference number is 4817.",  # four digits of a phone number are not the number
        "We looked into it and will write again soon.",
    ],
)
def test_what_does_not_identify_passes(reporters: Reporters, text: str) -> None:
    assert check_text(reporters.case, text) == []


def test_five_copied_words_with_two_distinctive_ones_are_a_phrase(reporters: Reporters) -> None:
    [finding] = check_text(reporters.case, "We understand it was lavender and marble there.")
    assert (finding.kind, finding.matched) == ("phrase", "it was lavender and marble")


def test_a_letter_of_exactly_the_last_five_words_of_a_report_is_a_phrase(reporters: Reporters) -> None:
    """Both texts end where the copy ends: no five-word window at either end may be skipped."""
    [finding] = check_text(reporters.case, "Left the rooftop garden early")
    assert (finding.kind, finding.matched) == ("phrase", "left the rooftop garden early")


@pytest.mark.parametrize(
    "text",
    [
        "We understand was lavender and marble there.",  # four copied words only
        "We understand not the harbour at all.",  # five copied words, only one distinctive
        "We understand it was lavender and mostly marble.",  # the copy is broken up
    ],
)
def test_fewer_than_five_copied_words_or_common_words_only_are_not_a_phrase(reporters: Reporters, text: str) -> None:
    assert check_text(reporters.case, text) == []


def test_a_long_copied_run_counts_when_any_five_of_its_words_are_distinctive(reporters: Reporters) -> None:
    """The first five-word windows are common words and one distinctive word; only the last holds two."""
    [finding] = check_text(reporters.case, "You said: not the harbour at all, so we left the rooftop.")
    assert (finding.kind, finding.matched) == ("phrase", "not the harbour at all so we left the rooftop")


def test_what_the_reporters_wrote_later_counts_as_much_as_their_reports(reporters: Reporters) -> None:
    for copied in ("photographed the whiteboard sketches without asking", "the cached glossary pages vanished"):
        assert [finding.kind for finding in check_text(reporters.case, f"Yes, {copied}.")] == ["phrase"], copied


ADA_OWN = [
    ADA_NAME,
    "Ada",
    ADA_EMAIL,
    ADA_SECOND_EMAIL,
    "ulf",
    ADA_HANDLE,
    "marrow.finch",
    "it was lavender and marble",
    "photographed the whiteboard sketches without asking",
]
BRUNO_OWN = [
    BRUNO_NAME,
    "Halvorsen",
    BRUNO_EMAIL,
    "pewter.gull",
    "06 4817 2950",
    "deleted the onboarding wiki twice",
    "cached glossary pages vanished from",
]


@pytest.mark.parametrize(("owner", "value"), [("ada", value) for value in ADA_OWN] + [("bruno", value) for value in BRUNO_OWN])
def test_a_reporter_may_read_their_own_identity_and_words_never_the_other_reporters(reporters: Reporters, owner: str, value: str) -> None:
    own, other = (reporters.ada, reporters.bruno) if owner == "ada" else (reporters.bruno, reporters.ada)
    text = f"Thank you. {value}."
    assert check_text(reporters.case, text, to_report=own) == []
    assert check_text(reporters.case, text, to_report=other) != []
    assert check_text(reporters.case, text) != []  # and nobody else may: the reported person, a platform


@pytest.mark.parametrize("value", [ADA_NAME, "Ada", "Vyborny"])
def test_a_reporter_who_agreed_to_be_named_may_be_named(reporters: Reporters, stewards: dict[str, Any], value: str) -> None:
    do_record_naming_consent(stewards["alice"], reporters.case, reporters.ada_party.pk, True)
    assert check_text(reporters.case, f"{value} reported this.") == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (ADA_EMAIL, "email"),
        ("ulf", "email"),
        (ADA_HANDLE, "handle"),
        ("marrow.finch", "contact"),
        ("it was lavender and marble", "phrase"),
        (BRUNO_NAME, "name"),  # the consent is Ada's only
    ],
)
def test_the_consent_is_to_the_name_only(reporters: Reporters, stewards: dict[str, Any], text: str, kind: str) -> None:
    do_record_naming_consent(stewards["alice"], reporters.case, reporters.ada_party.pk, True)
    assert {finding.kind for finding in check_text(reporters.case, f"About {text}.")} == {kind}


def test_the_last_guard_reports_kinds_only_and_passes_nothing_to_check(reporters: Reporters) -> None:
    assert leaked_kinds(reporters.case, "Ada wrote from ulf and vantablue.") == ["email", "handle", "name"]
    assert leaked_kinds(reporters.case, "  \n") == []
    assert leaked_kinds(None, "Ada wrote.") == []  # a text for no case has no reporters to protect


def test_the_consent_covers_the_name_on_the_persons_record_when_the_report_spells_it_otherwise(stewards: dict[str, Any]) -> None:
    """Cleo was on record before she reported (as "Cleo Marchetti"); her report gives "C. Marchetti-Rossi".
    She agreed to be named: the name on her record may be used; her address still may not."""
    person_for_identity(Space.EMAIL, "cleo@harbourmail.test", display_name="Cleo Marchetti")
    case = submit("Mallory shouted during the quarterly planning call.", "C. Marchetti-Rossi", "cleo@harbourmail.test", "").case
    party = Party.objects.get(case=case, role=PartyRole.REPORTER)
    assert check_text(case, "Cleo Marchetti reported this.") != []
    do_record_naming_consent(stewards["alice"], case, party.pk, True)
    assert check_text(case, "Cleo Marchetti reported this.") == []
    assert {finding.kind for finding in check_text(case, "Write to cleo@harbourmail.test.")} == {"email"}


def test_the_name_a_report_gives_is_protected_even_where_the_persons_record_has_another(stewards: dict[str, Any]) -> None:
    """Cleo was on record before she reported, as "Cleo Marchetti"; her report signs "C. Marchetti-Rossi". The name on
    her report is what the reported person may have seen: it is protected on its own, before and after she agrees
    to be named under the name on her record."""
    person_for_identity(Space.EMAIL, "marchetti.rossi@harbourmail.test", display_name="Cleo Marchetti")
    case = submit("Mallory shouted during the quarterly planning call.", "C. Marchetti-Rossi", "marchetti.rossi@harbourmail.test", "").case
    party = Party.objects.get(case=case, role=PartyRole.REPORTER)
    assert {finding.kind for finding in check_text(case, "Rossi reported this.")} == {"name"}
    assert {finding.kind for finding in check_text(case, "Cleo reported this.")} == {"name"}, "and the name on her record too"
    do_record_naming_consent(stewards["alice"], case, party.pk, True)
    assert {finding.kind for finding in check_text(case, "Rossi reported this.")} == {"name"}


def test_the_reported_person_and_witnesses_may_be_named(reporters: Reporters) -> None:
    """Only reporters are protected: a letter to the reported person names them, a summary names a witness."""
    assert check_text(reporters.case, "Mallory Example, this letter is about your comments (mallory-gh).") == []


def test_what_a_report_gives_stays_protected_when_the_persons_record_no_longer_has_it(
    reporters: Reporters, stewards: dict[str, Any]
) -> None:
    """A steward unlinks Ada's first address from her person record (linked by mistake, say). Her report still
    carries it and her name: both stay hers to read in a letter to her, and protected from everyone else."""
    do_unlink_identity(stewards["alice"], Identity.objects.get(space=Space.EMAIL, handle=ADA_EMAIL))
    text = f"Dear {ADA_NAME}, please write to {ADA_EMAIL}."
    assert {finding.kind for finding in check_text(reporters.case, f"Write to {ADA_EMAIL}.")} == {"email"}
    assert check_text(reporters.case, text, to_report=reporters.ada) == []
    assert {finding.kind for finding in check_text(reporters.case, text, to_report=reporters.bruno)} == {"name", "email"}


def test_a_reporter_who_reported_twice_may_read_the_words_of_both_reports(reporters: Reporters, stewards: dict[str, Any]) -> None:
    second = submit("Mallory pasted the staging cluster credentials into the lobby channel at midnight.", ADA_NAME, ADA_EMAIL, "")
    for name in ("alice", "bob", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], second.case, ConflictLevel.NONE)
    do_merge_cases(stewards["alice"], reporters.case, second.case)
    text = "You told us the staging cluster credentials were pasted into the lobby channel at midnight."
    assert check_text(reporters.case, text, to_report=reporters.ada) == []  # her first report's letter; both are hers
    assert {finding.kind for finding in check_text(reporters.case, text, to_report=reporters.bruno)} == {"phrase"}


def test_a_reporter_with_no_address_may_read_their_own_contact_details(reporters: Reporters, stewards: dict[str, Any]) -> None:
    own = submit("Mallory kept renaming the release checklist items during the freeze.", "Corin Ashdown", "", "Matrix: @quill.moss")
    text = "We will answer you at quill.moss."
    assert check_text(own.case, text, to_report=own) == []
    assert {finding.kind for finding in check_text(own.case, text)} == {"contact"}


def test_a_reporter_who_wrote_from_two_of_her_addresses_may_read_either_in_a_letter_to_her(
    reporters: Reporters, stewards: dict[str, Any]
) -> None:
    """Both addresses are on Ada's person record: a letter about her first report may name the second, which her
    second report was sent from. Bruno's letter may name neither."""
    second = submit("Mallory reposted the sprint retro notes under a false name.", ADA_NAME, ADA_SECOND_EMAIL, "")
    for name in ("alice", "bob", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], second.case, ConflictLevel.NONE)
    do_merge_cases(stewards["alice"], reporters.case, second.case)
    text = f"We will also answer you at {ADA_SECOND_EMAIL}."
    assert check_text(reporters.case, text, to_report=reporters.ada) == []
    assert {finding.kind for finding in check_text(reporters.case, text, to_report=reporters.bruno)} == {"email"}


def test_the_refusal_quotes_each_copied_run_whole_and_apart(reporters: Reporters) -> None:
    """A steward fixing a refused letter needs to see what was copied: each copied run, whole, on its own."""
    text = "You wrote it was lavender and marble, not the harbour; and also that we left the rooftop garden early."
    phrases = {finding.matched for finding in check_text(reporters.case, text) if finding.kind == "phrase"}
    assert phrases == {"it was lavender and marble not the harbour", "we left the rooftop garden early"}
