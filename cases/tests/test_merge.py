"""Joining case B into case A: whoever was kept from B is kept from A, nothing of B is lost, and B's
old name leads only B's and A's readers anywhere."""

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event
from cases.access import earlier_cases_about, quorum_for, readable_cases, standing
from cases.actions import InvolvedPerson, do_assign_shepherd, do_merge_cases, do_send_message, do_update_triage
from cases.evidence import check_upload
from cases.merging import merged_level, unclassified_relations
from cases.models import Audience, Case, ConflictDeclaration, Message, Party, PartyRole, Status
from cases.tests.conftest import declare, text_file
from decisions.actions import ProposalInput, do_propose, do_vote
from decisions.models import InformChoice, ResponseKind
from decisions.records import do_record_inform, do_record_response
from letters.access import access_party_link
from letters.actions import do_create_party_link
from people.models import Space

B_BODY = "B-ONLY-REPORT-BODY he followed me home"
B_FILE = b"B-ONLY-EVIDENCE screenshot text"
MALLORY = InvolvedPerson(PartyRole.REPORTED, "Mallory", Space.GITHUB, "mallory-gh")


def detail(code: str) -> str:
    return reverse("cases:detail", kwargs={"code": code})


@pytest.fixture
def pair(make_case, stewards) -> tuple[Case, Case]:
    """A (dave and bob: no conflict) and B (dave: none, bob: hard), both about Mallory; B has a file
    and a named reporter."""
    a = make_case("A report of the incident", readers=("dave", "bob"), involved_people=[MALLORY])
    b = make_case(
        B_BODY,
        readers=("dave",),
        involved_people=[MALLORY],
        reporter_name="Brenda Reporter",
        reporter_email="brenda@example.net",
        files=[check_upload(text_file("b.txt", B_FILE))],
    )
    declare(b, "hard", stewards["bob"])
    return a, b


def test_a_steward_hard_conflicted_on_the_joined_case_sees_nothing_of_the_result(pair, stewards, login, make_case) -> None:
    a, b = pair
    evidence = b.evidence.get()
    report = b.reports.get()
    # Another case about Mallory that bob reads: the merged case must not show up in its "earlier cases".
    other = make_case("Another incident", readers=("bob",), involved_people=[MALLORY])
    do_merge_cases(stewards["dave"], a, b)

    bob = login(stewards["bob"])
    assert bob.get(detail(a.code_name)).status_code == 404
    assert bob.get(detail(b.code_name)).status_code == 404
    identity = reverse("cases:reveal_identity", kwargs={"code": a.code_name, "reference": report.reference})
    assert bob.post(identity).status_code == 404
    download = reverse("cases:evidence_download", kwargs={"code": a.code_name, "evidence_id": evidence.pk})
    assert bob.get(download).status_code == 404
    old_download = reverse("cases:evidence_download", kwargs={"code": b.code_name, "evidence_id": evidence.pk})
    assert bob.get(old_download).status_code == 404
    for query in ("", "?view=all", f"?q={a.code_name}", f"?q={b.code_name}", "?q=mallory-gh"):
        html = bob.get(reverse("cases:queue") + query).content.decode()
        assert a.code_name not in html and b.code_name not in html and B_BODY not in html
    assert not readable_cases(stewards["bob"]).filter(pk=a.pk).exists()
    assert a not in earlier_cases_about(stewards["bob"], other)
    # dave, who had no conflict on either, still reads everything, under the old name too.
    dave = login(stewards["dave"])
    assert B_BODY in dave.get(detail(a.code_name)).content.decode()
    assert dave.get(detail(b.code_name))["Location"] == detail(a.code_name)
    assert dave.get(old_download)["Location"] == download
    assert B_FILE in dave.get(download).content


def test_the_old_name_is_a_404_for_anyone_who_cannot_read_the_result(pair, stewards, login) -> None:
    a, b = pair
    declare(b, "none", stewards["erin"])  # erin read B but never declared on A: she must declare first
    do_merge_cases(stewards["dave"], a, b)
    for name in ("erin", "carol", "bob"):
        client = login(stewards[name])
        for path in (detail(b.code_name), reverse("cases:declare", kwargs={"code": b.code_name})):
            response = client.get(path)
            assert response.status_code == 404, (name, path)
            assert a.code_name not in response.content.decode()


