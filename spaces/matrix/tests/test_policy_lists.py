"""Policy lists against the real Synapse: a published rule as Draupnir and Mjolnir read it, its removal, and the
rules of a followed list matched against the people in the moderated rooms (globs as MatrixGlob matches them)."""

import uuid
from typing import Any

import pytest

from spaces.base import ListedMemberEvent, NotConfigured, Op, Verdict
from spaces.matrix import policy_lists
from spaces.matrix.client import MatrixRefused
from spaces.matrix.policy_lists import RULE_TYPE, matches
from spaces.matrix.tests.conftest import Community
from spaces.testing import make_connection, request, space_of


def rule_events(community: Community, room: str) -> list[dict[str, Any]]:
    """Every m.policy.rule.user event ever sent in the room (not only the current state): what subscribers received."""
    chunk = community.as_(community.bot).messages(room, start=None, limit=100)["chunk"]
    return [event for event in chunk if event.get("type") == RULE_TYPE]


def list_room(community: Community, owner: Any | None = None) -> str:
    """A public policy room; by default the bot's own (it creates it, so it may write rules there)."""
    return community.as_(owner or community.bot).create_room({"name": "code of conduct bans", "preset": "public_chat"})


def connection_with(monkeypatch: pytest.MonkeyPatch, community: Community, **settings: Any) -> Any:
    connection = make_connection(
        monkeypatch,
        "matrix",
        slug=f"matrix-{uuid.uuid4().hex[:6]}",
        settings={"homeserver": community.homeserver.url, "rooms": list(community.rooms), **settings},
        secrets={"access_token": community.bot.access_token},
    )
    return space_of(connection)


# --- Publishing ----------------------------------------------------------------------------------------------------


def test_a_shared_ban_is_a_rule_in_the_policy_room_and_its_lifting_empties_it(db, monkeypatch, community: Community) -> None:
    room = list_room(community)
    space = connection_with(monkeypatch, community, policy_room=room)
    alice = community.alice.user_id
    share = request(Op.SHARE_BAN, alice.removeprefix("@").casefold(), key="a" * 32, reason="code of conduct violation")

    outcome = space.apply(share)
    state_key = outcome.state["state_key"]
    assert outcome.external_ref.startswith("$"), "the receipt keeps the rule event's id"
    subscriber = community.as_(community.owner)  # as a Draupnir watching the list reads it
    subscriber.join(room)
    assert subscriber.state(room, RULE_TYPE, state_key) == {
        "entity": alice,
        "recommendation": "m.ban",
        "reason": "code of conduct violation",
    }
    assert alice.removeprefix("@") not in state_key and "a" * 32 not in state_key  # neither the person nor the action key
    assert space.verify(share, outcome.state).verdict == Verdict.HOLDS

    again = space.apply(share)  # a retry after a lost answer
    assert again.state == outcome.state and again.external_ref == ""
    assert len(rule_events(community, room)) == 1, "written once"

    space.revert(share, outcome.state)
    assert subscriber.state(room, RULE_TYPE, state_key) is None  # {}: how Mjolnir removes a rule
    assert space.verify(share, outcome.state).verdict == Verdict.ABSENT
    lifted_again = space.revert(share, outcome.state)  # a retry after a lost answer, or a rule removed by hand
    assert lifted_again.detail == f"The ban of {alice} was already off the policy list {room}."
    assert [event["content"] for event in rule_events(community, room)] == [{}, outcome_content(alice)]


def outcome_content(entity: str) -> dict[str, str]:
    return {"entity": entity, "recommendation": "m.ban", "reason": "code of conduct violation"}


def test_a_rule_removed_by_hand_is_seen_as_absent(db, monkeypatch, community: Community) -> None:
    room = list_room(community)
    space = connection_with(monkeypatch, community, policy_room=room)
    share = request(Op.SHARE_BAN, community.bob.user_id, key=uuid.uuid4().hex, reason="code of conduct violation")
    outcome = space.apply(share)
    community.as_(community.bot).put_state(room, RULE_TYPE, outcome.state["state_key"], {})  # a moderator's client
    assert space.verify(share, outcome.state).verdict == Verdict.ABSENT


