"""Topics closed, archived or unlisted by staff on the forum, read for the committee's review.

Discourse records a topic's status change (Topic#update_status, TopicStatusUpdater) as:
- the change itself (the topic's `closed`, `archived`, `visible`);
- a small-action post in the topic, written as whoever acted, with the action code
  `<status>.enabled|disabled` ("closed.enabled", "archived.enabled", "visible.disabled"…), delivered as
  `post_created`;
- for closing and archiving only, a staff action log row (StaffActionLogger#log_topic_closed,
  #log_topic_archived: topic_closed, topic_opened, topic_archived, topic_unarchived) naming the acting user
  and the topic, but no target user. Unlisting writes no row.

Steward reads closing and archiving from the staff log (the poll: Discourse's own record, read from the
cursor however long Steward was away) and unlisting and relisting from the small-action post's delivery
(the only record of them). Closing and archiving small actions are not read from deliveries, so each
change is queued once. Neither record says whose topic it was: the topic is read for its author
(GET /t/{id}.json, `details.created_by`). A topic closed by its own author is not moderation; an action
by Steward's own API user is its own enforcement, already on its case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spaces.base import ModeratorActionEvent
from spaces.discourse.content import author_handles

# Staff log action names Steward reads -> the action as the review queue shows it.
TOPIC_LOG_ACTIONS = {"topic_closed": "closed", "topic_opened": "reopened", "topic_archived": "archived", "topic_unarchived": "unarchived"}
# Small-action codes read from deliveries (their staff log has no row) -> the action.
VISIBILITY_CODES = {"visible.disabled": "unlisted", "visible.enabled": "listed"}
SMALL_ACTION = 3  # Post.types[:small_action]


@dataclass(frozen=True)
class TopicOwner:
    """Whose topic it is, and its address, as far as the forum told (empty when it could not be read)."""

    handles: tuple[str, ...]
    username: str
    url: str


# Reads a topic's owner by topic id; never raises (an unreadable topic gives empty handles).
OwnerLookup = Callable[[int], TopicOwner]


def owner_from_topic(topic: Mapping[str, Any], base_url: str) -> TopicOwner:
    """The owner from a topic view (GET /t/{id}.json): `details.created_by`, else the topic's `user_id`."""
    created_by = (topic.get("details") or {}).get("created_by") or {}
    user_id, username = created_by.get("id", topic.get("user_id")), str(created_by.get("username") or "")
    slug = f"{topic['slug']}/" if topic.get("slug") else ""
    return TopicOwner(author_handles(user_id, username or None), username, f"{base_url}/t/{slug}{topic['id']}")


def topic_event(
    action: str,
    actor: Mapping[str, Any],
    topic_id: int,
    at: datetime | None,
    base_url: str,
    api_username: str,
    owner_of: OwnerLookup,
) -> ModeratorActionEvent | None:
    """The status change as a moderator action on the topic's owner; None for Steward's own or an owner's own."""
    if str(actor.get("username", "")).casefold() == api_username.casefold():
        return None  # Steward's own close (Op.LOCK_THREAD), already on its case
    acting = author_handles(actor.get("id"), actor.get("username"))
    owner = owner_of(topic_id)
    if owner.handles and set(owner.handles) & set(acting):
        return None  # the owner closed or unlisted their own topic
    url = owner.url or f"{base_url}/t/{topic_id}"
    whose = f"{owner.username}'s topic" if owner.username else "the topic"
    return ModeratorActionEvent(
        action=action,
        actor=acting,
        subject=owner.handles,
        detail=f"{actor.get('username') or 'A moderator'} {action} {whose} {url}.",
        at=at,
        targets=tuple(dict.fromkeys((url, f"{base_url}/t/{topic_id}", str(topic_id)))),
    )