def test_declarations_merge_strictest_first(make_case, stewards) -> None:
    a = make_case("A", readers=("dave", "alice", "carol"))
    b = make_case("B", readers=("dave", "erin"))
    declare(a, "soft", stewards["bob"])
    declare(b, "hard", stewards["alice"])  # none on A, hard on B -> hard
    declare(b, "soft", stewards["carol"])  # none on A, soft on B -> soft
    # erin: undeclared on A, none on B -> undeclared (she has not weighed A's people)
    # bob: soft on A, undeclared on B -> soft
    do_merge_cases(stewards["dave"], a, b)
    levels = dict(ConflictDeclaration.objects.filter(case=a).values_list("steward__username", "level"))
    assert levels == {"dave": "none", "alice": "hard", "carol": "soft", "bob": "soft"}
    assert merged_level("none", None) is None and merged_level(None, "soft") == "soft" and merged_level("soft", "hard") == "hard"


def test_an_excluded_steward_stays_excluded(make_case, stewards, login) -> None:
    a = make_case("A", readers=("dave", "erin"))
    b = make_case(B_BODY, readers=("dave",), excluded_steward_ids=[stewards["erin"].pk])
    do_merge_cases(stewards["dave"], a, b)
    assert login(stewards["erin"]).get(detail(a.code_name)).status_code == 404


def test_a_shepherd_conflicted_on_the_joined_case_is_released(pair, stewards) -> None:
    a, b = pair
    do_assign_shepherd(stewards["dave"], a, stewards["bob"])
    do_merge_cases(stewards["dave"], a, b)
    a.refresh_from_db()
    assert a.shepherd is None
    assert Event.objects.filter(case_id=a.pk, kind="case.shepherd").count() == 2


def test_the_stricter_case_settings_win(make_case, stewards) -> None:
    a = make_case("A", readers=("dave",))
    b = make_case("B", readers=("dave",))
    do_update_triage(stewards["dave"], b, {"soft_conflicted_may_read": False, "safety_risk": "high"})
    do_merge_cases(stewards["dave"], a, b)
    a.refresh_from_db()
    assert a.soft_conflicted_may_read is False and a.safety_risk == "high"


def test_quorum_is_refreshed_and_both_cases_record_the_merge(make_case, stewards) -> None:
    a = make_case("A", readers=("dave",))
    b = make_case("B", readers=("dave",))
    declare(b, "hard", stewards["alice"], stewards["bob"], stewards["carol"])
    do_merge_cases(stewards["dave"], a, b)
    a.refresh_from_db()
    assert not quorum_for(a).met and a.needs_outside_contact
    assert Event.objects.filter(case_id=a.pk, kind="case.merged").exists()
    assert Event.objects.filter(case_id=b.pk, kind="case.merged").exists()


def test_rows_about_people_follow_them_and_the_reported_persons_link_keeps_working(make_case, stewards) -> None:
    a = make_case("A", readers=("dave",), involved_people=[MALLORY])
    b = make_case("B", readers=("dave",), involved_people=[MALLORY])
    mallory_b = b.parties.get(role=PartyRole.REPORTED)
    link = do_create_party_link(stewards["dave"], b, mallory_b)
    do_send_message(stewards["dave"], b, Audience.REPORTED, "We would like to hear from you.", party=mallory_b)
    do_merge_cases(stewards["dave"], a, b)
    mallory_a = a.parties.get(role=PartyRole.REPORTED)
    assert not Party.objects.filter(case=b).exists()
    assert Message.objects.get(audience=Audience.REPORTED).party == mallory_a
    assert access_party_link(link.token).party == mallory_a and access_party_link(link.token).case == a


def test_a_soft_conflicted_steward_cannot_merge(make_case, stewards, login) -> None:
    a = make_case("A", readers=("dave", "carol"))
    b = make_case("B", readers=("dave",))
    declare(b, "soft", stewards["carol"])
    carol = login(stewards["carol"])
    response = carol.post(reverse("cases:merge", kwargs={"code": a.code_name}), {"other": b.code_name, "confirm": b.code_name}, follow=True)
    assert f"You have no case called “{b.code_name}”" in response.content.decode()
    b.refresh_from_db()
    assert b.merged_into is None
    with pytest.raises(ValidationError):
        do_merge_cases(stewards["carol"], a, b)
    assert carol.post(reverse("cases:merge", kwargs={"code": b.code_name}), {"other": a.code_name}).status_code == 404


