"""What an enforcement action gives a platform is shown there (Discourse shows the suspension reason to the
person; a replaced comment is public): it must never identify the reporter. Checked while the steward writes
it, and again just before the platform call."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from audit.models import Event
from cases.models import Party, PartyRole
from enforcement.actions import NewAction, do_add_action, do_approve_plan, do_edit_reason, do_record_notice, do_retry_action
from enforcement.executor import run_action
from enforcement.models import ActionStatus, Notice, PlanStatus
from letters.leakcheck import IdentityLeak
from people.actions import do_link_identity
from people.models import Space
from spaces.base import Op

pytestmark = pytest.mark.django_db(transaction=True)

# The reporter of enforcement.tests.conftest.sanction_case is Rita Reporter, rita@example.net.
DISGUISED = ["R i t a", "RІTA", "Ｒｉｔａ", "ri\u200bta", "rita@example.net"]
LATER_HANDLE = "zephyr_kite"  # the reporter's handle, linked to them only after the reason was written


def link_reporter_handle(case: Any) -> None:
    reporter = Party.objects.get(case=case, role=PartyRole.REPORTER)
    do_link_identity(None, reporter.person, Space.GITHUB, LATER_HANDLE)


@pytest.mark.parametrize("planted", DISGUISED)
def test_a_reason_naming_the_reporter_is_refused_while_it_is_written(
    sanctioned: Any, stewards: Any, forum_connection: Any, planted: str
) -> None:
    case, _sanction, plan = sanctioned()
    ban = plan.actions.get()
    with pytest.raises(IdentityLeak, match="may identify the reporter"):
        do_edit_reason(stewards["bob"], case, ban.pk, f"Banned for what {planted} described.")
    ban.refresh_from_db()
    assert "described" not in ban.reason
    with pytest.raises(IdentityLeak):
        do_add_action(
            stewards["bob"],
            case,
            plan.pk,
            NewAction(forum_connection.pk, Op.TIMEOUT, identity_id=ban.identity_id, reason=f"After the report by {planted}."),
        )
    assert plan.actions.count() == 1


def test_a_leaking_reason_is_never_sent_and_can_be_corrected(sanctioned: Any, stewards: Any, forum: Any) -> None:
    case, _sanction, plan = sanctioned()
    ban = plan.actions.get()
    do_edit_reason(stewards["bob"], case, ban.pk, "Banned for the replies to zephyr_kite.")
    link_reporter_handle(case)
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.RECORDED, "Told them on a video call.")

    assert run_action(ban.pk) == "failed"
    assert forum.bans == {} and forum.mutations("PUT") == []
    ban.refresh_from_db()
    assert ban.status == ActionStatus.FAILED
    assert "may identify a reporter (handle)" in ban.last_error and "zephyr" not in ban.last_error
    receipt = ban.receipts.get()
    assert not receipt.ok and "zephyr" not in receipt.detail
    assert all("zephyr" not in event.summary + str(event.data) for event in Event.objects.filter(case_id=case.pk))

    do_edit_reason(stewards["bob"], case, ban.pk, "Sustained harassment.")  # a failed action's reason can be corrected
    do_retry_action(stewards["bob"], case, ban.pk)
    assert run_action(ban.pk) == "done"
    assert forum.bans == {"ivan": "Sustained harassment."}


def test_lifting_goes_ahead_without_a_reason_that_became_identifying(sanctioned: Any, stewards: Any, forum: Any) -> None:
    case, sanction, plan = sanctioned()
    ban = plan.actions.get()
    do_edit_reason(stewards["bob"], case, ban.pk, "Banned for the replies to zephyr_kite.")
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.WAIVED, "The harassment is ongoing; it cannot wait.")
    assert run_action(ban.pk) == "done"
    link_reporter_handle(case)
    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    ban.refresh_from_db()
    assert ban.status == ActionStatus.REVERTED and forum.bans == {}
    assert Event.objects.filter(kind="enforcement.reason.withheld", case_id=case.pk, data__action=ban.pk).exists()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ENDED