def test_a_rule_rewritten_by_hand_to_name_someone_else_or_not_to_ban_is_seen_as_absent(db, monkeypatch, community: Community) -> None:
    room = list_room(community)
    space = connection_with(monkeypatch, community, policy_room=room)
    bob = community.bob.user_id
    share = request(Op.SHARE_BAN, bob, key=uuid.uuid4().hex, reason="code of conduct violation")
    outcome = space.apply(share)
    state_key = outcome.state["state_key"]
    bot = community.as_(community.bot)
    # Mjolnir's older word for a ban still bans: the rule holds.
    bot.put_state(room, RULE_TYPE, state_key, {"entity": bob, "recommendation": "org.matrix.mjolnir.ban", "reason": "x"})
    assert space.verify(share, outcome.state).verdict == Verdict.HOLDS
    # A moderator's client turned it into an opinion, or pointed it at someone else: Bob is no longer banned by it.
    bot.put_state(room, RULE_TYPE, state_key, {"entity": bob, "recommendation": "org.matrix.msc3845.opinion", "reason": "x"})
    assert space.verify(share, outcome.state).verdict == Verdict.ABSENT
    bot.put_state(room, RULE_TYPE, state_key, {"entity": community.alice.user_id, "recommendation": "m.ban", "reason": "x"})
    assert space.verify(share, outcome.state).verdict == Verdict.ABSENT


def test_a_rule_is_removed_from_the_room_it_was_published_in_after_the_setting_moves(db, monkeypatch, community: Community) -> None:
    first = list_room(community)
    share = request(Op.SHARE_BAN, community.bob.user_id, key=uuid.uuid4().hex, reason="code of conduct violation")
    outcome = connection_with(monkeypatch, community, policy_room=first).apply(share)
    moved = connection_with(monkeypatch, community, policy_room=list_room(community))  # the operator names a new list
    assert moved.verify(share, outcome.state).verdict == Verdict.HOLDS, "checked where it was written"
    moved.revert(share, outcome.state)
    assert community.as_(community.bot).state(first, RULE_TYPE, outcome.state["state_key"]) is None, "lifted where it was written"
    assert moved.verify(share, outcome.state).verdict == Verdict.ABSENT


def test_a_bot_invited_with_power_joins_the_policy_room_to_publish(db, monkeypatch, community: Community) -> None:
    owner = community.as_(community.owner)
    bot = community.bot.user_id
    room = owner.create_room(
        {"name": "bans", "preset": "private_chat", "invite": [bot], "power_level_content_override": {"users": {bot: 50}}}
    )
    space = connection_with(monkeypatch, community, policy_room=room)
    share = request(Op.SHARE_BAN, community.bob.user_id, key=uuid.uuid4().hex, reason="code of conduct violation")
    outcome = space.apply(share)
    assert owner.state(room, RULE_TYPE, outcome.state["state_key"]) == outcome_content(community.bob.user_id)


def test_without_power_in_the_policy_room_publishing_is_refused(db, monkeypatch, community: Community) -> None:
    room = list_room(community, owner=community.owner)  # the owner's room: the bot may join, not write rules
    space = connection_with(monkeypatch, community, policy_room=room)
    share = request(Op.SHARE_BAN, community.bob.user_id, key=uuid.uuid4().hex, reason="code of conduct violation")
    with pytest.raises(MatrixRefused) as refused:
        space.apply(share)
    assert refused.value.errcode == "M_FORBIDDEN"
    with pytest.raises(NotConfigured, match="policy_room"):
        connection_with(monkeypatch, community).apply(share)


# --- Following -----------------------------------------------------------------------------------------------------


def test_matrix_globs_match_as_mjolnir_matches_them() -> None:
    assert matches("@*:evil.example", "@spammer:evil.example")
    assert matches("@*:evil.example", "@:evil.example")  # `*` may be empty
    assert not matches("@*:evil.example", "@spammer:evil.example.org"), "the whole id"
    assert not matches("@*:evil.example", "@spammer:notevil.example")
    assert not matches("@*:evil.example", "@spammer:EVIL.example"), "letter case counts"
    assert matches("@bot-??:example.org", "@bot-42:example.org") and not matches("@bot-??:example.org", "@bot-7:example.org")
    assert matches("@a.b:example.org", "@a.b:example.org") and not matches("@a.b:example.org", "@axb:example.org"), "literal dot"
    assert not matches("", "@anyone:example.org"), "a removed rule names nobody"


