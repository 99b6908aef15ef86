"""Closing a case records how it ended, and then offers the closing letters.

Without a decision the steward chooses one of the policy's non-sanction outcomes (a sanction comes only from a
vote); a decided case closes with its decision's outcome. The outcome is on the case, in the audit event and in
the statistic that outlives erasure. The case page then opens where the letters are offered: to each reporter,
and to each reported person who has heard from the stewards, each link opening the compose page with the right
template, language and recipient chosen.
"""

import re
from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from audit.models import Event
from cases.actions import closing_outcome, do_change_status, do_declare_conflict, do_send_message
from cases.models import Audience, Case, Status
from decisions.appeals import do_decide_appeal, do_file_appeal
from decisions.models import Decision
from decisions.tests.conftest import make_ready, new_case, propose, reported, votes
from privacy.erasure import statistic_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(stewards: dict[str, Any]) -> Case:
    case, _receipt = new_case(language="en")
    for name in ("alice", "bob", "carol", "dave", "erin"):
        do_declare_conflict(stewards[name], case, "none")
    case.refresh_from_db()
    return case


def _status_url(case: Case) -> str:
    return reverse("cases:change_status", kwargs={"code": case.code_name})


def _page(client: Any, case: Case) -> str:
    return unescape(client.get(reverse("cases:detail", kwargs={"code": case.code_name})).content.decode())


def test_closing_without_a_decision_asks_for_a_non_sanction_outcome(case: Case, stewards: dict[str, Any], login: Any) -> None:
    client = login(stewards["dave"])
    page = _page(client, case)
    assert 'id="close-case"' in page and 'value="out-of-scope"' in page
    assert 'value="temporary-ban"' not in page.split('id="close-case"')[1].split("</form>")[0]  # no sanction offered
    client.post(_status_url(case), {"status": "closed"})
    client.post(_status_url(case), {"status": "closed", "outcome": "temporary-ban"})
    case.refresh_from_db()
    assert case.status != Status.CLOSED and case.outcome == ""
    response = client.post(_status_url(case), {"status": "closed", "outcome": "out-of-scope"})
    assert response["Location"].endswith("#closing-letters")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == "out-of-scope"
    event = Event.objects.filter(case_id=case.pk, kind="case.status").latest("pk")
    assert event.data == {"from": "new", "to": "closed", "outcome": "out-of-scope"}
    assert "Out of scope" in _page(client, case)
    assert statistic_for(case).outcome == "out-of-scope"  # what erasure keeps for the statistics


def test_reopening_clears_the_outcome(case: Case, stewards: dict[str, Any]) -> None:
    do_change_status(stewards["dave"], case, Status.CLOSED, "no-action")
    do_change_status(stewards["dave"], case, Status.INVESTIGATING)
    case.refresh_from_db()
    assert case.outcome == "" and case.closed_at is None


def test_the_closing_letters_are_offered_with_the_template_chosen(case: Case, stewards: dict[str, Any], login: Any) -> None:
    client = login(stewards["dave"])
    report = case.reports.get()
    party = reported(case)
    client.post(_status_url(case), {"status": "closed", "outcome": "not-a-violation"})
    page = _page(client, case)
    assert 'id="closing-letters"' in page
    compose = reverse("letters:compose", kwargs={"code": case.code_name})
    to_reporter = f"{compose}?kind=no-violation&language=en&audience=reporter%3A{report.reference}"
    assert to_reporter in page
    assert f"audience=reported%3A{party.pk}" not in page  # they never heard of the case: not told it closed
    letter = unescape(client.get(to_reporter).content.decode())
    assert "concluded that the code of\nconduct was not broken" in letter
    assert re.search(f'value="reporter:{report.reference}"[^>]*checked', letter)

    do_send_message(stewards["dave"], case, Audience.REPORTED, "We looked into a report.", party=party)
    assert f"kind=no-violation&language=en&audience=reported%3A{party.pk}" in _page(client, case)


def test_no_path_closes_an_undecided_case_without_an_outcome(case: Case, stewards: dict[str, Any]) -> None:
    """Not only the page: the action itself refuses, so no script, import or future view can close a case that the
    transparency reports could not count by its outcome."""
    with pytest.raises(Exception, match="Choose the outcome the case closes with"):
        do_change_status(stewards["dave"], case, Status.CLOSED)
    case.refresh_from_db()
    assert case.status != Status.CLOSED and case.closed_at is None
    assert not Event.objects.filter(case_id=case.pk, kind="case.status").exists()


def test_a_decided_case_closes_with_its_decision(case: Case, stewards: dict[str, Any], login: Any) -> None:
    make_ready(case, stewards["alice"])
    proposal = propose(case, stewards["alice"], "correction")
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    case.refresh_from_db()
    assert case.status == Status.DECIDED
    client = login(stewards["dave"])
    page = _page(client, case)
    assert "It closes with its decision's outcome: <strong>Correction</strong>." in page
    with pytest.raises(Exception, match="closes with the decision's outcome"):
        do_change_status(stewards["dave"], case, Status.CLOSED, "not-a-violation")
    client.post(_status_url(case), {"status": "closed"})
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == "correction"
    page = _page(client, case)
    compose = reverse("letters:compose", kwargs={"code": case.code_name})
    assert f"{compose}?kind=closure&language=en&audience=reporter%3A" in page
    # Their response was recorded (make_ready), but no letter or link of theirs is in Steward: no closing letter.
    assert "kind=closure&language=en&audience=reported" not in page


def test_a_reporter_who_asked_not_to_be_contacted_gets_no_letter_link(stewards: dict[str, Any], login: Any) -> None:
    case, _receipt = new_case(do_not_contact=True)
    do_declare_conflict(stewards["dave"], case, "none")
    client = login(stewards["dave"])
    client.post(_status_url(case), {"status": "closed", "outcome": "no-action"})
    letters = _page(client, case).split('id="closing-letters"')[1].split("</section>")[0]
    assert "The reporter of" in letters and "asked not to be contacted." in letters
    assert "kind=closure&language=en&audience=reporter" not in letters


def test_a_soft_conflicted_steward_cannot_close(stewards: dict[str, Any], login: Any) -> None:
    other, _receipt = new_case()
    do_declare_conflict(stewards["erin"], other, "soft")
    response = login(stewards["erin"]).post(_status_url(other), {"status": "closed", "outcome": "no-action"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status != Status.CLOSED


def test_a_decision_rescinded_on_appeal_leaves_the_outcome_to_choose(case: Case, stewards: dict[str, Any]) -> None:
    make_ready(case, stewards["alice"])
    votes(propose(case, stewards["alice"], "correction"), stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    decision = Decision.objects.get(case=case)
    case.refresh_from_db()
    assert closing_outcome(case, "correction") == "correction"  # the decision's own outcome may be named
    appeal = do_file_appeal(decision, "reporter", ["new-evidence"], "I found more messages.")
    do_decide_appeal(stewards["erin"], appeal, "rescinded", "The messages show it was a misunderstanding.")
    case.refresh_from_db()
    do_change_status(stewards["dave"], case, Status.CLOSED, "not-a-violation")
    case.refresh_from_db()
    assert case.outcome == "not-a-violation"
