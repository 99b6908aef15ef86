"""What a community space delivers by webhook comes in through here.

`receive` takes one verified webhook delivery: the delivery row (the replay guard) and every effect
of its events commit together, so a delivery is either wholly taken or not at all and the platform's
retry finds it new. Each event goes to the handlers the apps above the spaces registered for its type
(spaces.routing.dispatch); this module names none of them.
"""

from django.db import IntegrityError, transaction

from spaces.base import Handled, Inbound
from spaces.models import SpaceConnection, WebhookDelivery
from spaces.routing import dispatch


class Replayed(Exception):
    """The delivery id was taken before: nothing of this delivery is applied again."""


def receive(connection: SpaceConnection, inbound: Inbound) -> list[Handled]:
    """Record the delivery and apply its events, all in one transaction; raise Replayed for a known delivery id.

    The unique constraint is the only replay guard (no "does it exist?" question first), so two copies
    of a delivery racing each other are told apart by the database, not by luck.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookDelivery.objects.create(connection=connection, delivery_id=inbound.delivery_id[:200], events=len(inbound.events))
        except IntegrityError:
            raise Replayed(inbound.delivery_id) from None
        return [dispatch(connection, event, delivery_id=inbound.delivery_id) for event in inbound.events]
