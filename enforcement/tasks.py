"""The enforcement tasks for the worker. All take ids and are idempotent (see enforcement.executor)."""

from django.tasks import task

from enforcement import executor, schedule
from steward.periodic import ensure_periodic


@task
def run_enforcement_action(action_id: int) -> str:
    return executor.run_action(action_id)


@task
def end_enforcement_action(action_id: int) -> str:
    return schedule.end_action(action_id)


@task
def verify_enforcement_action(action_id: int) -> str:
    check = executor.verify_action(action_id)
    return check.verdict.value if check is not None else "not checked"


@task
def plan_check_in(plan_id: int) -> str:
    return schedule.check_in(plan_id)


@task
def plan_end_reminder(plan_id: int) -> str:
    return schedule.end_reminder(plan_id)


@task
def sweep_enforcement() -> dict[str, int]:
    # Queue the next sweep first, so a failure below cannot break the chain.
    ensure_periodic(sweep_enforcement, schedule.SWEEP_EVERY)
    return schedule.sweep()


def ensure_enforcement_sweep() -> bool:
    return ensure_periodic(sweep_enforcement)