def test_joining_asks_for_both_names_and_a_wrong_confirmation_changes_nothing(make_case, stewards, login) -> None:
    a = make_case("A", readers=("dave",))
    b = make_case("B", readers=("dave",))
    dave = login(stewards["dave"])
    url = reverse("cases:merge", kwargs={"code": a.code_name})
    page = dave.post(url, {"other": b.code_name}).content.decode()
    assert a.code_name in page and b.code_name in page and 'name="confirm"' in page
    wrong = dave.post(url, {"other": b.code_name, "confirm": a.code_name}).content.decode()
    assert "The code name you typed is not" in wrong
    b.refresh_from_db()
    assert b.merged_into is None


def _decide(case: Case, steward: Any) -> None:
    reported = case.parties.get(role=PartyRole.REPORTED)
    do_record_inform(steward, case, InformChoice.YES, "No risk in telling them.")
    do_record_response(steward, case, reported, ResponseKind.DECLINED)
    proposal = do_propose(steward, case, ProposalInput(outcome="correction", target=reported, rationale="One rude remark."))
    do_vote(steward, proposal, "yes")


def test_joining_into_a_decided_case_needs_an_explicit_yes(make_case, stewards, login) -> None:
    a = make_case("A", readers=("dave",), involved_people=[MALLORY])
    b = make_case("B", readers=("dave",))
    _decide(a, stewards["dave"])
    a.refresh_from_db()
    assert a.status == Status.DECIDED
    with pytest.raises(ValidationError, match="already decided"):
        do_merge_cases(stewards["dave"], a, b)
    dave = login(stewards["dave"])
    url = reverse("cases:merge", kwargs={"code": a.code_name})
    page = dave.post(url, {"other": b.code_name, "confirm": b.code_name}).content.decode()
    assert "tick the box" in page and 'name="into_decided"' in page
    b.refresh_from_db()
    assert b.merged_into is None
    dave.post(url, {"other": b.code_name, "confirm": b.code_name, "into_decided": "on"})
    b.refresh_from_db()
    assert b.merged_into_id == a.pk


def test_a_decided_case_or_one_with_an_open_proposal_cannot_be_joined_into_another(make_case, stewards) -> None:
    a = make_case("A", readers=("dave",))
    decided = make_case("decided", readers=("dave",), involved_people=[MALLORY])
    _decide(decided, stewards["dave"])
    with pytest.raises(ValidationError, match="has a decision"):
        do_merge_cases(stewards["dave"], a, decided)
    voting = make_case("voting", readers=("dave", "erin"), involved_people=[MALLORY])
    do_propose(stewards["dave"], voting, ProposalInput(outcome="correction", target=voting.parties.get(role="reported"), rationale="Rude."))
    with pytest.raises(ValidationError, match="open proposal"):
        do_merge_cases(stewards["dave"], a, voting)
    assert Case.objects.filter(merged_into=a).count() == 0


def test_search_by_the_old_name_finds_the_case_for_its_readers(pair, stewards, login) -> None:
    a, b = pair
    do_merge_cases(stewards["dave"], a, b)
    html = login(stewards["dave"]).get(reverse("cases:queue") + f"?q={b.code_name}").content.decode()
    assert re.search(rf'href="/cases/{a.code_name}/"', html)


def test_every_relation_to_a_case_is_decided_for_merging() -> None:
    assert unclassified_relations() == []


def test_standing_after_merge_matches_the_access_layer(pair, stewards) -> None:
    a, b = pair
    do_merge_cases(stewards["dave"], a, b)
    assert standing(stewards["bob"], a).value == "hidden"


def test_the_migration_carries_declarations_of_cases_joined_before_this_fix(pair, stewards) -> None:
    """Cases joined by the old merge left declarations behind; the data migration carries them over."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cases.migrations.0007_carry_conflicts_of_merged_cases")
    a, b = pair
    Case.objects.filter(pk=a.pk).update(shepherd=stewards["bob"])
    Case.objects.filter(pk=b.pk).update(merged_into=a)  # joined the old way: only the link was made
    assert standing(stewards["bob"], a).value == "unconflicted"
    migration.carry(apps, None)
    a.refresh_from_db()
    assert standing(stewards["bob"], a).value == "hidden" and a.shepherd is None
