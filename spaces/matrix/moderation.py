"""What Steward's bot does in the community's Matrix rooms: ban (and redact recent events), kick, mute, redact.

Every operation reads the rooms' power levels first and refuses, before changing anything, where the bot could not
finish (not in a room, too little power, a person at or above its level): half the rooms banned and a terse
M_FORBIDDEN on the case would help nobody. What is left to chance (a rate limit, a crash) is made safe by reading
the rooms again on the next try: a ban already there, a level already set or an event already redacted is not done
twice, and every redaction carries a transaction id derived from the action's key, so a retried request is the same
request to the homeserver.

A ban is also Matrix's invite block: a banned user can neither join nor be invited until unbanned, member or not, so
there is no separate operation for it (docs/spaces/matrix.md, "What Steward can do, and what the person sees").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from django.utils import timezone

from spaces.base import ActionRequest, Check, Op, Outcome, PermanentFailure, Verdict
from spaces.matrix.client import MatrixClient, MatrixRefused
from spaces.matrix.power import Powers, powers

if TYPE_CHECKING:
    from spaces.matrix.space import MatrixSpace

FALLBACK_REASON = "Code of conduct action by Steward"
LIFTED_REASON = "Lifted by Steward"
USER_ID = re.compile(r"@[^:\s/]+:[^\s/]+")
PAGE = 100  # events per /messages page when looking for a person's recent events


def user_id(subject: str) -> str:
    """A Matrix user id from what the identity holds: "@alice:example.org", or "alice:example.org" as Steward stores
    handles (people.models.normalise_handle drops the "@")."""
    value = subject.strip()
    value = value if value.startswith("@") else f"@{value}"
    if not USER_ID.fullmatch(value):
        raise PermanentFailure(f"{subject!r} is not a Matrix user id; one looks like @alice:example.org.")
    return value


def reason_of(request: ActionRequest) -> str:
    return request.reason.strip() or FALLBACK_REASON


def txn_id(request: ActionRequest, *parts: str) -> str:
    """The same transaction id on every try of the same action and event: the homeserver answers a repeat once."""
    digest = hashlib.sha256("\n".join((request.key, *parts)).encode()).hexdigest()[:32]
    return f"steward-{digest}"


@contextmanager
def plainly(doing: str, where: str) -> Iterator[None]:
    """The homeserver's refusals as sentences a steward understands (the raw errcode stays at the end)."""
    try:
        yield
    except MatrixRefused as refused:
        if refused.errcode == "M_FORBIDDEN":
            raise PermanentFailure(
                f"Matrix did not let Steward's bot {doing} in {where}: the bot is not in the room or lacks the power "
                f"to do it there. A room admin can give the bot moderator power (Room settings, Roles & Permissions). "
                f"({refused.message})"
            ) from None
        raise


