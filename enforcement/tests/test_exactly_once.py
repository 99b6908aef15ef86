"""Exactly once, whatever the workers do: race, hang, die, or come back late (REQUIREMENTS 8.2, 8.3).

test_executor.py and test_faults.py show the happy paths and a worker killed at each step. These tests
put several workers on one action at once, in threads of this process against the tiny forum on its real
socket, and hold chosen platform calls "in the air" (`Gate`) so that the order of events is the one a
slow network or a paused process produces. Each test states one promise and fails when the rule that
keeps it is broken: the claim's lock, the lease, the takeover's question to the platform, the check that
a result is still ours before it is recorded, the end time, the back-off.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from audit.models import Event
from decisions.appeals import do_decide_appeal, do_file_appeal
from decisions.models import AppealOutcome, AppellantRole, Ground
from enforcement.actions import (
    NewAction,
    do_add_action,
    do_approve_plan,
    do_edit_reason,
    do_record_notice,
    do_remove_action,
    do_retry_action,
)
from enforcement.executor import FIRST_RETRY, LONGEST_RETRY, MAX_ATTEMPTS, backoff, claim, run_action
from enforcement.models import ActionStatus, EnforcementAction, Notice, Phase, PlanStatus, Receipt
from enforcement.schedule import end_action, sweep
from enforcement.tests.test_reason_leaks import link_reporter_handle
from spaces.base import Op

pytestmark = pytest.mark.django_db(transaction=True)

HELD_SECONDS = 20  # under the tiny forum client's 30 s timeout: a held call is slow, not lost (a test lets it go sooner)


def worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


class Gate:
    """Holds the first `count` requests of one method on their way into the fake platform (`after=False`: the
    call has not arrived yet) or on their way back (`after=True`: the platform acted; the worker has not heard).
    The test lets each one through with `release(i)`, in the order it chooses."""

    def __init__(self, fake: Any, method: str, *, after: bool = False, count: int = 100) -> None:
        self.method, self.after, self.count = method, after, count
        self.held: list[threading.Event] = []
        self.changed = threading.Condition()
        self.passed = 0
        self._handle = fake.handle
        fake.handle = self.handle  # the socket server calls fake.handle(request) for each request

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method != self.method:
            return self._handle(request)
        with self.changed:
            if self.passed >= self.count:
                return self._handle(request)
            self.passed += 1
            go = threading.Event()
        if not self.after:
            self._arrive(go)
            go.wait(HELD_SECONDS)
            return self._handle(request)
        response = self._handle(request)
        self._arrive(go)
        go.wait(HELD_SECONDS)
        return response

    def _arrive(self, go: threading.Event) -> None:
        with self.changed:
            self.held.append(go)
            self.changed.notify_all()

    def arrived(self, n: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.held) >= n, timeout=20), f"{n} {self.method} call(s) expected at the platform"

    def release(self, i: int) -> None:
        self.held[i].set()

    def open(self) -> None:
        for go in self.held:
            go.set()


@pytest.fixture
def gates(forum: Any) -> Iterator[Callable[..., Gate]]:
    made: list[Gate] = []

    def _make(method: str, **kwargs: Any) -> Gate:
        gate = Gate(forum, method, **kwargs)
        made.append(gate)
        return gate

    yield _make
    for gate in made:
        gate.open()


class Runner(threading.Thread):
    """A worker running one step (`run_action` by default) in its own thread, with its own database connection."""

    def __init__(self, step: Callable[[int], Any], action_id: int, pause_after_first_read: bool = False) -> None:
        super().__init__(daemon=True)
        self.step, self.action_id = step, action_id
        self.result: Any = None
        self.error: BaseException | None = None
        self.pause_after_first_read = pause_after_first_read
        self.has_read = threading.Event()
        self.go_on = threading.Event()

    def run(self) -> None:
        try:
            if self.pause_after_first_read:
                with connection.execute_wrapper(self._pause_after_reading_the_action):
                    self.result = self.step(self.action_id)
            else:
                self.result = self.step(self.action_id)
        except BaseException as error:  # noqa: BLE001  (handed to the test thread by outcome())
            self.error = error
        finally:
            connections.close_all()

    def _pause_after_reading_the_action(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if not self.has_read.is_set() and sql.lstrip().upper().startswith("SELECT") and "enforcement_enforcementaction" in sql:
            self.has_read.set()
            self.go_on.wait(10)
        return result

    def outcome(self) -> Any:
        self.join(30)
        assert not self.is_alive(), "the worker is stuck"
        if self.error is not None:
            raise self.error
        return self.result


def started(step: Callable[[int], Any], action_id: int, **kwargs: Any) -> Runner:
    runner = Runner(step, action_id, **kwargs)
    runner.start()
    return runner


def approved(sanctioned: Any, stewards: Any, **kwargs: Any) -> tuple[Any, Any, Any, EnforcementAction]:
    case, sanction, plan = sanctioned(**kwargs)
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.RECORDED, "Told them on a video call.")
    return case, sanction, plan, plan.actions.get()


def rescind(case: Any, sanction: Any, stewards: Any) -> None:
    appeal = do_file_appeal(sanction.decision, AppellantRole.REPORTED, [Ground.NEW_EVIDENCE], "I have new evidence.")
    do_decide_appeal(stewards["erin"], appeal, AppealOutcome.RESCINDED, "New evidence shows it was not them.")


def ok_receipts(action: EnforcementAction, phase: Phase) -> list[Receipt]:
    return list(Receipt.objects.filter(action=action, phase=phase, ok=True))


@contextmanager
def expired_leases(settings: Any) -> Iterator[None]:
    """Every claim expires at once (as in the fault tests): the next worker may take over what another holds."""
    settings.STEWARD_ENFORCEMENT_LEASE_SECONDS = 0
    yield


# --- Claiming: one worker at a time --------------------------------------------------------------


def test_two_workers_racing_for_one_action_call_the_platform_once(sanctioned: Any, stewards: Any, forum: Any) -> None:
    _case, _sanction, _plan, action = approved(sanctioned, stewards)
    first = started(run_action, action.pk, pause_after_first_read=True)
    assert first.has_read.wait(10)
    # The first worker has read the action as waiting and not yet marked it taken; the second reads it now.
    second = started(run_action, action.pk)
    time.sleep(1)  # time for the second to read (it must wait for the first's claim to commit)
    first.go_on.set()
    results = sorted([first.outcome(), second.outcome()])
    assert results == ["done", "nothing to do"]
    assert len(forum.mutations("PUT")) == 1, "banned once, by one worker"
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and len(ok_receipts(action, Phase.APPLY)) == 1
    assert action.state == {"user": "ivan"}, "what the platform answered is kept for the lifting"


def test_the_platform_call_holds_no_database_lock(sanctioned: Any, stewards: Any, forum: Any, gates: Any) -> None:
    """A slow platform must not stall the rest of Steward: while the call is in the air, another worker is
    answered at once (the action is taken) instead of waiting on a lock held across the call."""
    _case, _sanction, _plan, action = approved(sanctioned, stewards)
    put = gates("PUT")
    applying = started(run_action, action.pk)
    put.arrived(1)
    other = started(run_action, action.pk)
    other.join(5)
    assert not other.is_alive(), "another worker waited on a lock held during the platform call"
    assert other.outcome() == "nothing to do", "the claim holds while its lease runs"
    put.release(0)
    assert applying.outcome() == "done"
    assert len(forum.mutations("PUT")) == 1


# --- A worker that was taken over: its late result is not recorded --------------------------------

LATE_ANSWERS = {
    "applied": None,
    "temporary failure": (503, {"error": "down"}),
    "refusal": (403, {"error": "moderators cannot be banned"}),
}


@pytest.mark.parametrize("late_answer", LATE_ANSWERS)
def test_a_worker_taken_over_does_not_record_its_late_result(
    late_answer: str, sanctioned: Any, stewards: Any, forum: Any, gates: Any, settings: Any
) -> None:
    """A worker stalls mid-call past its lease; a second takes over and calls again. Whatever the first one's
    call answers when it finally returns, the action's record is the second worker's, which holds the claim."""
    with expired_leases(settings):
        _case, _sanction, _plan, action = approved(sanctioned, stewards)
        put = gates("PUT")
        stalled = started(run_action, action.pk)
        put.arrived(1)
        takeover = started(run_action, action.pk)  # asks the forum (no ban yet), then bans
        put.arrived(2)
        if LATE_ANSWERS[late_answer] is not None:
            status, body = LATE_ANSWERS[late_answer]
            forum.inject(status, body, method="PUT")
        put.release(0)
        assert stalled.outcome() == "claim lost", "the stalled worker's claim was taken over"
        put.release(1)
        assert takeover.outcome() == "done"
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and "ivan" in forum.bans
    assert [(r.ok, r.attempt) for r in action.receipts.all()] == [(True, 2)], "one record: the takeover's"
    assert Event.objects.filter(kind__startswith="enforcement.apply.", data__action=action.pk).count() == 1


def test_a_late_failure_of_a_stalled_worker_cannot_undo_a_stewards_retry(
    sanctioned: Any, stewards: Any, forum: Any, gates: Any, settings: Any
) -> None:
    """The attempt counter restarts when a steward retries, so it cannot tell claims apart on its own.

    A stalls mid-call; B takes over and the forum refuses; a steward retries; C claims (attempt 1 again)
    and bans. A's refusal then comes back: recorded, it would mark the action failed while the ban holds,
    and a failed action is never lifted at the end time — the ban would stay for ever."""
    with expired_leases(settings):
        case, sanction, _plan, action = approved(sanctioned, stewards)
        put = gates("PUT")
        stalled = started(run_action, action.pk)
        put.arrived(1)
        takeover = started(run_action, action.pk)
        put.arrived(2)
        forum.inject(403, {"error": "moderators cannot be banned"}, method="PUT")
        put.release(1)
        assert takeover.outcome() == "failed"
        do_retry_action(stewards["bob"], case, action.pk)
        retried = started(run_action, action.pk)
        put.arrived(3)
        forum.inject(403, {"error": "moderators cannot be banned"}, method="PUT")
        put.release(0)
        assert stalled.outcome() == "claim lost"
        put.release(2)
        assert retried.outcome() == "done"
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and "ivan" in forum.bans
    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        sweep()  # the end time: lifting queued...
        worker()  # ...and done
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED and forum.bans == {}, "lifted at the end, as the sanction says"


# --- Taking over a dead worker's claim: ask the platform first ----------------------------------


def lifting_claimed_by_a_dead_worker(sanctioned: Any, stewards: Any, settings: Any) -> tuple[Any, EnforcementAction]:
    """A ban in force whose end time came; a worker claimed the lifting and died. Returns the sanction and action."""
    settings.STEWARD_ENFORCEMENT_LEASE_SECONDS = 60
    _case, sanction, _plan, action = approved(sanctioned, stewards)
    assert run_action(action.pk) == "done"
    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        assert end_action(action.pk) == "lifting"
        taken = claim(action.pk)
    assert taken is not None and taken.phase == Phase.REVERT
    return sanction, action


def test_a_dead_workers_lifting_that_went_through_is_recorded_not_repeated(
    sanctioned: Any, stewards: Any, forum: Any, settings: Any
) -> None:
    sanction, action = lifting_claimed_by_a_dead_worker(sanctioned, stewards, settings)
    forum.unban_by_hand("ivan")  # the dead worker's lifting reached the forum
    with time_machine.travel(sanction.ends_at + timedelta(seconds=30)):
        assert sweep()["run"] == 0, "the claim holds while its lease runs"
    with time_machine.travel(sanction.ends_at + timedelta(seconds=62)):
        assert sweep()["run"] == 1, "the sweep finds the claim whose worker died"
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED
    assert forum.mutations("DELETE") == [], "found lifted, not lifted again"
    [receipt] = ok_receipts(action, Phase.REVERT)
    assert receipt.recovered


def test_a_dead_workers_lifting_that_never_arrived_is_made_once(sanctioned: Any, stewards: Any, forum: Any, settings: Any) -> None:
    sanction, action = lifting_claimed_by_a_dead_worker(sanctioned, stewards, settings)
    with time_machine.travel(sanction.ends_at + timedelta(seconds=62)):
        assert sweep()["run"] == 1
        assert sweep()["run"] == 0
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED and forum.bans == {}, "still banned: the lifting must be made"
    assert len(forum.mutations("DELETE")) == 1
    [receipt] = ok_receipts(action, Phase.REVERT)
    assert not receipt.recovered


def test_the_sweep_takes_over_an_apply_claim_only_once_its_lease_ran_out(sanctioned: Any, stewards: Any, forum: Any, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.STEWARD_ENFORCEMENT_LEASE_SECONDS = 60
    _case, _sanction, _plan, action = approved(sanctioned, stewards)
    assert claim(action.pk) is not None  # the worker dies right after its claim...
    DBTaskResult.objects.all().delete()  # ...and its task is gone with it
    with time_machine.travel(timezone.now() + timedelta(seconds=50)):
        assert sweep()["run"] == 0
    assert forum.mutations("PUT") == []
    action.refresh_from_db()
    with time_machine.travel(action.lease_until, tick=False):
        assert sweep()["run"] == 1, "taken over the moment its lease runs out"
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED and len(forum.mutations("PUT")) == 1


def test_the_sweep_runs_a_retry_and_a_lifting_whose_tasks_were_lost(sanctioned: Any, stewards: Any, forum: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    _case, sanction, _plan, action = approved(sanctioned, stewards)
    forum.inject(503, {"error": "down"}, method="PUT")
    assert run_action(action.pk) == "retry"
    DBTaskResult.objects.all().delete()  # the deferred retry is lost
    action.refresh_from_db()
    with time_machine.travel(action.next_attempt_at + timedelta(seconds=1)):
        assert sweep()["run"] == 1
    assert "ivan" in forum.bans
    DBTaskResult.objects.all().delete()  # the deferred end task is lost
    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        assert sweep()["ended"] == 1
        assert sweep()["run"] == 1
    assert forum.bans == {} and len(forum.mutations("DELETE")) == 1


# --- What is no longer wanted is never applied ----------------------------------------------------


def test_an_action_removed_while_its_retry_waits_is_never_applied(sanctioned: Any, stewards: Any, forum: Any) -> None:
    case, _sanction, _plan, action = approved(sanctioned, stewards)
    forum.inject(503, {"error": "down"}, method="PUT")
    assert run_action(action.pk) == "retry"
    do_remove_action(stewards["bob"], case, action.pk)
    with time_machine.travel(timezone.now() + timedelta(hours=7)):
        worker()  # the deferred retry comes due
        sweep()
        assert run_action(action.pk) == "nothing to do"
    assert forum.mutations("PUT") == []
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED


def test_an_action_of_a_rescinded_sanction_waiting_for_the_notice_is_never_applied(sanctioned: Any, stewards: Any, forum: Any) -> None:
    case, sanction, plan = sanctioned()
    do_approve_plan(stewards["bob"], case, plan.pk)  # queued; waits for the person to be told
    assert run_action(plan.actions.get().pk) == "nothing to do", "not before the person is told"
    rescind(case, sanction, stewards)
    worker()
    sweep()
    assert forum.mutations("PUT") == []
    assert plan.actions.get().status == ActionStatus.CANCELLED


def test_a_sanction_rescinded_while_its_ban_is_being_applied_is_lifted_straight_away(
    sanctioned: Any, stewards: Any, forum: Any, gates: Any
) -> None:
    case, sanction, plan, action = approved(sanctioned, stewards)
    put = gates("PUT")
    applying = started(run_action, action.pk)
    put.arrived(1)
    rescind(case, sanction, stewards)  # the ban is on its way to the forum
    put.release(0)
    assert applying.outcome() == "done"
    worker()  # the immediate lifting
    assert forum.bans == {}
    assert len(forum.mutations("PUT")) == 1 and len(forum.mutations("DELETE")) == 1
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ENDED


def test_a_switched_off_space_is_not_called(sanctioned: Any, stewards: Any, forum: Any, forum_connection: Any) -> None:
    _case, _sanction, _plan, action = approved(sanctioned, stewards)
    forum_connection.enabled = False
    forum_connection.save(update_fields=["enabled"])
    assert run_action(action.pk) == "failed"
    assert forum.calls == []
    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED and "switched off" in action.last_error


# --- Nothing that may identify a reporter reaches the platform ----------------------------------


def nothing_sent_names(forum: Any, word: str) -> bool:
    return all(word not in call.body.decode() for call in forum.calls)


def test_the_text_an_action_hands_the_platform_is_checked_not_only_its_reason(
    sanctioned: Any, stewards: Any, forum: Any, forum_connection: Any
) -> None:
    """A replacement text is public on the platform: it passes the same identity check as the reason."""
    case, _sanction, plan = sanctioned()
    edit = do_add_action(
        stewards["bob"],
        case,
        plan.pk,
        NewAction(forum_connection.pk, Op.EDIT_CONTENT, subject="post-17", params={"body": "Removed after the replies to zephyr_kite."}),
    )
    link_reporter_handle(case)  # the reporter's handle, known only after the text was written
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.RECORDED, "Told them on a video call.")
    assert run_action(edit.pk) == "failed"
    assert forum.posts == {} and nothing_sent_names(forum, "zephyr")
    edit.refresh_from_db()
    assert edit.status == ActionStatus.FAILED and "may identify a reporter" in edit.last_error


def test_a_lifting_is_sent_without_a_reason_that_became_identifying(sanctioned: Any, stewards: Any, forum: Any) -> None:
    case, sanction, plan = sanctioned()
    ban = plan.actions.get()
    do_edit_reason(stewards["bob"], case, ban.pk, "Banned for the replies to zephyr_kite.")
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.WAIVED, "The harassment is ongoing; it cannot wait.")
    assert run_action(ban.pk) == "done"
    forum.calls.clear()  # what was sent before the handle was known to be the reporter's is not the question
    link_reporter_handle(case)
    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        worker()
    assert forum.bans == {} and forum.lift_reasons == {"ivan": ""}
    assert nothing_sent_names(forum, "zephyr")


# --- The end time: lifted once, at the time ------------------------------------------------------


def test_a_ban_is_lifted_once_at_its_end_time_however_often_the_end_comes_due(sanctioned: Any, stewards: Any, forum: Any) -> None:
    _case, sanction, _plan, action = approved(sanctioned, stewards)
    worker()
    with time_machine.travel(sanction.ends_at - timedelta(seconds=1), tick=False):
        assert end_action(action.pk) == "not due"
        sweep()
    assert "ivan" in forum.bans
    with time_machine.travel(sanction.ends_at, tick=False):
        assert end_action(action.pk) == "lifting", "due at its end time"
        assert end_action(action.pk) == "not due", "the end task and the sweep both came: once"
        sweep()
        worker()
        sweep()
    assert forum.bans == {} and len(forum.mutations("DELETE")) == 1
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED and len(ok_receipts(action, Phase.REVERT)) == 1


def test_two_overlapping_end_runs_lift_a_time_out_once(
    sanctioned: Any, stewards: Any, forum: Any, forum_connection: Any, gates: Any
) -> None:
    """For what the platform lifts itself, the end run first asks the platform — a call, during which another
    end run (the sweep) may lift it. The slower run must then find it lifted, not queue a second lifting."""
    case, sanction, plan = sanctioned(period_days=7)
    ban = plan.actions.get()
    do_remove_action(stewards["bob"], case, ban.pk)
    timeout = do_add_action(stewards["bob"], case, plan.pk, NewAction(forum_connection.pk, Op.TIMEOUT, identity_id=ban.identity_id))
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.WAIVED, "Ongoing harm.")
    assert run_action(timeout.pk) == "done"
    assert forum.timeouts["ivan"] == sanction.ends_at, "the platform is given the sanction's end"
    forum.timeouts["ivan"] = sanction.ends_at + timedelta(days=1)  # the forum's own clock has not let it lapse yet
    get = gates("GET", after=True, count=1)
    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        slow = started(end_action, timeout.pk)
        get.arrived(1)  # the forum answered "still timed out"; the answer is on its way back
        assert end_action(timeout.pk) == "lifting"
        assert run_action(timeout.pk) == "done"
        get.release(0)
        assert slow.outcome() == "not due"
        worker()
        sweep()
    assert len(forum.mutations("DELETE", r"^/timeouts/")) == 1
    timeout.refresh_from_db()
    assert timeout.status == ActionStatus.REVERTED


def test_a_drift_check_that_overlaps_the_lifting_raises_no_false_alarm(
    sanctioned: Any, stewards: Any, forum: Any, gates: Any, mailoutbox: Any
) -> None:
    """The check asks the forum while the end time lifts the ban: "not in place" is then the lifting, not
    someone undoing the ban by hand, and the stewards are not told it was undone outside Steward."""
    from enforcement.executor import verify_action

    _case, sanction, _plan, action = approved(sanctioned, stewards)
    assert run_action(action.pk) == "done"
    get = gates("GET", count=1)
    with time_machine.travel(sanction.ends_at + timedelta(seconds=1)):
        checking = started(verify_action, action.pk)
        get.arrived(1)  # the check's question is on its way to the forum
        assert end_action(action.pk) == "lifting"
        assert run_action(action.pk) == "done"
        get.release(0)
        checking.outcome()
    action.refresh_from_db()
    assert action.status == ActionStatus.REVERTED and action.drifted_at is None
    assert not any("undone outside Steward" in mail.subject for mail in mailoutbox)
    assert not Event.objects.filter(kind="enforcement.drift").exists()


# --- Retries -----------------------------------------------------------------------------------


def test_a_temporary_failure_is_tried_max_attempts_times_then_stops(sanctioned: Any, stewards: Any, forum: Any) -> None:
    forum.inject(503, {"error": "down"}, times=MAX_ATTEMPTS + 1, method="PUT")
    _case, _sanction, plan, action = approved(sanctioned, stewards)
    results = []
    for _ in range(MAX_ATTEMPTS + 2):
        action.refresh_from_db()
        with time_machine.travel((action.next_attempt_at or timezone.now()) + timedelta(seconds=1)):
            results.append(run_action(action.pk))
    assert results == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed", "nothing to do", "nothing to do"]
    assert len([call for call in forum.calls if call.method == "PUT"]) == MAX_ATTEMPTS
    action.refresh_from_db()
    assert action.status == ActionStatus.FAILED and f"gave up after {MAX_ATTEMPTS} attempts" in action.last_error
    assert [r.ok for r in action.receipts.all()] == [False] * MAX_ATTEMPTS
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE, "the plan settles with the failure shown"


def test_an_unexpected_error_is_retried_not_lost(sanctioned: Any, stewards: Any, forum: Any) -> None:
    forum.inject(400, "<html>Bad Request</html>", method="PUT")  # not the forum's JSON: the client trips over it
    _case, _sanction, _plan, action = approved(sanctioned, stewards)
    assert run_action(action.pk) == "retry"
    action.refresh_from_db()
    assert action.status == ActionStatus.QUEUED and action.last_error.startswith("Unexpected error")
    with time_machine.travel(action.next_attempt_at, tick=False):
        assert run_action(action.pk) == "done", "due at its retry time"
    assert len(forum.mutations("PUT")) == 1
    action.refresh_from_db()
    assert action.last_error == "", "an applied action shows no old error"


def test_a_task_whose_action_was_erased_with_its_case_does_nothing(db: Any) -> None:
    assert run_action(987654) == "nothing to do"


@pytest.mark.parametrize("attempt", range(1, 14))
def test_back_off_doubles_from_half_a_minute_up_to_six_hours(attempt: int) -> None:
    expected = min(FIRST_RETRY * 2 ** (attempt - 1), LONGEST_RETRY)
    assert FIRST_RETRY == timedelta(seconds=30) and LONGEST_RETRY == timedelta(hours=6)
    waits = [backoff(attempt) for _ in range(50)]
    assert all(expected * 0.8 <= wait <= expected * 1.2 for wait in waits), "spread by at most a fifth either way"
    assert len(set(waits)) > 1, "spread, so retries of many actions do not all come at once"
    assert backoff(attempt, retry_after=8 * 3600) >= timedelta(hours=8), "never sooner than the platform asked"
