"""The worker's polling of the spaces: one self-renewing task (steward.periodic), like the clocks' sweep."""

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from spaces.polling import poll_all
from steward.periodic import ensure_periodic


def poll_every() -> timedelta:
    return timedelta(seconds=settings.STEWARD_SPACES_POLL_SECONDS)


@task
def poll_spaces() -> dict[str, object]:
    # Queue the next run first, so a failure below cannot break the chain.
    ensure_polling(delay=poll_every())
    result = poll_all()
    return {"read": result.read, "failed": result.failed, "mail": result.mail}


def ensure_polling(delay: timedelta = timedelta(0)) -> bool:
    """Enqueue a poll unless one is already waiting; return whether one was enqueued."""
    return ensure_periodic(poll_spaces, delay)
