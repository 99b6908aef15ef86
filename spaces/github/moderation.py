"""Moderation done by hand on GitHub, read from webhook deliveries (REQUIREMENTS 8.6).

Each delivery's `sender` is who acted. What Steward reads:
- `issues`, `pull_request`, `discussion` `locked` / `unlocked` → a lock on the thread; the subject is its author.
- `member` `removed` → a repository collaborator removed; `organization` `member_removed` → a member removed.
- `pull_request_review` `dismissed` → a review dismissed; the subject is the review's author.
- `issue_comment`, `pull_request_review_comment`, `discussion_comment` `deleted`, and `issues` / `discussion`
  `deleted` → the content is gone (its screening item is marked) and, when the sender is not its author, a
  moderator deleted it.
Actions Steward's executor made itself come back here too; enforcement.moderation recognises and skips them
by subject or by `targets` (the thread's or comment's URL and ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spaces.base import ContentRemovedEvent, Event, ModeratorActionEvent
from spaces.github.items import parse_time, user_handles

THREADS = {"issues": "issue", "pull_request": "pull_request", "discussion": "discussion"}
COMMENTS = {"issue_comment": "issue_comment", "pull_request_review_comment": "review_comment", "discussion_comment": "discussion_comment"}


def _login(user: Mapping[str, Any] | None) -> str:
    return str((user or {}).get("login") or "someone")


def _thread_targets(payload: Mapping[str, Any], thread: Mapping[str, Any]) -> tuple[str, ...]:
    repository = str(payload["repository"]["full_name"])
    return (str(thread["html_url"]), f"{repository}#{thread['number']}", str(thread.get("node_id") or ""))


def _lock(event: str, action: str, payload: Mapping[str, Any]) -> ModeratorActionEvent:
    thread, sender = payload[THREADS[event]], payload["sender"]
    reason = thread.get("active_lock_reason") or ""
    kind = {"issues": "issue", "pull_request": "pull request", "discussion": "discussion"}[event]
    detail = f"{_login(sender)} {action} the {kind} {thread['html_url']}" + (f" (reason: {reason})." if reason else ".")
    return ModeratorActionEvent(
        action=action,  # "locked" / "unlocked"
        actor=user_handles(sender),
        subject=user_handles(thread.get("user")),
        detail=detail,
        at=parse_time(thread.get("updated_at")),
        targets=_thread_targets(payload, thread),
    )


def _removed(user: Mapping[str, Any], sender: Mapping[str, Any], where: str) -> ModeratorActionEvent:
    return ModeratorActionEvent(
        action="removed",
        actor=user_handles(sender),
        subject=user_handles(user),
        detail=f"{_login(sender)} removed {_login(user)} from {where}.",
    )


def _dismissed(payload: Mapping[str, Any]) -> ModeratorActionEvent:
    review, pull, sender = payload["review"], payload["pull_request"], payload["sender"]
    return ModeratorActionEvent(
        action="review-dismissed",
        actor=user_handles(sender),
        subject=user_handles(review.get("user")),
        detail=f"{_login(sender)} dismissed {_login(review.get('user'))}'s review on {pull['html_url']}.",
        targets=(str(review.get("html_url") or ""), f"review:{review['id']}"),
    )


def _deleted(external_id: str, author: Mapping[str, Any] | None, url: str, payload: Mapping[str, Any], what: str) -> list[Event]:
    """The content is gone; a moderator action too when somebody other than its author deleted it."""
    sender = payload["sender"]
    gone: list[Event] = [ContentRemovedEvent(external_id, by=user_handles(sender))]
    if author and str(author.get("id")) != str(sender.get("id")):
        gone.append(
            ModeratorActionEvent(
                action="deleted",
                actor=user_handles(sender),
                subject=user_handles(author),
                detail=f"{_login(sender)} deleted {_login(author)}'s {what} {url}.",
                targets=(url, external_id),
            )
        )
    return gone


def moderation_events(event: str, action: str, payload: Mapping[str, Any]) -> list[Event]:
    """The moderation in one delivery; [] for everything else."""
    if event in THREADS and action in ("locked", "unlocked"):
        return [_lock(event, action, payload)]
    if event == "member" and action == "removed":
        return [_removed(payload["member"], payload["sender"], f"the repository {payload['repository']['full_name']}")]
    if event == "organization" and action == "member_removed":
        organisation = (payload.get("organization") or {}).get("login", "")
        return [_removed(payload["membership"]["user"], payload["sender"], f"the GitHub organisation {organisation}")]
    if event == "pull_request_review" and action == "dismissed":
        return [_dismissed(payload)]
    if event in COMMENTS and action == "deleted":
        comment = payload["comment"]
        return _deleted(f"{COMMENTS[event]}:{comment['id']}", comment.get("user"), str(comment["html_url"]), payload, "comment")
    if event == "issues" and action == "deleted":
        issue = payload["issue"]
        external_id = f"issue:{str(payload['repository']['full_name']).casefold()}#{issue['number']}"
        return _deleted(external_id, issue.get("user"), str(issue["html_url"]), payload, "issue")
    if event == "discussion" and action == "deleted":
        discussion = payload["discussion"]
        # The same id its opening post was read under (items.discussion_item): repository and number.
        external_id = f"discussion:{str(payload['repository']['full_name']).casefold()}#{discussion['number']}"
        return _deleted(external_id, discussion.get("user"), str(discussion["html_url"]), payload, "discussion")
    return []
