"""FakeDiscourse's webhook deliveries, signed and shaped as Jobs::EmitWebHookEvent sends them."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from spaces.discourse import fake_shapes as shapes
from spaces.discourse.fake_shapes import ForumPost, ForumTopic, ForumUser, iso
from spaces.discourse.webhooks import signature


class Deliveries:
    """Builds what the forum would POST to Steward's webhook, from the fake forum's own state."""

    if TYPE_CHECKING:  # the forum's state, kept by FakeDiscourse
        site_url: str
        webhook_secret: str
        users: dict[int, ForumUser]
        topics: dict[int, ForumTopic]
        posts: dict[int, ForumPost]
        flags: list[tuple[int, int, int, bool]]
        _ids: itertools.count[int]
        _event_ids: itertools.count[int]

        def user_named(self, username: str) -> ForumUser: ...
        def _set_deleted(self, post: ForumPost, when: datetime | None) -> None: ...
        def _replied_to(self, post: ForumPost) -> ForumUser | None: ...

    def delivery(self, event_type: str, event_name: str, payload: Any, *, secret: str | None = None) -> tuple[bytes, dict[str, str]]:
        body = json.dumps({event_type: payload}).encode()
        headers = {
            "X-Discourse-Instance": self.site_url,
            "X-Discourse-Event-Id": str(next(self._event_ids)),
            "X-Discourse-Event-Type": event_type,
            "X-Discourse-Event": event_name,
            "X-Discourse-Event-Signature": signature(self.webhook_secret if secret is None else secret, body),
        }
        return body, headers

    def ping_delivery(self) -> tuple[bytes, dict[str, str]]:
        return self.delivery("ping", "ping", "OK")

    def post_delivery(self, post: ForumPost, event_name: str = "post_created") -> tuple[bytes, dict[str, str]]:
        return self.delivery("post", event_name, self.webhook_post(post))

    def delete_post_by_hand(self, post: ForumPost, by: str) -> tuple[bytes, dict[str, str]]:
        """Staff (or the author) deletes a post in the web UI: the `post_destroyed` delivery.

        Webhooks are serialised as the system user, a staff viewer: the post carries `deleted_by` (BasicUserSerializer).
        """
        deleter = self.user_named(by)
        self._set_deleted(post, datetime.now(UTC))
        payload = self.webhook_post(post) | {"deleted_by": shapes.basic_user(deleter)}
        return self.delivery("post", "post_destroyed", payload)

    def webhook_post(self, post: ForumPost) -> dict[str, Any]:
        """WebHookPostSerializer: the post's fields and its topic's, with `raw`, without the viewer's `can_*` and
        without `post_url` (as deliveries captured from a forum show)."""
        topic = self.topics[post.topic_id]
        payload = shapes.post_fields(post, topic, self.users[post.user_id], self._replied_to(post))
        for key in ("can_edit", "can_delete", "can_recover", "post_url"):
            payload.pop(key)
        payload.update(
            reply_to_post_number=post.reply_to_post_number,
            topic_title=topic.title,
            category_id=topic.category_id,
            topic_archetype=topic.archetype,
            topic_posts_count=sum(1 for p in self.posts.values() if p.topic_id == topic.id),
            category_slug="general",
        )
        return payload

    def flag_delivery(self, post: ForumPost, flagger: ForumUser, flag_type: int = 4) -> tuple[bytes, dict[str, str]]:
        """A person flags a post: the flag is kept, and the `reviewable_created` delivery Discourse sends is built.

        ReviewableFlaggedPostSerializer, serialised without a root: associations appear as ids only.
        """
        self.flags.append((flagger.id, post.id, flag_type, False))
        topic = self.topics[post.topic_id]
        payload = {
            "id": next(self._ids),
            "status": 0,
            "type": "ReviewableFlaggedPost",
            "topic_id": topic.id,
            "topic_url": f"{self.site_url}/t/{topic.slug}/{topic.id}",
            "target_url": f"{self.site_url}/t/{topic.slug}/{topic.id}/{post.post_number}",
            "category_id": topic.category_id,
            "created_at": iso(datetime.now(UTC)),
            "can_edit": False,
            "score": 6.0,
            "version": 0,
            "target_created_by_trust_level": self.users[post.user_id].trust_level,
            "created_by_id": flagger.id,
            "target_created_by_id": post.user_id,
            "post_id": post.id,
            "cooked": f"<p>{post.raw}</p>",
            "raw": post.raw,
            "reply_count": 0,
            "post_updated_at": iso(post.created_at),
            "post_version": 1,
            "reviewable_score_ids": [next(self._ids)],
            "bundled_action_ids": [],
            # ReviewableSerializer embeds these as objects ({id, type}); a flagged post has none a flagger may edit.
            "editable_fields": [],
        }
        return self.delivery("reviewable", "reviewable_created", payload)
