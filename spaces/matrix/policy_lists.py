"""Sharing bans the Matrix way: policy lists (https://spec.matrix.org/v1.15/client-server-api/#moderation-policy-lists).

A policy list is a room of `m.policy.rule.user` state events, each naming an `entity` (a Matrix id, or a glob such
as `@*:spam.example`), a `recommendation` (`m.ban`) and a `reason`. Draupnir and Mjolnir protect rooms by
subscribing to such lists and banning whoever a rule matches.

Publishing (Op.SHARE_BAN): where the stewards choose it for a case and the policy allows it (enforcement.shared_bans
decides both, and hands over the public reason from the policy's template: never the steward's reason), Steward
writes one rule in the connection's `policy_room`: the person's Matrix id, `m.ban`, the public reason. Its state key
is derived from the action's key, so a retry rewrites the same rule and two cases about one person are two rules;
it names neither the person nor the case. Lifting writes the same state key with empty content, which is how
Mjolnir and Draupnir remove a rule (a state event cannot be deleted).

Following (`follow_policy_rooms`): on every read, each followed list's current rules are matched against the
members (joined or invited) of the moderated rooms, and each ban rule that matches someone becomes a
ListedMemberEvent: a flag in the committee's review queue, never a sanction by itself.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from spaces.base import ActionRequest, Check, Event, ListedMemberEvent, NotConfigured, Outcome, SpaceError, Verdict

if TYPE_CHECKING:
    from spaces.matrix.space import MatrixSpace

logger = logging.getLogger("steward.spaces")

RULE_TYPE = "m.policy.rule.user"
# The rule types subscribers read: the stable one, and the two older ones Mjolnir still honours.
USER_RULE_TYPES = (RULE_TYPE, "m.room.rule.user", "org.matrix.mjolnir.rule.user")
BAN = "m.ban"
BAN_RECOMMENDATIONS = (BAN, "org.matrix.mjolnir.ban")  # the second is Mjolnir's, from before m.ban was in the spec
# Memberships that put someone in a room, or on their way in.


def user_id(subject: str) -> str:
    """A Matrix id from an identity's handle, which is stored without its leading "@" (people.normalise_handle)."""
    subject = subject.strip()
    return subject if subject.startswith("@") else f"@{subject}"


def rule_key(request: ActionRequest) -> str:
    """The rule's state key: stable across retries of one action, and naming neither the person nor the case."""
    return "steward-" + hashlib.sha256(f"steward policy rule {request.key}".encode()).hexdigest()[:32]


# --- Publishing --------------------------------------------------------------------------------------------------


def policy_room(space: MatrixSpace) -> str:
    """The room id of the connection's `policy_room` (an alias is resolved)."""
    room = str(space.settings.get("policy_room") or "").strip()
    if not room:
        raise NotConfigured(
            f"The Matrix connection {space.connection.slug} names no policy room to publish bans in (setting 'policy_room')."
        )
    return space.client().resolve_alias(room) if room.startswith("#") else room


def _where(space: MatrixSpace, state: Mapping[str, Any]) -> tuple[str, str]:
    """The room and state key the rule was written to (what `apply` recorded); the settings' room before that."""
    return str(state.get("room") or policy_room(space)), str(state.get("state_key") or "")


def _published(space: MatrixSpace, room: str, state_key: str) -> dict[str, Any] | None:
    return space.client().state(room, RULE_TYPE, state_key) if state_key else None


def _enter(space: MatrixSpace, room: str) -> None:
    """Join the policy room where the bot is not in it yet (invited, or a public room): it can neither read nor write
    the room's rules from outside."""
    client = space.client()
    if room not in client.joined_rooms():
        client.join(room)


def _put(space: MatrixSpace, room: str, state_key: str, content: Mapping[str, Any]) -> str:
    return space.client().put_state(room, RULE_TYPE, state_key, content)


def publish(space: MatrixSpace, request: ActionRequest) -> Outcome:
    """Write the rule: the person's Matrix id, m.ban, and the request's reason (the policy's public reason)."""
    room = policy_room(space)
    _enter(space, room)
    state_key = rule_key(request)
    entity = user_id(request.subject)
    content = {"entity": entity, "recommendation": BAN, "reason": request.reason}
    state = {"room": room, "state_key": state_key, "entity": entity}
    if _published(space, room, state_key) == content:
        return Outcome(detail=f"The ban of {entity} was already on the policy list {room}.", state=state)
    event_id = _put(space, room, state_key, content)
    return Outcome(detail=f"Published the ban of {entity} on the policy list {room}.", external_ref=event_id, state=state)


