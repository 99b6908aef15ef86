"""Joining case B into case A loses nothing of B and lets nobody see more than before (cases.merging).

test_merge.py shows who is kept from the result; these tests put one record of every kind a steward makes
on B, join B into A, and look for each on A. And they pin what blocks a join (a legal hold) and the one
declaration a join must take away: "no conflict" said about A's people alone says nothing about B's.
"""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event
from cases.actions import InvolvedPerson, do_add_note, do_merge_cases, do_send_message
from cases.models import Audience, Case, ConflictDeclaration, Message, Note, PartyRole
from cases.tests.conftest import declare
from clocks.actions import do_take_interim_measure
from clocks.models import Deadline, InterimMeasure
from decisions.models import InformChoice, InformDecision, ResponseKind, ResponseRecord
from decisions.records import do_record_inform, do_record_response
from enforcement.models import ModeratorAction
from letters.models import OutgoingMail
from people.models import Space
from privacy.actions import do_set_legal_hold
from spaces.models import SpaceConnection

pytestmark = pytest.mark.django_db

MALLORY = InvolvedPerson(PartyRole.REPORTED, "Mallory", Space.GITHUB, "mallory-gh")
NOTE = "B-NOTE she has screenshots of the DMs"
MEASURE = "B-MEASURE Mallory muted in #general pending the decision"
TO_REPORTER = "B-LETTER thank you, we are looking into it"


def b_with_one_of_everything(make_case: Any, stewards: Any) -> tuple[Case, Case, Case]:
    """A, and B holding a note, an interim measure, a letter to its reporter (and its mail), the record of
    whether and how Mallory was told and answered, a moderator's action on the platform, and a case C that
    was joined into B earlier."""
    dave = stewards["dave"]
    a = make_case("A report of the incident", readers=("dave",), involved_people=[MALLORY])
    b = make_case("B report", readers=("dave",), involved_people=[MALLORY], reporter_email="brenda@example.net")
    do_send_message(dave, b, Audience.REPORTER, TO_REPORTER, report=b.reports.get())
    c = make_case("C report", readers=("dave",))
    do_merge_cases(dave, b, c)
    do_add_note(dave, b, NOTE)
    do_take_interim_measure(dave, b, MEASURE)
    mallory = b.parties.get(role=PartyRole.REPORTED)
    do_record_inform(dave, b, InformChoice.YES, "No risk in telling them.")
    do_record_response(dave, b, mallory, ResponseKind.DECLINED)
    connection = SpaceConnection.objects.create(slug="gh", platform=Space.GITHUB, title="GitHub")
    ModeratorAction.objects.create(connection=connection, action="block", subject="mallory-gh", at=b.created_at, case=b)
    return a, b, c


def test_every_record_of_the_joined_case_is_found_on_the_result(make_case: Any, stewards: Any, login: Any) -> None:
    a, b, c = b_with_one_of_everything(make_case, stewards)
    assert OutgoingMail.objects.filter(case=b).exists(), "the letter to B's reporter was mailed"
    b_clocks = set(Deadline.objects.filter(case=b).values_list("pk", flat=True))
    a_clocks = set(Deadline.objects.filter(case=a).values_list("pk", flat=True))

    do_merge_cases(stewards["dave"], a, b)

    assert [note.body for note in Note.objects.filter(case=a)] == [NOTE]
    assert [measure.description for measure in InterimMeasure.objects.filter(case=a)] == [MEASURE]
    assert TO_REPORTER in [message.body for message in Message.objects.filter(case=a)]
    assert not OutgoingMail.objects.filter(case=b).exists() and OutgoingMail.objects.filter(case=a).exists()
    assert InformDecision.objects.get().case_id == a.pk
    assert ResponseRecord.objects.get().case_id == a.pk
    assert ModeratorAction.objects.get().case_id == a.pk
    c.refresh_from_db()
    assert c.merged_into_id == a.pk, "a case joined into B earlier now leads to A, one level"
    # B's clocks stop with B; A's keep running, not doubled by B's.
    assert set(Deadline.objects.filter(case=b).values_list("pk", flat=True)) == b_clocks
    assert set(Deadline.objects.filter(case=a).values_list("pk", flat=True)) == a_clocks
    page = login(stewards["dave"]).get(reverse("cases:detail", kwargs={"code": a.code_name})).content.decode()
    assert NOTE in page and MEASURE in page and TO_REPORTER in page
    assert login(stewards["dave"]).get(reverse("cases:detail", kwargs={"code": c.code_name}))["Location"] == reverse(
        "cases:detail", kwargs={"code": a.code_name}
    )


