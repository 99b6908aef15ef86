"""The access layer's promises, persona by persona (REQUIREMENTS 4).

Each persona is a steward in one relation to a case: what they may do with it (every Need), whether
the case is in their reading list or their list of cases to declare on, and that every refusal is the
same 404. The lists are also checked across several cases at once, so a declaration on one case (or
by another steward) can never open a different case. Joined (merged) cases, earlier cases about the
same person and the quorum guard close the file.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from cases.access import (
    Need,
    Quorum,
    Standing,
    access_case,
    access_case_and_standing,
    access_case_or_merged,
    access_evidence,
    access_report_by_link,
    committee_standings,
    earlier_cases_about,
    may,
    merged_target,
    quorum_for,
    readable_cases,
    standing,
    undeclared_cases,
)
from cases.actions import (
    InvolvedPerson,
    add_party,
    do_add_note,
    do_declare_conflict,
    do_merge_cases,
    do_record_naming_consent,
    do_send_message,
    do_update_triage,
)
from cases.evidence import check_upload
from cases.models import Audience, Case, ConflictLevel, Message, Note, PartyRole
from clocks.actions import do_take_interim_measure
from clocks.models import InterimMeasure
from decisions.models import InformChoice, ResponseKind
from decisions.records import do_record_inform, do_record_response
from intake.actions import Submission, do_submit_report
from people.actions import do_deactivate_steward
from people.models import Space

pytestmark = pytest.mark.django_db

ALL_NEEDS = frozenset(Need)
SOFT_READER = frozenset({Need.CODE_NAME, Need.READ, Need.WRITE})
CODE_NAME_ONLY = frozenset({Need.CODE_NAME})
NOTHING: frozenset[Need] = frozenset()


def report(
    body: str = "Ivan insulted me in a review.", reported: str = "ivan-gh", excluded: tuple[Any, ...] = (), files: tuple[bytes, ...] = ()
) -> Case:
    receipt = do_submit_report(
        Submission(
            body=body,
            reporter_name="Rita Reporter",
            reporter_email="rita@example.net",
            involved_people=[InvolvedPerson(PartyRole.REPORTED, "Reported", Space.GITHUB, reported)],
            excluded_steward_ids=[user.pk for user in excluded],
            files=[check_upload(SimpleUploadedFile("chat.txt", content, content_type="text/plain")) for content in files],
        )
    )
    return Case.objects.get(code_name=receipt.case_code_name)


@dataclass(frozen=True)
class Persona:
    name: str
    standing: Standing
    needs: frozenset[Need]
    # Builds the case and returns it with the steward it is about.
    setup: Callable[[dict[str, User]], tuple[User, Case]]
    undeclared_list: bool = False  # the case is in their list of cases to declare on


def _declared(name: str, level: str, **case_fields: Any) -> Callable[[dict[str, User]], tuple[User, Case]]:
    def setup(stewards: dict[str, User]) -> tuple[User, Case]:
        case = report()
        do_declare_conflict(stewards["dave" if name != "dave" else "alice"], case, ConflictLevel.NONE)
        if case_fields:
            do_update_triage(stewards["dave" if name != "dave" else "alice"], case, case_fields)
        do_declare_conflict(stewards[name], case, level)
        case.refresh_from_db()
        return stewards[name], case

    return setup


def _undeclared(stewards: dict[str, User]) -> tuple[User, Case]:
    return stewards["erin"], report()


def _party(level: str | None) -> Callable[[dict[str, User]], tuple[User, Case]]:
    def setup(stewards: dict[str, User]) -> tuple[User, Case]:
        case = report(reported="bob")  # Bob's GitHub handle: he is the reported person
        if level is not None:
            do_declare_conflict(stewards["bob"], case, level)
        return stewards["bob"], case

    return setup


def _excluded(level: str | None) -> Callable[[dict[str, User]], tuple[User, Case]]:
    def setup(stewards: dict[str, User]) -> tuple[User, Case]:
        case = report(excluded=(stewards["carol"],))
        if level is not None:
            do_declare_conflict(stewards["carol"], case, level)
        return stewards["carol"], case

    return setup


def _deactivated_after_declaring(stewards: dict[str, User]) -> tuple[User, Case]:
    case = report()
    do_declare_conflict(stewards["dave"], case, ConflictLevel.NONE)
    do_deactivate_steward(None, stewards["dave"].steward_profile)
    stewards["dave"].refresh_from_db()
    return stewards["dave"], case


PERSONAS = [
    Persona("admin, no conflict", Standing.UNCONFLICTED, ALL_NEEDS, _declared("alice", ConflictLevel.NONE)),
    Persona("steward, no conflict", Standing.UNCONFLICTED, ALL_NEEDS, _declared("dave", ConflictLevel.NONE)),
    Persona("steward, not declared yet", Standing.UNDECLARED, CODE_NAME_ONLY, _undeclared, undeclared_list=True),
    Persona("steward, soft conflict, case open to soft readers", Standing.SOFT_READ, SOFT_READER, _declared("bob", ConflictLevel.SOFT)),
    Persona(
        "steward, soft conflict, case closed to soft readers",
        Standing.SOFT_BLOCKED,
        CODE_NAME_ONLY,
        _declared("bob", ConflictLevel.SOFT, soft_conflicted_may_read=False),
    ),
    Persona(
        "admin, soft conflict, case closed to soft readers",
        Standing.SOFT_BLOCKED,
        CODE_NAME_ONLY,
        _declared("alice", ConflictLevel.SOFT, soft_conflicted_may_read=False),
    ),
    Persona("steward, hard conflict", Standing.HIDDEN, NOTHING, _declared("carol", ConflictLevel.HARD)),
    Persona("admin, hard conflict", Standing.HIDDEN, NOTHING, _declared("alice", ConflictLevel.HARD)),
    Persona("reported person, declared no conflict", Standing.HIDDEN, NOTHING, _party(ConflictLevel.NONE)),
    Persona("reported person, not declared", Standing.HIDDEN, NOTHING, _party(None)),
    Persona("excluded by the reporter, declared no conflict", Standing.HIDDEN, NOTHING, _excluded(ConflictLevel.NONE)),
    Persona("excluded by the reporter, not declared", Standing.HIDDEN, NOTHING, _excluded(None)),
    Persona("deactivated after declaring no conflict", Standing.HIDDEN, NOTHING, _deactivated_after_declaring),
]


@pytest.mark.parametrize("persona", PERSONAS, ids=[persona.name for persona in PERSONAS])
def test_each_persona_may_do_exactly_what_their_standing_allows(stewards: dict[str, User], persona: Persona) -> None:
    user, case = persona.setup(stewards)
    assert standing(user, case) is persona.standing
    # The whole committee read at once (quorum, shepherd choice, voters, reminders) answers as standing() does.
    by_committee = {steward.pk: level for steward, level in committee_standings(case)}
    assert by_committee.get(user.pk, Standing.HIDDEN) is persona.standing
    for steward in stewards.values():
        steward.refresh_from_db()
        assert by_committee.get(steward.pk, Standing.HIDDEN) is standing(steward, case), steward.username
    for need in Need:
        assert may(user, case, need) is (need in persona.needs), f"{persona.name}: may {need.name}"
        if need in persona.needs:
            assert access_case(user, case.code_name, need) == case
        else:
            with pytest.raises(Http404):
                access_case(user, case.code_name, need)
    assert (case in readable_cases(user)) is (Need.READ in persona.needs), f"{persona.name}: reading list"
    assert (case in undeclared_cases(user)) is persona.undeclared_list, f"{persona.name}: list of cases to declare on"


@pytest.mark.parametrize("level", [ConflictLevel.SOFT, ConflictLevel.HARD])
def test_a_soft_blocked_or_hard_conflicted_steward_cannot_add_a_note(stewards: dict[str, User], login: Any, level: str) -> None:
    case = report()
    do_declare_conflict(stewards["dave"], case, ConflictLevel.NONE)
    do_update_triage(stewards["dave"], case, {"soft_conflicted_may_read": False})
    do_declare_conflict(stewards["bob"], case, level)
    response = login(stewards["bob"]).post(
        reverse("cases:add_note", kwargs={"code": case.code_name}), {"kind": "note", "body": "SOFT-BLOCKED-NOTE"}
    )
    assert response.status_code == 404
    assert "SOFT-BLOCKED-NOTE" not in [note.body for note in Note.objects.all()]  # bodies are encrypted: compare in Python


def test_a_soft_reader_may_add_a_note_while_the_case_allows_it(stewards: dict[str, User], login: Any) -> None:
    case = report()
    do_declare_conflict(stewards["bob"], case, ConflictLevel.SOFT)
    login(stewards["bob"]).post(reverse("cases:add_note", kwargs={"code": case.code_name}), {"kind": "note", "body": "SOFT-READER-NOTE"})
    assert [note.body for note in Note.objects.filter(case=case)] == ["SOFT-READER-NOTE"]


def test_lists_follow_each_stewards_own_declaration_on_each_case(stewards: dict[str, User]) -> None:
    """A declaration opens only the case it was made on, and only for the steward who made it."""
    first, second, third = report("first"), report("second"), report("third")
    alice, bob, carol, dave, erin = (stewards[name] for name in ("alice", "bob", "carol", "dave", "erin"))
    do_declare_conflict(dave, first, ConflictLevel.NONE)
    do_declare_conflict(dave, second, ConflictLevel.NONE)  # the third stays undeclared for Dave
    do_declare_conflict(bob, first, ConflictLevel.SOFT)
    do_declare_conflict(carol, second, ConflictLevel.HARD)
    do_declare_conflict(carol, third, ConflictLevel.NONE)
    do_declare_conflict(alice, first, ConflictLevel.HARD)
    expected = {
        # name: (readable, undeclared)
        "alice": (set(), {second, third}),
        "bob": ({first}, {second, third}),
        "carol": ({third}, {first}),
        "dave": ({first, second}, {third}),
        "erin": (set(), {first, second, third}),
    }
    for name, (readable, undeclared) in expected.items():
        assert set(readable_cases(stewards[name])) == readable, f"{name}: reading list"
        assert set(undeclared_cases(stewards[name])) == undeclared, f"{name}: list of cases to declare on"
    assert set(readable_cases(erin)) == set()


def test_deactivated_steward_has_empty_lists(stewards: dict[str, User]) -> None:
    case = report()
    do_declare_conflict(stewards["dave"], case, ConflictLevel.NONE)
    assert case in readable_cases(stewards["dave"])
    do_deactivate_steward(None, stewards["dave"].steward_profile)
    stewards["dave"].refresh_from_db()
    assert not readable_cases(stewards["dave"]).exists()
    assert not undeclared_cases(stewards["dave"]).exists()
    assert not undeclared_cases(stewards["frank"]).exists()  # frank never declared on anything


# --- Joined (merged) cases ----------------------------------------------------------------------


@pytest.fixture
def joined(stewards: dict[str, User]) -> tuple[Case, Case]:
    """`source` was joined into `target`. Dave and Alice read both; Bob is soft on the source (closed to
    soft readers); Carol declared hard on the source only; Erin declared nothing."""
    target, source = report("target"), report("source")
    for case in (target, source):
        do_declare_conflict(stewards["dave"], case, ConflictLevel.NONE)
        do_declare_conflict(stewards["alice"], case, ConflictLevel.NONE)
    do_update_triage(stewards["dave"], source, {"soft_conflicted_may_read": False})
    do_declare_conflict(stewards["bob"], source, ConflictLevel.SOFT)
    do_declare_conflict(stewards["bob"], target, ConflictLevel.NONE)
    do_declare_conflict(stewards["carol"], source, ConflictLevel.HARD)
    do_declare_conflict(stewards["carol"], target, ConflictLevel.NONE)
    do_merge_cases(stewards["dave"], target, source)
    target.refresh_from_db()
    source.refresh_from_db()
    return target, source


def test_a_joined_case_is_reached_only_through_the_case_it_joined(stewards: dict[str, User], joined: tuple[Case, Case]) -> None:
    target, source = joined
    dave = stewards["dave"]
    for need in Need:
        assert not may(dave, source, need), need
        with pytest.raises(Http404):
            access_case(dave, source.code_name, need)
    for name in ("alice", "bob", "carol", "dave", "erin"):
        assert source not in readable_cases(stewards[name])
        assert source not in undeclared_cases(stewards[name])
    assert source not in earlier_cases_about(dave, target)


def test_the_old_name_leads_only_readers_of_the_result_to_it(stewards: dict[str, User], joined: tuple[Case, Case]) -> None:
    target, source = joined
    assert merged_target(stewards["dave"], source.code_name) == target
    assert merged_target(stewards["alice"], source.code_name) == target
    # Bob was soft on a source closed to soft readers, Carol hard on it, Erin never declared.
    for name in ("bob", "carol", "erin", "frank"):
        assert merged_target(stewards[name], source.code_name) is None, name
    # A live case's name and an unknown name lead nowhere.
    assert merged_target(stewards["dave"], target.code_name) is None
    assert merged_target(stewards["dave"], "NO-SUCH-NAME") is None


def test_the_case_page_reads_the_old_name_as_merged_target_and_a_live_name_as_access_case(
    stewards: dict[str, User], joined: tuple[Case, Case]
) -> None:
    """access_case_or_merged (one read for the case page) answers exactly what the two questions it replaces do."""
    target, source = joined
    for name in ("alice", "dave"):
        assert access_case_or_merged(stewards[name], source.code_name, Need.CODE_NAME) == (target, None), name
    for name in ("bob", "carol", "erin", "frank"):
        with pytest.raises(Http404):
            access_case_or_merged(stewards[name], source.code_name, Need.CODE_NAME)
    with pytest.raises(Http404):
        access_case_or_merged(stewards["dave"], "NO-SUCH-NAME", Need.CODE_NAME)
    for name, user in stewards.items():
        for need in Need:
            try:
                expected = access_case_and_standing(user, target.code_name, need)
            except Http404:
                with pytest.raises(Http404):
                    access_case_or_merged(user, target.code_name, need)
            else:
                assert access_case_or_merged(user, target.code_name, need) == expected, (name, need)


def test_the_old_name_leads_nowhere_once_the_reader_is_deactivated(stewards: dict[str, User], joined: tuple[Case, Case]) -> None:
    _, source = joined
    do_deactivate_steward(None, stewards["dave"].steward_profile)
    stewards["dave"].refresh_from_db()
    assert merged_target(stewards["dave"], source.code_name) is None


# --- Earlier cases about the same person ----------------------------------------------------------


def test_earlier_cases_about_the_person_are_only_those_the_steward_may_read(stewards: dict[str, User]) -> None:
    dave, erin = stewards["dave"], stewards["erin"]
    current = report("now")
    readable = report("readable earlier case")
    soft_blocked = report("soft conflict, closed to soft readers")
    hard = report("hard conflict")
    undeclared = report("not declared")
    about_someone_else = report("about someone else", reported="mallory-gh")
    # Mallory only witnessed the current case: cases about her are not about its reported person.
    add_party(current, InvolvedPerson(PartyRole.WITNESS, "Mallory", Space.GITHUB, "mallory-gh"))
    # Ivan only witnessed this one: it is not a pattern of his behaviour.
    witnessed = report("Ivan saw it", reported="mallory-gh")
    add_party(witnessed, InvolvedPerson(PartyRole.WITNESS, "Ivan", Space.GITHUB, "ivan-gh"))
    for case in (current, readable, about_someone_else, witnessed):
        do_declare_conflict(dave, case, ConflictLevel.NONE)
    do_declare_conflict(erin, soft_blocked, ConflictLevel.NONE)
    do_update_triage(erin, soft_blocked, {"soft_conflicted_may_read": False})
    do_declare_conflict(dave, soft_blocked, ConflictLevel.SOFT)
    do_declare_conflict(dave, hard, ConflictLevel.HARD)
    assert set(earlier_cases_about(dave, current)) == {readable}
    # Erin reads only the case she declared on; the others must not reach her through this one.
    do_declare_conflict(erin, current, ConflictLevel.NONE)
    assert set(earlier_cases_about(erin, current)) == {soft_blocked}
    assert undeclared not in earlier_cases_about(erin, current)


def test_earlier_cases_leave_out_a_case_closed_to_the_soft_conflicted_steward(stewards: dict[str, User]) -> None:
    bob = stewards["bob"]
    current, earlier = report("now"), report("earlier")
    do_declare_conflict(bob, current, ConflictLevel.NONE)
    do_declare_conflict(stewards["dave"], earlier, ConflictLevel.NONE)
    do_declare_conflict(bob, earlier, ConflictLevel.SOFT)
    assert set(earlier_cases_about(bob, current)) == {earlier}  # open to soft readers
    do_update_triage(stewards["dave"], earlier, {"soft_conflicted_may_read": False})
    assert set(earlier_cases_about(bob, current)) == set()


# --- Quorum guard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "met"),
    [
        # Exactly at both minimums (1 possibly unconflicted, 3 not hard-conflicted): enough can act.
        ({"unconflicted": 1, "undeclared": 0, "not_hard_conflicted": 3}, True),
        ({"unconflicted": 0, "undeclared": 1, "not_hard_conflicted": 3}, True),  # an undeclared steward may still declare none
        ({"unconflicted": 0, "undeclared": 0, "not_hard_conflicted": 3}, False),  # one below on the first
        ({"unconflicted": 1, "undeclared": 0, "not_hard_conflicted": 2}, False),  # one below on the second
        ({"unconflicted": 2, "undeclared": 1, "not_hard_conflicted": 4}, True),  # above both
    ],
)
def test_quorum_is_met_exactly_at_the_policys_minimums(counts: dict[str, int], met: bool) -> None:
    assert Quorum(**counts, min_unconflicted=1, min_not_hard_conflicted=3).met is met


def test_quorum_counts_only_active_stewards_who_may_still_act(stewards: dict[str, User]) -> None:
    case = report(reported="bob", excluded=(stewards["carol"],))  # Bob a party, Carol excluded
    do_declare_conflict(stewards["dave"], case, ConflictLevel.SOFT)
    quorum = quorum_for(case)
    # Alice and Erin undeclared, Dave soft; Bob and Carol out; Frank deactivated and not counted.
    assert (quorum.unconflicted, quorum.undeclared, quorum.not_hard_conflicted) == (0, 2, 3)
    assert quorum.met
    do_declare_conflict(stewards["alice"], case, ConflictLevel.SOFT)
    do_declare_conflict(stewards["erin"], case, ConflictLevel.SOFT)
    case.refresh_from_db()
    assert (quorum_for(case).unconflicted, quorum_for(case).undeclared) == (0, 0)
    assert case.needs_outside_contact  # three can read, none can decide


# --- What joining keeps ---------------------------------------------------------------------------


def test_no_conflict_declared_on_one_side_only_must_be_declared_again(stewards: dict[str, User]) -> None:
    """Erin weighed the target's people, not the joined case's: she sees only the code name until she declares."""
    target, source = report("target"), report("source", reported="mallory-gh")
    for case in (target, source):
        do_declare_conflict(stewards["dave"], case, ConflictLevel.NONE)
    do_declare_conflict(stewards["erin"], target, ConflictLevel.NONE)
    do_merge_cases(stewards["dave"], target, source)
    target.refresh_from_db()
    assert standing(stewards["erin"], target) is Standing.UNDECLARED
    assert target not in readable_cases(stewards["erin"])
    assert target in undeclared_cases(stewards["erin"])
    assert standing(stewards["dave"], target) is Standing.UNCONFLICTED


def test_notes_and_messages_of_the_joined_case_are_kept(stewards: dict[str, User]) -> None:
    target, source = report("target"), report("source")
    dave = stewards["dave"]
    for case in (target, source):
        do_declare_conflict(dave, case, ConflictLevel.NONE)
    do_add_note(dave, source, "JOINED-NOTE")
    do_send_message(dave, source, Audience.STEWARDS, "JOINED-MESSAGE")
    do_merge_cases(dave, target, source)
    assert [note.body for note in Note.objects.filter(case=target)] == ["JOINED-NOTE"]
    assert [message.body for message in Message.objects.filter(case=target)] == ["JOINED-MESSAGE"]


def test_a_case_joined_twice_is_found_and_its_history_kept_in_the_last_one(stewards: dict[str, User], login: Any) -> None:
    first, second, last = report("first"), report("second"), report("last")
    dave = stewards["dave"]
    for case in (first, second, last):
        do_declare_conflict(dave, case, ConflictLevel.NONE)
    do_add_note(dave, first, "FIRST-NOTE")
    do_merge_cases(dave, second, first)
    do_merge_cases(dave, last, second)
    first.refresh_from_db()
    assert first.merged_into == last  # one level: the first case now belongs to the last directly
    assert merged_target(dave, first.code_name) == last
    assert [note.body for note in Note.objects.filter(case=last)] == ["FIRST-NOTE"]
    html = login(dave).get(reverse("cases:queue") + f"?q={first.code_name}").content.decode()
    assert f'href="/cases/{last.code_name}/"' in html


def test_what_was_recorded_on_the_joined_case_is_kept_in_the_result(stewards: dict[str, User]) -> None:
    target, source = report("target"), report("source")
    dave = stewards["dave"]
    for case in (target, source):
        do_declare_conflict(dave, case, ConflictLevel.NONE)
    reported = source.parties.get(role=PartyRole.REPORTED)
    inform = do_record_inform(dave, source, InformChoice.NO, "The reporter fears retaliation.")
    response = do_record_response(dave, source, reported, ResponseKind.DECLINED)
    measure = do_take_interim_measure(dave, source, "Muted in the chat for a day.")
    do_merge_cases(dave, target, source)
    assert list(target.inform_decisions.all()) == [inform]
    assert list(target.response_records.all()) == [response]
    assert list(InterimMeasure.objects.filter(case=target)) == [measure]


def test_a_persons_roles_and_naming_consent_survive_the_join(stewards: dict[str, User]) -> None:
    """Ivan is reported in the target and a witness in the joined case: he keeps both roles. A reporter
    who never agreed to be named is not named after the join; one who agreed still is."""
    target = report("target")
    source = report("source", reported="mallory-gh")
    dave = stewards["dave"]
    for case in (target, source):
        do_declare_conflict(dave, case, ConflictLevel.NONE)
    ivan = target.parties.get(role=PartyRole.REPORTED).person
    add_party(source, InvolvedPerson(PartyRole.WITNESS, "Ivan", Space.GITHUB, "ivan-gh"))
    agreeing = add_party(source, InvolvedPerson(PartyRole.WITNESS, "Wanda", Space.GITHUB, "wanda-gh"))
    assert agreeing is not None
    do_record_naming_consent(dave, source, agreeing.pk, True)
    do_merge_cases(dave, target, source)
    parties = {(party.person_id, party.role): party.agreed_to_be_named for party in target.parties.all()}
    assert (ivan.pk, PartyRole.REPORTED) in parties and (ivan.pk, PartyRole.WITNESS) in parties
    assert {key for key, agreed in parties.items() if agreed} == {(agreeing.person_id, PartyRole.WITNESS)}


# --- Files and follow-up links --------------------------------------------------------------------


def test_a_file_is_reached_only_through_its_own_case(stewards: dict[str, User]) -> None:
    dave = stewards["dave"]
    readable = report("readable", files=(b"FIRST FILE", b"SECOND FILE"))
    hidden = report("hidden", files=(b"HIDDEN FILE",))
    do_declare_conflict(dave, readable, ConflictLevel.NONE)
    do_declare_conflict(dave, hidden, ConflictLevel.HARD)
    first, second = readable.evidence.order_by("pk")
    assert access_evidence(dave, readable.code_name, first.pk) == first
    assert access_evidence(dave, readable.code_name, second.pk) == second
    for evidence_id in (hidden.evidence.get().pk, 10**9):
        with pytest.raises(Http404):
            access_evidence(dave, readable.code_name, evidence_id)


def test_an_unknown_follow_up_reference_is_a_404_whatever_the_secret(stewards: dict[str, User]) -> None:
    for secret in ("", "no report NOPE", "no report nope"):
        with pytest.raises(Http404):
            access_report_by_link("NOPE", secret)


def test_quorum_counts_each_stewards_standing_on_this_case_only(stewards: dict[str, User]) -> None:
    """Being a party to, or conflicted on, another case changes nothing here."""
    other = report("another case", reported="bob")  # Bob is a party there, not here
    for name in ("alice", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], other, ConflictLevel.HARD)
    case = report()
    for name in ("alice", "bob", "carol"):
        do_declare_conflict(stewards[name], case, ConflictLevel.NONE)
    quorum = quorum_for(case)
    assert (quorum.unconflicted, quorum.undeclared, quorum.not_hard_conflicted) == (3, 2, 5)


def test_the_committee_view_of_one_case_ignores_exclusions_and_parties_of_another(stewards: dict[str, User]) -> None:
    """Carol is excluded from one case and Bob reported in it: on a second case both stand as anyone does."""
    report(excluded=(stewards["carol"],), reported="bob")
    other = report(reported="ivan-gh")
    by_committee = {steward.pk: level for steward, level in committee_standings(other)}
    for name in ("bob", "carol"):
        assert standing(stewards[name], other) is Standing.UNDECLARED
        assert by_committee[stewards[name].pk] is Standing.UNDECLARED, name
