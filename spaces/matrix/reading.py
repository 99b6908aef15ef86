"""Reading Matrix: one `/sync` from where the last read ended, and everything it brought as Steward's events.

What is read (docs/spaces/matrix.md, "What Steward reads"): the timelines of the moderated rooms and the bot's direct
chats, through a filter that leaves out presence, typing, receipts and every other room the bot is in. Each read also
accepts the invitations to direct chats (reports.py) and, with an admin token, takes the homeserver's new event
reports.

Nothing is missed after downtime: when a room's timeline is `limited` (more happened than the filter's limit), the
gap is paged backwards with /messages from the timeline's `prev_batch` down to the token the read started from. The
first read (no position) looks back only FIRST_LOOK_BACK, as every other space does.

The position is JSON holding /sync's `next_batch`, the id of the last homeserver event report taken, and the direct
chats where someone is still writing a report (reports.QUIET). The poller
(spaces.polling._sync) stores it in the transaction that records the events, so a failure anywhere leaves the old
position, and the same window is read again (every handler is idempotent, reports are taken once: reports.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from spaces.base import Event, SyncBatch
from spaces.matrix import events as matrix
from spaces.matrix import reports
from spaces.matrix.client import MatrixClient, MatrixRefused
from spaces.polling import FIRST_LOOK_BACK

if TYPE_CHECKING:
    from spaces.matrix.space import MatrixSpace

TIMELINE_LIMIT = 50  # events per room in one /sync; more than that is paged with /messages
PAGE = 100  # events per /messages page
DIRECT_PAGES = 5  # a direct chat newly joined is read back this many pages at most (its reports are taken once)
TIMELINE_TYPES = ["m.room.message", "m.room.redaction", "m.room.member", "m.room.power_levels", "m.room.encrypted"]


@dataclass(frozen=True)
class Position:
    since: str = ""  # /sync's next_batch
    report: int = 0  # the id of the last homeserver event report taken (Synapse's admin API)
    pending: tuple[str, ...] = ()  # direct chats where someone is still writing a report (reports.QUIET)

    @classmethod
    def parse(cls, text: str) -> Position:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(str(data.get("since") or ""), int(data.get("report") or 0), tuple(str(room) for room in data.get("pending") or ()))

    def dump(self) -> str:
        return json.dumps({"since": self.since, "report": self.report, "pending": list(self.pending)}, sort_keys=True)


def sync_filter(rooms: Sequence[str]) -> dict[str, Any]:
    """Only these rooms' timelines and state; no presence, typing, receipts or account data. Invitations are not
    filtered by room (Synapse's /sync lists them all), which is how a new direct chat is seen."""
    nothing = {"not_types": ["*"]}
    return {
        "presence": nothing,
        "account_data": nothing,
        "room": {
            "rooms": list(rooms),
            "timeline": {"limit": TIMELINE_LIMIT, "types": TIMELINE_TYPES},
            "state": {"types": ["m.room.member", "m.room.power_levels"], "lazy_load_members": True},
            "ephemeral": nothing,
            "account_data": nothing,
            "include_leave": False,
        },
    }


@dataclass
class Reader:
    """One read's view of the homeserver: the bot, and the events it has seen or fetched (each fetched once)."""

    client: MatrixClient
    bot: str
    rooms: list[str]
    seen: dict[str, Mapping[str, Any] | None] = field(default_factory=dict)

    @property
    def via(self) -> str:
        return matrix.server_of(self.bot)

    def remember(self, timeline: Sequence[Mapping[str, Any]]) -> None:
        for event in timeline:
            if event.get("event_id"):
                self.seen[str(event["event_id"])] = event

    def lookup(self, room: str, event_id: str) -> Mapping[str, Any] | None:
        """The event, from this read or from the homeserver; None where the bot cannot see it."""
        if event_id not in self.seen:
            try:
                self.seen[event_id] = self.client.event(room, event_id)
            except MatrixRefused:
                self.seen[event_id] = None  # not the bot's to read (M_FORBIDDEN): like an event that is not there
        return self.seen[event_id]


def sync(space: MatrixSpace, position: str) -> SyncBatch:
    reports.send_replies(space)  # answers owed from an earlier read whose worker stopped after the commit
    at = Position.parse(position)
    client = space.client()
    reader = Reader(client, client.whoami(), space.rooms())
    direct = reports.direct_rooms(client)
    answer = client.sync(at.since or None, json.dumps(sync_filter([*reader.rooms, *sorted(direct - set(reader.rooms))])))
    cutoff = None if at.since else timezone.now() - FIRST_LOOK_BACK
    rooms = answer.get("rooms") or {}
    joined: Mapping[str, Any] = rooms.get("join") or {}
    timelines = {
        room: _timeline(client, room, joined[room].get("timeline") or {}, since=at.since, cutoff=cutoff, direct=room not in reader.rooms)
        for room in [*reader.rooms, *sorted(direct)]
        if room in joined
    }
    for timeline in timelines.values():
        reader.remember(timeline)
    found: list[Event] = []
    for room in reader.rooms:
        for event in timelines.get(room, ()):
            found += matrix.room_events(event, room, reader.lookup, reader.bot, via=reader.via)
    pending = []
    for room in sorted(direct - set(reader.rooms)):
        written = [event for event in timelines.get(room, ()) if event.get("sender") != reader.bot]
        if written or room in at.pending:
            taken, waiting = reports.direct_reports(space, reader, room, written)
            found += taken
            pending += [room] if waiting else []
    reports.accept_invitations(reader, rooms.get("invite") or {}, direct)
    taken, last_report = reports.event_reports(space, reader, after=at.report, cutoff=cutoff)
    found += taken
    return SyncBatch(tuple(found), Position(str(answer["next_batch"]), last_report, tuple(pending)).dump())


def _timeline(
    client: MatrixClient, room: str, timeline: Mapping[str, Any], *, since: str, cutoff: datetime | None, direct: bool
) -> list[Mapping[str, Any]]:
    """A room's events since the last read, oldest first: the sync's timeline and, when it was `limited`, the gap before
    it paged back from `prev_batch` to `since` (a newly joined direct chat: to its beginning, a few pages at most)."""
    events = list(timeline.get("events") or ())
    start = str(timeline.get("prev_batch") or "")
    pages = 0
    while timeline.get("limited") and start and not _before(events[:1], cutoff):
        if direct and pages >= DIRECT_PAGES:
            break
        page = client.messages(room, start=start, end=None if direct else since or None, direction="b", limit=PAGE)
        chunk = list(page.get("chunk") or ())
        events = [*reversed(chunk), *events]
        pages += 1
        following = str(page.get("end") or "")
        if not chunk or not following or following == start:
            break
        start = following
    unique = {str(event.get("event_id")): event for event in events if event.get("event_id")}
    return [event for event in unique.values() if not _before([event], cutoff)]


def _before(events: Sequence[Mapping[str, Any]], cutoff: datetime | None) -> bool:
    """Whether the (first) event was sent before the first read's look-back."""
    if cutoff is None or not events:
        return False
    moment = matrix.created_at(events[0])
    return moment is not None and moment < cutoff
