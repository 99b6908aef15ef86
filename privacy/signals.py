"""Each case's retention date follows its closing: set when it closes, cleared when it reopens.

When a date is set, an erasure run is enqueued for that moment (the worker keeps it across
restarts); `manage.py erase_expired` from cron is the safety net. Both are idempotent.
"""

from typing import Any

from cases.models import Case
from privacy.erasure import ensure_retention
from privacy.models import CaseRetention
from steward.queueing import enqueue_with_transaction


def case_saved(sender: type[Case], instance: Case, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    before = CaseRetention.objects.filter(case=instance).values_list("retain_until", flat=True).first()
    retention = ensure_retention(instance)
    until = retention.retain_until if retention is not None else None
    if until is not None and until != before:
        from privacy.tasks import erase_expired_cases

        enqueue_with_transaction(erase_expired_cases, run_after=until)


def secure_delete(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite overwrites deleted content with zeros, so an erased case leaves no bytes in free pages."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")
