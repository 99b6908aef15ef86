"""Reminder e-mails: one ReminderSent row per steward, written before the mail, delivered after commit.

A row is claimed (claimed_at) before its mail goes out, so two deliveries racing for it send once;
a failed send releases the claim and counts an attempt, and the sweep tries again later.
Mails name the case by code name only: never report content, parties or reporters.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clocks.models import Deadline, InterimMeasure, ReminderSent, Stage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_EXPIRES = timedelta(minutes=10)


def add_recipients(
    stewards: Iterable[Any], stage: str, *, deadline: Deadline | None = None, measure: InterimMeasure | None = None
) -> list[int]:
    """Write the rows (skipping any that exist already) and deliver them once the transaction commits."""
    ids = []
    generation = deadline.generation if deadline is not None else 1
    for steward in stewards:
        try:
            with transaction.atomic():
                row = ReminderSent.objects.create(deadline=deadline, measure=measure, generation=generation, stage=stage, steward=steward)
        except IntegrityError:
            continue  # written by an earlier run: that run delivers it (or the sweep retries it)
        ids.append(row.pk)
    if ids:
        transaction.on_commit(lambda: deliver(ids), robust=True)
    return ids


def case_footer(code_name: str) -> str:
    """The end of every steward mail about a case: where to open it, and that conflicted stewards may ignore it."""
    link = settings.SITE_URL + reverse("cases:detail", kwargs={"code": code_name})
    return _("Open the case: %(link)s\nIf you have a conflict on this case, you can ignore this message.") % {"link": link}


def compose(row: ReminderSent) -> tuple[str, str]:
    if row.deadline is not None:
        deadline = row.deadline
        code = deadline.case.code_name
        what = deadline.get_kind_display()
        due = timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M %Z")
        if row.stage == Stage.REMINDER:
            subject = _("Case %(case)s is overdue: %(what)s") % {"case": code, "what": what}
            lead = _(
                "The deadline “%(what)s” for case %(case)s passed at %(due)s. As its shepherd (or, with no shepherd, "
                "as an unconflicted steward) please act on it or set a new target date."
            )
        else:
            subject = _("Escalation: case %(case)s is still overdue: %(what)s") % {"case": code, "what": what}
            lead = _(
                "The deadline “%(what)s” for case %(case)s passed at %(due)s and is still not met. It now goes to the whole committee."
            )
        body = lead % {"what": what, "case": code, "due": due}
    else:
        measure = row.measure
        assert measure is not None
        code = measure.case.code_name
        subject = _("Case %(case)s: an interim measure awaits review") % {"case": code}
        body = _(
            "An interim protective measure on case %(case)s was taken more than %(hours)s hours ago and nobody "
            "has reviewed it yet. Another unconflicted steward must confirm or lift it."
        ) % {
            "case": code,
            "hours": int((measure.review_due - measure.taken_at).total_seconds() // 3600),
        }
    footer = case_footer(code)
    return subject, f"{body}\n\n{footer}\n"


def deliver(ids: Iterable[int]) -> int:
    return sum(deliver_one(pk) for pk in ids)


def deliver_one(pk: int) -> int:
    now = timezone.now()
    unclaimed = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES)
    if not ReminderSent.objects.filter(pk=pk, sent_at__isnull=True).filter(unclaimed).update(claimed_at=now):
        return 0  # already sent, or another delivery holds it
    row = ReminderSent.objects.select_related("deadline__case", "measure__case", "steward").get(pk=pk)
    subject, body = compose(row)
    return send_claimed(ReminderSent, pk, row.steward.email, subject, body, "Reminder")


def send_claimed(model: Any, pk: int, recipient: str, subject: str, body: str, what: str) -> int:
    """Send the mail of a row this call has claimed (claimed_at set): stamped sent_at when the SMTP server took it,
    else released for the sweep with the attempt and error counted. 1 when sent. Shared by every mail row that
    follows the claim-before-send pattern (reminders, new-report alerts)."""
    try:
        send_mail(subject, body, None, [recipient])
    except OSError as error:  # smtplib's errors and socket failures: keep the row for a retry
        logger.warning("%s %s could not be sent: %s", what, pk, error)
        model.objects.filter(pk=pk).update(claimed_at=None, attempts=F("attempts") + 1, last_error=str(error)[:300])
        return 0
    model.objects.filter(pk=pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
    return 1


def retry_undelivered() -> int:
    """Rows whose mail never went out (a failed send, or a crash between commit and send)."""
    pending = ReminderSent.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    return deliver(pending.values_list("pk", flat=True))
