"""Fault tests: a real worker process is killed with SIGKILL at each step of an action, then restarted.

The worker is `manage.py db_worker` in its own process, on the test database, talking to the fake platform
over a real socket. `steward.failpoints` kills it at a named point (after the claim, after the platform
call, after the result is recorded) — no cleanup runs, as in a power cut. A fresh worker then runs the
sweep. Whatever the point, every action ends applied (and later lifted) exactly once on the platform.
"""

import signal
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from enforcement.actions import NewAction, do_add_action, do_approve_plan, do_record_notice
from enforcement.models import ActionStatus, EnforcementAction, Notice, Phase, PlanStatus, Receipt
from enforcement.tasks import end_enforcement_action, sweep_enforcement
from enforcement.tests.workers import boot, worker_env
from spaces.base import Op

pytestmark = pytest.mark.django_db(transaction=True)

POINTS = ["enforcement.claimed", "enforcement.called", "enforcement.recorded"]


def run_worker(marker: Path | None = None) -> int:
    """One `db_worker --batch` process on the test database; the spaces' secrets come from this process's environment."""
    # Every claim expires at once: the restarted worker may take over what the killed one held.
    env = worker_env(STEWARD_ENFORCEMENT_LEASE_SECONDS="0")
    if marker is not None:
        env["STEWARD_FAILPOINT_FILE"] = str(marker)
    command = boot("--batch", "--no-startup-delay")
    done = subprocess.run(command, cwd=settings.BASE_DIR, env=env, timeout=120, capture_output=True, text=True)
    if done.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"worker failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.returncode


def crash_then_recover(point: str, tmp_path: Path) -> None:
    marker = tmp_path / "failpoint"
    marker.write_text(point)
    assert run_worker(marker) == -signal.SIGKILL, f"the worker reached {point} and was killed"
    assert not marker.exists()
    sweep_enforcement.enqueue()  # the next sweep comes due (the worker process cannot travel in time)
    assert run_worker() == 0


def plan_with_two_actions(sanctioned: Any, stewards: Any, forum_connection: Any) -> tuple[Any, Any]:
    case, _sanction, plan = sanctioned(period_days=7)
    ban = plan.actions.get()
    do_add_action(stewards["bob"], case, plan.pk, NewAction(forum_connection.pk, Op.TIMEOUT, identity_id=ban.identity_id))
    return case, plan


@pytest.mark.parametrize("point", POINTS)
def test_killed_while_applying_nothing_is_lost_or_applied_twice(
    point: str, sanctioned: Any, stewards: Any, forum: Any, forum_connection: Any, tmp_path: Path
) -> None:
    case, plan = plan_with_two_actions(sanctioned, stewards, forum_connection)
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.RECORDED, "Told them by phone.")
    crash_then_recover(point, tmp_path)

    actions = list(plan.actions.all())
    assert [a.status for a in actions] == [ActionStatus.APPLIED, ActionStatus.APPLIED]
    assert len(forum.mutations("PUT", r"^/bans/")) == 1, "banned exactly once"
    assert len(forum.mutations("PUT", r"^/timeouts/")) == 1, "timed out exactly once"
    for action in actions:
        assert Receipt.objects.filter(action=action, phase=Phase.APPLY, ok=True).count() == 1
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


@pytest.mark.parametrize("point", POINTS)
def test_killed_while_lifting_nothing_is_lost_or_lifted_twice(
    point: str, sanctioned: Any, stewards: Any, forum: Any, forum_connection: Any, tmp_path: Path
) -> None:
    case, sanction, plan = sanctioned()
    do_approve_plan(stewards["bob"], case, plan.pk)
    do_record_notice(stewards["bob"], case, plan.pk, Notice.WAIVED, "Ongoing harm.")
    assert run_worker() == 0
    assert "ivan" in forum.bans
    # The end time comes (the worker process cannot travel in time, so the end is moved to now).
    past = timezone.now() - timedelta(seconds=1)
    sanction.ends_at = past
    sanction.save(update_fields=["ends_at"])
    EnforcementAction.objects.filter(plan=plan).update(revert_at=past)
    end_enforcement_action.enqueue(plan.actions.get().pk)  # the deferred task that is now due
    crash_then_recover(point, tmp_path)

    action = plan.actions.get()
    assert action.status == ActionStatus.REVERTED
    assert forum.bans == {}
    assert len(forum.mutations("DELETE", r"^/bans/")) == 1, "lifted exactly once"
    assert Receipt.objects.filter(action=action, phase=Phase.REVERT, ok=True).count() == 1
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ENDED
