"""What screening takes from the spaces: content to store and score, and deletions of content on the platform.

Registered by ScreeningConfig.ready through spaces.routing, so the spaces never import screening.
Content is stored after enforcement's no-contact watching has looked at it (order 10 there, 20 here).
"""

from screening import ingest, removals
from spaces.base import ContentEvent, ContentRemovedEvent
from spaces.models import SpaceConnection
from spaces.routing import on

SCREEN_ORDER = 20


# Each looks its function up at call time (not bound at import), so what runs is always the module's current one.
def screen_content(connection: SpaceConnection, event: ContentEvent, delivery_id: str) -> None:
    ingest.take(connection, event.item)


def mark_removed(connection: SpaceConnection, event: ContentRemovedEvent, delivery_id: str) -> None:
    removals.mark_removed(connection, event)


def install() -> None:
    on(ContentEvent, screen_content, order=SCREEN_ORDER)
    on(ContentRemovedEvent, mark_removed)
