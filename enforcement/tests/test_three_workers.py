"""Scale-out: three `db_worker` processes on one PostgreSQL database apply one plan, each platform action once.

On PostgreSQL several workers (on one machine or many) take tasks concurrently: the task queue hands each task
row to one worker (SKIP LOCKED), but the same action is queued more than once by design (on commit, by the
sweep, by a retry), so what keeps each action to one platform call is the executor's claim (a row lock and a
lease, enforcement.executor). Here every action's task is queued three times, the sweep twice, and each platform
call is slowed so the workers overlap; the forum on its real socket counts what reached it.
"""

import os
import time
from typing import Any

import httpx
import pytest
from django_tasks_db.models import DBTaskResult

from enforcement.actions import NewAction, do_add_action, do_approve_plan, do_record_notice
from enforcement.models import ActionStatus, Notice, Phase, PlanStatus, Receipt
from enforcement.tasks import run_enforcement_action, sweep_enforcement
from enforcement.tests.workers import running_workers
from spaces.base import Op

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs PostgreSQL (DATABASE_URL): concurrent workers are PostgreSQL's deployment; SQLite serves one machine "
        "and serialises every write (make test-postgres runs this)",
    ),
]

WORKERS = 3
COPIES = 3  # each action's task queued this many times more, so workers race for the same action
SLOW_CALL = 0.3  # seconds each platform write takes: a worker is still in its call when the others claim
POSTS = ["post-11", "post-12", "post-13"]


def slow_writes(forum: Any) -> None:
    handle = forum.handle

    def slowly(request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            time.sleep(SLOW_CALL)
        return handle(request)

    forum.handle = slowly  # the socket server calls fake.handle(request) for each request


def settled(timeout: float = 120) -> None:
    """Wait until no task is running and none is due (the next sweep, the drift checks and the end times lie ahead)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not DBTaskResult.objects.ready().exists() and not DBTaskResult.objects.filter(status="RUNNING").exists():
            return
        time.sleep(0.2)
    raise AssertionError("the workers did not finish the queued tasks in time")


def test_three_workers_apply_each_platform_action_exactly_once(sanctioned: Any, stewards: Any, forum: Any, forum_connection: Any) -> None:
    case, _sanction, plan = sanctioned(period_days=7)
    ban = plan.actions.get()
    do_add_action(stewards["bob"], case, plan.pk, NewAction(forum_connection.pk, Op.TIMEOUT, identity_id=ban.identity_id))
    for post in POSTS:
        replace = NewAction(forum_connection.pk, Op.EDIT_CONTENT, subject=post, params={"body": "Removed."})
        do_add_action(stewards["bob"], case, plan.pk, replace)
    slow_writes(forum)

    with running_workers(WORKERS) as workers:
        do_approve_plan(stewards["bob"], case, plan.pk)
        do_record_notice(stewards["bob"], case, plan.pk, Notice.WAIVED, "Ongoing harm.")  # queues each action on commit
        for action in plan.actions.all():
            for _ in range(COPIES):
                run_enforcement_action.enqueue(action.pk)
        sweep_enforcement.enqueue()
        sweep_enforcement.enqueue()
        settled()
        assert all(worker.poll() is None for worker in workers), "a worker died"

    assert len(forum.mutations("PUT", r"^/bans/ivan$")) == 1, "banned exactly once"
    assert len(forum.mutations("PUT", r"^/timeouts/ivan$")) == 1, "timed out exactly once"
    for post in POSTS:
        assert len(forum.mutations("PUT", rf"^/posts/{post}$")) == 1, f"{post} replaced exactly once"
    assert len(forum.mutations()) == 2 + len(POSTS), "nothing else was sent"
    actions = list(plan.actions.all())
    assert {action.status for action in actions} == {ActionStatus.APPLIED}
    for action in actions:
        assert Receipt.objects.filter(action=action, phase=Phase.APPLY).count() == 1, "one receipt per action"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    ran = DBTaskResult.objects.filter(task_path=run_enforcement_action.module_path, status="SUCCESSFUL")
    assert ran.count() >= len(actions) * (COPIES + 1)
    assert len({worker for result in ran for worker in result.worker_ids}) >= 2, "the workers ran the actions concurrently"
