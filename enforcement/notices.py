"""Telling stewards about enforcement events by e-mail: exactly one mail per steward per topic.

The rows are written in the caller's transaction; mail goes out after commit; a failed send keeps its row
for the enforcement sweep to retry. Like every steward mail, it names the case by code name only.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from cases.models import Case
from clocks.deadlines import committee, reminder_recipients
from clocks.notify import case_footer
from enforcement.models import StewardNotice

logger = logging.getLogger("steward.enforcement")

MAX_ATTEMPTS = 5
CLAIM_EXPIRES = timedelta(minutes=10)


def tell(case: Case | None, topic: str, subject: str, lead: str, *, everyone: bool = False, recipients: Iterable[Any] | None = None) -> int:
    """Write one notice per recipient: given ones, or for a case its shepherd (or unconflicted stewards; `everyone`:
    the committee). `topic` names what it is about, uniquely across Steward (e.g. "drift:<action id>")."""
    if recipients is None:
        assert case is not None, "notices not about a case name their recipients"
        recipients = committee(case) if everyone else reminder_recipients(case)
    footer = ""
    if case is not None:
        footer = "\n\n" + case_footer(case.code_name)
    ids = []
    for steward in recipients:
        if not steward.email:
            continue
        try:
            with transaction.atomic():
                row = StewardNotice.objects.create(case=case, topic=topic, steward=steward, subject=subject, body=f"{lead}{footer}\n")
        except IntegrityError:
            continue  # an earlier run wrote it, and delivers it (or the sweep does)
        ids.append(row.pk)
    if ids:
        transaction.on_commit(lambda: deliver(ids), robust=True)
    return len(ids)


def deliver(ids: Iterable[int]) -> int:
    return sum(_deliver_one(pk) for pk in ids)


def _deliver_one(pk: int) -> int:
    now = timezone.now()
    unclaimed = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES)
    if not StewardNotice.objects.filter(pk=pk, sent_at__isnull=True).filter(unclaimed).update(claimed_at=now):
        return 0
    row = StewardNotice.objects.select_related("steward").get(pk=pk)
    try:
        send_mail(row.subject, row.body, None, [row.steward.email])
    except OSError as error:
        logger.warning("Enforcement notice %s could not be sent: %s", pk, error)
        StewardNotice.objects.filter(pk=pk).update(claimed_at=None, attempts=F("attempts") + 1, last_error=str(error)[:300])
        return 0
    StewardNotice.objects.filter(pk=pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
    return 1


def retry_undelivered() -> int:
    pending = StewardNotice.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    return deliver(pending.values_list("pk", flat=True))
