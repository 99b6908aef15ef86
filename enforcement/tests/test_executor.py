"""The executor against the tiny forum: exactly once, retries, permanent failures, recovery after a dead worker."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from audit.models import Event
from enforcement.actions import do_approve_plan, do_record_notice, do_retry_action
from enforcement.executor import MAX_ATTEMPTS, backoff, claim, run_action
from enforcement.models import ActionStatus, EnforcementAction, Notice, PlanStatus, Receipt
from enforcement.schedule import sweep

pytestmark = pytest.mark.django_db(transaction=True)


def worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def approved(sanctioned: Any, stewards: Any, **kwargs: Any) -> tuple[Any, Any, EnforcementAction]:
    case, _sanction, plan = sanctioned(**kwargs)
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.RECORDED, "Told them on a video call.")
    return case, plan, plan.actions.get()


def test_a_plan_waits_for_approval_and_for_the_person_to_be_told(sanctioned: Any, stewards: Any, forum: Any) -> None:
    case, _sanction, plan = sanctioned()
    action = plan.actions.get()
    assert action.status == ActionStatus.PLANNED
    worker()
    assert forum.bans == {}, "a draft plan applies nothing"
    do_approve_plan(stewards["bob"], case, plan.pk)
    worker()
    assert forum.bans == {}, "the policy says: notify the person first"
    action.refresh_from_db()
    assert action.status == ActionStatus.QUEUED
    do_record_notice(stewards["bob"], case, plan.pk, Notice.RECORDED, "Told them on a video call.")
    worker()
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED
    assert forum.bans == {"ivan": action.reason}
    assert len(forum.mutations("PUT")) == 1
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.check_in_at is not None
    receipt = action.receipts.get()
    assert receipt.ok and "Banned ivan" in receipt.detail
    assert Event.objects.filter(case_id=case.pk, kind="enforcement.apply.ok").exists()


def test_temporary_failures_are_retried_with_back_off_then_succeed(sanctioned: Any, stewards: Any, forum: Any) -> None:
    forum.inject(503, {"error": "down"}, method="PUT")
    forum.inject_rate_limit(retry_after=120, method="PUT")
    _case, _plan, action = approved(sanctioned, stewards)
    assert run_action(action.pk) == "retry"
    action.refresh_from_db()
    assert action.status == ActionStatus.QUEUED and "503" in action.last_error
    assert run_action(action.pk) == "nothing to do", "not due before its back-off"
    with time_machine.travel(action.next_attempt_at + timedelta(seconds=1)):
        assert run_action(action.pk) == "retry"
        action.refresh_from_db()
        assert "rate limiting" in action.last_error
        assert action.next_attempt_at >= timezone.now() + timedelta(seconds=119), "the platform's Retry-After is honoured"
    with time_machine.travel(action.next_attempt_at + timedelta(seconds=1)):
        assert run_action(action.pk) == "done"
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED
    assert len(forum.mutations("PUT")) == 1
    assert [r.ok for r in action.receipts.all()] == [False, False, True]


def test_a_refusal_stops_with_the_platforms_reason_on_the_case(sanctioned: Any, stewards: Any, forum: Any) -> None:
    case, plan, action = approved(sanctioned, stewards, handle="admin")
    worker()
    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED
    assert action.last_error == "The tiny forum refused: moderators cannot be banned"
    assert action.receipts.get().detail == action.last_error
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE, "the plan settles; the failure is shown, not retried forever"
    forum.protected.clear()  # e.g. the forum's moderators fixed the account: a steward tries again
    do_retry_action(stewards["bob"], case, action.pk)
    worker()
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and "admin" in forum.bans


def test_giving_up_after_too_many_temporary_failures(sanctioned: Any, stewards: Any, forum: Any) -> None:
    forum.inject(502, {"error": "bad gateway"}, times=MAX_ATTEMPTS, method="PUT")
    _case, _plan, action = approved(sanctioned, stewards)
    for _ in range(MAX_ATTEMPTS):
        action.refresh_from_db()
        with time_machine.travel((action.next_attempt_at or timezone.now()) + timedelta(seconds=1)):
            run_action(action.pk)
    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED and "gave up after" in action.last_error
    assert forum.bans == {}


def test_a_dead_workers_call_that_went_through_is_recorded_not_repeated(sanctioned: Any, stewards: Any, forum: Any, settings: Any) -> None:
    settings.STEWARD_ENFORCEMENT_LEASE_SECONDS = 60
    _case, _plan, action = approved(sanctioned, stewards)
    assert claim(action.pk) is not None  # a worker claims it...
    forum.bans["ivan"] = "applied by the worker that then died"  # ...its call reaches the platform, and it dies
    assert run_action(action.pk) == "nothing to do", "the claim holds while its lease runs"
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert run_action(action.pk) == "done"
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED
    assert forum.mutations("PUT") == [], "verified in place, not applied a second time"
    assert action.receipts.get().recovered


def test_a_dead_workers_call_that_never_arrived_is_made_once(sanctioned: Any, stewards: Any, forum: Any, settings: Any) -> None:
    settings.STEWARD_ENFORCEMENT_LEASE_SECONDS = 60
    _case, _plan, action = approved(sanctioned, stewards)
    first = claim(action.pk)
    assert first is not None
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert run_action(action.pk) == "done"
    assert len(forum.mutations("PUT")) == 1
    from enforcement.executor import finish
    from spaces.base import Outcome

    assert finish(first, Outcome("late result of the dead worker")) == "claim lost", "a stale claim records nothing"
    assert Receipt.objects.filter(action=action).count() == 1


def test_the_sweep_runs_what_lost_its_task(sanctioned: Any, stewards: Any, forum: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    _case, _plan, action = approved(sanctioned, stewards)
    DBTaskResult.objects.all().delete()  # the queue lost everything
    counts = sweep()
    assert counts["run"] == 1
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED


def test_back_off_grows_and_is_capped() -> None:
    assert backoff(1) < backoff(3) < backoff(6)
    assert backoff(30) <= timedelta(hours=6) * 1.2
    assert backoff(1, retry_after=900) >= timedelta(seconds=900)


def test_the_decision_letter_going_out_releases_the_plan(sanctioned: Any, stewards: Any, forum: Any, mailoutbox: Any) -> None:
    from cases.actions import do_send_message
    from cases.models import Audience, PartyRole
    from letters.actions import do_approve_message

    case, _sanction, plan = sanctioned()
    do_approve_plan(stewards["bob"], case, plan.pk)
    from people.models import Identity, Space

    party = case.parties.get(role=PartyRole.REPORTED)
    Identity.objects.create(person=party.person, space=Space.EMAIL, handle="ivan@example.net")
    message = do_send_message(stewards["bob"], case, Audience.REPORTED, "The stewards decided on a temporary ban.", party=party)
    worker()
    assert forum.bans == {}, "the letter is not approved yet: nothing applies"
    do_approve_message(stewards["carol"], case, message.pk)
    worker()  # the mail goes out, which releases the plan; the actions run in the same worker pass or the next
    worker()
    plan.refresh_from_db()
    assert plan.notice == Notice.SENT
    assert "ivan" in forum.bans


def test_lifting_a_ban_gets_all_its_tries_however_many_applying_it_took(sanctioned: Any, stewards: Any, forum: Any) -> None:
    """A ban applied on its third try, then a forum down for most of a day when it ends: the lift still gets its
    MAX_ATTEMPTS tries (its own count), so a sanction is never left in force because applying it was hard."""
    forum.inject(503, {"error": "down"}, times=2, method="PUT")
    _case, plan, action = approved(sanctioned, stewards)
    for _ in range(3):
        action.refresh_from_db()
        with time_machine.travel((action.next_attempt_at or timezone.now()) + timedelta(seconds=1)):
            run_action(action.pk)
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and "ivan" in forum.bans
    forum.inject(503, {"error": "down"}, times=MAX_ATTEMPTS - 1, method="DELETE")
    sanction = plan.sanction
    at = sanction.ends_at + timedelta(seconds=1)
    with time_machine.travel(at):
        sweep()  # the end is due: the action is queued to be lifted
    for _ in range(MAX_ATTEMPTS):
        action.refresh_from_db()
        at = max(at, (action.next_attempt_at or at)) + timedelta(seconds=1)
        with time_machine.travel(at):
            run_action(action.pk)
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED, action.last_error
    assert forum.bans == {}
    # When it was lifted is on record: the case page says so, and the platform's log entry of this unban is
    # recognised as Steward's own (enforcement.moderation), not reported to the stewards as a moderator's.
    assert action.reverted_at is not None and at <= action.reverted_at <= at + timedelta(seconds=30)


def test_each_attempt_is_on_record_as_it_happened_and_a_retry_is_queued_for_its_time(sanctioned: Any, stewards: Any, forum: Any) -> None:
    """A failed attempt is never recorded as "found done after an interruption", and the next attempt is queued for
    its back-off time (not left for the sweep); when it is applied, the time is on record: the platform's log entry
    of this ban is recognised as Steward's own (enforcement.moderation), and the case page shows it."""
    from django_tasks_db.models import DBTaskResult

    from enforcement.tasks import run_enforcement_action

    forum.inject(503, {"error": "down"}, method="PUT")
    _case, _plan, action = approved(sanctioned, stewards)
    DBTaskResult.objects.all().delete()
    assert run_action(action.pk) == "retry"
    action.refresh_from_db()
    queued = DBTaskResult.objects.filter(task_path=run_enforcement_action.module_path, status="READY")
    assert [(task.args_kwargs["args"], task.run_after) for task in queued] == [([action.pk], action.next_attempt_at)]
    at = action.next_attempt_at + timedelta(seconds=1)
    with time_machine.travel(at):
        assert run_action(action.pk) == "done"
    action.refresh_from_db()
    assert at <= action.applied_at <= at + timedelta(seconds=30)
    assert [(r.ok, r.recovered) for r in action.receipts.order_by("id")] == [(False, False), (True, False)]