def test_a_rule_names_the_same_members_whether_looked_up_or_matched() -> None:
    present = dict.fromkeys(["@alice:example.org", "@spam-42:evil.example", "@spam-7:evil.example", "@Bob:example.org"])
    assert policy_lists.named_by("@alice:example.org", present) == ["@alice:example.org"]
    assert policy_lists.named_by("@ALICE:example.org", present) == []  # letter case counts, as in a glob
    assert policy_lists.named_by("@bob:example.org", present) == []
    assert policy_lists.named_by("@*:evil.example", present) == ["@spam-42:evil.example", "@spam-7:evil.example"]
    assert policy_lists.named_by("@spam-??:evil.example", present) == ["@spam-42:evil.example"]
    assert policy_lists.named_by("", present) == []
    for entity in ("@alice:example.org", "@*:evil.example", "@spam-?:evil.example", "@nobody:example.org"):
        assert policy_lists.named_by(entity, present) == [user for user in present if matches(entity, user)]


def test_a_followed_list_naming_a_member_raises_one_flag_per_rule_and_member(db, monkeypatch, community: Community) -> None:
    other = community.homeserver.register("neighbour")  # another community curates this list
    followed = list_room(community, owner=other)
    curator = community.as_(other)
    alice, bob = community.alice.user_id, community.bob.user_id
    localpart = alice.split(":")[0].removeprefix("@")
    curator.put_state(followed, RULE_TYPE, "rule-1", {"entity": alice, "recommendation": "m.ban", "reason": "spam waves"})
    curator.put_state(followed, RULE_TYPE, "rule-2", {"entity": f"@{localpart[:3]}*:steward.test", "recommendation": "m.ban"})
    curator.put_state(followed, "org.matrix.mjolnir.rule.user", "rule-3", {"entity": bob, "recommendation": "org.matrix.mjolnir.ban"})
    curator.put_state(followed, RULE_TYPE, "opinion", {"entity": bob, "recommendation": "org.matrix.msc3845.opinion"})
    curator.put_state(followed, RULE_TYPE, "removed", {})
    curator.put_state(followed, RULE_TYPE, "malformed", {"entity": 42, "recommendation": "m.ban"})  # names nobody; read on
    # A server rule bans a whole server, not a member: its entity is a server name, never matched against user ids.
    curator.put_state(followed, "m.policy.rule.server", "server", {"entity": "*steward.test", "recommendation": "m.ban"})
    curator.put_state(followed, RULE_TYPE, "nobody", {"entity": "@*:evil.example", "recommendation": "m.ban", "reason": "a bad server"})
    space = connection_with(monkeypatch, community, follow_policy_rooms=followed)

    found = policy_lists.followed_matches(space)
    assert all(isinstance(event, ListedMemberEvent) for event in found)
    flagged = sorted((event.listed, event.entity, event.reason) for event in found if isinstance(event, ListedMemberEvent))
    assert flagged == sorted(
        [
            ((alice,), alice, "spam waves"),
            ((alice,), f"@{localpart[:3]}*:steward.test", ""),
            ((bob,), bob, ""),
        ]
    )
    assert {event.policy_list for event in found if isinstance(event, ListedMemberEvent)} == {followed}
    assert followed in community.as_(community.bot).joined_rooms(), "the bot joined the list to read it"


def test_a_list_that_cannot_be_read_does_not_stop_the_others(db, monkeypatch, community: Community) -> None:
    followed = list_room(community, owner=community.owner)
    community.as_(community.owner).put_state(followed, RULE_TYPE, "r", {"entity": community.bob.user_id, "recommendation": "m.ban"})
    space = connection_with(monkeypatch, community, follow_policy_rooms=f"#no-such-list-{uuid.uuid4().hex[:6]}:steward.test, {followed}")
    assert [event.listed for event in policy_lists.followed_matches(space) if isinstance(event, ListedMemberEvent)] == [
        (community.bob.user_id,)
    ]
    assert policy_lists.followed_matches(connection_with(monkeypatch, community)) == [], "nothing followed, nothing read"
