"""Discord messages as Steward sees them: message links to (channel, message) and message objects to Items."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from spaces.base import Item, PermanentFailure

# What a steward pastes: a "Copy Message Link" URL (any of Discord's hosts) or `<channel>/<message>`.
_LINK = re.compile(r"^https?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/channels/(?P<guild>\d+|@me)/(?P<channel>\d+)/(?P<message>\d+)/?$")
_SHORT = re.compile(r"^(?P<channel>\d+)/(?P<message>\d+)$")
# A person's handle reaches us casefolded; Discord ids are digits, and people sometimes paste a mention.
_USER = re.compile(r"^<?@?!?(?P<id>\d{1,20})>?$")

# Message types that are something a person wrote (DEFAULT and REPLY); the rest are joins, pins, boosts...
WRITTEN_TYPES = (0, 19)


def message_ref(subject: str, guild: str) -> tuple[str, str]:
    """(channel id, message id) from a message link or `<channel>/<message>`; a link to another server is refused."""
    subject = subject.strip()
    match = _LINK.match(subject) or _SHORT.match(subject)
    if match is None:
        raise PermanentFailure(
            f"{subject!r} is not a Discord message: use the message link (https://discord.com/channels/<server>/<channel>/<message>)."
        )
    other_guild = match.groupdict().get("guild")
    if other_guild is not None and other_guild != guild:
        raise PermanentFailure(f"That message is not in the connected Discord server ({guild}), so Steward will not act on it.")
    return match["channel"], match["message"]


def user_id(subject: str) -> str:
    match = _USER.match(subject.strip())
    if match is None:
        raise PermanentFailure(
            f"{subject!r} is not a Discord user id: Steward needs the person's numeric id (Developer Mode, Copy User ID)."
        )
    return match["id"]


def message_link(guild: str, channel: str, message: str) -> str:
    return f"https://discord.com/channels/{guild}/{channel}/{message}"


def user_handles(user: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Every handle a Discord user is known by: the id and the (unique, lower-case) username, casefolded."""
    if not user:
        return ()
    handles = [str(user.get("id", "")), str(user.get("username", ""))]
    return tuple(dict.fromkeys(handle.casefold() for handle in handles if handle))


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def message_item(message: Mapping[str, Any], guild: str) -> Item:
    """An Item for a message; `addressed` holds whom it replies to and everyone it mentions (no-contact checks)."""
    channel, message_id = str(message["channel_id"]), str(message["id"])
    addressed: list[str] = []
    referenced = message.get("referenced_message")
    if isinstance(referenced, Mapping):
        addressed.extend(user_handles(referenced.get("author")))
    for mentioned in message.get("mentions") or ():
        addressed.extend(user_handles(mentioned))
    author = user_handles(message.get("author"))
    return Item(
        external_id=f"{channel}/{message_id}",
        author=author,
        text=str(message.get("content") or ""),
        url=message_link(guild, channel, message_id),
        created_at=_parse_time(message.get("timestamp")),
        addressed=tuple(handle for handle in dict.fromkeys(addressed) if handle not in author),
        thread=channel,
        kind="message",
    )