def withdraw(space: MatrixSpace, request: ActionRequest, state: Mapping[str, Any]) -> Outcome:
    """Remove the rule: the same state key with empty content, as Mjolnir and Draupnir remove theirs."""
    room, state_key = _where(space, state)
    state_key = state_key or rule_key(request)
    entity = str(state.get("entity") or user_id(request.subject))
    if not _published(space, room, state_key):
        return Outcome(detail=f"The ban of {entity} was already off the policy list {room}.")
    event_id = _put(space, room, state_key, {})
    return Outcome(detail=f"Removed the ban of {entity} from the policy list {room}.", external_ref=event_id)


def check(space: MatrixSpace, request: ActionRequest, state: Mapping[str, Any]) -> Check:
    """HOLDS while the rule names the person; ABSENT once it is empty (lifted, or removed by hand in a client)."""
    room, state_key = _where(space, state)
    state_key = state_key or rule_key(request)
    entity = str(state.get("entity") or user_id(request.subject))
    content = _published(space, room, state_key) or {}
    if content.get("entity") == entity and content.get("recommendation") in BAN_RECOMMENDATIONS:
        return Check(Verdict.HOLDS, f"The ban of {entity} is on the policy list {room}.")
    return Check(Verdict.ABSENT, f"The ban of {entity} is not on the policy list {room}.")


# --- Following ---------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def glob(pattern: str) -> re.Pattern[str]:
    """A policy rule's entity as Mjolnir and Draupnir match it (matrix-bot-sdk's MatrixGlob): `*` any run of
    characters, `?` any one character, everything else literal; the whole id, letter case counting."""
    return re.compile("".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern))


def matches(entity: str, user: str) -> bool:
    return bool(entity) and glob(entity).fullmatch(user) is not None


def named_by(entity: str, present: Mapping[str, None]) -> list[str]:
    """The members a rule's entity names. Most rules name one id: those are looked up, not matched against every
    member (a list of hundreds of rules against rooms of thousands of members is read every poll)."""
    if not entity:
        return []
    if "*" not in entity and "?" not in entity:
        return [entity] if entity in present else []
    return [user for user in present if matches(entity, user)]


def members(space: MatrixSpace) -> list[str]:
    """Everyone joined to or invited into the moderated rooms, but the bot itself. Read every poll, so asked compactly:
    the joined ids, and the invitations, rather than every membership the room ever had."""
    client = space.client()
    me = client.whoami()
    found: dict[str, None] = {}
    for room in space.rooms():
        invited = [str(event.get("state_key") or "") for event in client.members(room, "invite")]
        for user in [*client.joined_members(room), *invited]:
            if user and user != me:
                found[user] = None
    return list(found)


def ban_rules(state: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The user ban rules in a list's state; a removed rule (empty content) names nobody and matches nobody."""
    rules = []
    for event in state:
        content = event.get("content") or {}
        if event.get("type") not in USER_RULE_TYPES or not isinstance(content, Mapping):
            continue
        if isinstance(content.get("entity"), str) and content["entity"] and content.get("recommendation") in BAN_RECOMMENDATIONS:
            rules.append(event)
    return rules


def _list_room(space: MatrixSpace, name: str, joined: list[str]) -> str:
    client = space.client()
    room = client.resolve_alias(name) if name.startswith("#") else name
    if room not in joined:
        room = client.join(name)  # a public list is joined by its name; a private one must invite the bot first
        joined.append(room)
    return room


def followed_matches(space: MatrixSpace) -> list[Event]:
    """A ListedMemberEvent for each member of the moderated rooms that a ban rule of a followed list matches.

    A list that cannot be read (unknown alias, the bot not let in) is skipped and logged; the others and the rest
    of the read go on. The flags repeat on every read: the review queue keeps one per list, rule and member.
    """
    from spaces.matrix.space import names

    followed = names(space.settings.get("follow_policy_rooms"))
    if not followed:
        return []
    client = space.client()
    present = dict.fromkeys(members(space))
    joined = client.joined_rooms()
    events: list[Event] = []
    for name in followed:
        try:
            room = _list_room(space, name, joined)
            rules = ban_rules(client.room_state(room))
        except SpaceError as error:
            logger.warning('policy list not read: connection=%s list=%s reason="%s"', space.connection.slug, name, error.message)
            continue
        for rule in rules:
            content = rule["content"]
            for user in named_by(content["entity"], present):
                events.append(
                    ListedMemberEvent(
                        listed=(user,),
                        policy_list=name,
                        rule=f"{room} {rule['type']} {rule.get('state_key', '')}",
                        entity=content["entity"],
                        reason=str(content.get("reason") or "")[:1000],
                        recommendation=str(content["recommendation"]),
                    )
                )
    return events
