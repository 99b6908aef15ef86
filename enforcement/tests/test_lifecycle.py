"""After the actions are applied: the end time, native expiry, drift, the check-in, the end reminder, appeals."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from decisions.appeals import do_decide_appeal, do_file_appeal
from decisions.models import AppealOutcome, SanctionStatus
from enforcement.actions import NewAction, do_accept_drift, do_add_action, do_approve_plan, do_record_notice, do_retry_action
from enforcement.models import ActionStatus, Notice, PlanStatus, StewardNotice
from enforcement.schedule import sweep
from spaces.base import Op

pytestmark = pytest.mark.django_db(transaction=True)


def worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def in_force(sanctioned: Any, stewards: Any, **kwargs: Any) -> tuple[Any, Any, Any]:
    case, sanction, plan = sanctioned(**kwargs)
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.WAIVED, "The harassment is ongoing; it cannot wait.")
    worker()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    return case, sanction, plan


def test_a_temporary_ban_is_lifted_at_its_end_and_the_sanction_ends(sanctioned: Any, stewards: Any, forum: Any, mailoutbox: Any) -> None:
    _case, sanction, plan = in_force(sanctioned, stewards)
    assert "ivan" in forum.bans
    with time_machine.travel(sanction.ends_at - timedelta(days=3, seconds=-1)):
        worker()  # the end reminder's deferred task is due
        assert StewardNotice.objects.filter(topic=f"end:{plan.pk}").exists()
        assert any("ends on" in mail.subject for mail in mailoutbox)
    with time_machine.travel(sanction.ends_at - timedelta(minutes=1)):
        worker()
        assert "ivan" in forum.bans, "not a minute early"
    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        worker()
    assert forum.bans == {}
    action = plan.actions.get()
    assert action.status == ActionStatus.REVERTED
    assert len(forum.mutations("DELETE")) == 1
    plan.refresh_from_db()
    sanction.refresh_from_db()
    assert plan.status == PlanStatus.ENDED and sanction.status == SanctionStatus.LIFTED


def test_what_the_platform_lifts_itself_is_checked_not_lifted(sanctioned: Any, stewards: Any, forum: Any, forum_connection: Any) -> None:
    case, sanction, plan = sanctioned(period_days=7)
    do_add_action(stewards["bob"], case, plan.pk, NewAction(forum_connection.pk, Op.TIMEOUT, identity_id=plan.actions.get().identity_id))
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.RECORDED, "Phoned them.")
    worker()
    timeout = plan.actions.get(op=Op.TIMEOUT)
    assert timeout.status == ActionStatus.APPLIED and timeout.native_expiry
    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        worker()
    timeout.refresh_from_db()
    assert timeout.status == ActionStatus.EXPIRED
    assert forum.mutations("DELETE", r"/timeouts/") == []


def test_a_ban_undone_by_hand_is_flagged_and_can_be_reapplied(sanctioned: Any, stewards: Any, forum: Any, mailoutbox: Any) -> None:
    case, _sanction, plan = in_force(sanctioned, stewards)
    forum.unban_by_hand("ivan")
    with time_machine.travel(timedelta(hours=25)):
        counts = sweep()
    assert counts["verified"] == 1
    action = plan.actions.get()
    assert action.drifted_at is not None and action.status == ActionStatus.APPLIED
    assert "No longer in place" in action.receipts.last().detail
    assert any("undone outside Steward" in mail.subject for mail in mailoutbox)
    with time_machine.travel(timedelta(hours=50)):
        assert sweep()["verified"] == 0, "flagged once, not every sweep"
    do_retry_action(stewards["carol"], case, action.pk)
    worker()
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and action.drifted_at is None and "ivan" in forum.bans


def test_drift_can_be_accepted_with_a_reason(sanctioned: Any, stewards: Any, forum: Any) -> None:
    case, _sanction, plan = in_force(sanctioned, stewards)
    forum.unban_by_hand("ivan")
    with time_machine.travel(timedelta(hours=25)):
        sweep()
    action = plan.actions.get()
    do_accept_drift(stewards["carol"], case, action.pk, "Unbanned by the forum admins to let them delete their own posts.")
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED


def test_the_check_in_a_week_later_tells_the_shepherd(sanctioned: Any, stewards: Any, forum: Any, mailoutbox: Any) -> None:
    _case, _sanction, plan = in_force(sanctioned, stewards)
    with time_machine.travel(timedelta(days=7, minutes=1)):
        worker()
    plan.refresh_from_db()
    assert plan.checked_in_at is not None
    assert any("check in" in mail.subject for mail in mailoutbox)
    check_ins = [mail for mail in mailoutbox if "check in" in mail.subject]
    with time_machine.travel(timedelta(days=8)):
        sweep()
        worker()
    assert [mail for mail in mailoutbox if "check in" in mail.subject] == check_ins, "once"


def test_rescinded_on_appeal_lifts_everything(sanctioned: Any, stewards: Any, forum: Any) -> None:
    case, sanction, plan = in_force(sanctioned, stewards)
    appeal = do_file_appeal_for(case, sanction)
    do_decide_appeal(stewards["erin"], appeal, AppealOutcome.RESCINDED, "New evidence shows it was not them.")
    worker()
    assert forum.bans == {}
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ENDED
    assert plan.actions.get().status == ActionStatus.REVERTED


def test_a_draft_for_a_rescinded_sanction_is_cancelled(sanctioned: Any, stewards: Any, forum: Any) -> None:
    case, sanction, plan = sanctioned()
    appeal = do_file_appeal_for(case, sanction)
    do_decide_appeal(stewards["erin"], appeal, AppealOutcome.RESCINDED, "Rescinded.")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED
    worker()
    assert forum.mutations() == []


def do_file_appeal_for(case: Any, sanction: Any) -> Any:
    from decisions.models import AppellantRole, Ground

    return do_file_appeal(sanction.decision, AppellantRole.REPORTED, [Ground.NEW_EVIDENCE], "I have new evidence.")
