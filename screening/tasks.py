"""The worker's scoring of stored items: one waiting run at most (steward.periodic), renewed while work is left.

Runs are not exclusive: each takes its own batches (SKIP LOCKED rows, screening.pipeline), so with more than a
batch waiting a run first queues a companion, which an idle worker picks up and which does the same; the work
spreads over every worker (on PostgreSQL; SQLite's one writer takes the batches' writes in turn).
"""

from django.tasks import task

from screening.pipeline import BATCH_LIMIT, more_than_a_batch_waiting, score_pending
from steward.periodic import ensure_periodic


@task
def score_items() -> dict[str, int]:
    if more_than_a_batch_waiting():
        ensure_scoring()
    scored = score_pending(limit=BATCH_LIMIT)
    if scored >= BATCH_LIMIT:  # more may be waiting (a backfill): queue the next run
        ensure_scoring()
    return {"scored": scored}


def ensure_scoring() -> bool:
    """Enqueue a scoring run unless one is already waiting; return whether one was enqueued."""
    return ensure_periodic(score_items)
