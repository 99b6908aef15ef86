"""A steward recuses after declaring, and an admin corrects a declaration: the access rules follow at once.

The promise: from the next request on, a steward who declared a hard conflict later sees nothing of the case (page,
evidence, notes, messages, declaration page, lists), and one who declared a soft conflict later loses what a soft
conflict loses. Each rule of cases.declarations has a test per branch: these are the lines a mutation would flip.
"""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import Event
from cases.access import Need, may
from cases.actions import InvolvedPerson, do_assign_shepherd
from cases.declarations import do_correct_declaration, do_recuse
from cases.models import Case, ConflictDeclaration, PartyRole
from cases.tests.conftest import declare
from people.models import Space

pytestmark = pytest.mark.django_db

BODY = "RECUSAL-CASE-BODY he shouted during the call"


@pytest.fixture
def case(make_case: Any) -> Case:
    return make_case(BODY, readers=("dave", "carol", "bob"), reporter_name="Rita Reporter", files=[_checked()])


def _checked() -> Any:
    from cases.evidence import check_upload
    from cases.tests.conftest import text_file

    return check_upload(text_file())


def _url(name: str, case: Case, **kwargs: Any) -> str:
    return reverse(name, kwargs={"code": case.code_name, **kwargs})


def _reads(client: Client, case: Case) -> dict[str, int]:
    """What a steward's next requests answer: the page, a download, a note, a message, the declaration page."""
    evidence = case.evidence.get()
    return {
        "page": client.get(_url("cases:detail", case)).status_code,
        "download": client.get(_url("cases:evidence_download", case, evidence_id=evidence.pk)).status_code,
        "note": client.post(_url("cases:add_note", case), {"kind": "note", "body": "still here"}).status_code,
        "message": client.post(_url("cases:send_message", case), {"audience": "stewards", "body": "hello"}).status_code,
        "declare": client.get(_url("cases:declare", case)).status_code,
    }


def test_a_later_hard_conflict_stops_reading_on_the_next_request(case: Case, stewards: dict[str, Any], login: Any) -> None:
    client = login(stewards["dave"])
    assert _reads(client, case)["page"] == 200 and _reads(client, case)["download"] == 200
    response = client.post(_url("cases:recuse", case), {"level": "hard"})
    assert response["Location"] == reverse("cases:queue")
    assert _reads(client, case) == {"page": 404, "download": 404, "note": 404, "message": 404, "declare": 404}
    queue = (
        client.get(reverse("cases:queue")).content.decode() + client.get(reverse("cases:queue") + f"?q={case.code_name}").content.decode()
    )
    assert case.code_name not in queue
    event = Event.objects.get(case_id=case.pk, kind="conflict.recused")
    assert event.actor_id == stewards["dave"].pk and event.data == {"from": "none", "to": "hard"}
    assert case.code_name not in event.summary and "hard" not in event.summary


def test_a_later_soft_conflict_keeps_reading_but_not_identity_or_deciding(case: Case, stewards: dict[str, Any], login: Any) -> None:
    client = login(stewards["dave"])
    client.post(_url("cases:recuse", case), {"level": "soft"})
    reads = _reads(client, case)
    assert reads["page"] == 200 and reads["download"] == 200
    report = case.reports.get()
    assert client.post(_url("cases:reveal_identity", case, reference=report.reference)).status_code == 404
    assert client.post(_url("cases:update_triage", case), {"safety_risk": "high"}).status_code == 404
    assert not may(stewards["dave"], case, Need.VOTE)


def test_a_later_soft_conflict_on_a_case_closed_to_soft_readers_stops_reading(case: Case, stewards: dict[str, Any], login: Any) -> None:
    login(stewards["carol"]).post(_url("cases:set_soft_read", case), {"allowed": "no"})
    client = login(stewards["dave"])
    client.post(_url("cases:recuse", case), {"level": "soft"})
    reads = _reads(client, case)
    assert reads["page"] == 404 and reads["download"] == 404 and reads["note"] == 404


def test_recusal_rules_branch_by_branch(case: Case, stewards: dict[str, Any]) -> None:
    dave, carol, erin = stewards["dave"], stewards["carol"], stewards["erin"]
    with pytest.raises(ValidationError, match="soft or a hard"):
        do_recuse(dave, case, "none")  # not a conflict
    with pytest.raises(ValidationError, match="soft or a hard"):
        do_recuse(dave, case, "maybe")
    with pytest.raises(ValidationError, match="Declare your position on this case first"):
        do_recuse(erin, case, "hard")  # erin has not declared
    assert not ConflictDeclaration.objects.filter(case=case, steward=erin).exists()
    do_recuse(dave, case, "soft")  # none -> soft
    with pytest.raises(ValidationError, match="stricter"):
        do_recuse(dave, case, "soft")  # soft -> soft
    do_recuse(dave, case, "hard")  # soft -> hard
    with pytest.raises(ValidationError, match="stricter"):
        do_recuse(dave, case, "soft")  # hard -> soft: only an admin loosens
    do_recuse(carol, case, "hard")  # none -> hard
    levels = dict(ConflictDeclaration.objects.filter(case=case).values_list("steward__username", "level"))
    assert levels["dave"] == "hard" and levels["carol"] == "hard"
    assert [event.data for event in Event.objects.filter(case_id=case.pk, kind="conflict.recused").order_by("pk")] == [
        {"from": "none", "to": "soft"},
        {"from": "soft", "to": "hard"},
        {"from": "none", "to": "hard"},
    ]


