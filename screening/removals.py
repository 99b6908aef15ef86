"""Content deleted on the platform: its screening item is marked, and its text is kept.

A flag's evidence may disappear on the platform (its author withdrew it, a moderator or Steward deleted it);
the steward reviewing the flag must know that what they read is Steward's copy, no longer visible there.

Where the platform does not say who deleted it (Slack), a deletion of flagged content still goes to the
committee's moderator-action review: it may have been a moderator acting by hand on what screening flagged.
Where it does say, the space reports a deletion by anyone but the author as a ModeratorActionEvent itself.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.log import record
from enforcement.moderation import record_moderator_action
from screening.models import Item
from spaces.base import ContentRemovedEvent, ModeratorActionEvent
from spaces.models import SpaceConnection

SEPARATOR = ", "


def mark_removed(connection: SpaceConnection, event: ContentRemovedEvent) -> Item | None:
    """Mark the item deleted on the platform; None when Steward never stored it. Marking twice changes nothing."""
    with transaction.atomic():
        item = Item.objects.select_for_update().filter(connection=connection, external_id=event.external_id[:200]).first()
        if item is None or item.removed_at is not None:
            return item
        item.removed_at = event.at or timezone.now()
        item.removed_by = SEPARATOR.join(handle for handle in event.by if handle)[:300]
        item.save(update_fields=["removed_at", "removed_by"])
        record(
            "screening.removed_on_platform",
            f"Screening item #{item.pk} in {connection.slug} was deleted on the platform",
            data={"item": item.pk, "connection": connection.slug},
        )
        if not event.by and item.flags.exists():
            unknown_deleter = ModeratorActionEvent(
                action="deleted",
                actor=(),
                subject=tuple(handle for handle in item.author.split(",") if handle),
                detail=f"A flagged {item.kind} was deleted in {connection.title}; the platform does not say whether "
                "by its author or by an administrator.",
                at=item.removed_at,
                targets=(item.external_id, item.url),
            )
            record_moderator_action(connection, unknown_deleter, f"removed:{item.external_id}")
    return item
