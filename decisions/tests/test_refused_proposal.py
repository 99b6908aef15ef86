"""A refused proposal comes back where the steward is, with what they typed and the reason next to its field.

Refusals come from the form (a required field left empty) and from the policy's rules (decisions.actions: a
sanction needs a reported person, a period, ...). Either way nothing is proposed, and the steward neither loses
the rationale they wrote nor has to find the reason at the top of a long page: without JavaScript the whole case
page comes back scrolled to the form (its address ends in #propose), with htmx the decision section is swapped.
"""

import re
from typing import Any

import pytest
from django.urls import reverse

from decisions.models import Proposal
from decisions.tests.conftest import reported, reporter

pytestmark = pytest.mark.django_db

RATIONALE = "TYPED-RATIONALE the remark about her accent was repeated twice"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(case: Any) -> str:
    return reverse("decisions:propose", kwargs={"code": case.code_name})


def field_group(html: str, name: str) -> str:
    """The `<div class="field…">` of the proposal form holding the control named `name`, up to the next field."""
    form = re.search(r'<form method="post" id="propose".*?</form>', html, re.DOTALL)
    assert form is not None, "no proposal form on the page"
    for chunk in re.split(r'(?=<div class="field)', form.group(0)):
        if f'name="{name}"' in chunk:
            return chunk
    raise AssertionError(f"no field {name!r} on the page")


def test_a_rule_refusal_comes_back_on_the_case_page_with_the_text_and_the_reason_at_its_field(committee_case, stewards, login) -> None:
    case = committee_case()
    response = login(stewards["dave"]).post(_url(case), {"outcome": "correction", "rationale": RATIONALE, "target": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="decisions"' in html and "<h1" in html  # the whole case page, not a redirect that drops the text
    assert f'action="{_url(case)}#propose"' in html  # the browser shows the form's place
    assert RATIONALE in field_group(html, "rationale")
    assert "Choose the reported person the sanction is for." in field_group(html, "target")
    assert 'value="correction" selected' in field_group(html, "outcome")
    assert not Proposal.objects.filter(case=case).exists()


def test_a_form_error_keeps_the_other_fields(committee_case, stewards, login) -> None:
    case = committee_case()
    target = str(reported(case).pk)
    response = login(stewards["dave"]).post(
        _url(case), {"outcome": "temporary-ban", "target": target, "period_days": "30", "rationale": ""}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in field_group(html, "rationale")
    assert 'value="30"' in field_group(html, "period_days")
    assert f'value="{target}" selected' in field_group(html, "target")
    assert not Proposal.objects.filter(case=case).exists()


def test_with_htmx_the_decision_section_is_swapped_in_place(committee_case, stewards, login) -> None:
    case = committee_case()
    client = login(stewards["dave"])
    data = {"outcome": "temporary-ban", "target": str(reported(case).pk), "rationale": RATIONALE, "skip_reason": "Threats."}
    data["protected_people"] = str(reporter(case).person_id)  # and no period
    response = client.post(_url(case), data, **HTMX)
    assert response.status_code == 200  # htmx swaps only successful answers
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="decisions"')
    assert "<h1" not in html
    assert "needs a period in days" in field_group(html, "period_days")
    assert RATIONALE in field_group(html, "rationale")
    assert not Proposal.objects.filter(case=case).exists()

    data["period_days"] = "30"
    response = client.post(_url(case), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Proposal made." in html
    assert RATIONALE not in field_group(html, "rationale")  # a fresh form for the next one
    assert Proposal.objects.filter(case=case, outcome="temporary-ban", period_days=30).exists()


def test_an_accepted_proposal_without_javascript_goes_back_to_the_section(committee_case, stewards, login) -> None:
    case = committee_case()
    data = {"outcome": "not-a-violation", "rationale": RATIONALE}
    response = login(stewards["dave"]).post(_url(case), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", kwargs={"code": case.code_name}) + "#decisions"
    assert Proposal.objects.filter(case=case, outcome="not-a-violation").exists()


def test_a_soft_conflicted_steward_still_gets_the_404(committee_case, stewards, login) -> None:
    case = committee_case({"alice": "none", "dave": "none", "carol": "soft"})
    response = login(stewards["carol"]).post(_url(case), {"outcome": "correction", "rationale": RATIONALE})
    assert response.status_code == 404
    assert RATIONALE not in response.content.decode()
