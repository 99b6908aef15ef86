"""Discourse: telling the author of a hidden or deleted post why, in a private message from Steward's account.

A Discourse moderator who hides or deletes a post tells its author the same way: a personal message
(`POST /posts.json` with `archetype: private_message` and `target_recipients`, in the published description).
Each message carries an `external_id` made of the action's key; Discourse keeps one topic per external id
(a second one is refused) and finds it again by that id (`GET /t/external_id/{external_id}.json`), so a notice
interrupted mid-way is looked up instead of sent twice (`Space.finds_notices`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from spaces.base import ActionRequest, PermanentFailure
from spaces.discourse.client import DiscourseClient, DiscourseRefused


def external_id(request: ActionRequest) -> str:
    """Discourse takes letters, digits, "_" and "-", 50 at most: 15 + the key's 32 hex digits."""
    return f"steward-notice-{request.key}"[:50]


def send_private_notice(client: DiscourseClient, author: str, request: ActionRequest, text: str) -> str:
    """The private message to `author`; returns its topic's id. Already sent (the external id is taken): that one."""
    try:
        post = client.create_private_message(author, _("About a moderation decision"), text, external_id(request))
    except DiscourseRefused as error:
        if error.status == 422 and "external" in error.said.lower():
            taken = client.topic_by_external_id(external_id(request))
            if taken is not None:
                return str(taken)
        raise
    return str(post.get("topic_id") or post.get("id"))


def find_private_notice(client: DiscourseClient, request: ActionRequest) -> str:
    found = client.topic_by_external_id(external_id(request))
    return "" if found is None else str(found)


def author_of(client: DiscourseClient, state: Mapping[str, Any]) -> str:
    """The username of the post's author: kept in the action's state when it was applied, else read again."""
    if state.get("username"):
        return str(state["username"])
    if not isinstance(state.get("post_id"), int):
        raise PermanentFailure("Steward does not know which post the action was about, so it cannot tell its author.")
    return str(client.post(int(state["post_id"]))["username"])
