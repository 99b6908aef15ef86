"""What comes in from a community space, however it arrives (webhook or polling), goes through here.

`receive` takes one verified webhook delivery: the delivery row (the replay guard) and every effect
of its events commit together, so a delivery is either wholly taken or not at all and the platform's
retry finds it new. `dispatch` sends one event where it belongs:

- ReportEvent           → intake.from_spaces.report_from_space   (a case in the queue)
- ContentEvent          → enforcement.watching.check_content      (no-contact watching)
- ModeratorActionEvent  → enforcement.moderation.record_moderator_action (committee review)
- ContentRemovedEvent   → screening.removals.mark_removed         (the evidence is gone on the platform)
"""

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from people.models import Identity, Space, normalise_handle
from privacy.keys import blind_digests
from spaces.base import ContentEvent, ContentRemovedEvent, Event, Handled, Inbound, ModeratorActionEvent, ReportEvent
from spaces.models import SpaceConnection, WebhookDelivery
from spaces.registry import platforms

logger = logging.getLogger("steward.spaces")


class Replayed(Exception):
    """The delivery id was taken before: nothing of this delivery is applied again."""


def identity_space(connection: SpaceConnection) -> str:
    """The people.Space that holds identities in this connection's platform (see Space.acts_on)."""
    cls = platforms().get(connection.platform)
    if cls is not None:
        return cls.acts_on()
    return connection.platform if connection.platform in Space.values else Space.OTHER


def identities_known_as(space: str, handles: Iterable[str]) -> QuerySet[Identity]:
    """Identities in `space` whose handle is any of `handles` (matched whole, through the blind index)."""
    digests: list[str] = []
    for handle in handles:
        normalised = normalise_handle(space, handle or "")
        if normalised:
            digests.extend(blind_digests(normalised))
    return Identity.objects.filter(space=space, handle_digest__in=digests)


def dispatch(connection: SpaceConnection, event: Event, *, delivery_id: str = "") -> Handled:
    # Imported here: these modules use identity_space and identities_known_as from this one.
    from enforcement.moderation import record_moderator_action
    from enforcement.watching import check_content
    from intake.from_spaces import report_from_space
    from screening.ingest import take as take_for_screening
    from screening.removals import mark_removed

    if isinstance(event, ReportEvent):
        return report_from_space(connection, event)
    if isinstance(event, ContentEvent):
        check_content(connection, event.item)
        take_for_screening(connection, event.item)
    elif isinstance(event, ModeratorActionEvent):
        record_moderator_action(connection, event, delivery_id)
    elif isinstance(event, ContentRemovedEvent):
        mark_removed(connection, event)
    else:
        logger.info("inbound event ignored: connection=%s kind=%s", connection.slug, type(event).__name__)
    return Handled(event)


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
