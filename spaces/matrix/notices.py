"""Steward's messages in Matrix: notices to the committee's room, and a direct message to a person acted on.

The committee's notices go to the connection's `notice_channel` (a room id or alias the bot has joined) as
`m.notice` messages, the msgtype Matrix gives bots so clients show them as such and other bots do not answer them.

A person whose message was redacted, or who was muted, hears why in a direct message from the bot: the room the bot
already shares with them as a direct chat (the bot's `m.direct` account data, as every client records it), or a new
one created with `is_direct` and an invitation, which their client shows as a direct-message request. Each such
message carries the action's key (`org.steward.action`) and a transaction id made from it: a worker that died
mid-post can find it (`find_moderation_notice`) rather than send it twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from spaces.base import ActionRequest, Op, PermanentFailure
from spaces.matrix.client import MatrixClient
from spaces.matrix.moderation import plainly, txn_id, user_id

if TYPE_CHECKING:
    from spaces.matrix.space import MatrixSpace

ACTION_KEY = "org.steward.action"  # the content field naming the action a direct message is about
LOOK_BACK = 50  # messages of the direct room searched for a notice already sent


def post_notice(space: MatrixSpace, channel: str, text: str) -> str:
    client = space.client()
    room = channel.strip()
    if not room:
        raise PermanentFailure("Name the committee's notice room (setting 'notice_channel'), by id or alias.")
    room = client.resolve_alias(room) if room.startswith("#") else room
    if room not in client.joined_rooms():
        # Invited to the committee's room but not in it yet: joining accepts the invitation. Not invited (a private
        # room): the homeserver refuses, in the words below.
        with plainly("join the notice room", room):
            client.join(room)
    with plainly("post in the notice room", room):
        # A fresh transaction id: the base contract leaves repeats to the caller, which claims its row first.
        return client.send(room, "m.room.message", {"msgtype": "m.notice", "body": text}, f"steward-{uuid.uuid4().hex}")


def person_of(request: ActionRequest, state: Mapping[str, Any]) -> str:
    """Who hears about the action: the author of the redacted message, or the person muted."""
    if request.op == Op.DELETE_CONTENT:
        sender = str(state.get("sender") or "")
        if not sender:
            raise PermanentFailure("Steward did not record who wrote the redacted message, so it cannot tell them.")
        return sender
    return str(state.get("user_id") or user_id(request.subject))


def direct_chats(client: MatrixClient) -> dict[str, list[str]]:
    """The bot's direct chats by the person each is with, as clients record them (account data m.direct)."""
    data = client.account_data("m.direct")
    return {str(user): [str(room) for room in rooms] for user, rooms in data.items() if isinstance(rooms, list)}


def direct_room(client: MatrixClient, person: str, *, create: bool = True) -> str:
    """The direct chat the bot shares with `person` (still joined or invited there), else a new one, recorded in the
    bot's `m.direct` as clients do so the next notice reuses it. "" where there is none and `create` is false."""
    direct = direct_chats(client)
    joined = set(client.joined_rooms())
    for room in direct.get(person, []):
        if room in joined and client.membership(room, person) in ("join", "invite"):
            return room
    if not create:
        return ""
    with plainly(f"open a direct chat with {person}", "a new direct room"):
        room = client.create_room({"is_direct": True, "invite": [person], "preset": "trusted_private_chat"})
    direct[person] = [room, *direct.get(person, [])]
    client.put_account_data("m.direct", direct)
    return room


def post_moderation_notice(space: MatrixSpace, request: ActionRequest, state: Mapping[str, Any], text: str) -> str:
    client = space.client()
    room = direct_room(client, person_of(request, state))
    content = {"msgtype": "m.text", "body": text, ACTION_KEY: request.key}
    with plainly("send the person a direct message", room):
        return client.send(room, "m.room.message", content, txn_id(request, "notice"))


def find_moderation_notice(space: MatrixSpace, request: ActionRequest, state: Mapping[str, Any]) -> str:
    client = space.client()
    room = direct_room(client, person_of(request, state), create=False)
    if not room:
        return ""
    bot = client.whoami()
    for event in client.messages(room, start=None, limit=LOOK_BACK).get("chunk", []):
        if event.get("sender") == bot and (event.get("content") or {}).get(ACTION_KEY) == request.key:
            return str(event["event_id"])
    return ""
