"""Reports from Matrix (docs/spaces/matrix.md, "Reports from Matrix").

1. A direct message to Steward's bot. The bot accepts invitations to direct chats (`is_direct`) and no other.
   What a person writes there, once they stop writing for QUIET, is one report in their own words (several messages
   are one report), and a matrix.to link in it to a message in a moderated room makes that message the reported item.
   Not a command or a reaction in the room: both are public, and would show the room who reported whom. The bot
   answers in the chat with the case reference and the reporter's private follow-up link, once: the answer is stored
   encrypted (spaces.models.SpaceReply) in the transaction that makes the case, sent after the commit with a
   transaction id made from its row (a retry is the same message), and emptied once sent. Messages read twice find
   their answer's row (keyed by the last of them) and are not taken again.
2. Where the community gives Steward a Synapse admin token: the homeserver's event reports (what Element's "Report"
   sends to the server's admins), each taken once (the last id taken is in the read's position).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from spaces.base import Handled, Item, ReportEvent, SpaceError, TemporaryFailure
from spaces.matrix import events as matrix
from spaces.matrix.client import MatrixClient, MatrixRefused
from spaces.matrix.notices import direct_chats, direct_room
from spaces.models import SpaceReply

if TYPE_CHECKING:
    from datetime import datetime

    from spaces.matrix.reading import Reader
    from spaces.matrix.space import MatrixSpace

logger = logging.getLogger("steward.spaces")

PRESENT = ("join", "invite")  # memberships that put someone in a chat, or on their way in (and so its history)
DIRECT = "m.direct"  # the bot's account data naming its direct chats, by the person each is with
EVENT_REPORT = "event-report:"  # a SpaceReply's source for a homeserver event report (by its id)


def _txn(kind: str, source: str) -> str:
    return f"steward-{kind}-{hashlib.sha256(source.encode()).hexdigest()[:32]}"


# Direct chats ------------------------------------------------------------------------------------


def direct_rooms(client: MatrixClient) -> set[str]:
    """The bot's direct chats, as Matrix clients record them (m.direct: user id -> room ids)."""
    return {room for rooms in direct_chats(client).values() for room in rooms}


def accept_invitations(reader: Reader, invites: Mapping[str, Any], direct: set[str]) -> None:
    """Join the moderated rooms the bot is invited to and the direct chats people open with it; leave every other
    invitation alone. A direct chat is written into m.direct before it is joined, so a join whose read then fails
    is still read as a direct chat next time."""
    for room, invite in invites.items():
        state = (invite.get("invite_state") or {}).get("events") or ()
        mine = next((event for event in state if event.get("type") == "m.room.member" and event.get("state_key") == reader.bot), None)
        inviter = str((mine or {}).get("sender") or "")
        is_direct = bool(((mine or {}).get("content") or {}).get("is_direct")) and bool(inviter)
        if room not in reader.rooms and not is_direct:
            continue
        try:
            if room not in reader.rooms and room not in direct:
                chats = dict(reader.client.account_data(DIRECT))
                chats[inviter] = [*[str(item) for item in chats.get(inviter) or () if item != room], room]
                reader.client.put_account_data(DIRECT, chats)
                direct.add(room)
            reader.client.join(room)
        except MatrixRefused as refused:
            # Withdrawn, or the room is gone: nothing to read there. A failure worth retrying fails the whole read.
            logger.warning("Matrix: could not accept the invitation to %s: %s", room, refused.message)


# A report is everything a person wrote to the bot since it last spoke in the chat, taken once they have stopped
# writing for this long: people write a report as several messages ("Hi", what happened, a link), and each message
# a report of its own would give the committee several cases and the reporter several links for one thing.
QUIET = timedelta(seconds=90)
HISTORY = 100  # messages of a direct chat read back to find the person's last words since the bot spoke


