"""The reporter is never revealed, on any path out of Steward: a second reporter's identity planted in every
disguise is caught by every check that guards an outgoing text, and cut out of exports.

The case has two reporters: Rosalind (letters.tests.conftest) and the planted one (privacy.tests.planting),
whose name, e-mail address, handle and phone share no part, so each detector is tested on its own.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from audit.models import Event
from cases.actions import InvolvedPerson, do_declare_conflict, do_merge_cases, do_send_message
from cases.models import Audience, Case, ConflictLevel, Message, Party, PartyRole, Report
from intake.actions import Submission, do_submit_report
from letters.actions import do_approve_message
from letters.leakcheck import IdentityLeak, assert_no_leak, check_text, leaked_kinds
from letters.models import MailStatus, OutgoingMail
from letters.outbox import deliver_mail
from letters.tests.conftest import REPORTED_EMAIL, REPORTER_NAME, Inbox, World, make_world
from people.actions import do_link_identity
from people.models import Space
from privacy.export import protected_strings, redact
from privacy.tests import planting

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=100,  # x 4 kinds, each example a handful of checks against the database
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
IDENTITY_KINDS = {"name", "email", "handle", "contact"}


@dataclass
class TwoReporters:
    world: World  # Rosalind's report, the case, the reported person
    planted: Report  # the second reporter's report, joined into the case
    planted_party: Party

    @property
    def case(self) -> Case:
        return self.world.case


def two_reporters(stewards: dict[str, Any], *, with_handle: bool = True) -> TwoReporters:
    world = make_world(stewards)
    receipt = do_submit_report(
        Submission(
            body="Mallory keeps answering every one of my pull requests with sneering remarks about beginners.",
            reporter_name=planting.NAME,
            reporter_email=planting.EMAIL,
            reporter_other_contact=planting.PHONE,
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Mallory Example", Space.EMAIL, REPORTED_EMAIL)],
            language="en",
        )
    )
    second = Case.objects.get(code_name=receipt.case_code_name)
    # The committee declares on the second case as on the first: a merge keeps the stricter of the two.
    for name in ("alice", "bob", "carol", "dave"):
        do_declare_conflict(stewards[name], second, ConflictLevel.NONE)
    do_declare_conflict(stewards["erin"], second, ConflictLevel.SOFT)
    do_merge_cases(stewards["alice"], world.case, second)
    planted = Report.objects.get(reference=receipt.reference)
    party = Party.objects.filter(case=world.case, role=PartyRole.REPORTER).exclude(person=world.reporter_party.person).get()
    if with_handle:
        do_link_identity(None, party.person, Space.GITHUB, planting.HANDLE)
    return TwoReporters(world, planted, party)


@pytest.fixture
def both(stewards: dict[str, Any]) -> TwoReporters:
    return two_reporters(stewards)


@pytest.mark.parametrize("kind", sorted(planting.PLANTS))
def test_every_outgoing_check_catches_a_planted_reporter_and_the_export_cuts_it_out(both: TwoReporters, kind: str) -> None:
    secrets = protected_strings(both.case.pk)

    @PROPERTY
    @given(planting.letter_with(kind))
    def check(text: str) -> None:
        # Letters to the reported person (approval, the case page) and the last guard before mail and platforms.
        assert {finding.kind for finding in check_text(both.case, text)} == {kind}, text
        assert leaked_kinds(both.case, text) == [kind]
        # Messages to the other reporter, and platform reasons while a steward writes them.
        assert {finding.kind for finding in check_text(both.case, text, to_report=both.world.report)} == {kind}
        with pytest.raises(IdentityLeak):
            assert_no_leak(both.case, text, "refused: %(findings)s")
        # The planted reporter may read their own identity.
        assert check_text(both.case, text, to_report=both.planted) == []
        # A data-subject export of the report text keeps none of it.
        cleaned = redact(text, secrets)
        assert not {finding.kind for finding in check_text(both.case, cleaned)} & IDENTITY_KINDS, cleaned

    check()


DISGUISED = [
    "Т h é o d o r a",  # Cyrillic T, spelled out
    "BLΑCKWOOD",  # Greek capital alpha
    "Blackw\u200bood",  # a zero-width space inside
    "Théodora".replace("é", "e\u0301"),  # NFD
    "ｑｕｉｌｌｏｎ．ａｓｈｂｙ",  # full-width local part of the e-mail address
    "zephyr kite",  # the handle split
    "06 48 17 29 50",  # the phone without its country code
]


@pytest.mark.parametrize("planted", DISGUISED)
def test_a_message_to_one_reporter_never_names_another(both: TwoReporters, stewards: dict[str, Any], planted: str) -> None:
    with pytest.raises(IdentityLeak, match="another reporter"):
        do_send_message(stewards["bob"], both.case, Audience.REPORTER, f"Thank you. {planted} told us too.", report=both.world.report)
    with pytest.raises(IdentityLeak):
        do_send_message(stewards["bob"], both.case, Audience.REPORTER, "Thank you.", report=both.world.report, subject=f"About {planted}")
    assert not Message.objects.filter(case=both.case, audience=Audience.REPORTER, from_reporter=False).exists()
    # Each reporter may be addressed by their own name.
    do_send_message(stewards["bob"], both.case, Audience.REPORTER, f"Dear {planting.NAME}, thank you.", report=both.planted)
    do_send_message(stewards["bob"], both.case, Audience.REPORTER, f"Dear {REPORTER_NAME}, thank you.", report=both.world.report)


def test_a_refusal_tells_a_soft_conflicted_writer_nothing_about_the_other_reporter(both: TwoReporters, stewards: dict[str, Any]) -> None:
    """erin is soft-conflicted: she may write to a reporter but not see who reported, so the refusal of a
    guess must not confirm which words were the other reporter's; bob (no conflict) is told."""
    guess = f"Thank you. {planting.NAME.split()[-1]} told us too."
    with pytest.raises(IdentityLeak) as soft:
        do_send_message(stewards["erin"], both.case, Audience.REPORTER, guess, report=both.world.report)
    assert "name" not in soft.value.messages[0] and planting.NAME.split()[-1] not in soft.value.messages[0]
    with pytest.raises(IdentityLeak) as clean:
        do_send_message(stewards["bob"], both.case, Audience.REPORTER, guess, report=both.world.report)
    assert "name" in clean.value.messages[0]


