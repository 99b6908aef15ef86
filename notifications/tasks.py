"""The notifications' tasks for the worker: a new case's alerts at once, and the sweep behind them every five minutes.

`deliver_new_case` is queued in the transaction that stores the report (notifications.alerts). The sweep keeps
one pending copy of itself queued (steward.periodic); the clocks' sweep and `manage.py tick_clocks` restart the
chain if it ever broke, and tick_clocks runs it too, so a host whose worker is down still mails (cron).
"""

from datetime import timedelta

from django.tasks import task

from notifications import alerts, chat
from steward.periodic import ensure_periodic

SWEEP_EVERY = timedelta(minutes=5)


@task
def deliver_new_case(case_id: int) -> dict[str, int]:
    # The mails first: a slow or failing chat platform must not hold them up.
    return {"mails": alerts.deliver_case(case_id), "chat": chat.post_case(case_id)}


@task
def sweep_notifications() -> dict[str, int]:
    ensure_notification_sweep(delay=SWEEP_EVERY)  # the next run first, so a failure below cannot break the chain
    return alerts.sweep()


def ensure_notification_sweep(delay: timedelta = timedelta(0)) -> bool:
    """Keep one sweep waiting (steward.periodic)."""
    return ensure_periodic(sweep_notifications, delay)
