"""A flag acted on is marked so only when the space has done it: the enforcement executor saves the action's
outcome, and this listener completes the flag's review in that same transaction (screening.actions.complete_act).
Screening sits above enforcement, so it listens; enforcement never imports screening."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from enforcement.models import ActionStatus, EnforcementAction

ANSWERED = (ActionStatus.APPLIED, ActionStatus.FAILED)


@receiver(post_save, sender=EnforcementAction, dispatch_uid="screening.action_saved")
def action_saved(sender: type[EnforcementAction], instance: EnforcementAction, raw: bool = False, **kwargs: Any) -> None:
    from screening.actions import complete_act

    if raw or instance.status not in ANSWERED:
        return
    with transaction.atomic():
        complete_act(instance)
