"""A sanction's plan is written in the transaction that creates the sanction (the decision's outbox), and
a sanction that stops standing (rescinded or changed on appeal, or replaced by a later decision) has
its actions lifted, in that transaction too."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from decisions.models import Sanction, SanctionStatus
from letters.models import OutgoingMail
from letters.outbox import mail_sent

ENDS_ENFORCEMENT = (SanctionStatus.RESCINDED, SanctionStatus.CHANGED, SanctionStatus.REPLACED)


@receiver(post_save, sender=Sanction, dispatch_uid="enforcement.sanction_saved")
def sanction_saved(sender: type[Sanction], instance: Sanction, created: bool, raw: bool = False, **kwargs: Any) -> None:
    from enforcement.actions import lift_for_sanction, plan_for_sanction

    if raw:
        return
    if created:
        plan_for_sanction(instance)
    elif instance.status in ENDS_ENFORCEMENT:
        lift_for_sanction(instance)


@receiver(mail_sent, dispatch_uid="enforcement.mail_sent")
def letter_went_out(sender: type[OutgoingMail], mail: OutgoingMail, **kwargs: Any) -> None:
    """The decision letter to the sanctioned person went out: plans waiting for it may now apply."""
    from enforcement.models import Notice, Plan, PlanStatus
    from enforcement.schedule import detect_notice

    waiting = Plan.objects.filter(case_id=mail.case_id, notice=Notice.PENDING, notify_first=True)
    for plan in waiting.filter(status__in=[PlanStatus.APPROVED, PlanStatus.ACTIVE]):
        detect_notice(plan)
