"""The decision section of the case page, its forms, and the recommendation."""

from typing import Any

import pytest
from django.urls import reverse

from cases.actions import do_update_triage
from decisions.models import Decision, Proposal, ProposalStatus
from decisions.recommend import recommend
from decisions.tests.conftest import propose, reported, reporter, votes

pytestmark = pytest.mark.django_db


def _page(client: Any, case: Any) -> str:
    return str(client.get(reverse("cases:detail", kwargs={"code": case.code_name})).content.decode())


def test_rationale_and_responses_are_escaped(stewards: dict[str, Any], committee_case: Any, login: Any) -> None:
    case = committee_case(ready=False)
    propose(case, stewards["alice"], rationale='<script>alert("x")</script> & more')
    client = login(stewards["dave"])
    client.post(
        reverse("decisions:record_response", kwargs={"code": case.code_name}),
        {"party": reported(case).pk, "kind": "response", "text": "<img src=x onerror=alert(1)>"},
    )
    page = _page(client, case)
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_propose_and_vote_through_the_page(stewards: dict[str, Any], committee_case: Any, login: Any) -> None:
    case = committee_case()
    client = login(stewards["alice"])
    response = client.post(
        reverse("decisions:propose", kwargs={"code": case.code_name}),
        {
            "outcome": "warning",
            "target": reported(case).pk,
            "period_days": "30",
            "protected_people": [reporter(case).person_id],
            "rationale": "Repeated insults in reviews.",
            "conditions_for_return": "",
            "skip_reason": "",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#decisions")
    proposal = Proposal.objects.get(case=case)
    assert (proposal.period_days, list(proposal.protected_people.all())) == (30, [reporter(case).person])
    for name in ("alice", "bob", "carol", "dave"):
        login(stewards[name]).post(reverse("decisions:vote", kwargs={"code": case.code_name}), {"proposal": proposal.pk, "choice": "yes"})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PASSED
    page = _page(login(stewards["erin"]), case)
    assert "Bob: Yes" in page and "Carol: Yes" in page  # votes are recorded and shown per steward
    assert "Decided" in page and reported(case).person.code_name in page


def test_form_errors_change_nothing(stewards: dict[str, Any], committee_case: Any, login: Any) -> None:
    case = committee_case()
    client = login(stewards["alice"])
    response = client.post(
        reverse("decisions:propose", kwargs={"code": case.code_name}),
        {"outcome": "warning", "target": reported(case).pk, "rationale": "No period given."},
        follow=True,
    )
    assert "needs a period" in response.content.decode()
    assert not Proposal.objects.exists()


def test_inform_and_response_through_the_page(stewards: dict[str, Any], committee_case: Any, login: Any) -> None:
    case = committee_case(ready=False)
    proposal = propose(case, stewards["alice"])
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    client = login(stewards["erin"])
    assert "Before this can become a decision" in _page(client, case)
    client.post(
        reverse("decisions:record_inform", kwargs={"code": case.code_name}), {"choice": "later", "reasons": "Wait.", "inform_on": ""}
    )
    assert not case.inform_decisions.exists()  # "later" needs a date
    client.post(
        reverse("decisions:record_inform", kwargs={"code": case.code_name}),
        {"choice": "later", "reasons": "Safety first.", "inform_on": "2030-01-01"},
    )
    client.post(reverse("decisions:record_response", kwargs={"code": case.code_name}), {"party": reported(case).pk, "kind": "not-informed"})
    assert Decision.objects.filter(case=case).count() == 1


def test_recommendation_reasons(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case(categories=["harassment"])
    quiet = recommend(case, reported(case))
    assert quiet.level.code == "warning"
    assert any("serious behaviour" in reason and "Harassment" in reason for reason in quiet.reasons)
    assert any("No earlier sanctions" in reason for reason in quiet.reasons)
    do_update_triage(stewards["alice"], case, {"safety_risk": "high", "ongoing_harassment": "yes"})
    case.refresh_from_db()
    risky = recommend(case, reported(case))
    assert risky.level.code == "temporary-ban"  # no permanent ban suggested without earlier sanctions
    assert any("high" in reason for reason in risky.reasons) and any("ongoing" in reason for reason in risky.reasons)
    votes(
        propose(case, stewards["alice"], "temporary-ban", skip_reason="High risk."),
        stewards,
        alice="yes",
        bob="yes",
        carol="yes",
        dave="yes",
    )
    later = committee_case()
    again = recommend(later, reported(later))
    assert again.level.code == "permanent-ban"
    assert any("escalation" in reason for reason in again.reasons)


def test_recommendation_is_on_the_page(stewards: dict[str, Any], committee_case: Any, login: Any) -> None:
    case = committee_case()
    page = _page(login(stewards["dave"]), case)
    assert "Recommendation" in page and "No earlier sanctions against this person." in page