class Rooms:
    """The moderated rooms as one operation sees them: the bot, its client, names for the case timeline."""

    def __init__(self, space: MatrixSpace) -> None:
        self.space = space
        self.client: MatrixClient = space.client()
        self.bot = self.client.whoami()
        self._labels: dict[str, str] = {}
        self._powers: dict[str, Powers] = {}

    def moderated(self, only: str = "") -> list[str]:
        """The rooms to act in (`only` narrows to one of them), each one the bot has joined."""
        rooms = self.space.rooms()
        if only.strip():
            wanted = self.client.resolve_alias(only.strip()) if only.strip().startswith("#") else only.strip()
            if wanted not in rooms:
                raise PermanentFailure(f"{only} is not one of the rooms Steward moderates ({', '.join(rooms) or 'none'}).")
            rooms = [wanted]
        if not rooms:
            raise PermanentFailure("The Matrix connection names no rooms to moderate.")
        self.require_joined(rooms)
        return rooms

    def require_joined(self, rooms: list[str]) -> None:
        joined = set(self.client.joined_rooms())
        missing = [room for room in rooms if room not in joined]
        if missing:
            raise PermanentFailure(
                f"Steward's bot {self.bot} is not in {', '.join(missing)}: invite it there and give it moderator power, "
                "then try again. Nothing was changed."
            )

    def label(self, room: str) -> str:
        """The room as people know it: its alias or name, with the id."""
        if room not in self._labels:
            try:
                alias = str((self.client.state(room, "m.room.canonical_alias") or {}).get("alias") or "")
                name = alias or str((self.client.state(room, "m.room.name") or {}).get("name") or "")
            except MatrixRefused:
                name = ""
            self._labels[room] = f"{name} ({room})" if name else room
        return self._labels[room]

    def labels(self, rooms: list[str]) -> str:
        return ", ".join(self.label(room) for room in rooms) or "no room"

    def powers(self, room: str, *, fresh: bool = False) -> Powers:
        if fresh or room not in self._powers:
            with plainly("read the power levels", self.label(room)):
                self._powers[room] = powers(self.client, room)
        return self._powers[room]

    def require_power(self, room: str, needed: int, doing: str, person: str | None = None) -> None:
        """Refuse, in words, where the bot's power is below `needed` or not above `person`'s."""
        levels = self.powers(room)
        mine = levels.of(self.bot)
        if mine < needed:
            raise PermanentFailure(
                f"Steward's bot has power {mine:g} in {self.label(room)}, and {doing} needs {needed}. Give the bot "
                "moderator power there (Room settings, Roles & Permissions), then try again. Nothing was changed."
            )
        if person is not None and levels.of(person) >= mine:
            theirs = "unlimited (they created the room)" if levels.of(person) == float("inf") else f"{levels.of(person):g}"
            raise PermanentFailure(
                f"{person} has power {theirs} in {self.label(room)}, at least the bot's {mine:g}: Matrix lets no one act "
                "on someone with as much power as their own. The room's admins must act themselves. Nothing was changed."
            )

    def known(self, user: str) -> None:
        """Refuse a user the homeserver does not know (a typo in the identity), before banning a name nobody has.
        Asked of the bot's own homeserver only: another server's users are looked up over federation, which answers
        "not found" as readily for a server that is down as for a name that never was (and banning a name nobody
        has harms no one). A homeserver that keeps profiles private (403) cannot tell either, and is not asked twice."""
        if user.split(":", 1)[1] != self.bot.split(":", 1)[1]:
            return
        try:
            self.client.profile(user)
        except MatrixRefused as refused:
            if refused.status == 404:
                raise PermanentFailure(f"There is no Matrix user {user} (the homeserver does not know them).") from None
            if refused.status != 403:
                raise

    def member_event(self, room: str, user: str) -> dict[str, Any]:
        with plainly("read the membership of the person", self.label(room)):
            return self.client.state_event(room, "m.room.member", user) or {}


def membership(event: Mapping[str, Any]) -> str:
    return str((event.get("content") or {}).get("membership") or "leave")


def until(request: ActionRequest) -> str:
    if request.ends_at is None:
        return ""
    return f" Steward lifts it on {timezone.localtime(request.ends_at):%Y-%m-%d %H:%M}."


# Entry points (MatrixSpace.apply, revert, verify) -------------------------------------------------------------------


def apply(space: MatrixSpace, request: ActionRequest) -> Outcome:
    from spaces.matrix import muting

    handlers = {Op.BAN: ban, Op.REMOVE_FROM_CHANNEL: kick, Op.SILENCE: muting.mute, Op.DELETE_CONTENT: redact_one}
    if request.op not in handlers:
        raise PermanentFailure(f"Matrix cannot {request.op}.")
    return handlers[request.op](Rooms(space), request)


