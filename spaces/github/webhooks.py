"""GitHub webhook deliveries: signature check, then the events Steward cares about.

GitHub signs the raw body with the webhook's secret (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`)
and names each delivery (`X-GitHub-Delivery`, a GUID, the same on a redelivery). It signs no time
stamp, so freshness cannot be checked; replays are refused by delivery id instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

from django.http import HttpRequest

from spaces.base import ContentEvent, Event, Inbound, Item, ModeratorActionEvent, WebhookRefused
from spaces.github.items import comment_item, commit_item, discussion_item, issue_item, user_handles
from spaces.github.moderation import moderation_events

SIGNATURE_HEADER = "X-Hub-Signature-256"
COMMENT_ACTIONS = ("created", "edited")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise WebhookRefused(f"The delivery has no {SIGNATURE_HEADER} header: give the GitHub webhook the secret Steward has.", status=401)
    if not header.startswith("sha256="):
        raise WebhookRefused(f"The {SIGNATURE_HEADER} header is not a sha256= signature.", status=401)
    if not hmac.compare_digest(header.encode(), signature(secret, body).encode()):
        raise WebhookRefused(
            "The delivery's signature does not match: it was not signed with this connection's webhook secret.", status=401
        )


def _payload(request: HttpRequest, body: bytes) -> dict[str, Any]:
    raw: bytes | str = body
    if (request.content_type or "") == "application/x-www-form-urlencoded":
        # A webhook set to "application/x-www-form-urlencoded" sends the JSON in a `payload` field.
        raw = (parse_qs(body.decode("utf-8", "replace")).get("payload") or [""])[0]
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefused("The delivery's body is not JSON.") from None
    if not isinstance(payload, dict):
        raise WebhookRefused("The delivery's body is not a JSON object.")
    return payload


def parse(request: HttpRequest, secret: str) -> Inbound:
    body = request.body
    check_signature(secret, body, request.headers.get(SIGNATURE_HEADER))
    event = request.headers.get("X-GitHub-Event", "")
    if not event:
        raise WebhookRefused("The delivery has no X-GitHub-Event header.")
    payload = _payload(request, body)
    delivery = request.headers.get("X-GitHub-Delivery", "") or "sha256:" + hashlib.sha256(body).hexdigest()
    try:
        events = tuple(_events(event, payload))
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise WebhookRefused(f"The {event} delivery lacks what GitHub always sends ({type(error).__name__}: {error}).") from None
    return Inbound(delivery_id=delivery, events=events)


# --- Events ------------------------------------------------------------------------------------------


def _issue_comment(payload: Mapping[str, Any]) -> Item:
    comment, issue = payload["comment"], payload["issue"]
    return comment_item(
        "issue_comment",
        comment["id"],
        comment["user"],
        comment["body"],
        comment["html_url"],
        comment["created_at"],
        thread_author=(issue.get("user") or {}).get("login"),
        thread_url=issue["html_url"],
    )


def _review_comment(payload: Mapping[str, Any]) -> Item:
    comment, pull = payload["comment"], payload["pull_request"]
    return comment_item(
        "review_comment",
        comment["id"],
        comment["user"],
        comment["body"],
        comment["html_url"],
        comment["created_at"],
        thread_author=(pull.get("user") or {}).get("login"),
        thread_url=pull["html_url"],
    )


def _review(payload: Mapping[str, Any]) -> Item:
    review, pull = payload["review"], payload["pull_request"]
    return comment_item(
        "review",
        review["id"],
        review["user"],
        review.get("body"),
        review["html_url"],
        review.get("submitted_at"),
        thread_author=(pull.get("user") or {}).get("login"),
        thread_url=pull["html_url"],
    )


def _discussion_comment(payload: Mapping[str, Any]) -> Item:
    comment, discussion = payload["comment"], payload["discussion"]
    return comment_item(
        "discussion_comment",
        comment["id"],
        comment["user"],
        comment["body"],
        comment["html_url"],
        comment["created_at"],
        thread_author=(discussion.get("user") or {}).get("login"),
        thread_url=discussion["html_url"],
    )


def _commit_comment(payload: Mapping[str, Any]) -> Item:
    comment = payload["comment"]
    return comment_item("commit_comment", comment["id"], comment["user"], comment["body"], comment["html_url"], comment["created_at"])


def _opening_post(key: str) -> Callable[[Mapping[str, Any]], Item]:
    """The opening post of the `issues` (key "issue") or `pull_request` (key "pull_request") event's thread."""

    def make(payload: Mapping[str, Any]) -> Item:
        thread, repository = payload[key], payload["repository"]["full_name"]
        title, body = thread["title"], thread.get("body")
        return issue_item(repository, thread["number"], thread["user"], title, body, thread["html_url"], thread["created_at"])

    return make


def _discussion(payload: Mapping[str, Any]) -> Item:
    thread, repository = payload["discussion"], payload["repository"]["full_name"]
    return discussion_item(
        repository, thread["number"], thread["user"], thread["title"], thread.get("body"), thread["html_url"], thread["created_at"]
    )


def _pushed_commits(payload: Mapping[str, Any]) -> list[Item]:
    """The messages of a push's commits (GitHub sends at most 20 per delivery; the poll reads the rest)."""
    return [
        commit_item(commit["id"], (commit.get("author") or {}).get("username"), None, commit["message"], commit["url"], commit["timestamp"])
        for commit in payload["commits"]
        if commit.get("distinct", True)  # a commit already pushed to another branch came before
    ]


OPENED = ("opened", "edited", "reopened")
CONTENT: dict[str, tuple[tuple[str, ...], Callable[[Mapping[str, Any]], Item]]] = {
    "issues": (OPENED, _opening_post("issue")),
    "pull_request": (OPENED, _opening_post("pull_request")),
    "issue_comment": (COMMENT_ACTIONS, _issue_comment),
    "pull_request_review_comment": (COMMENT_ACTIONS, _review_comment),
    "pull_request_review": (("submitted", "edited"), _review),
    "discussion": (COMMENT_ACTIONS, _discussion),  # a discussion is "created", not "opened"
    "discussion_comment": (COMMENT_ACTIONS, _discussion_comment),
    "commit_comment": (("created",), _commit_comment),
}


def _events(event: str, payload: Mapping[str, Any]) -> list[Event]:
    action = str(payload.get("action") or "")
    if moderated := moderation_events(event, action, payload):
        return moderated  # locks, removals, dismissed reviews, deletions (spaces.github.moderation)
    if event in CONTENT:
        actions, make = CONTENT[event]
        return [ContentEvent(make(payload))] if action in actions else []
    if event == "push":
        return [ContentEvent(item) for item in _pushed_commits(payload)]
    if event == "org_block" and action in ("blocked", "unblocked"):
        sender, blocked = payload["sender"], payload["blocked_user"]
        organisation = (payload.get("organization") or {}).get("login", "")
        return [
            ModeratorActionEvent(
                action=action,
                actor=user_handles(sender),
                subject=user_handles(blocked),
                detail=f"{sender['login']} {action} {blocked['login']} in the GitHub organisation {organisation}.",
            )
        ]
    return []  # ping, and everything Steward does not act on
