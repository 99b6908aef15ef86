"""The identity matcher at its boundaries: how short a phone number, a value or a name part may be and still
be found; how a bare string is taken for a phone, a handle or a name; what a contact field's handle is; and
that overlapping findings are cut out as one, leaving nothing of either. Each case sits exactly at a limit or
one step past it, so moving a limit lets an identity out or cuts ordinary words, and a test here fails."""

import pytest

from cases.actions import InvolvedPerson
from cases.models import PartyRole, Report
from intake.actions import Submission, do_submit_report
from letters.leakcheck import check_text
from people.models import Space
from privacy.export import protected_strings, redact
from privacy.identity_match import HANDLE, NAME, PHONE, REDACTED, Matcher, Protected, contact_forms

# ---------------------------------------------------------------- phone numbers: six digits, seven for the tail


@pytest.mark.parametrize(
    "protected",
    [
        pytest.param([Protected(PHONE, "48 17 29")], id="a phone value"),
        pytest.param(contact_forms("Tel: 48 17 29"), id="in free-text contact details"),
        pytest.param([Protected.guess("481729")], id="a bare string, as the export gives it"),
    ],
)
def test_a_six_digit_phone_number_is_found_however_it_is_grouped(protected: list[Protected]) -> None:
    assert Matcher(protected).find("ring 481 729 tonight")


def test_a_handle_with_five_digits_is_a_handle_and_is_cut_out_whole() -> None:
    """Five digits are not yet a phone number: the export cuts the whole handle, not its digits only."""
    assert redact("write to kite12345 now", ["kite12345"]) == f"write to {REDACTED} now"


def test_a_phone_number_written_as_its_seven_digit_local_number_is_found() -> None:
    assert Matcher([Protected(PHONE, "+1 415 555 2671")]).find("call 555-2671 after six")


def test_a_number_sharing_only_the_last_six_digits_is_another_number() -> None:
    assert Matcher([Protected(PHONE, "+1 415 555 2671")]).find("order 552671 was shipped") == []


# ---------------------------------------------------------------- a bare string: phone, handle or name


@pytest.mark.parametrize(
    ("secret", "text"),
    [
        pytest.param("Tel. 06 1234 5678", "ring 06-12-34-56-78", id="a label shorter than the number"),
        pytest.param("Mobile 48 17 29", "ring 48 172 9", id="as many digits as letters"),
    ],
)
def test_a_number_with_a_label_is_matched_by_its_digits(secret: str, text: str) -> None:
    assert redact(text, [secret]) == f"ring {REDACTED}"


@pytest.mark.parametrize(
    "handle",
    [
        pytest.param("r2d2", id="half digits, but too few for a phone"),
        pytest.param("ritarita123456", id="six digits, but fewer than half"),
    ],
)
def test_a_handle_with_digits_is_cut_out_whole(handle: str) -> None:
    assert redact(f"thanks {handle} for the patch", [handle]) == f"thanks {REDACTED} for the patch"


def test_a_handles_pieces_alone_are_ordinary_words() -> None:
    """Only a name (a value with spaces) is found by its parts; a handle's pieces are not its owner."""
    assert redact("ask the team", ["the_boss"]) == "ask the team"
    assert redact("ask the boss", ["the_boss"]) == f"ask {REDACTED}"


# ---------------------------------------------------------------- how short a value or a name part may be


def test_a_two_letter_value_is_found_as_a_word() -> None:
    assert Matcher([Protected(HANDLE, "qx")]).find("thanks, QX, for the report")
    assert redact("Jo wrote again", ["Jo"]) == f"{REDACTED} wrote again"


def test_a_one_letter_value_does_not_cut_every_such_letter() -> None:
    assert Matcher([Protected(NAME, "A"), Protected(HANDLE, "q")]).find("I have a question, q.e.d.") == []


def test_a_number_in_a_name_is_not_a_name_part() -> None:
    matcher = Matcher([Protected(NAME, "Rita 1987")])
    assert matcher.find("we have met since 1987") == []
    assert matcher.find("Rita said so")


def test_a_single_letter_is_not_joined_to_the_next_word() -> None:
    """Letters spelled out one by one make a name; a single letter and a word beside it are two words."""
    matcher = Matcher([Protected(NAME, "Adam Smith")])
    assert matcher.find("they built a dam") == []
    assert matcher.find("A d a m wrote")


# ---------------------------------------------------------------- free-text contact details


@pytest.mark.parametrize(
    ("contact", "written"),
    [
        ("Signal: ritar", "ask ritar"),
        ("@riley on Slack", "ask @riley"),
        ("rita-gh on Acme acme-test", "ask rita-gh"),  # as intake.from_spaces writes it
        ("Discord rita#1234", "ask rita#1234"),
        ("Signal: @rita.r, PIN 1234", "ask @rita.r"),
    ],
)
def test_a_handle_in_the_contact_details_is_found_on_its_own(contact: str, written: str) -> None:
    assert Matcher(contact_forms(contact)).find(written)


def test_the_words_around_a_contact_handle_are_not_an_identity() -> None:
    matcher = Matcher(contact_forms("rita-gh on Acme acme-test"))
    assert matcher.find("welcome to Acme acme-test") == []
    assert Matcher(contact_forms("Discord rita#1234, table 12-34")).find("table 12-34 is free") == []


@pytest.mark.django_db
def test_a_handle_given_as_contact_details_is_kept_out_of_letters_and_exports() -> None:
    """A reporter who wrote "@riley on Slack" in the report form: "@riley" alone is refused in a letter and
    cut out of the reported person's export."""
    receipt = do_submit_report(
        Submission(
            body="He shouted at me in the call.",
            reporter_other_contact="@riley on Slack",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Mallory Example", Space.GITHUB, "mallory-gh")],
            language="en",
        )
    )
    case = Report.objects.get(reference=receipt.reference).case
    assert [finding.kind for finding in check_text(case, "As @riley told us, the call went badly.")] == ["contact"]
    assert "riley" not in redact("As @riley told us", protected_strings(case.pk))


# ---------------------------------------------------------------- overlapping findings are one cut


@pytest.mark.parametrize(
    ("protected", "text", "redacted"),
    [
        pytest.param(
            [Protected.guess("rita.reporter@mail.test"), Protected(NAME, "Reporter")],
            "Reporter, write to rita.reporter@mail.test today",
            f"{REDACTED}, write to {REDACTED} today",
            id="shorter findings inside a longer one",
        ),
        pytest.param(
            [Protected(NAME, "Ann Lee"), Protected(HANDLE, "lee_jo")],
            "Ann said: Ann Lee_Jo",
            f"{REDACTED} said: {REDACTED}",
            id="a finding that runs on past another",
        ),
    ],
)
def test_overlapping_findings_are_cut_out_as_one_leaving_nothing(protected: list[Protected], text: str, redacted: str) -> None:
    assert Matcher(protected).redact(text) == redacted
