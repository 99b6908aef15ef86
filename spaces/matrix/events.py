"""Matrix room events as Steward's: a message as an Item, its edits and redactions, and moderation done by hand.

Pure functions of the events (and of a lookup for the events they point at); `reading.py` fetches, this module reads.
Handles are Matrix user ids normalised as identities are (people.models.normalise_handle: no leading "@",
casefolded), so "@Alice:example.org" in an event matches an identity entered as "alice:example.org".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, unquote

from people.models import Space, normalise_handle
from spaces.base import ContentEvent, ContentRemovedEvent, Event, Item, ModeratorActionEvent
from spaces.matrix.power import Powers

MatrixEvent = Mapping[str, Any]
Lookup = Callable[[str, str], MatrixEvent | None]  # (room, event id) -> the event, or None where it cannot be read

# Messages people write: text, /me lines and media with their captions. m.notice is for bots by the specification
# (https://spec.matrix.org/v1.15/client-server-api/#mnotice) and is not read.
PEOPLES_MSGTYPES = frozenset({"m.text", "m.emote", "m.image", "m.file", "m.video", "m.audio", "m.location"})
# A user id as a matrix.to link in a formatted body (how clients mentioned people before m.mentions).
LINKED_USER = re.compile(r"https://matrix\.to/#/(@[^\"'?/\s>]+)")
REPLY_FALLBACK = re.compile(r"<mx-reply>.*?</mx-reply>", re.DOTALL)


def handle(user_id: str) -> str:
    return normalise_handle(Space.MATRIX, user_id)


def handles(*user_ids: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(handle(user) for user in user_ids if user))


def server_of(user_id: str) -> str:
    return user_id.partition(":")[2]


def permalink(room: str, event_id: str, via: str = "") -> str:
    """The matrix.to link to an event, as clients' "Share" / "Copy link" make it."""
    link = f"https://matrix.to/#/{quote(room, safe='!:')}/{quote(event_id, safe='$:')}"
    return f"{link}?via={quote(via, safe='')}" if via else link


# matrix.to links, and the same path in a client's own permalinks (Element's https://app.element.io/#/room/...).
PERMALINK = re.compile(r"#/(?:room/)?([!#][^/?\s]+)/(\$[^?\s/]+)")


def permalinks(text: str) -> list[tuple[str, str]]:
    """Every (room id or alias, event id) a text links to, in order."""
    return [(unquote(room), unquote(event)) for room, event in PERMALINK.findall(text)]


def created_at(event: MatrixEvent) -> datetime | None:
    stamp = event.get("origin_server_ts")
    return datetime.fromtimestamp(stamp / 1000, tz=UTC) if isinstance(stamp, int) else None


def relation(content: Mapping[str, Any]) -> Mapping[str, Any]:
    relates = content.get("m.relates_to")
    return relates if isinstance(relates, Mapping) else {}


def replaces(content: Mapping[str, Any]) -> str:
    """The event an edit replaces, or "" for a message that is not an edit."""
    relates = relation(content)
    return str(relates.get("event_id") or "") if relates.get("rel_type") == "m.replace" else ""


def replies_to(content: Mapping[str, Any]) -> str:
    reply = relation(content).get("m.in_reply_to")
    return str(reply.get("event_id") or "") if isinstance(reply, Mapping) else ""


