"""Muting in Matrix: the person's power level set one below what posting needs, and put back exactly as it was.

Matrix has no mute of its own; clients (Element's "Mute" in the member list) do what Steward does here: lower the
person's level in `m.room.power_levels` below `events_default` (and below the level `m.room.message` needs where the
room sets one). They may still read the room; they may not post, react or edit. The level they had before, a value
written for them or none (the room's `users_default`), is recorded per room, and lifting the mute writes it back, or
removes their entry where there was none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spaces.base import ActionRequest, Check, Outcome, Verdict
from spaces.matrix.moderation import Rooms, plainly, user_id
from spaces.matrix.power import Powers


def earlier_level(rooms: Rooms, room: str, user: str, levels: Powers) -> tuple[bool, int | None]:
    """Whether the person's present mute is Steward's own (the last change of the levels was the bot's, setting them
    to the mute level), and if so the level they had before it, read from the event it replaced. How a retry after a
    crash, which finds them muted with nothing recorded, still knows what to restore."""
    event = levels.event
    if event.get("sender") != rooms.bot or levels.explicit(user) != levels.mute_level():
        return False, None
    replaced = str((event.get("unsigned") or {}).get("replaces_state") or "")
    before = rooms.client.event(room, replaced) if replaced else None
    users = ((before or {}).get("content") or {}).get("users") or {}
    return True, int(users[user]) if user in users else None


def mute(rooms: Rooms, request: ActionRequest) -> Outcome:
    user = user_id(request.subject)
    targets = rooms.moderated()
    rooms.known(user)
    for room in targets:
        levels = rooms.powers(room)
        rooms.require_power(room, levels.to_set_state("m.room.power_levels"), "changing power levels", user)
    earlier: dict[str, int | None] = {}
    already = []
    for room in targets:
        levels = rooms.powers(room)
        if levels.is_muted(user):
            own, before = earlier_level(rooms, room, user, levels)
            if own:
                earlier[room] = before
            else:
                already.append(room)
            continue
        earlier[room] = levels.explicit(user)
        content = dict(levels.levels)
        content["users"] = dict(content.get("users") or {}) | {user: levels.mute_level()}
        with plainly(f"mute {user}", rooms.label(room)):
            rooms.client.put_state(room, "m.room.power_levels", "", content)
    parts = []
    if earlier:
        parts.append(f"Muted {user} in {rooms.labels(list(earlier))}: they may read but not post.")
    if already:
        parts.append(f"{user} was already muted in {rooms.labels(already)}.")
    state = {"user_id": user, "rooms": targets, "earlier": earlier}
    return Outcome(detail=" ".join(parts), external_ref=user, state=state)


def unmute(rooms: Rooms, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
    """Put back the level each room had for the person, where it is still the one Steward set: a level a moderator
    changed by hand since is theirs to keep."""
    user = str(state.get("user_id") or user_id(request.subject))
    recorded: dict[str, Any] = dict(state.get("earlier") or {})
    if "earlier" not in state:  # no record (a crash before it was written): recognise Steward's own mutes
        for room in rooms.space.rooms():
            own, before = earlier_level(rooms, room, user, rooms.powers(room))
            if own:
                recorded[room] = before
    restored, left = [], []
    for room, before in recorded.items():
        levels = rooms.powers(room, fresh=True)
        if levels.explicit(user) != levels.mute_level():
            left.append(room)
            continue
        users = dict(levels.levels.get("users") or {})
        if before is None:
            users.pop(user, None)
        else:
            users[user] = int(before)
        with plainly(f"lift the mute of {user}", rooms.label(room)):
            rooms.client.put_state(room, "m.room.power_levels", "", dict(levels.levels) | {"users": users})
        restored.append(room)
    parts = [f"Lifted the mute of {user} in {rooms.labels(restored)}." if restored else f"{user} was no longer muted by Steward."]
    if left:
        parts.append(f"Their level in {rooms.labels(left)} was changed by hand since; left as it is.")
    return Outcome(detail=" ".join(parts), external_ref=user, state=dict(state) | {"restored": restored})


def muted_everywhere(rooms: Rooms, request: ActionRequest, state: Mapping[str, Any]) -> Check:
    user = str(state.get("user_id") or user_id(request.subject))
    for room in [str(room) for room in state.get("rooms") or rooms.space.rooms()]:
        if not rooms.powers(room, fresh=True).is_muted(user):
            return Check(Verdict.ABSENT, f"{user} may post in {rooms.label(room)} again.")
    return Check(Verdict.HOLDS, f"{user} is muted in every moderated room.")
