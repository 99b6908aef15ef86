"""The queue: tabs, order, search, and the code-names-only list of cases still to declare on."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.actions import InvolvedPerson, do_acknowledge, do_assign_shepherd, do_change_status, do_update_triage
from cases.models import Case, PartyRole
from cases.tests.conftest import declare
from intake.actions import Submission, do_submit_report
from people.models import Space

QUEUE = reverse("cases:queue")
ROW = re.compile(r'<tr>\s*<td><a href="/cases/([^/"]+)/">')


def listed(client, query: str = "") -> list[str]:
    """Code names in the queue table, in order (the undeclared section is not a table)."""
    response = client.get(QUEUE + query)
    assert response.status_code == 200
    return ROW.findall(response.content.decode())


@pytest.fixture
def lifecycle(stewards, make_case):
    dave = stewards["dave"]
    cases = {name: make_case(f"{name} case") for name in ("new", "mine", "acked", "decided", "closed")}
    do_assign_shepherd(dave, cases["mine"], dave)
    do_acknowledge(dave, cases["acked"])
    do_change_status(dave, cases["decided"], "investigating")
    # Only a passed vote decides a case (decisions app); the queue only needs the state.
    Case.objects.filter(pk=cases["decided"].pk).update(status="decided", decided_at=timezone.now())
    do_change_status(dave, cases["closed"], "closed", "no-action")
    receipt = do_submit_report(Submission(body="held case"), held_as_possible_flood=True)
    cases["held"] = Case.objects.get(code_name=receipt.case_code_name)
    declare(cases["held"], "none", dave)
    return {name: case.code_name for name, case in cases.items()}


def test_tabs(stewards, login, lifecycle):
    client = login(stewards["dave"])
    c = lifecycle
    assert set(listed(client, "?view=new")) == {c["new"], c["mine"], c["held"]}
    assert listed(client, "?view=mine") == [c["mine"]]
    # Never acknowledged and not closed (the decided case went straight to investigating).
    assert set(listed(client, "?view=unacknowledged")) == {c["new"], c["mine"], c["held"], c["decided"]}
    assert listed(client, "?view=decided") == [c["decided"]]
    assert listed(client, "?view=closed") == [c["closed"]]
    assert listed(client, "?view=held") == [c["held"]]
    everything_open = {c["new"], c["mine"], c["acked"], c["decided"], c["held"]}
    assert set(listed(client, "?view=all")) == everything_open
    assert set(listed(client)) == everything_open
    assert set(listed(client, "?view=nonsense")) == everything_open


def test_mine_only_shows_my_cases(stewards, login, lifecycle):
    declare(Case.objects.get(code_name=lifecycle["mine"]), "none", stewards["erin"])
    assert listed(login(stewards["erin"]), "?view=mine") == []


def test_sorted_by_risk_then_oldest_first(stewards, login, make_case):
    dave = stewards["dave"]
    now = timezone.now()
    specs = [("old-low", "low", 10), ("mid-high", "high", 5), ("new-high", "high", 1), ("unknown", "unknown", 3), ("medium", "medium", 2)]
    names = {}
    for label, risk, days_ago in specs:
        case = make_case(label)
        if risk != "unknown":
            do_update_triage(dave, case, {"safety_risk": risk})
        Case.objects.filter(pk=case.pk).update(created_at=now - timedelta(days=days_ago))
        names[label] = case.code_name
    order = listed(login(dave))
    assert order == [names[label] for label in ("mid-high", "new-high", "medium", "unknown", "old-low")]


def test_queue_row_shows_status_risk_age_shepherd_and_outside_contact(stewards, login, make_case):
    dave = stewards["dave"]
    case = make_case()
    do_update_triage(dave, case, {"safety_risk": "high"})
    do_assign_shepherd(dave, case, dave)
    Case.objects.filter(pk=case.pk).update(needs_outside_contact=True)
    html = login(dave).get(QUEUE).content.decode()
    assert case.code_name in html
    assert 'class="badge high"' in html
    assert "Dave" in html  # the shepherd's public name
    assert "Needs outside contact" in html
    assert "<time" in html and "New" in html


def test_undeclared_cases_show_the_code_name_only(stewards, login, make_case):
    case = make_case("UNDECLARED-SECRET-BODY about a meetup", readers=())
    do_update_triage(stewards["dave"], case, {"safety_risk": "high"})
    response = login(stewards["erin"]).get(QUEUE)
    html = response.content.decode()
    assert "Declare before you can see" in html
    assert case.code_name in html
    assert reverse("cases:declare", kwargs={"code": case.code_name}) in html
    assert f'href="{reverse("cases:detail", kwargs={"code": case.code_name})}"' not in html
    for leak in ("UNDECLARED-SECRET-BODY", "badge high", "High", "Needs outside contact", "<time"):
        assert leak not in html, leak
    assert ROW.findall(html) == []


def test_search_by_case_code_name_person_code_name_and_handle(stewards, login, make_case):
    dave = stewards["dave"]
    about_mallory = make_case(involved_people=[InvolvedPerson(PartyRole.REPORTED, "Mallory", Space.GITHUB, "mallory-gh")])
    other = make_case()
    person_code = about_mallory.parties.get().person.code_name
    client = login(dave)
    assert listed(client, f"?q={about_mallory.code_name}") == [about_mallory.code_name]
    assert listed(client, f"?q={person_code}") == [about_mallory.code_name]
    assert listed(client, "?q=@Mallory-GH") == [about_mallory.code_name]
    # Handles are encrypted at rest and found through a blind index: only a whole handle matches.
    assert listed(client, "?q=mallory") == []
    assert listed(client, "?q=nobody-by-this-name") == []
    assert other.code_name in listed(client)


def test_search_finds_closed_cases_too(stewards, login, make_case):
    case = make_case(involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, "repeat-offender")])
    do_change_status(stewards["dave"], case, "closed", "no-action")
    assert listed(login(stewards["dave"]), "?q=repeat-offender") == [case.code_name]


def test_search_stays_within_readable_cases(stewards, login, make_case):
    case = make_case(readers=(), involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, "hidden-handle")])
    declare(case, "soft", stewards["carol"])
    case.soft_conflicted_may_read = False
    case.save(update_fields=["soft_conflicted_may_read"])
    for name in ("erin", "carol"):  # undeclared; soft-conflicted and shut out
        assert listed(login(stewards[name]), "?q=hidden-handle") == []
        assert listed(login(stewards[name]), f"?q={case.code_name}") == []


def test_hard_conflicted_case_is_absent_everywhere(stewards, login, make_case):
    case = make_case(
        "HARD-SECRET",
        readers=("dave",),
        involved_people=[InvolvedPerson(PartyRole.REPORTED, "", Space.GITHUB, "target-handle")],
    )
    declare(case, "hard", stewards["erin"])
    bob_is_party = make_case(involved_people=[InvolvedPerson(PartyRole.REPORTED, "Bob", Space.GITHUB, "bob")])
    client = login(stewards["erin"])
    for view in ("", "?view=new", "?view=mine", "?view=unacknowledged", "?view=decided", "?view=closed", "?view=held", "?view=all"):
        for query in ("", f"&q={case.code_name}", "&q=target-handle"):
            html = client.get(QUEUE + (view or "?") + query).content.decode()
            assert case.code_name not in html
            assert "HARD-SECRET" not in html
    bob = login(stewards["bob"])
    for query in ("", f"?q={bob_is_party.code_name}", "?q=bob"):
        assert bob_is_party.code_name not in bob.get(QUEUE + query).content.decode()


def test_queue_needs_an_active_steward(stewards, client, login, make_case):
    make_case()
    response = client.get(QUEUE)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    response = login(stewards["frank"]).get(QUEUE)
    assert response.status_code == 404 or reverse("accounts:login") in response["Location"]
