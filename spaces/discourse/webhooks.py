"""Discourse webhook deliveries: signature check, parsing, and the events Steward takes from them.

Discourse signs the raw body with the webhook's secret: `X-Discourse-Event-Signature: sha256=<hex HMAC-SHA256>`.
It signs no timestamp, so there is no freshness to check; and it does not sign its headers, so the delivery id
Steward refuses replays by is a hash of the signed body (a replayed body with a new `X-Discourse-Event-Id`
is still a replay), and the event type is taken from the body's single top-level key (`{"post": {...}}`).

Events Steward uses:
- `post_created`, `post_edited` → ContentEvent (author by id and username; addressed: the user replied to
  and everyone @mentioned). A small-action post (post_type 3: "closed the topic"-style notices, no one's
  words) is never content: a topic unlisted or listed again (`visible.disabled`, `visible.enabled`) by
  staff becomes a ModeratorActionEvent against the topic's owner (spaces.discourse.topics); closing and
  archiving are read from the staff action log instead.
- `reviewable_created` for a `ReviewableFlaggedPost` → ReportEvent: somebody flagged a post. The payload
  names people by id only (`created_by_id`, `target_created_by_id`), so their usernames are looked up
  through the API, best effort. Flags by the system user or by Steward's own account (its hides) are skipped.
- `post_destroyed` → ContentRemovedEvent (its screening item is marked) and, when staff deleted somebody
  else's post, a ModeratorActionEvent for the committee's review. The post serializer carries `deleted_by`
  for a staff viewer, and webhooks are serialised as the system user; a post its author withdrew has none.
  Deletions by Steward's own account are left out (its own enforcement).
- `ping` → no events. Everything else (topic, user, reviewable updates…) → no events. Suspensions and
  silences made on the forum are read from the staff action log instead (`moderation_log`): the
  `user_suspended` payload does not say who acted, so Steward could not tell its own from a moderator's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spaces.base import ContentEvent, ContentRemovedEvent, Event, Item, ModeratorActionEvent, NotConfigured, ReportEvent, WebhookRefused
from spaces.discourse.content import author_handles, item_from_post, mentions, parse_time, post_url
from spaces.discourse.topics import SMALL_ACTION, VISIBILITY_CODES, OwnerLookup, TopicOwner, topic_event

if TYPE_CHECKING:
    from django.http import HttpRequest

SIGNATURE_HEADER = "X-Discourse-Event-Signature"
TYPE_HEADER = "X-Discourse-Event-Type"
EVENT_HEADER = "X-Discourse-Event"
CONTENT_EVENTS = ("post_created", "post_edited")

# Looks a forum user up by id: (every handle they are known by, display name). Never raises.
UserLookup = Callable[[int], tuple[tuple[str, ...], str]]


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    event_type: str  # the body's top-level key: "post", "reviewable", "ping", "user"...
    event_name: str  # X-Discourse-Event: "post_created", "reviewable_created"...
    payload: Mapping[str, Any]


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(request: HttpRequest, secret: str) -> Delivery:
    """The signed, well-formed delivery; WebhookRefused for anything else. Changes nothing."""
    if not secret:
        raise NotConfigured("Steward has no webhook secret for this Discourse connection, so it cannot check deliveries.")
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not given:
        raise WebhookRefused(f"The delivery has no {SIGNATURE_HEADER} header; set a secret on the Discourse webhook.", status=401)
    body = request.body
    if not given.startswith("sha256=") or not hmac.compare_digest(given.encode(), signature(secret, body).encode()):
        raise WebhookRefused("The delivery's signature does not match the webhook secret.", status=401)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefused("The delivery's body is not valid JSON.") from None
    if not isinstance(data, dict) or len(data) != 1:
        raise WebhookRefused("The delivery's body is not a Discourse webhook payload (one top-level key expected).")
    event_type, payload = next(iter(data.items()))
    declared = request.headers.get(TYPE_HEADER, event_type)
    if declared != event_type:
        raise WebhookRefused(f"The delivery says it is a {declared!r} event but carries a {event_type!r} payload.")
    if event_type != "ping" and not isinstance(payload, dict):
        raise WebhookRefused(f"The {event_type!r} payload is not an object.")
    return Delivery(
        delivery_id="sha256:" + hashlib.sha256(body).hexdigest(),
        event_type=event_type,
        event_name=request.headers.get(EVENT_HEADER, event_type),
        payload=payload if isinstance(payload, dict) else {},
    )


def _report(reviewable: Mapping[str, Any], base_url: str, api_username: str, lookup: UserLookup) -> ReportEvent | None:
    if reviewable.get("type") != "ReviewableFlaggedPost" or not isinstance(reviewable.get("post_id"), int):
        return None
    flagger = reviewable.get("created_by_id")
    if not isinstance(flagger, int) or flagger < 0:
        return None  # the system user and bots (spam checks, watched words) are not people reporting
    reporter, reporter_name = lookup(flagger)
    if api_username.casefold() in reporter:
        return None  # Steward's own flag: that is how it hides a post
    author_id = reviewable.get("target_created_by_id")
    author = lookup(author_id)[0] if isinstance(author_id, int) else ()
    raw = str(reviewable.get("raw") or "")
    item = Item(
        external_id=str(reviewable["post_id"]),
        author=author,
        text=raw,
        url=str(reviewable.get("target_url") or f"{base_url}/p/{reviewable['post_id']}"),
        addressed=tuple(dict.fromkeys(handle for handle in mentions(raw) if handle not in author)),
        thread=str(reviewable.get("topic_id") or ""),
        kind="post",
    )
    return ReportEvent(reporter=reporter, item=item, reporter_name=reporter_name)


def _destroyed(post: Mapping[str, Any], base_url: str, api_username: str) -> tuple[Event, ...]:
    deleter = post.get("deleted_by") if isinstance(post.get("deleted_by"), Mapping) else {}
    by = author_handles(deleter.get("id"), deleter.get("username")) if deleter else ()
    at = parse_time(post.get("deleted_at"))
    gone: tuple[Event, ...] = (ContentRemovedEvent(str(post["id"]), by=by, at=at),)
    if not deleter or str(deleter.get("username", "")).casefold() == api_username.casefold():
        return gone  # withdrawn by its author (no deleted_by), or Steward's own deletion
    if deleter.get("id") == post.get("user_id"):
        return gone
    url = post_url(post, base_url)
    detail = f"{deleter.get('username', 'A moderator')} deleted {post.get('username', 'a user')}'s post {url}."
    moderated = ModeratorActionEvent(
        action="deleted",
        actor=by,
        subject=author_handles(post.get("user_id"), post.get("username")),
        detail=detail,
        at=at,
        targets=(url, f"{base_url}/p/{post['id']}", str(post["id"])),
    )
    return (*gone, moderated)


def _small_action(post: Mapping[str, Any], base_url: str, api_username: str, owner_of: OwnerLookup) -> tuple[Event, ...]:
    """A topic unlisted or listed again (spaces.discourse.topics); other small actions are no one's words."""
    action = VISIBILITY_CODES.get(str(post.get("action_code") or ""))
    if action is None or not isinstance(post.get("topic_id"), int):
        return ()
    actor = {"id": post.get("user_id"), "username": post.get("username")}
    event = topic_event(action, actor, post["topic_id"], parse_time(post.get("created_at")), base_url, api_username, owner_of)
    return (event,) if event is not None else ()


def events(
    delivery: Delivery, base_url: str, api_username: str, lookup: UserLookup, owner_of: OwnerLookup | None = None
) -> tuple[Event, ...]:
    post_id = delivery.payload.get("id")
    if delivery.event_type == "post" and delivery.event_name == "post_created" and delivery.payload.get("post_type") == SMALL_ACTION:
        return _small_action(delivery.payload, base_url, api_username, owner_of or _nobody(base_url))
    if delivery.event_type == "post" and delivery.event_name in CONTENT_EVENTS and isinstance(post_id, int):
        return (ContentEvent(item_from_post(delivery.payload, base_url)),)
    if delivery.event_type == "post" and delivery.event_name == "post_destroyed" and isinstance(delivery.payload.get("id"), int):
        return _destroyed(delivery.payload, base_url, api_username)
    if delivery.event_type == "reviewable" and delivery.event_name == "reviewable_created":
        report = _report(delivery.payload, base_url, api_username, lookup)
        return (report,) if report is not None else ()
    return ()


def _nobody(base_url: str) -> OwnerLookup:
    return lambda topic_id: TopicOwner((), "", f"{base_url}/t/{topic_id}")
