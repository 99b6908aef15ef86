"""Dates and periods a steward types look ahead: "inform later" names a day after today, a period is one day or
more, and a period changed on appeal does not end before the change is made. Each is refused with a clear
message, both by the form's page and by the action itself (whatever a browser sends)."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from decisions.appeals import do_decide_appeal, do_file_appeal
from decisions.models import Decision, InformChoice, SanctionStatus
from decisions.records import do_record_inform
from decisions.tests.conftest import T0, propose, votes

pytestmark = pytest.mark.django_db


def inform(client: Any, case: Any, day: str) -> str:
    url = reverse("decisions:record_inform", kwargs={"code": case.code_name})
    return str(client.post(url, {"choice": "later", "reasons": "Safety first.", "inform_on": day}, follow=True).content.decode())


def test_inform_later_refuses_today_and_past_days(stewards: dict[str, Any], committee_case: Any, login: Any, clock: Any) -> None:
    case = committee_case(ready=False)
    today = T0.date()
    for day in (today - timedelta(days=400), today - timedelta(days=1), today):
        with pytest.raises(ValidationError, match="after today"):
            do_record_inform(stewards["alice"], case, InformChoice.LATER, "Wait.", day)
    client = login(stewards["alice"])
    page = inform(client, case, (today - timedelta(days=2)).isoformat())
    assert "must be after today" in page and not case.inform_decisions.exists()
    # The date picker starts at tomorrow.
    assert (
        f'min="{(today + timedelta(days=1)).isoformat()}"'
        in client.get(reverse("cases:detail", kwargs={"code": case.code_name})).content.decode()
    )
    inform(client, case, (today + timedelta(days=1)).isoformat())
    assert case.inform_decisions.get().inform_on == today + timedelta(days=1)


def test_a_period_is_one_day_or_more(stewards: dict[str, Any], committee_case: Any) -> None:
    case = committee_case()
    for days in (0, -30):
        with pytest.raises(ValidationError):
            propose(case, stewards["alice"], "warning", period_days=days)
    assert not case.proposals.exists()


def test_a_period_changed_on_appeal_may_not_be_over_already(stewards: dict[str, Any], committee_case: Any, clock: Any) -> None:
    case = committee_case()
    votes(propose(case, stewards["alice"], "warning", period_days=30), stewards, alice="yes", bob="yes", carol="yes", dave="yes")
    decided = Decision.objects.get(case=case)
    appeal = do_file_appeal(decided, "reported", ["disproportionate"], "Too long.")
    clock(timedelta(days=20))
    # Ten days from the sanction's start ended ten days ago: that would be a sanction ending in the past.
    with pytest.raises(ValidationError, match="already over"):
        do_decide_appeal(stewards["erin"], appeal, "changed", "Shorter.", new_level="warning", new_period_days=10)
    with pytest.raises(ValidationError):
        do_decide_appeal(stewards["erin"], appeal, "changed", "Shorter.", new_level="warning", new_period_days=-5)
    assert decided.sanctions.get().status == SanctionStatus.ACTIVE
    do_decide_appeal(stewards["erin"], appeal, "changed", "Shorter.", new_level="warning", new_period_days=25)
    assert decided.sanctions.get(status=SanctionStatus.ACTIVE).ends_at == T0 + timedelta(days=25)
