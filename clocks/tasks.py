"""The clocks' tasks for the worker (django.tasks with the django_tasks_db backend).

Each deadline gets a reminder task at its due time and an escalation task after the escalation
delay; each interim measure gets a review check at its review time. All take ids, are enqueued with
the transaction that stores their work (steward.queueing), and are idempotent (see clocks.reminders).
Behind them runs the sweep, every few minutes, which catches anything whose task was lost: the sweep
keeps one pending copy of itself queued.
"""

from datetime import timedelta

from django.tasks import task

from cases.tasks import ensure_reconcile
from clocks import reminders
from clocks.deadlines import escalate_after
from clocks.models import Deadline, InterimMeasure
from steward.periodic import ensure_periodic, pending
from steward.queueing import enqueue_with_transaction
from steward.tasks import ensure_heartbeat, ensure_pruning
from steward.worker_claims import release_abandoned

SWEEP_EVERY = timedelta(minutes=5)


@task
def remind_deadline(deadline_id: int, generation: int) -> str:
    return reminders.remind(deadline_id, generation)


@task
def escalate_deadline(deadline_id: int, generation: int) -> str:
    return reminders.escalate(deadline_id, generation)


@task
def review_interim_measure(measure_id: int) -> str:
    return reminders.escalate_measure(measure_id)


@task
def sweep_clocks() -> dict[str, int]:
    # Queue the next sweep first, so a failure below cannot break the chain.
    ensure_sweep(delay=SWEEP_EVERY)
    ensure_heartbeat()  # the worker's liveness trace for /health/ (steward.tasks); restarted here if it ever broke
    ensure_reconcile()  # the daily repair of the stewards' awaiting-declaration rows (cases.awaiting), likewise
    ensure_pruning()  # the daily prune of finished task results (steward.tasks), likewise
    release_abandoned()  # tasks left RUNNING by a worker that died (steward.worker_claims): queued again, once
    from notifications.tasks import ensure_notification_sweep  # an app above the clocks: imported when needed

    ensure_notification_sweep()  # new-report alerts' retries and the daily digests (notifications), likewise
    return reminders.sweep()


def _deferrable() -> bool:
    """Whether the configured backend can hold a task until a time (django_tasks_db can); if not, the sweep does it all."""
    return bool(sweep_clocks.get_backend().supports_defer)


def schedule_deadline(deadline: Deadline) -> None:
    """Enqueue the deadline's two tasks with the transaction that set its due time (steward.queueing)."""
    if not _deferrable():
        return
    deadline_id, generation, due = deadline.pk, deadline.generation, deadline.due_at
    enqueue_with_transaction(remind_deadline, deadline_id, generation, run_after=due)
    enqueue_with_transaction(escalate_deadline, deadline_id, generation, run_after=due + escalate_after())


def schedule_measure(measure: InterimMeasure) -> None:
    if not _deferrable():
        return
    enqueue_with_transaction(review_interim_measure, measure.pk, run_after=measure.review_due)


def sweep_pending() -> bool:
    return pending(sweep_clocks)


def ensure_sweep(delay: timedelta = timedelta(0)) -> bool:
    """Enqueue a clock sweep unless one is already waiting (steward.periodic)."""
    return ensure_periodic(sweep_clocks, delay)