def test_a_recusing_shepherd_stops_shepherding_and_the_quorum_is_counted_again(case: Case, stewards: dict[str, Any]) -> None:
    do_assign_shepherd(stewards["carol"], case, stewards["dave"])
    do_recuse(stewards["dave"], case, "soft")
    case.refresh_from_db()
    assert case.shepherd is None
    assert Event.objects.filter(case_id=case.pk, kind="case.shepherd", summary__contains="declaration changed").exists()
    # Once every steward is conflicted, too few can act: the case goes to the outside contact.
    do_recuse(stewards["carol"], case, "hard")
    do_recuse(stewards["bob"], case, "hard")
    for name in ("alice", "erin"):
        declare(case, "hard", stewards[name])
    case.refresh_from_db()
    assert case.needs_outside_contact
    assert Event.objects.filter(case_id=case.pk, kind="case.quorum").exists()


# --- An admin's correction ---------------------------------------------------------------------------


def test_only_an_admin_who_may_see_the_case_corrects(case: Case, stewards: dict[str, Any], login: Any) -> None:
    alice, dave = stewards["alice"], stewards["dave"]
    page = _url("cases:correct_declarations", case)
    assert login(dave).get(page).status_code == 404  # not an admin
    assert login(dave).post(page, {"steward": str(stewards["carol"].pk), "level": "hard"}).status_code == 404
    with pytest.raises(ValidationError, match="Only an admin"):
        do_correct_declaration(dave, case, stewards["carol"], "hard")
    assert login(alice).get(page).status_code == 200  # alice: an admin, not declared yet (may know the code name)
    assert page in login(alice).get(_url("cases:declare", case)).content.decode()  # linked where she is
    assert page not in login(stewards["erin"]).get(_url("cases:declare", case)).content.decode()
    declare(case, "hard", alice)
    assert login(alice).get(page).status_code == 404  # hidden from her now
    with pytest.raises(ValidationError, match="Only an admin"):
        do_correct_declaration(alice, case, stewards["carol"], "hard")
    assert ConflictDeclaration.objects.get(case=case, steward=stewards["carol"]).level == "none"


def test_correction_rules_branch_by_branch(case: Case, stewards: dict[str, Any]) -> None:
    alice, carol = stewards["alice"], stewards["carol"]
    with pytest.raises(ValidationError, match="no conflict, soft, hard, or ask again"):
        do_correct_declaration(alice, case, carol, "maybe")
    with pytest.raises(ValidationError, match="Choose a steward"):
        do_correct_declaration(alice, case, None, "hard")
    with pytest.raises(ValidationError, match="Another admin corrects your own"):
        do_correct_declaration(alice, case, alice, "none")
    with pytest.raises(ValidationError, match="already"):
        do_correct_declaration(alice, case, carol, "none")  # what it is already
    with pytest.raises(ValidationError, match="already"):
        do_correct_declaration(alice, case, stewards["erin"], "undeclared")  # erin has not declared
    assert not Event.objects.filter(kind="conflict.corrected").exists()


def test_an_admin_records_a_conflict_and_the_steward_is_refused_at_once(case: Case, stewards: dict[str, Any], login: Any) -> None:
    carol = login(stewards["carol"])
    assert _reads(carol, case)["page"] == 200
    admin = Client()
    admin.force_login(stewards["alice"])
    page = admin.get(_url("cases:correct_declarations", case)).content.decode()
    assert BODY not in page and "Rita" not in page and "No conflict" in page
    response = admin.post(_url("cases:correct_declarations", case), {"steward": str(stewards["carol"].pk), "level": "hard"})
    assert response.status_code == 302
    assert _reads(carol, case) == {"page": 404, "download": 404, "note": 404, "message": 404, "declare": 404}
    event = Event.objects.get(case_id=case.pk, kind="conflict.corrected")
    assert event.actor_id == stewards["alice"].pk
    assert event.data == {"steward": stewards["carol"].pk, "from": "none", "to": "hard"}


def test_an_admin_corrects_a_mistaken_hard_conflict_or_asks_again(case: Case, stewards: dict[str, Any], login: Any) -> None:
    alice, erin = stewards["alice"], stewards["erin"]
    declare(case, "hard", erin)
    client = login(erin)
    assert _reads(client, case)["page"] == 404
    do_correct_declaration(alice, case, erin, "none")
    assert _reads(client, case)["page"] == 200
    do_correct_declaration(alice, case, erin, "undeclared")  # cleared: she is asked again
    assert not ConflictDeclaration.objects.filter(case=case, steward=erin).exists()
    response = client.get(_url("cases:detail", case))
    assert response.status_code == 302 and response["Location"] == _url("cases:declare", case)
    assert case.code_name in client.get(reverse("cases:queue")).content.decode()  # back on her list to declare on
    do_correct_declaration(alice, case, erin, "soft")  # from undeclared: an admin records a conflict they know of
    assert ConflictDeclaration.objects.get(case=case, steward=erin).level == "soft"


def test_a_correction_cannot_lift_an_automatic_conflict(stewards: dict[str, Any], make_case: Any, login: Any) -> None:
    case = make_case(involved_people=[InvolvedPerson(PartyRole.REPORTED, "Bob", Space.GITHUB, "bob")], files=[_checked()])
    do_correct_declaration(stewards["alice"], case, stewards["bob"], "none")  # bob is the reported person
    assert _reads(login(stewards["bob"]), case)["page"] == 404
