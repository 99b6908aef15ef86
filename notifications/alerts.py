"""A new report alerts every steward who may know of it, at once or in a daily digest, by code name and link only.

When: the rows are written by `announce_new_case`, in the transaction that stores the report (intake's
`report_received` signal), after its parties and excluded stewards exist, so the automatic hard conflicts are
known: a steward named in the report, or excluded by the reporter, gets no row and so no mail at all. The
delivery task is queued in the same transaction (steward.queueing); the sweep (`sweep`, every five minutes)
sends what a lost task or a failed send left, and the daily digests.

Exactly once: a row per (case, steward) (unique), claimed before its mail goes out and stamped after, as the
clocks' reminders are (clocks.notify): two workers, a re-run or the sweep racing the task send one mail.

What a mail says: the case's code name and the link to it, nothing else (no report text, category, space,
names or handles). Before sending, the steward is asked again (`cases.access.may`, Need.CODE_NAME): one who has
since declared a hard conflict, been deactivated, or whose case was joined into another is skipped.

Preferences (people.StewardProfile.new_report_mail): at once (default), a daily digest, or no mail. A report
held as a possible flood alerts nobody at once and reaches everyone who takes mail in their next digest, marked
as held: a burst of reports from one place must not become a burst of mail to every steward.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.log import record
from cases.access import Need, Standing, committee_standings, may
from cases.models import Case
from clocks.notify import case_footer, send_claimed
from notifications import chat
from notifications.models import Delivery, NewCaseAlert
from people.models import NewReportMail
from steward.once import exclusive

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_EXPIRES = timedelta(minutes=10)


def case_link(code_name: str) -> str:
    return settings.SITE_URL + reverse("cases:detail", kwargs={"code": code_name})


def announce_new_case(sender: Any, case: Case, held: bool = False, **kwargs: Any) -> dict[str, int]:
    """Write the alert rows and chat notices of a new case and queue their delivery (intake's report_received)."""
    from notifications.tasks import deliver_new_case

    members = committee_standings(case)
    rows = []
    for steward, standing in members:
        choice = steward.steward_profile.new_report_mail
        if standing is Standing.HIDDEN or not steward.email or choice == NewReportMail.NONE:
            continue
        at_once = choice == NewReportMail.IMMEDIATE and not held
        rows.append(NewCaseAlert(case=case, steward=steward, delivery=Delivery.IMMEDIATE if at_once else Delivery.DIGEST))
    NewCaseAlert.objects.bulk_create(rows, ignore_conflicts=True)
    notices = chat.plan_notices(case, held, members)
    immediate = [row.steward_id for row in rows if row.delivery == Delivery.IMMEDIATE]
    counts = {"immediate": len(immediate), "digest": len(rows) - len(immediate), "chat": notices}
    if immediate or notices:
        from steward.queueing import enqueue_with_transaction

        enqueue_with_transaction(deliver_new_case, case.pk)
    record(
        "case.announced",
        # No counts in the summary: the case's readers see it, and how many were told (or that no chat notice went
        # out) would hint at how many stewards a hard conflict keeps away. The numbers stay in `data`.
        "New case announced to the stewards who may know of it",
        actor_label="notifications",
        case_id=case.pk,
        data={"stewards": [row.steward_id for row in rows], "at_once": immediate, "chat": notices, "held": held},
    )
    return counts


# --- Delivery ------------------------------------------------------------------------------------


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES)


def _pending() -> Q:
    return Q(sent_at__isnull=True, skipped_at__isnull=True)


def compose_alert(code_name: str) -> tuple[str, str]:
    subject = _("New report: case %(case)s") % {"case": code_name}
    body = _(
        "A new report has arrived: case %(case)s. This mail says nothing else about it on purpose. "
        "Open it to declare any conflict of interest; you can read it once you have."
    ) % {"case": code_name}
    return subject, f"{body}\n\n{case_footer(code_name)}\n"


def deliver_alert(pk: int) -> int:
    """Send one immediate alert if nobody has (or is); 1 when this call sent it."""
    now = timezone.now()
    if not NewCaseAlert.objects.filter(_pending(), _unclaimed(now), pk=pk).update(claimed_at=now):
        return 0  # already sent or skipped, or another delivery holds it
    row = NewCaseAlert.objects.select_related("case", "steward__steward_profile").get(pk=pk)
    if not may(row.steward, row.case, Need.CODE_NAME):
        NewCaseAlert.objects.filter(pk=pk).update(skipped_at=timezone.now())
        return 0
    subject, body = compose_alert(row.case.code_name)
    return send_claimed(NewCaseAlert, pk, row.steward.email, subject, body, "New-case alert")