def direct_reports(space: MatrixSpace, reader: Reader, room: str, timeline: Sequence[Mapping[str, Any]]) -> tuple[list[ReportEvent], bool]:
    """The report waiting in one direct chat, if the person has stopped writing; and whether one is still being
    written (the read keeps the chat in its position and looks again next time, even if nothing new arrives)."""
    for event in timeline:
        if event.get("sender") != reader.bot and event.get("type") == "m.room.encrypted":
            _tell(reader.client, room, "encrypted", str(event.get("event_id")), CANNOT_READ)
    burst = _unanswered(space, reader, room)
    if not burst:
        return [], False
    last = burst[-1]
    written = matrix.created_at(last)
    if written is not None and timezone.now() - written < QUIET:
        return [], True
    sender, last_id = str(last["sender"]), str(last["event_id"])
    # Joined or invited: an invited person reads the chat's history once they join (direct chats let members read
    # what was written before they joined), so they would read the answer too.
    members = {
        str(member.get("state_key")): member.get("content") or {}
        for member in reader.client.members(room)
        if (member.get("content") or {}).get("membership") in PRESENT
    }
    if set(members) - {reader.bot, sender}:
        # Someone else is in the chat, or on their way in: the answer (the private follow-up link) would reach them too.
        _tell(reader.client, room, "not-private", last_id, NOT_PRIVATE)
        return [], False
    texts = [matrix.plain_text(event.get("content") or {}) for event in burst]
    item = next((found for found in (reported_item(reader, text) for text in texts) if found is not None), None)
    report = ReportEvent(
        reporter=matrix.handles(sender),
        item=item,
        note="\n\n".join(texts),
        reporter_name=str(members.get(sender, {}).get("displayname") or ""),
    )
    space.answer_in[id(report)] = (room, last_id)  # the answer's row is keyed by the last message it covers
    return [report], False


def _unanswered(space: MatrixSpace, reader: Reader, room: str) -> list[Mapping[str, Any]]:
    """The person's messages in the chat after the bot's last message and after the last message a report covered,
    oldest first (from the chat's history, so a read that comes back to a chat finds what it held back)."""
    history = list(reversed(reader.client.messages(room, start=None, direction="b", limit=HISTORY).get("chunk") or ()))
    reader.remember(history)
    ids = [str(event.get("event_id")) for event in history]
    covered = set(SpaceReply.objects.filter(connection=space.connection, source__in=ids).values_list("source", flat=True))
    burst: list[Mapping[str, Any]] = []
    for event in history:
        if (event.get("sender") == reader.bot and event.get("type") == "m.room.message") or str(event.get("event_id")) in covered:
            burst = []
        elif event.get("sender") != reader.bot and matrix.is_message(event) and not matrix.replaces(event.get("content") or {}):
            burst.append(event)
    return burst


def reported_item(reader: Reader, text: str) -> Item | None:
    """The first message in a moderated room that the text links to (matrix.to, as "Share" or "Copy link" makes it)."""
    for room_ref, event_id in matrix.permalinks(text):
        try:
            room = reader.client.resolve_alias(room_ref) if room_ref.startswith("#") else room_ref
        except MatrixRefused:
            continue
        if room not in reader.rooms:
            continue  # a room Steward does not moderate: the link stays in the reporter's words
        event = reader.lookup(room, event_id)
        if event is not None and matrix.is_message(event):
            return matrix.message_item(event, room, reader.lookup, via=reader.via)
    return None


CANNOT_READ = (
    "I cannot read encrypted messages. Please start a chat with me without encryption, or use the report form on the community's website."
)
NOT_PRIVATE = (
    "There are other people in this chat, so I have not taken your message as a report: my answer carries a private "
    "link. Please write to me in a chat with just the two of us."
)


def _tell(client: MatrixClient, room: str, kind: str, source: str, text: str) -> None:
    """A notice in a direct chat, sent once per message it answers (the transaction id is made from it)."""
    try:
        client.send(room, "m.room.message", {"msgtype": "m.notice", "body": _(text)}, _txn(kind, source))
    except MatrixRefused as refused:
        logger.warning("Matrix: could not answer in %s: %s", room, refused.message)


# Answers to reporters ----------------------------------------------------------------------------


