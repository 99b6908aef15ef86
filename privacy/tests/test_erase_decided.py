"""Erasing a decided case: the decisions, votes and sanctions go with it; the statistic keeps the level."""

from datetime import timedelta

import pytest
import time_machine
from django.apps import apps

from cases.actions import do_change_status, do_declare_conflict
from decisions.tests.conftest import COMMITTEE, make_ready, new_case, propose, votes
from people.models import Identity, Space
from privacy.models import CaseRetention, CaseStatistic
from privacy.tasks import erase_expired_cases


@pytest.mark.django_db
def test_a_decided_case_with_a_sanction_is_erased_whole(stewards) -> None:
    case, _ = new_case(reported_handle="sanctioned-gh")
    for name in COMMITTEE:
        do_declare_conflict(stewards[name], case, "none")
    make_ready(case, stewards["dave"])
    proposal = propose(case, stewards["dave"], "warning")
    votes(proposal, stewards, alice="yes", bob="yes", carol="yes", dave="yes")  # passes at 4 of 5
    decision_model, sanction_model = apps.get_model("decisions", "Decision"), apps.get_model("decisions", "Sanction")
    assert decision_model.objects.filter(case=case).exists() and sanction_model.objects.exists()
    case.refresh_from_db()
    do_change_status(stewards["dave"], case, "closed")
    with time_machine.travel(CaseRetention.objects.get(case=case).retain_until + timedelta(seconds=1), tick=False):
        assert erase_expired_cases.call() == 1
    assert not decision_model.objects.exists() and not sanction_model.objects.exists()
    assert not Identity.objects.filter(space=Space.GITHUB, handle="sanctioned-gh").exists()
    statistic = CaseStatistic.objects.get()
    assert (statistic.outcome, statistic.level) == ("warning", "warning")
    assert statistic.hours_to_decision is not None