def deliver_case(case_id: int) -> int:
    """Every immediate alert of one case (the task queued with the report)."""
    ids = NewCaseAlert.objects.filter(_pending(), case_id=case_id, delivery=Delivery.IMMEDIATE).values_list("pk", flat=True)
    return sum(deliver_alert(pk) for pk in list(ids))


def retry_undelivered() -> int:
    """Immediate alerts whose mail never went out (a failed send, a lost task, a crash between commit and send)."""
    pending = NewCaseAlert.objects.filter(_pending(), delivery=Delivery.IMMEDIATE, attempts__lt=MAX_ATTEMPTS)
    return sum(deliver_alert(pk) for pk in list(pending.values_list("pk", flat=True)))


# --- The daily digest ----------------------------------------------------------------------------


def digest_cutoff(now: datetime) -> datetime:
    """The latest digest time at or before `now`: STEWARD_DIGEST_HOUR o'clock in TIME_ZONE, today or yesterday."""
    local = timezone.localtime(now)
    cutoff = local.replace(hour=settings.STEWARD_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return cutoff if cutoff <= local else cutoff - timedelta(days=1)


def compose_digest(entries: Iterable[tuple[str, bool]]) -> tuple[str, str]:
    entries = list(entries)
    subject = ngettext("Daily digest: %(count)d new report", "Daily digest: %(count)d new reports", len(entries)) % {"count": len(entries)}
    lines = []
    for code_name, held in entries:
        note = " " + _("(held as a possible flood: check whether it is genuine)") if held else ""
        lines.append(f"- {code_name}{note}: {case_link(code_name)}")
    intro = _("New reports since your last digest, by code name only. Open each to declare any conflict of interest.")
    outro = _(
        "If you have a conflict on one of these cases, you can ignore it. You chose this daily digest on your account page: %(link)s"
    ) % {"link": settings.SITE_URL + reverse("accounts:security")}
    return subject, intro + "\n\n" + "\n".join(lines) + "\n\n" + outro + "\n"


def send_digest(steward_id: int, now: datetime) -> int:
    """One steward's digest of the rows due by `now`; 1 when a mail went out."""
    cutoff = digest_cutoff(now)
    due = NewCaseAlert.objects.filter(_pending(), _unclaimed(now), steward_id=steward_id, delivery=Delivery.DIGEST, created_at__lt=cutoff)
    claimed = list(due.values_list("pk", flat=True))
    if not claimed or not NewCaseAlert.objects.filter(pk__in=claimed).filter(_unclaimed(now)).update(claimed_at=now):
        return 0
    rows = list(NewCaseAlert.objects.filter(pk__in=claimed, claimed_at=now).select_related("case", "steward__steward_profile"))
    keep = [row for row in rows if may(row.steward, row.case, Need.CODE_NAME)]
    NewCaseAlert.objects.filter(pk__in=[row.pk for row in rows if row not in keep]).update(skipped_at=now)
    if not keep:
        return 0
    subject, body = compose_digest((row.case.code_name, row.case.held_as_possible_flood) for row in keep)
    ids = [row.pk for row in keep]
    try:
        send_mail(subject, body, None, [keep[0].steward.email])
    except OSError as error:
        logger.warning("Digest for steward %s could not be sent: %s", steward_id, error)
        NewCaseAlert.objects.filter(pk__in=ids).update(claimed_at=None, attempts=F("attempts") + 1, last_error=str(error)[:300])
        return 0
    NewCaseAlert.objects.filter(pk__in=ids).update(sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
    return 1


def send_digests(now: datetime | None = None) -> int:
    """Each steward with digest rows from before the last digest time gets one mail listing them."""
    now = now or timezone.now()
    due = NewCaseAlert.objects.filter(_pending(), delivery=Delivery.DIGEST, created_at__lt=digest_cutoff(now), attempts__lt=MAX_ATTEMPTS)
    stewards = sorted(set(due.values_list("steward_id", flat=True)))
    return sum(send_digest(steward_id, now) for steward_id in stewards)


@exclusive("notifications.sweep", busy=lambda: {"already_running": 1})
def sweep(now: datetime | None = None) -> dict[str, int]:
    """What the task left (failed sends, lost tasks), the chat notices likewise, and the digests that are due."""
    now = now or timezone.now()
    return {"alerts": retry_undelivered(), "chat": chat.retry_unposted(), "digests": send_digests(now)}
