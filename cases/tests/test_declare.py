"""Declaring a conflict: the code name and three choices, nothing else about the case."""

import pytest
from django.urls import reverse

from cases.actions import InvolvedPerson, do_update_triage
from cases.models import Case, ConflictDeclaration, PartyRole
from cases.tests.conftest import declare, kinds
from people.models import Space

BODY = "DECLARE-PAGE-SECRET what happened at the meetup"


@pytest.fixture
def case(make_case, stewards):
    case = make_case(BODY, readers=("dave",), reporter_name="Rita Reporter", reporter_email="rita@example.net")
    do_update_triage(stewards["dave"], case, {"safety_risk": "high"})
    return case


def url(case: Case) -> str:
    return reverse("cases:declare", kwargs={"code": case.code_name})


def test_page_shows_code_name_and_three_choices_only(stewards, login, case):
    response = login(stewards["erin"]).get(url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.code_name in html
    for value in ("none", "soft", "hard"):
        assert f'value="{value}"' in html
    assert "checked" not in html
    assert "reason" not in html.lower() or "No reason is asked" in html
    for leak in (BODY, "Rita Reporter", "rita@example.net", "High"):
        assert leak not in html


def test_declaring_none_opens_the_case(stewards, login, case):
    client = login(stewards["erin"])
    response = client.post(url(case), {"level": "none"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", kwargs={"code": case.code_name})
    assert ConflictDeclaration.objects.get(case=case, steward=stewards["erin"]).level == "none"
    assert kinds(case).count("conflict.declared") == 2  # dave's and erin's
    assert BODY in client.get(response["Location"]).content.decode()


def test_declaring_hard_hides_the_case(stewards, login, case):
    client = login(stewards["erin"])
    response = client.post(url(case), {"level": "hard"})
    assert response["Location"] == reverse("cases:queue")
    assert client.get(reverse("cases:detail", kwargs={"code": case.code_name})).status_code == 404
    assert client.get(url(case)).status_code == 404
    assert case.code_name not in client.get(reverse("cases:queue")).content.decode()


def test_soft_when_soft_conflicted_may_not_read_goes_back_to_the_queue(stewards, login, case):
    do_update_triage(stewards["dave"], case, {"soft_conflicted_may_read": False})
    client = login(stewards["erin"])
    response = client.post(url(case), {"level": "soft"})
    assert response["Location"] == reverse("cases:queue")
    assert client.get(reverse("cases:detail", kwargs={"code": case.code_name})).status_code == 404


def test_a_choice_is_required(stewards, login, case):
    response = login(stewards["erin"]).post(url(case), {})
    assert response.status_code == 200
    assert not ConflictDeclaration.objects.filter(case=case, steward=stewards["erin"]).exists()
    response = login(stewards["erin"]).post(url(case), {"level": "maybe"})
    assert not ConflictDeclaration.objects.filter(case=case, steward=stewards["erin"]).exists()


def test_declaring_twice_is_refused_quietly(stewards, login, case):
    client = login(stewards["dave"])
    response = client.post(url(case), {"level": "hard"})
    assert response.status_code == 302
    assert ConflictDeclaration.objects.get(case=case, steward=stewards["dave"]).level == "none"


def test_undeclared_steward_is_sent_from_detail_to_declare(stewards, login, case):
    response = login(stewards["erin"]).get(reverse("cases:detail", kwargs={"code": case.code_name}))
    assert response.status_code == 302 and response["Location"] == url(case)


def test_hard_conflicted_and_parties_get_404(stewards, login, make_case):
    case = make_case(involved_people=[InvolvedPerson(PartyRole.REPORTED, "Bob", Space.GITHUB, "bob")])
    declare(case, "hard", stewards["carol"])
    for name in ("bob", "carol"):
        client = login(stewards[name])
        assert client.get(url(case)).status_code == 404
        assert client.post(url(case), {"level": "none"}).status_code == 404
    assert not ConflictDeclaration.objects.filter(case=case, steward=stewards["bob"]).exists()


def test_outsiders_cannot_declare(stewards, client, login, case):
    response = client.get(url(case))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    response = login(stewards["frank"]).post(url(case), {"level": "none"})
    assert response.status_code == 404 or reverse("accounts:login") in response["Location"]
    assert not ConflictDeclaration.objects.filter(case=case, steward=stewards["frank"]).exists()


def test_unknown_case_is_404(stewards, login):
    assert login(stewards["dave"]).get(reverse("cases:declare", kwargs={"code": "no-such-case-1"})).status_code == 404


def test_the_page_shows_the_reported_people_to_judge_a_conflict_and_nothing_of_the_reporters(stewards, login, make_case):
    """Code names and user names of the reported people; the number of reports and of anonymous ones. Not the
    report, not the names typed for anyone, not the reporter, not the witnesses."""
    case = make_case(
        BODY,
        reporter_name="Rita Reporter",
        reporter_email="rita@example.net",
        witnesses="Wanda Witness saw it",
        involved_people=[
            InvolvedPerson(PartyRole.REPORTED, "Ivan Ivanov", Space.GITHUB, "ivan-gh"),
            InvolvedPerson(PartyRole.WITNESS, "Walter Witness", Space.GITHUB, "walter-gh"),
        ],
    )
    second = make_case("ANONYMOUS-REPORT-BODY the same thing happened to me", anonymous=True)
    from cases.actions import do_merge_cases

    do_merge_cases(stewards["dave"], case, second)
    ivan = case.parties.get(role=PartyRole.REPORTED).person
    html = login(stewards["erin"]).get(url(case)).content.decode()
    assert ivan.code_name in html and "ivan-gh (GitHub)" in html
    assert "2 reports, of which 1 anonymous." in html
    for leak in (BODY, "ANONYMOUS-REPORT-BODY", "Rita", "rita@example.net", "Wanda", "Walter", "walter-gh", "Ivan Ivanov"):
        assert leak not in html
