"""Who may do what in a Matrix room: its `m.room.power_levels` and, from room version 12, its creators.

Matrix decides every moderation call by power level (https://spec.matrix.org/v1.15/client-server-api/#mroompower_levels):
banning needs `ban` (50 by default), kicking `kick`, redacting someone else's event `redact`, changing power levels
the level of the `m.room.power_levels` event type (or `state_default`), and acting on a person needs more power than
theirs. Reading the levels first lets Steward refuse before it changes anything, with a sentence a steward
understands, instead of leaving half the rooms done and the homeserver's terse M_FORBIDDEN on the case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from spaces.matrix.client import MatrixClient

# Defaults the specification gives where the content leaves a key out.
DEFAULTS = {"ban": 50, "kick": 50, "redact": 50, "invite": 0, "state_default": 50, "events_default": 0, "users_default": 0}


def _number(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def privileged_creators(room_version: str) -> bool:
    """Room version 12 (and the MSC4289 "hydra" versions before it) gives the room's creators unlimited power."""
    return (room_version.isdigit() and int(room_version) >= 12) or "hydra" in room_version


@dataclass
class Powers:
    room: str
    levels: dict[str, Any]
    creators: set[str] = field(default_factory=set)
    event: dict[str, Any] = field(default_factory=dict)  # the whole m.room.power_levels event (who set it, what it replaced)

    def of(self, user: str) -> float:
        """A user's power: a creator's is unlimited (version 12), else `users[user]` or `users_default`."""
        if user in self.creators:
            return math.inf
        users = self.levels.get("users") or {}
        if user in users:
            return _number(users[user], 0)
        return _number(self.levels.get("users_default"), 0)

    def explicit(self, user: str) -> int | None:
        """The level written for the user in `users`, or None where they have the room's default."""
        users = self.levels.get("users") or {}
        return _number(users[user], 0) if user in users else None

    def needed(self, what: str) -> int:
        """The level `ban`, `kick`, `redact` or `invite` needs."""
        return _number(self.levels.get(what), DEFAULTS[what])

    def to_send(self, event_type: str) -> int:
        events = self.levels.get("events") or {}
        return _number(events.get(event_type), _number(self.levels.get("events_default"), 0))

    def to_set_state(self, event_type: str) -> int:
        events = self.levels.get("events") or {}
        return _number(events.get(event_type), _number(self.levels.get("state_default"), DEFAULTS["state_default"]))

    def mute_level(self) -> int:
        """One below what posting a message needs: the person may read and may not post."""
        return min(self.to_send("m.room.message"), _number(self.levels.get("events_default"), 0)) - 1

    def may_post(self, user: str) -> bool:
        """Whether the user may send a message: what a hand-made mute (or unmute) changes."""
        return self.of(user) >= self.to_send("m.room.message")

    def is_muted(self, user: str) -> bool:
        return self.of(user) < self.to_send("m.room.message") and self.of(user) < _number(self.levels.get("events_default"), 0)


def powers(client: MatrixClient, room: str) -> Powers:
    event = client.state_event(room, "m.room.power_levels") or {}
    creators: set[str] = set()
    create = client.state_event(room, "m.room.create") or {}
    content = create.get("content") or {}
    if privileged_creators(str(content.get("room_version") or "1")):
        creators = {str(create.get("sender") or ""), *(str(user) for user in content.get("additional_creators") or [])}
    return Powers(room, dict(event.get("content") or {}), creators, event)