class _Text(HTMLParser):
    BREAKS = frozenset({"br", "p", "div", "li", "blockquote", "pre", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(formatted: str) -> str:
    parser = _Text()
    parser.feed(REPLY_FALLBACK.sub("", formatted))
    parser.close()
    lines = [line.rstrip() for line in "".join(parser.parts).splitlines()]
    return unescape("\n".join(lines)).strip()


def plain_text(content: Mapping[str, Any]) -> str:
    """What the message says, as text: the HTML body reduced to text where there is one (what people saw), else the
    plain body; without the quoted reply older clients put before a reply's own words."""
    if content.get("format") == "org.matrix.custom.html" and isinstance(content.get("formatted_body"), str):
        text = html_text(content["formatted_body"])
        if text:
            return text
    body = str(content.get("body") or "")
    if replies_to(content) and body.startswith("> "):
        lines = body.splitlines()
        while lines and lines[0].startswith(">"):
            lines.pop(0)
        body = "\n".join(lines)
    return body.strip()


def mentioned(content: Mapping[str, Any]) -> list[str]:
    """The user ids a message mentions: m.mentions, and the user links in its HTML body (older clients)."""
    users = []
    mentions = content.get("m.mentions")
    if isinstance(mentions, Mapping):
        users += [str(user) for user in mentions.get("user_ids") or () if isinstance(user, str)]
    users += LINKED_USER.findall(unquote(str(content.get("formatted_body") or "")))
    return users


def is_message(event: MatrixEvent) -> bool:
    content = event.get("content") or {}
    return event.get("type") == "m.room.message" and content.get("msgtype") in PEOPLES_MSGTYPES and "sender" in event


def message_item(event: MatrixEvent, room: str, lookup: Lookup, *, via: str = "", edit: MatrixEvent | None = None) -> Item:
    """The message `event` as an Item; with `edit`, as that edit left it (same id, the new text and mentions)."""
    content = event.get("content") or {}
    new_content = (edit or {}).get("content", {}).get("m.new_content") if edit is not None else None
    shown = new_content if isinstance(new_content, Mapping) else content
    sender = str(event["sender"])
    addressed = mentioned(shown)
    target = replies_to(content)
    replied = lookup(room, target) if target else None
    if replied is not None and replied.get("sender"):
        addressed.insert(0, str(replied["sender"]))
    author = handles(sender)
    text = plain_text(shown)
    if content.get("msgtype") == "m.emote":
        text = f"* {sender} {text}"
    return Item(
        external_id=str(event["event_id"]),
        author=author,
        text=text,
        url=permalink(room, str(event["event_id"]), via),
        created_at=created_at(event),
        addressed=tuple(item for item in handles(*addressed) if item not in author),
        thread=room,
        kind="message",
    )


def content_event(event: MatrixEvent, room: str, lookup: Lookup, *, via: str = "") -> ContentEvent | None:
    """A message, or an edit as the edited message with its new text (as Slack's and Discourse's edits come: the
    original's id, so screening replaces the text it holds). An edit by anyone but the author is no edit (clients
    ignore it too): it is not read, so nobody can put words in another's mouth."""
    if not is_message(event):
        return None
    original_id = replaces(event.get("content") or {})
    if not original_id:
        return ContentEvent(message_item(event, room, lookup, via=via))
    original = lookup(room, original_id)
    if original is None or original.get("sender") != event.get("sender") or not is_message(original):
        return None
    return ContentEvent(message_item(original, room, lookup, via=via, edit=event))


def redacted_id(event: MatrixEvent) -> str:
    """The event a redaction removes: `content.redacts` from room version 11, the top-level `redacts` before."""
    return str((event.get("content") or {}).get("redacts") or event.get("redacts") or "")


def redaction_events(event: MatrixEvent, room: str, lookup: Lookup, bot: str, *, via: str = "") -> list[Event]:
    """A redaction: the content is gone (screening marks its copy); removed by someone other than its author and other
    than Steward's bot, it is also a moderator's deletion for the committee to review, as Discord's are."""
    target = redacted_id(event)
    if not target:
        return []
    redactor = str(event.get("sender") or "")
    at = created_at(event)
    found: list[Event] = [ContentRemovedEvent(target, by=handles(redactor), at=at)]
    original = lookup(room, target)
    author = str((original or {}).get("sender") or "")
    if author and redactor not in (author, bot):
        reason = str((event.get("content") or {}).get("reason") or "")
        link = permalink(room, target, via)
        found.append(
            ModeratorActionEvent(
                action="message deleted",
                actor=handles(redactor),
                subject=handles(author),
                detail="; ".join(part for part in (f"{redactor} redacted a message by {author} in {room} ({link})", reason) if part),
                at=at,
                targets=(link, target),
            )
        )
    return found


def _previous(event: MatrixEvent) -> Mapping[str, Any]:
    unsigned = event.get("unsigned") or {}
    previous = unsigned.get("prev_content") or event.get("prev_content") or {}
    return previous if isinstance(previous, Mapping) else {}


def membership_event(event: MatrixEvent, room: str, bot: str) -> ModeratorActionEvent | None:
    """A ban, an unban (ban → leave) or a kick (leave set by someone else) by anyone but Steward's bot."""
    sender, subject = str(event.get("sender") or ""), str(event.get("state_key") or "")
    if not sender or sender in (bot, subject):
        return None
    now = str((event.get("content") or {}).get("membership") or "")
    before = str(_previous(event).get("membership") or "")
    if now == "ban" and before != "ban":
        action = "banned"
    elif now == "leave" and before == "ban":
        action = "unbanned"
    elif now == "leave" and before == "join":  # (a withdrawn invitation or a refused knock is not a kick)
        action = "kicked"
    else:
        return None
    reason = str((event.get("content") or {}).get("reason") or "")
    return ModeratorActionEvent(
        action=action,
        actor=handles(sender),
        subject=handles(subject),
        detail="; ".join(part for part in (f"{sender} {action} {subject} in {room}", reason) if part),
        at=created_at(event),
    )


def power_events(event: MatrixEvent, room: str, bot: str) -> list[ModeratorActionEvent]:
    """A power-level change by anyone but Steward's bot that takes someone below the level needed to post (muted), or
    gives it back (unmuted)."""
    sender = str(event.get("sender") or "")
    previous = _previous(event)
    if not sender or sender == bot or not previous:
        return []
    content = event.get("content") or {}
    found = []
    users = set((content.get("users") or {}).keys()) | set((previous.get("users") or {}).keys())
    before, after = Powers(room, dict(previous)), Powers(room, dict(content))
    for user in sorted(users):
        could, can = before.may_post(user), after.may_post(user)
        if could == can or user == sender:
            continue
        action = "unmuted" if can else "muted"
        found.append(
            ModeratorActionEvent(
                action=action,
                actor=handles(sender),
                subject=handles(user),
                detail=f"{sender} {action} {user} in {room} (power level {before.of(user):g} → {after.of(user):g})",
                at=created_at(event),
            )
        )
    return found


def room_events(event: MatrixEvent, room: str, lookup: Lookup, bot: str, *, via: str = "") -> list[Event]:
    """Everything one timeline event of a moderated room means to Steward (often nothing)."""
    kind = event.get("type")
    if event.get("sender") == bot and kind != "m.room.redaction":
        return []  # Steward's own messages and actions: never content to screen, never a moderator's action to review
    if kind == "m.room.message":
        found = content_event(event, room, lookup, via=via)
        return [found] if found is not None else []
    if kind == "m.room.redaction":
        return redaction_events(event, room, lookup, bot, via=via)
    if kind == "m.room.member" and "state_key" in event:
        moderated = membership_event(event, room, bot)
        return [moderated] if moderated is not None else []
    if kind == "m.room.power_levels" and event.get("state_key") == "":
        return list(power_events(event, room, bot))
    return []
