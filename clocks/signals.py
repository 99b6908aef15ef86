"""A new case starts its clocks in the transaction that creates it; intake does not need to know."""

from typing import Any

from cases.models import Case
from clocks.deadlines import create_deadlines
from clocks.tasks import ensure_sweep, schedule_deadline


def start_clocks(sender: type[Case], instance: Case, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not created or raw:
        return
    for deadline in create_deadlines(instance):
        schedule_deadline(deadline)
    # The sweep behind the per-deadline tasks: make sure one is waiting for the worker. Queued in this
    # transaction (steward.queueing): after the commit it would be one more write that could fail the request.
    ensure_sweep()
