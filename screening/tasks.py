"""The worker's scoring of stored items: one waiting run at most (steward.periodic), renewed while work is left."""

from django.tasks import task

from screening.pipeline import BATCH_LIMIT, score_pending
from steward.periodic import ensure_periodic


@task
def score_items() -> dict[str, int]:
    scored = score_pending(limit=BATCH_LIMIT)
    if scored >= BATCH_LIMIT:  # more may be waiting (a backfill): queue the next run
        ensure_scoring()
    return {"scored": scored}


def ensure_scoring() -> bool:
    """Enqueue a scoring run unless one is already waiting; return whether one was enqueued."""
    return ensure_periodic(score_items)
