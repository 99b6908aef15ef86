"""Slack message objects (from conversations.history, the Events API or a shortcut payload) as Steward `Item`s."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from spaces.base import Item
from spaces.slack.subjects import permalink

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# Messages people wrote, by Slack's published list of message subtypes (docs.slack.dev/reference/events/message):
# plain ones; `thread_broadcast`, a thread reply "also sent to the channel"; `file_share`, a file or picture with
# its caption in `text`; `me_message`, a /me line. Every other subtype is Slack's or an app's doing: `bot_message`,
# joins and leaves (`channel_join`, `group_leave`...), renames, topic and purpose changes, archiving, pins,
# `reminder_add`, `tombstone`, `message_deleted`, `message_replied`; `message_changed` wraps the edited message,
# which is judged by its own subtype.
PEOPLES_SUBTYPES = frozenset({"", "thread_broadcast", "file_share", "me_message"})


def written_by_a_person(message: Mapping[str, Any]) -> bool:
    return str(message.get("subtype") or "") in PEOPLES_SUBTYPES and bool(message.get("user")) and not message.get("bot_id")


def author_handles(message: Mapping[str, Any]) -> tuple[str, ...]:
    """The user id, and the user name when Slack includes the author's profile; casefolded like identity handles."""
    handles = [str(message.get("user", ""))]
    profile = message.get("user_profile")
    if isinstance(profile, Mapping) and profile.get("name"):
        handles.append(str(profile["name"]))
    return tuple(dict.fromkeys(handle.casefold() for handle in handles if handle))


def addressed_handles(message: Mapping[str, Any], author: tuple[str, ...]) -> tuple[str, ...]:
    """Whom the message replies to (the thread's starter) and everyone it mentions, without the author."""
    people = [str(message.get("parent_user_id") or "")]
    root = message.get("root")
    if isinstance(root, Mapping):  # a thread_broadcast carries its thread's first message
        people.append(str(root.get("user") or ""))
    people += MENTION.findall(str(message.get("text") or ""))
    return tuple(dict.fromkeys(handle.casefold() for handle in people if handle and handle.casefold() not in author))


def created_at(ts: str) -> datetime:
    """A Slack ts ("1700000000.000100") is seconds and microseconds; parsed as text so no float rounding creeps in."""
    seconds, _, fraction = ts.partition(".")
    return datetime.fromtimestamp(int(seconds), tz=UTC).replace(microsecond=int(fraction[:6].ljust(6, "0") or 0))


def item(message: Mapping[str, Any], channel: str, workspace_url: str = "") -> Item:
    ts = str(message.get("ts", ""))
    thread_ts = str(message.get("thread_ts") or "")
    author = author_handles(message)
    created = created_at(ts) if ts else None
    return Item(
        external_id=f"{channel}/{ts}",
        author=author,
        text=str(message.get("text") or ""),
        url=permalink(workspace_url, channel, ts, thread_ts),
        created_at=created,
        addressed=addressed_handles(message, author),
        thread=channel,
        kind="message",
    )