def test_a_refused_attempt_is_not_recorded_as_recovered(sanctioned: Any, stewards: Any, forum: Any) -> None:
    _case, _plan, action = approved(sanctioned, stewards, handle="admin")
    assert run_action(action.pk) == "failed"
    assert [(r.ok, r.recovered) for r in action.receipts.all()] == [(False, False)]


def test_an_applied_action_with_a_leftover_lease_is_not_applied_again(sanctioned: Any, stewards: Any, forum: Any) -> None:
    """Only a claimed action whose worker died is taken over: an applied one keeps its ban, whatever its other fields
    say (a restored row, a hand edit)."""
    _case, _plan, action = approved(sanctioned, stewards)
    assert run_action(action.pk) == "done"
    EnforcementAction.objects.filter(pk=action.pk).update(lease_until=timezone.now() - timedelta(minutes=5))
    assert run_action(action.pk) == "nothing to do"
    assert len(forum.mutations("PUT")) == 1


def test_an_applied_action_keeps_the_platforms_reference_to_what_was_done(sanctioned: Any, stewards: Any, forum: Any) -> None:
    """The platform's own reference to the ban it made stays on the action's record, so whoever audits the case can
    find the ban on the platform."""
    _case, _plan, action = approved(sanctioned, stewards)
    assert run_action(action.pk) == "done"
    action.refresh_from_db()
    assert action.external_ref == f"{forum.url}/bans/ivan"
