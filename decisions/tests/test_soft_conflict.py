"""A soft-conflicted steward reads and discusses; they never learn who reported, and never shape the outcome."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Note
from decisions.actions import ProposalInput, do_propose, do_withdraw
from decisions.models import InformChoice, Proposal
from decisions.records import do_record_inform
from decisions.tests.conftest import propose, reported

pytestmark = pytest.mark.django_db

LEVELS = {"alice": "none", "bob": "none", "carol": "soft", "dave": "none"}


def _url(name: str, case: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"code": case.code_name, **kwargs})


def test_soft_conflicted_steward_never_sees_the_reporters_identity(stewards: dict[str, Any], committee_case: Any, login: Any) -> None:
    case = committee_case(LEVELS)
    report = case.reports.get()
    carol = login(stewards["carol"])
    response = carol.post(_url("cases:reveal_identity", case, reference=report.reference))
    assert response.status_code == 404 and b"Rita Reporter" not in response.content
    page = carol.get(_url("cases:detail", case)).content.decode()
    assert "Ivan insulted me" in page  # she reads the case
    assert _url("cases:reveal_identity", case, reference=report.reference) not in page
    assert "Show reporter identity" not in page and "Rita Reporter" not in page and "rita@example.net" not in page
    # She still takes part in the discussion.
    assert carol.post(_url("cases:add_note", case), {"kind": "note", "body": "I know them a little."}).status_code == 302
    assert Note.objects.filter(case=case, author=stewards["carol"]).exists()


def test_soft_conflicted_steward_cannot_propose_withdraw_or_record_the_inform_decision(
    stewards: dict[str, Any], committee_case: Any, login: Any
) -> None:
    case = committee_case(LEVELS, ready=False)
    carol = login(stewards["carol"])
    form = {"outcome": "warning", "target": reported(case).pk, "rationale": "Rude."}
    assert carol.post(_url("decisions:propose", case), form).status_code == 404
    with pytest.raises(ValidationError):
        do_propose(stewards["carol"], case, ProposalInput(outcome="warning", target=reported(case), rationale="Rude."))
    assert not Proposal.objects.filter(case=case).exists()
    inform = {"choice": InformChoice.YES, "reasons": "Fine."}
    assert carol.post(_url("decisions:record_inform", case), inform).status_code == 404
    with pytest.raises(ValidationError):
        do_record_inform(stewards["carol"], case, InformChoice.YES, "Fine.")
    proposal = propose(case, stewards["alice"])
    assert carol.post(_url("decisions:withdraw", case), {"proposal": proposal.pk}).status_code == 404
    with pytest.raises(ValidationError):
        do_withdraw(stewards["carol"], proposal)
    page = carol.get(_url("cases:detail", case)).content.decode()
    assert _url("decisions:propose", case) not in page and _url("decisions:withdraw", case) not in page


def test_soft_conflicted_steward_does_not_triage_shepherd_change_status_or_touch_plans(
    stewards: dict[str, Any], committee_case: Any, login: Any
) -> None:
    case = committee_case(LEVELS)
    carol = login(stewards["carol"])
    triage = {"safety_risk": "none", "ongoing_harassment": "no", "in_scope": "no"}
    assert carol.post(_url("cases:update_triage", case), triage).status_code == 404
    assert carol.post(_url("cases:assign_shepherd", case), {"shepherd": stewards["alice"].pk}).status_code == 404
    assert carol.post(_url("cases:change_status", case), {"status": "closed"}).status_code == 404
    assert carol.post(_url("enforcement:approve_plan", case), {}).status_code == 404
    case.refresh_from_db()
    assert (case.safety_risk, case.shepherd, case.status) == ("unknown", None, "new")