@pytest.mark.parametrize("planted", DISGUISED)
def test_a_disguised_reporter_identity_blocks_a_letter_to_the_reported_person(
    both: TwoReporters, stewards: dict[str, Any], planted: str
) -> None:
    message = do_send_message(stewards["bob"], both.case, Audience.REPORTED, f"Hello. {planted} saw it.", party=both.world.reported)
    with pytest.raises(IdentityLeak):
        do_approve_message(stewards["carol"], both.case, message.pk)
    subject_only = do_send_message(stewards["bob"], both.case, Audience.REPORTED, "Hello.", party=both.world.reported, subject=planted)
    with pytest.raises(IdentityLeak):
        do_approve_message(stewards["carol"], both.case, subject_only.pk)


def test_mail_is_checked_again_just_before_it_is_sent(smtp: Inbox, stewards: dict[str, Any]) -> None:
    """The handle was not yet known as the reporter's when the texts were written and approved; by the time the
    mail goes out it is. Neither mail is sent; both say why without repeating the identity; the messages stay."""
    both = two_reporters(stewards, with_handle=False)
    letter = do_send_message(
        stewards["bob"], both.case, Audience.REPORTED, "Please stop replying to zephyr kite.", party=both.world.reported
    )
    do_approve_message(stewards["carol"], both.case, letter.pk)
    note = do_send_message(stewards["bob"], both.case, Audience.REPORTER, "We spoke to zephyr_kite as well.", report=both.world.report)
    do_link_identity(None, both.planted_party.person, Space.GITHUB, planting.HANDLE)

    for message in (letter, note):
        mail = OutgoingMail.objects.get(message=message)
        assert deliver_mail.call(mail.pk) == "refused"
        mail.refresh_from_db()
        assert mail.status == MailStatus.FAILED
        assert "may identify a reporter (handle)" in mail.last_error and "zephyr" not in mail.last_error
        assert deliver_mail.call(mail.pk) == "not queued"
    assert smtp.mails == []
    events = Event.objects.filter(kind="mail.blocked_by_leakcheck", case_id=both.case.pk)
    assert events.count() == 2 and all("zephyr" not in str(event.data) + event.summary for event in events)
    assert Message.objects.filter(pk__in=[letter.pk, note.pk]).count() == 2