def reply_text(handled: Handled, *, to_the_homeserver: bool = False) -> str:
    if not handled.report_reference:
        return _("Steward could not record this report. Please use the report form on the community's website.")
    opening = (
        _("You reported a message to your homeserver's administrators; it has reached the community's stewards too.")
        if to_the_homeserver
        else _("Thank you — your report reached the community's stewards.")
    )
    return (
        opening
        + " "
        + _(
            "Its reference is %(reference)s.\n\n"
            "Follow it up privately — add to it, or read the stewards' answers — at %(link)s\n"
            "This link is yours alone: keep it, and do not share it. A new message to me here starts a new report."
        )
        % {"reference": handled.report_reference, "link": handled.follow_up_url}
    )


def record_reply(space: MatrixSpace, handled: Handled) -> None:
    """Store the answer to a direct-chat report in the transaction that took it, and send it once that commits."""
    if not isinstance(handled.event, ReportEvent):
        return
    target = space.answer_in.pop(id(handled.event), None)
    if target is None:
        return
    room, source = target  # `room` is a user id ("@...") where the answer needs a direct chat of its own
    text = reply_text(handled, to_the_homeserver=source.startswith(EVENT_REPORT))
    SpaceReply.objects.get_or_create(connection=space.connection, source=source, defaults={"where": room, "text": text})
    transaction.on_commit(lambda: send_replies(space), robust=True)


def send_replies(space: MatrixSpace) -> int:
    """Send the answers not sent yet, oldest first; how many went. A homeserver that fails stops the round (the next
    read tries again); one that refuses (the chat is gone) gives that answer up, logged."""
    sent = 0
    owed = SpaceReply.objects.filter(connection=space.connection, sent_at__isnull=True).order_by("pk")
    for reply in owed:
        try:
            if reply.where.startswith("@"):
                reply.where = direct_room(space.client(), reply.where)
                SpaceReply.objects.filter(pk=reply.pk).update(where=reply.where)
            event_id = space.client().send(
                reply.where, "m.room.message", {"msgtype": "m.notice", "body": reply.text}, f"steward-reply-{reply.pk}"
            )
        except TemporaryFailure as failure:
            logger.warning("Matrix: could not answer a reporter yet: %s", failure.message)
            break
        except SpaceError as refused:
            logger.warning("Matrix: gave up answering a reporter in %s: %s", reply.where, refused.message)
            event_id = ""
        SpaceReply.objects.filter(pk=reply.pk, sent_at__isnull=True).update(sent_at=timezone.now(), external_ref=event_id, text="")
        sent += 1
    return sent


# The homeserver's event reports ------------------------------------------------------------------


def event_reports(space: MatrixSpace, reader: Reader, *, after: int, cutoff: datetime | None) -> tuple[list[ReportEvent], int]:
    """Event reports newer than `after` about the moderated rooms, oldest first, and the newest id seen. None without an
    admin token. The first read (`cutoff`) takes only the recent ones."""
    admin = space.admin()
    if admin is None:
        return [], after
    new: list[Mapping[str, Any]] = []
    start = 0
    while True:
        page = admin.event_reports(start=start, limit=100, direction="b")  # newest first, down to the last one taken
        chunk = list(page.get("event_reports") or ())
        fresh = [report for report in chunk if int(report.get("id") or 0) > after]
        new += fresh
        following = page.get("next_token")
        if len(fresh) < len(chunk) or not chunk or following is None:
            break
        start = int(following)
    found = []
    for report in sorted(new, key=lambda item: int(item["id"])):
        room, event_id = str(report.get("room_id") or ""), str(report.get("event_id") or "")
        received = report.get("received_ts")
        if room not in reader.rooms or (cutoff is not None and isinstance(received, int) and received / 1000 < cutoff.timestamp()):
            continue
        event = reader.lookup(room, event_id)
        item = matrix.message_item(event, room, reader.lookup, via=reader.via) if event is not None and matrix.is_message(event) else None
        reporter = str(report.get("user_id") or "")
        taken = ReportEvent(reporter=matrix.handles(reporter), item=item, note=str(report.get("reason") or ""))
        if reporter:
            # Answered in a direct chat with the reporter, as Discord's "Report message" answers its reporter.
            space.answer_in[id(taken)] = (reporter, f"{EVENT_REPORT}{report['id']}")
        found.append(taken)
    return found, max([after, *(int(report["id"]) for report in new)])
