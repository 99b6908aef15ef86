"""What enforcement takes from the spaces: content to watch for no-contact breaches, and moderation done by hand.

Registered by EnforcementConfig.ready through spaces.routing, so the spaces never import enforcement.
Watching runs before every other consumer of content (order 10; screening stores it at 20), as it did
when the spaces called both in turn.
"""

from enforcement import listed, moderation, watching
from spaces.base import ContentEvent, ListedMemberEvent, ModeratorActionEvent
from spaces.models import SpaceConnection
from spaces.routing import on

WATCH_ORDER = 10


# Each looks its function up at call time (not bound at import), so what runs is always the module's current one.
def watch_content(connection: SpaceConnection, event: ContentEvent, delivery_id: str) -> None:
    watching.check_content(connection, event.item)


def queue_moderator_action(connection: SpaceConnection, event: ModeratorActionEvent, delivery_id: str) -> None:
    moderation.record_moderator_action(connection, event, delivery_id)


def queue_listed_member(connection: SpaceConnection, event: ListedMemberEvent, delivery_id: str) -> None:
    listed.record_listed_member(connection, event, delivery_id)


def install() -> None:
    on(ContentEvent, watch_content, order=WATCH_ORDER)
    on(ModeratorActionEvent, queue_moderator_action)
    on(ListedMemberEvent, queue_listed_member)
