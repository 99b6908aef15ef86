"""The bodies FakeDiscourse answers with, built from Discourse's published OpenAPI description.

Each success body starts as the smallest instance of the documented response schema (every required field,
neutral values) with the fake's state laid over it, so the fake answers in the documented shape by
construction and `spaces.contracts.check_response` proves it.

Where the published description is narrower than Discourse itself, the gap is named here and nowhere else
(`as_published`): it was recorded from an unpenalised user and from posts that reply to no one, and marks
those objects `additionalProperties: false`; real Discourse adds `suspended_till`, `silenced_till`… to the
admin view of a penalised user (AdminUserListSerializer's `include_suspended_till?`) and `reply_to_user` to
a reply. The fake sends them, and validates the rest of the body against the description.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from spaces.contracts import ContractError, openapi, operation

SYSTEM_ID = -1
SMALL_ACTION = 3  # Post.types[:small_action]: "closed the topic"-style notices


@dataclass
class ForumUser:
    id: int
    username: str
    name: str = ""
    admin: bool = False
    moderator: bool = False
    trust_level: int = 1
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    suspended_at: datetime | None = None
    suspended_till: datetime | None = None
    suspend_reason: str = ""
    suspended_by: int | None = None
    silenced_at: datetime | None = None
    silenced_till: datetime | None = None
    silence_reason: str = ""
    silenced_by: int | None = None

    def suspended(self) -> bool:
        return self.suspended_till is not None and self.suspended_till > datetime.now(UTC)

    def silenced(self) -> bool:
        return self.silenced_till is not None and self.silenced_till > datetime.now(UTC)


@dataclass
class ForumTopic:
    id: int
    title: str
    slug: str
    user_id: int
    category_id: int = 1
    archetype: str = "regular"
    closed: bool = False
    archived: bool = False
    visible: bool = True  # False: unlisted
    external_id: str | None = None  # a remote system's name for the topic (Steward's notices), unique
    recipients: tuple[int, ...] = ()  # a private message's people, sender included
    deleted_at: datetime | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class ForumRevision:
    """One edit of a post: Discourse numbers them from 2 (version 1 is the post as first written)."""

    number: int
    user_id: int
    before: str
    after: str
    edit_reason: str = ""
    hidden: bool = False
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class ForumPost:
    id: int
    topic_id: int
    post_number: int
    user_id: int
    raw: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    reply_to_post_number: int | None = None
    hidden: bool = False
    deleted_at: datetime | None = None
    post_type: int = 1
    action_code: str | None = None  # a small action's ("closed.enabled", "visible.disabled"...)
    wiki: bool = False
    revisions: list[ForumRevision] = field(default_factory=list)

    @property
    def version(self) -> int:
        return 1 + len(self.revisions)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def template_for(method: str, path: str) -> str:
    """The published path template a concrete path answers to (the most literal one, as contracts.operation picks)."""
    paths = openapi("discourse")["paths"]
    for template in sorted(paths, key=lambda item: item.count("{")):
        parts = re.split(r"(\{[^}]+\})", template)
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
        if re.fullmatch(pattern, path) and method.lower() in paths[template]:
            return template
    raise ContractError(f"discourse: no operation {method} {path} in the published description")


def response_schema(method: str, path: str, status: int = 200) -> dict[str, Any]:
    response = operation("discourse", method, path)["responses"][str(status)]
    return dict(response["content"]["application/json"]["schema"])


def skeleton(schema: Mapping[str, Any]) -> Any:
    """The smallest instance of a schema: every required property, with a neutral value of its type."""
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "null" in kinds:
        return None
    if schema.get("enum"):
        return schema["enum"][0]
    if "object" in kinds or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: skeleton(properties.get(name, {})) for name in schema.get("required", [])}
    return {"array": [], "string": "", "integer": 0, "number": 0, "boolean": False}.get(str(kinds[0]))


def merged(base: Any, extra: Mapping[str, Any]) -> Any:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            merged(base[key], value)
        else:
            base[key] = value
    return base


def shaped(method: str, path: str, overlay: Mapping[str, Any], status: int = 200) -> dict[str, Any]:
    return dict(merged(skeleton(response_schema(method, path, status)), overlay))


# The gaps between the published description and Discourse, by the request they answer (see the module doc).
_PENALTY_FIELDS = ("suspended_at", "suspended_till", "silenced", "silenced_till")


def as_published(method: str, template: str, body: Any) -> Any:
    """The body with what Discourse adds beyond its published description taken out, for validation."""
    if (method, template) == ("GET", "/admin/users/{id}.json") and isinstance(body, dict):
        body = {key: value for key, value in body.items() if key not in _PENALTY_FIELDS}
        for key in ("suspended_by", "silenced_by"):
            if isinstance(body.get(key), dict):
                body[key] = None  # described as a string or null; Discourse embeds the acting user
    if (method, template) == ("GET", "/posts.json") and isinstance(body, dict):
        body = {**body, "latest_posts": [{k: v for k, v in post.items() if k != "reply_to_user"} for post in body.get("latest_posts", [])]}
    return body


# JSON of the fake's objects ---------------------------------------------------------------------


def avatar(user: ForumUser) -> str:
    return f"/letter_avatar_proxy/v4/letter/{user.username[:1].lower()}/8e7dd6/{{size}}.png"


def basic_user(user: ForumUser) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "name": user.name, "avatar_template": avatar(user)}


def admin_user(user: ForumUser, users: Mapping[int, ForumUser]) -> dict[str, Any]:
    overlay: dict[str, Any] = {
        **basic_user(user),
        "active": True,
        "admin": user.admin,
        "moderator": user.moderator,
        "trust_level": user.trust_level,
        "created_at": iso(user.created_at),
        "full_suspend_reason": user.suspend_reason or None,
        "silence_reason": user.silence_reason or None,
        "full_silence_reason": user.silence_reason or None,
        "can_impersonate": True,
    }
    # Discourse includes these only while they apply (suspended) or are set (silenced_till), as here.
    if user.suspended():
        overlay.update(suspended_at=iso(user.suspended_at), suspended_till=iso(user.suspended_till))
        if user.suspended_by is not None and user.suspended_by in users:
            overlay["suspended_by"] = basic_user(users[user.suspended_by])
    if user.silenced_till is not None:
        overlay["silenced_till"] = iso(user.silenced_till)
        if user.silenced():
            overlay["silenced"] = True
            if user.silenced_by is not None and user.silenced_by in users:
                overlay["silenced_by"] = basic_user(users[user.silenced_by])
    return shaped("GET", "/admin/users/0.json", overlay)


def public_user(user: ForumUser) -> dict[str, Any]:
    overlay = {
        "user": {
            **basic_user(user),
            "created_at": iso(user.created_at),
            "trust_level": user.trust_level,
            "moderator": user.moderator,
            "admin": user.admin,
        }
    }
    return shaped("GET", "/u/x.json", overlay)


def post_fields(post: ForumPost, topic: ForumTopic, author: ForumUser, replied_to: ForumUser | None) -> dict[str, Any]:
    """What every serialisation of a post says about it (PostSerializer)."""
    fields: dict[str, Any] = {
        "id": post.id,
        "name": author.name,
        "username": author.username,
        "display_username": author.name,
        "avatar_template": avatar(author),
        "created_at": iso(post.created_at),
        "updated_at": iso(post.created_at),
        "cooked": f"<p>{post.raw}</p>",
        "raw": post.raw,
        "post_number": post.post_number,
        "post_type": post.post_type,
        # The published description has this as a string or null (Discourse sends the number).
        "reply_to_post_number": None if post.reply_to_post_number is None else str(post.reply_to_post_number),
        "topic_id": topic.id,
        "topic_slug": topic.slug,
        "user_id": author.id,
        "hidden": post.hidden,
        "deleted_at": iso(post.deleted_at),
        "moderator": author.moderator,
        "admin": author.admin,
        "staff": author.admin or author.moderator,
        "trust_level": author.trust_level,
        "version": post.version,
        "wiki": post.wiki,
        "can_edit": True,
        "can_delete": post.deleted_at is None,
        "can_recover": post.deleted_at is not None,
        "post_url": f"/t/{topic.slug}/{topic.id}/{post.post_number}",
    }
    if post.action_code:
        fields["action_code"] = post.action_code  # PostSerializer#include_action_code?: small actions only
    if replied_to is not None:
        # PostSerializer#reply_to_user names the person without their id.
        fields["reply_to_user"] = {
            "username": replied_to.username,
            "name": replied_to.name,
            "avatar_template": avatar(replied_to),
        }
    return fields


def single_post(post: ForumPost, topic: ForumTopic, author: ForumUser, replied_to: ForumUser | None) -> dict[str, Any]:
    return shaped("GET", "/posts/0.json", post_fields(post, topic, author, replied_to))


def acted_post(post: ForumPost, topic: ForumTopic, author: ForumUser, replied_to: ForumUser | None) -> dict[str, Any]:
    """The answer to POST /post_actions.json: the post as it is after the action."""
    return shaped("POST", "/post_actions.json", post_fields(post, topic, author, replied_to))


def latest_post(post: ForumPost, topic: ForumTopic, author: ForumUser, replied_to: ForumUser | None) -> dict[str, Any]:
    item_schema = response_schema("GET", "/posts.json")["properties"]["latest_posts"]["items"]
    fields = post_fields(post, topic, author, replied_to)
    fields.update(topic_title=topic.title, topic_html_title=topic.title, category_id=topic.category_id, excerpt=post.raw[:100])
    return dict(merged(skeleton(item_schema), fields))


def topic_view(topic: ForumTopic, posts_count: int, highest: int, created_by: ForumUser | None = None) -> dict[str, Any]:
    overlay: dict[str, Any] = {
        "id": topic.id,
        "title": topic.title,
        "fancy_title": topic.title,
        "slug": topic.slug,
        "closed": topic.closed,
        "archived": topic.archived,
        "visible": topic.visible,
        "archetype": topic.archetype,
        "category_id": topic.category_id,
        "user_id": topic.user_id,
        "created_at": iso(topic.created_at),
        "deleted_at": iso(topic.deleted_at),
        "posts_count": posts_count,
        "highest_post_number": highest,
        "draft_key": f"topic_{topic.id}",
    }
    if created_by is not None:
        overlay["details"] = {"created_by": basic_user(created_by)}
    return shaped("GET", f"/t/{topic.id}.json", overlay)


def revision(post: ForumPost, rev: ForumRevision, editor: ForumUser) -> dict[str, Any]:
    """GET /posts/{id}/revisions/{n}.json as PostRevisionSerializer renders it to staff (unpublished in the description):
    `previous_hidden` is revision n's own hidden flag, `current_hidden` the next one's (or the post's, for the last)."""
    numbers = [item.number for item in post.revisions]
    later = [item for item in post.revisions if item.number > rev.number]
    return {
        "created_at": iso(rev.created_at),
        "post_id": post.id,
        "previous_hidden": rev.hidden,
        "current_hidden": later[0].hidden if later else post.hidden,
        "first_revision": numbers[0],
        "previous_revision": max((n for n in numbers if n < rev.number), default=None),
        "current_revision": rev.number,
        "next_revision": later[0].number if later else None,
        "last_revision": numbers[-1],
        "current_version": numbers.index(rev.number) + 2,
        "version_count": len(numbers) + 1,
        "username": editor.username.lower(),
        "display_username": editor.username,
        "avatar_template": avatar(editor),
        "edit_reason": rev.edit_reason or None,
        "body_changes": {
            "inline": f"<div class='inline-diff'><del>{rev.before}</del><ins>{rev.after}</ins></div>",
            "side_by_side": f"<div class='revision-content'>{rev.before}</div><div class='revision-content'>{rev.after}</div>",
            "side_by_side_markdown": f"<table class='markdown'><tr><td>{rev.before}</td><td>{rev.after}</td></tr></table>",
        },
        "title_changes": None,
        "wiki": post.wiki,
        "can_edit": True,
    }
