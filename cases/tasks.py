"""Background work for cases. Tasks take ids and are idempotent."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task

from audit.log import record
from audit.models import Event
from cases import awaiting
from cases.models import Case
from steward.periodic import ensure_periodic

RECONCILE_EVERY = timedelta(days=1)

NOTIFIED = "case.outside_contact_notified"


@task
def notify_outside_contact(case_id: int, quorum_event_id: int) -> str:
    """Tell the policy's outside contact that a case has too few stewards who can act (REQUIREMENTS 4.4).

    The mail names the case's code name and where to find it, never its content. It is sent at most
    once per quorum change: the notice is recorded against that change, under a lock on the case row.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or not case.needs_outside_contact:
            return "not needed"
        if Event.objects.filter(case_id=case_id, kind=NOTIFIED, data__quorum_event=quorum_event_id).exists():
            return "already notified"
        contact = case.policy_version.policy.outside_contact
        send_mail(
            subject=f"[{case.policy_version.policy.name}] A case needs you: {case.code_name}",
            message=(
                f"Dear {contact.name},\n\n"
                f"Too few stewards can act on case {case.code_name} without a conflict of interest, so under "
                f"the code of conduct it comes to you. Please contact the stewards' committee to arrange access; "
                f"this mail deliberately says nothing about the case itself.\n\n{settings.SITE_URL}\n"
            ),
            from_email=None,
            recipient_list=[contact.email],
        )
        record(NOTIFIED, f"Outside contact ({contact.name}) told", case_id=case_id, data={"quorum_event": quorum_event_id})
    return "sent"


@task
def reconcile_awaiting() -> dict[str, int]:
    """Once a day, make the stewards' "waiting for your declaration" rows true (cases.awaiting)."""
    ensure_reconcile(delay=RECONCILE_EVERY)  # the next run first, so a failure below cannot break the chain
    return awaiting.reconcile()


def ensure_reconcile(delay: timedelta = RECONCILE_EVERY) -> bool:
    """Keep one run waiting (steward.periodic); the clocks' sweep calls this, so the chain restarts if it broke."""
    return ensure_periodic(reconcile_awaiting, delay)