def test_a_case_under_a_legal_hold_is_not_joined_into_another(make_case: Any, stewards: Any) -> None:
    """The result's retention rules the group: the hold would be lost silently."""
    a = make_case("A", readers=("dave",))
    b = make_case("B", readers=("dave",))
    do_set_legal_hold(stewards["dave"], b, "Subpoena pending.")
    with pytest.raises(ValidationError, match="legal hold"):
        do_merge_cases(stewards["dave"], a, b)
    b.refresh_from_db()
    assert b.merged_into_id is None
    do_merge_cases(stewards["dave"], b, a)  # the other way round keeps the hold on the result
    a.refresh_from_db()
    assert a.merged_into_id == b.pk


def test_no_conflict_declared_on_the_target_alone_must_be_declared_again(make_case: Any, stewards: Any, login: Any) -> None:
    """Erin weighed A's people and found no conflict; she never saw who B involves (B's reporter may be her
    friend). After the join she must declare again before she reads anything of B."""
    a = make_case("A", readers=("dave", "erin"))
    b = make_case("B-ONLY the reporter's account", readers=("dave",))
    elsewhere = make_case("E", readers=("dave",))
    declare(elsewhere, "hard", stewards["erin"])
    do_merge_cases(stewards["dave"], a, b)
    assert not ConflictDeclaration.objects.filter(case=a, steward=stewards["erin"]).exists()
    assert ConflictDeclaration.objects.get(case=elsewhere, steward=stewards["erin"]).level == "hard", "only A's is undone"
    [event] = Event.objects.filter(kind="case.merged", case_id=b.pk)
    assert event.data["declarations"] == {"stricter": 0, "to_declare_again": 1}
    page = login(stewards["erin"]).get(reverse("cases:detail", kwargs={"code": a.code_name}))
    assert "B-ONLY" not in page.content.decode()


def test_stricter_declarations_of_the_target_survive_a_join(make_case: Any, stewards: Any) -> None:
    a = make_case("A", readers=("dave",))
    b = make_case("B", readers=("dave", "carol", "alice"))
    declare(a, "hard", stewards["carol"])  # hard on A, none on B: still hard
    declare(a, "soft", stewards["alice"])  # soft on A, none on B: still soft
    declare(b, "soft", stewards["erin"])  # soft on B, nothing on A: soft on the result (made stricter)
    do_merge_cases(stewards["dave"], a, b)
    levels = dict(ConflictDeclaration.objects.filter(case=a).values_list("steward__username", "level"))
    assert levels == {"dave": "none", "carol": "hard", "alice": "soft", "erin": "soft"}
    [event] = list(Event.objects.filter(kind="case.merged", case_id=a.pk))
    assert event.data["declarations"] == {"stricter": 1, "to_declare_again": 0}, "the audit trail counts erin's"


def test_the_join_is_recorded_with_what_moved(make_case: Any, stewards: Any) -> None:
    """The audit trail says what a join moved, kind by kind, so a later reader can account for every row."""
    a, b, _c = b_with_one_of_everything(make_case, stewards)
    do_merge_cases(stewards["dave"], a, b)
    [event] = [event for event in Event.objects.filter(kind="case.merged", case_id=b.pk) if event.data.get("into") == a.code_name]
    assert event.data["parties"] == 2  # B's reporter and Mallory
    assert event.data["declarations"] == {"stricter": 0, "to_declare_again": 0}, "Dave declared none on both: nothing changes"
    # Kinds with nothing to move are left out; the clocks stay with the joined case.
    assert event.data["moved"] == {
        "cases.Case": 1,  # C, joined into B earlier
        "cases.Note": 1,
        "cases.Message": 1,
        "decisions.InformDecision": 1,
        "decisions.ResponseRecord": 1,
        "letters.OutgoingMail": 1,
        "clocks.InterimMeasure": 1,
        "enforcement.ModeratorAction": 1,
    }


def test_a_join_leaves_the_rows_of_every_other_case_where_they_are(make_case: Any, stewards: Any) -> None:
    """Only the joined case's people move: an answer recorded for Mallory in an unrelated case stays with that case."""
    dave = stewards["dave"]
    elsewhere = make_case("D report about Mallory", readers=("dave",), involved_people=[MALLORY])
    mallory_in_d = elsewhere.parties.get(role=PartyRole.REPORTED)
    do_record_inform(dave, elsewhere, InformChoice.YES, "No risk in telling them.")
    do_record_response(dave, elsewhere, mallory_in_d, ResponseKind.RESPONSE, "D-ANSWER not me")
    a, b, _c = b_with_one_of_everything(make_case, stewards)
    do_merge_cases(dave, a, b)
    answer = ResponseRecord.objects.get(case=elsewhere)
    assert answer.party_id == mallory_in_d.pk and answer.case_id == elsewhere.pk