def revert(space: MatrixSpace, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
    from spaces.matrix import muting

    if request.op == Op.BAN:
        return unban(Rooms(space), request, state)
    if request.op == Op.SILENCE:
        return muting.unmute(Rooms(space), request, state)
    if request.op == Op.DELETE_CONTENT:
        raise PermanentFailure("A redacted Matrix event cannot be restored: the homeserver has dropped its content.")
    raise PermanentFailure(f"Matrix cannot undo {request.op}: the person may join again unless banned.")


def verify(space: MatrixSpace, request: ActionRequest, state: Mapping[str, Any]) -> Check:
    from spaces.matrix import muting

    if request.op == Op.BAN:
        return banned_everywhere(Rooms(space), request, state)
    if request.op == Op.REMOVE_FROM_CHANNEL:
        return kicked_everywhere(Rooms(space), request, state)
    if request.op == Op.SILENCE:
        return muting.muted_everywhere(Rooms(space), request, state)
    if request.op == Op.DELETE_CONTENT:
        return redacted(Rooms(space), request, state)
    return Check(Verdict.UNKNOWN, f"Matrix cannot check {request.op}.")


# Ban, with the person's recent events redacted, and unban -------------------------------------------------------------


def redact_hours(request: ActionRequest) -> float:
    value = request.params.get("redact_recent_hours")
    if value in (None, ""):
        return 0.0
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise PermanentFailure(f"redact_recent_hours must be a number of hours, not {value!r}.") from None
    if hours < 0 or hours > 24 * 30:
        raise PermanentFailure("redact_recent_hours must be between 0 and 720 (30 days).")
    return hours


def ours(event: Mapping[str, Any], rooms: Rooms, request: ActionRequest) -> bool:
    """A ban this action made: sent by the bot with this action's reason (how a retry after a crash knows its own)."""
    return event.get("sender") == rooms.bot and (event.get("content") or {}).get("reason") == reason_of(request)


def ban(rooms: Rooms, request: ActionRequest) -> Outcome:
    user = user_id(request.subject)
    hours = redact_hours(request)
    targets = rooms.moderated()
    rooms.known(user)
    for room in targets:
        rooms.require_power(room, rooms.powers(room).needed("ban"), "banning", user)
        if hours:
            rooms.require_power(room, rooms.powers(room).needed("redact"), "redacting other people's messages")
    # Redactions before the bans: a retry after a crash finds the ban missing and comes back here, where a ban first
    # would let the executor's check (verify: banned everywhere) close the action with the redactions half done.
    redactions = sum(redact_recent(rooms, room, user, hours, request) for room in targets) if hours else 0
    banned: list[str] = []  # by this action: now, or by an earlier try of it
    now: list[str] = []
    already: list[str] = []  # by someone else (a moderator, another case): theirs to keep
    for room in targets:
        event = rooms.member_event(room, user)
        if membership(event) == "ban":
            (banned if ours(event, rooms, request) else already).append(room)
            continue
        with plainly(f"ban {user}", rooms.label(room)):
            rooms.client.ban(room, user, reason_of(request))
        banned.append(room)
        now.append(room)
    banned.sort(key=targets.index)
    parts = []
    if now:
        parts.append(f"Banned {user} from {rooms.labels(now)}.")
    if len(banned) > len(now):
        parts.append(f"{user} was already banned by Steward from {rooms.labels([room for room in banned if room not in now])}.")
    if already:
        parts.append(f"{user} was already banned from {rooms.labels(already)}.")
    if hours:
        parts.append(f"Redacted {redactions} of their events from the last {hours:g} hours.")
    state = {"user_id": user, "rooms": targets, "banned": banned, "redacted": redactions}
    return Outcome(detail=" ".join(parts) + (until(request) if banned else ""), external_ref=user, state=state)


def recent_events(rooms: Rooms, room: str, user: str, since_ms: int) -> Iterator[dict[str, Any]]:
    """The user's events in the room newer than `since_ms`, newest first, paging /messages backwards with a filter on
    the sender so a busy room is not read whole."""
    token: str | None = None
    event_filter = json.dumps({"senders": [user]})
    while True:
        with plainly("read the messages", rooms.label(room)):
            page = rooms.client.messages(room, start=token, direction="b", limit=PAGE, event_filter=event_filter)
        chunk = list(page.get("chunk") or [])
        for event in chunk:
            if int(event.get("origin_server_ts") or 0) < since_ms:
                return
            if event.get("sender") == user:
                yield event
        token = page.get("end")
        if not chunk or not token:
            return


def is_redacted(event: Mapping[str, Any]) -> bool:
    unsigned = event.get("unsigned") or {}
    return bool(unsigned.get("redacted_because") or unsigned.get("redacted_by") or event.get("redacted_because"))


def redact_recent(rooms: Rooms, room: str, user: str, hours: float, request: ActionRequest) -> int:
    """Redact what the user posted in the room in the last `hours`: messages, reactions, edits; not their state
    events (their membership), and nothing already redacted (a retry redacts nothing twice)."""
    since_ms = int((timezone.now() - timedelta(hours=hours)).timestamp() * 1000)
    count = 0
    for event in list(recent_events(rooms, room, user, since_ms)):
        if "state_key" in event or event.get("type") == "m.room.redaction" or is_redacted(event):
            continue
        with plainly("redact the person's messages", rooms.label(room)):
            rooms.client.redact(room, str(event["event_id"]), reason_of(request), txn_id(request, room, str(event["event_id"])))
        count += 1
    return count


def unban(rooms: Rooms, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
    """Lift the bans Steward made, and only those: a room where someone else banned the person keeps that ban, and so
    does a room where a moderator banned them again by hand since. Without a record (a crash before it was written)
    the bans are recognised by their sender and reason."""
    user = str(state.get("user_id") or user_id(request.subject))
    recorded = "banned" in state
    candidates = [str(room) for room in state["banned"]] if recorded else rooms.space.rooms()
    lifted, left = [], []
    for room in candidates:
        event = rooms.member_event(room, user)
        if membership(event) != "ban":
            continue
        if event.get("sender") != rooms.bot or (not recorded and not ours(event, rooms, request)):
            left.append(room)
            continue
        with plainly(f"unban {user}", rooms.label(room)):
            rooms.client.unban(room, user, LIFTED_REASON)
        lifted.append(room)
    parts = [f"Lifted the ban on {user} in {rooms.labels(lifted)}." if lifted else f"{user} was no longer banned by Steward."]
    if left:
        parts.append(f"Left the ban a moderator made in {rooms.labels(left)}.")
    return Outcome(detail=" ".join(parts), external_ref=user, state=dict(state) | {"lifted": lifted})


def banned_everywhere(rooms: Rooms, request: ActionRequest, state: Mapping[str, Any]) -> Check:
    user = str(state.get("user_id") or user_id(request.subject))
    for room in [str(room) for room in state.get("rooms") or rooms.space.rooms()]:
        if membership(rooms.member_event(room, user)) != "ban":
            return Check(Verdict.ABSENT, f"{user} is not banned from {rooms.label(room)}.")
    return Check(Verdict.HOLDS, f"{user} is banned from every moderated room.")


# Kick ---------------------------------------------------------------------------------------------------------------


PRESENT = ("join", "invite", "knock")


def kick(rooms: Rooms, request: ActionRequest) -> Outcome:
    user = user_id(request.subject)
    targets = rooms.moderated(str(request.params.get("room") or ""))
    rooms.known(user)
    present = [room for room in targets if membership(rooms.member_event(room, user)) in PRESENT]
    for room in present:
        rooms.require_power(room, rooms.powers(room).needed("kick"), "removing someone", user)
    for room in present:
        with plainly(f"remove {user}", rooms.label(room)):
            rooms.client.kick(room, user, reason_of(request))
    detail = f"Removed {user} from {rooms.labels(present)}." if present else f"{user} was already out of {rooms.labels(targets)}."
    return Outcome(detail=detail, external_ref=user, state={"user_id": user, "rooms": targets, "kicked": present})


def kicked_everywhere(rooms: Rooms, request: ActionRequest, state: Mapping[str, Any]) -> Check:
    user = str(state.get("user_id") or user_id(request.subject))
    only = str(request.params.get("room") or "")
    targets = [str(room) for room in state.get("rooms") or []] or rooms.moderated(only)
    for room in targets:
        if membership(rooms.member_event(room, user)) in PRESENT:
            return Check(Verdict.ABSENT, f"{user} is in {rooms.label(room)} again.")
    return Check(Verdict.HOLDS, f"{user} is not in {rooms.labels(targets)}.")


# Redacting one event ------------------------------------------------------------------------------------------------


def event_link(rooms: Rooms, subject: str) -> tuple[str, str]:
    """(room id, event id) from a link to a Matrix event:
    - a matrix.to permalink, https://matrix.to/#/!room:server/$event?via=server (or #alias:server/$event);
    - a matrix: URI, matrix:roomid/room:server/e/event;
    - the room-scoped form, !room:server/$event (what Steward shows for a Matrix message)."""
    text = subject.strip()
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.netloc == "matrix.to":
        text = parts.fragment.lstrip("/").split("?", 1)[0]
    elif parts.scheme == "matrix":
        segments = [unquote(piece) for piece in parts.path.split("?", 1)[0].split("/")]
        if len(segments) == 4 and segments[2] == "e" and segments[0] in ("roomid", "r"):
            sigil = "!" if segments[0] == "roomid" else "#"
            text = f"{sigil}{segments[1]}/${segments[3]}"
    room, _, event = unquote(text).partition("/")
    if not room or room[0] not in "!#" or not event.startswith("$"):
        raise PermanentFailure(
            f"{subject!r} is not a link to a Matrix message: use its permalink (Share or Copy link in Element, "
            "https://matrix.to/#/!room:server/$event) or !room:server/$event."
        )
    if room.startswith("#"):
        room = rooms.client.resolve_alias(room)
    return room, event


def redact_one(rooms: Rooms, request: ActionRequest) -> Outcome:
    room, event_id = event_link(rooms, request.subject)
    # Only in the moderated rooms: a link to the committee's own room or to a direct chat the bot is in is refused.
    rooms.moderated(room)
    with plainly("read the message", rooms.label(room)):
        event = rooms.client.event(room, event_id)
    if event is None:
        raise PermanentFailure(f"There is no event {event_id} in {rooms.label(room)} that Steward's bot can see.")
    sender = str(event.get("sender") or "")
    state = {"room": room, "event_id": event_id, "sender": sender}
    if is_redacted(event):
        return Outcome(detail=f"The message by {sender} in {rooms.label(room)} was already redacted.", external_ref=event_id, state=state)
    if sender != rooms.bot:
        rooms.require_power(room, rooms.powers(room).needed("redact"), "redacting other people's messages")
    with plainly("redact the message", rooms.label(room)):
        rooms.client.redact(room, event_id, reason_of(request), txn_id(request, room, event_id))
    return Outcome(detail=f"Redacted the message by {sender} in {rooms.label(room)}.", external_ref=event_id, state=state)


def redacted(rooms: Rooms, request: ActionRequest, state: Mapping[str, Any]) -> Check:
    room, event_id = (str(state["room"]), str(state["event_id"])) if state.get("event_id") else event_link(rooms, request.subject)
    with plainly("read the message", rooms.label(room)):
        event = rooms.client.event(room, event_id)
    if event is None:
        return Check(Verdict.UNKNOWN, f"The event {event_id} can no longer be read in {rooms.label(room)}.")
    if is_redacted(event) or not event.get("content"):
        return Check(Verdict.HOLDS, f"The message in {rooms.label(room)} is redacted.")
    return Check(Verdict.ABSENT, f"The message in {rooms.label(room)} is not redacted.")
