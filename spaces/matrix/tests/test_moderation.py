"""Ban, kick and redaction against the real Synapse, checked the way the rooms' people meet them: who may join, whose
messages are gone, what the room's timeline holds (one ban, one redaction, however often Steward was asked).

Muting lives in test_muting.py; the whole way through the enforcement executor in test_enforcement.py.
"""

import pytest

from spaces.base import Op, PermanentFailure, Verdict
from spaces.matrix.client import MatrixRefused
from spaces.testing import make_connection, request, space_of

pytestmark = pytest.mark.django_db


def handle(account):
    """The user id as Steward stores an identity's handle: no "@", casefolded."""
    return account.user_id.lstrip("@").casefold()


def say(community, account, room, text):
    return community.as_(account).send(room, "m.room.message", {"msgtype": "m.text", "body": text}, f"t-{text}-{room}")


def timeline(community, room, types):
    """The room's events of `types`, newest first, as the owner's client reads them."""
    chunk = community.as_(community.owner).messages(room, start=None, limit=200)["chunk"]
    return [event for event in chunk if event["type"] in types]


def bans_of(community, room, account):
    return [
        event
        for event in timeline(community, room, {"m.room.member"})
        if event["state_key"] == account.user_id and event["content"]["membership"] == "ban"
    ]


def redactions_of(community, room, event_id):
    return [event for event in timeline(community, room, {"m.room.redaction"}) if event.get("redacts") == event_id]


def membership(community, room, account):
    return community.as_(community.owner).membership(room, account.user_id)


# Bans ---------------------------------------------------------------------------------------------------------------


def test_ban_in_every_room_redacts_recent_events_once_however_often_asked(matrix, community):
    general, dev = community.rooms
    hers = [say(community, community.alice, general, "one"), say(community, community.alice, dev, "two")]
    bobs = say(community, community.bob, general, "bob's")
    ask = request(Op.BAN, handle(community.alice), reason="Harassment, under the code of conduct.", redact_recent_hours=2)

    outcome = matrix.apply(ask)
    # The worker died before recording it: the retry (same key) bans nobody twice and redacts nothing twice.
    again = matrix.apply(ask)

    for room in community.rooms:
        assert membership(community, room, community.alice) == "ban"
        [ban] = bans_of(community, room, community.alice)
        assert ban["sender"] == community.bot.user_id and ban["content"]["reason"] == "Harassment, under the code of conduct."
    for room, event_id in zip(community.rooms, hers, strict=True):
        [redaction] = redactions_of(community, room, event_id)
        assert redaction["content"]["reason"] == "Harassment, under the code of conduct."
        assert community.as_(community.owner).event(room, event_id)["content"] == {}
    assert community.as_(community.owner).event(general, bobs)["content"]["body"] == "bob's"
    assert outcome.state["banned"] == again.state["banned"] == list(community.rooms)
    assert outcome.state["redacted"] == 2 and again.state["redacted"] == 0
    assert outcome.detail.startswith(f"Banned {community.alice.user_id} from ")
    assert "already banned" in again.detail
    assert matrix.verify(ask, outcome.state).verdict == Verdict.HOLDS
    assert matrix.verify(ask, {}).verdict == Verdict.HOLDS  # what the executor asks after a crash, with no record yet

    lifted = matrix.revert(ask, outcome.state)
    assert "Lifted the ban" in lifted.detail
    assert [membership(community, room, community.alice) for room in community.rooms] == ["leave", "leave"]
    assert matrix.verify(ask, outcome.state).verdict == Verdict.ABSENT


def test_a_ban_lifted_by_hand_in_one_room_is_drift_naming_the_room(matrix, community):
    _, dev = community.rooms
    ask = request(Op.BAN, handle(community.alice))
    outcome = matrix.apply(ask)
    community.as_(community.moderator).unban(dev, community.alice.user_id, "they apologised to me")
    check = matrix.verify(ask, outcome.state)
    assert check.verdict == Verdict.ABSENT
    assert check.detail == f"{community.alice.user_id} is not banned from dev ({dev})."


def test_lifting_leaves_a_ban_a_moderator_made(matrix, community):
    general, dev = community.rooms
    community.as_(community.moderator).ban(dev, community.alice.user_id, "spam, by hand")
    ask = request(Op.BAN, "@" + handle(community.alice))
    outcome = matrix.apply(ask)
    assert outcome.state["banned"] == [general]
    assert "already banned" in outcome.detail
    matrix.revert(ask, outcome.state)
    assert membership(community, general, community.alice) == "leave"
    [ban] = bans_of(community, dev, community.alice)
    assert ban["sender"] == community.moderator.user_id, "the moderator's ban stays"


def test_lifting_without_a_record_lifts_only_this_actions_bans(matrix, community):
    """A crash between the ban and its record: the executor's check finds it in place and records no state; the
    reversal still lifts Steward's bans (sender and reason) and no one else's."""
    general, dev = community.rooms
    ask = request(Op.BAN, handle(community.alice), reason="Steward's reason")
    matrix.apply(ask)
    community.as_(community.moderator).unban(dev, community.alice.user_id, "")
    community.as_(community.moderator).ban(dev, community.alice.user_id, "the moderator's own")
    matrix.revert(ask, {})
    assert membership(community, general, community.alice) == "leave"
    assert membership(community, dev, community.alice) == "ban"


def test_a_ban_is_the_invite_block_for_someone_not_in_the_rooms(matrix, community, synapse):
    general, _ = community.rooms
    stranger = synapse.register("stranger")
    matrix.apply(request(Op.BAN, handle(stranger)))
    with pytest.raises(MatrixRefused) as joining:
        community.as_(stranger).join(general)
    assert "banned" in joining.value.message, joining.value.message  # Synapse: M_BAD_STATE, "You are banned from this room"
    with pytest.raises(MatrixRefused) as inviting:
        community.as_(community.moderator)._call(
            "POST", f"/_matrix/client/v3/rooms/{general}/invite", "inviting", body={"user_id": stranger.user_id}
        )
    assert "banned" in inviting.value.message, inviting.value.message


def test_a_user_of_another_homeserver_is_banned_without_asking_it(matrix, community):
    """Their server may be down or gone: the ban is this room's record, not a question to theirs."""
    outcome = matrix.apply(request(Op.BAN, "troll:elsewhere.example"))
    assert outcome.state["banned"] == list(community.rooms)
    assert community.as_(community.owner).membership(community.rooms[0], "@troll:elsewhere.example") == "ban"


def test_someone_with_more_power_than_the_bot_is_refused_and_nothing_changes(matrix, community):
    general, _ = community.rooms
    with pytest.raises(PermanentFailure, match=r"power unlimited \(they created the room\).*room's admins must act"):
        matrix.apply(request(Op.BAN, handle(community.owner), redact_recent_hours=1))
    assert bans_of(community, general, community.owner) == []


def test_a_bot_without_moderator_power_is_told_what_to_fix(db, monkeypatch, community, synapse):
    weak = synapse.register("weak-bot")
    room = synapse.room(community.owner, members=(community.alice, weak))
    connection = make_connection(
        monkeypatch,
        "matrix",
        slug="weak",
        settings={"homeserver": synapse.url, "rooms": [room]},
        secrets={"access_token": weak.access_token},
    )
    with pytest.raises(PermanentFailure, match=r"has power 0 in .*banning needs 50.*Roles & Permissions"):
        space_of(connection).apply(request(Op.BAN, handle(community.alice)))
    assert membership(community, room, community.alice) == "join"


def test_a_room_the_bot_is_not_in_is_refused_before_any_room_changes(db, monkeypatch, community, synapse):
    general, dev = community.rooms
    elsewhere = synapse.room(community.owner, members=(community.alice,), name="elsewhere")
    settings = {"homeserver": synapse.url, "rooms": [general, elsewhere, dev]}
    connection = make_connection(monkeypatch, "matrix", slug="gap", settings=settings, secrets={"access_token": community.bot.access_token})
    with pytest.raises(PermanentFailure, match=f"is not in {elsewhere}: invite it"):
        space_of(connection).apply(request(Op.BAN, handle(community.alice)))
    assert membership(community, general, community.alice) == "join"


def test_an_unknown_user_or_a_malformed_id_is_refused(matrix, community):
    with pytest.raises(PermanentFailure, match=r"There is no Matrix user @nobody-at-all:steward\.test"):
        matrix.apply(request(Op.BAN, "nobody-at-all:steward.test"))
    with pytest.raises(PermanentFailure, match="is not a Matrix user id"):
        matrix.apply(request(Op.BAN, "alice"))


# Kicks --------------------------------------------------------------------------------------------------------------


def test_kick_from_every_room_or_one_and_a_return_is_seen(matrix, community):
    general, dev = community.rooms
    ask = request(Op.REMOVE_FROM_CHANNEL, handle(community.bob), room=dev)
    outcome = matrix.apply(ask)
    assert outcome.state["kicked"] == [dev]
    assert membership(community, dev, community.bob) == "leave" and membership(community, general, community.bob) == "join"
    assert "already out" in matrix.apply(ask).detail
    assert matrix.verify(ask, outcome.state).verdict == Verdict.HOLDS
    community.as_(community.bob).join(dev)  # a kick is not a ban: they may come back
    assert matrix.verify(ask, outcome.state).verdict == Verdict.ABSENT

    everywhere = request(Op.REMOVE_FROM_CHANNEL, handle(community.bob), key="k-2")
    assert matrix.apply(everywhere).state["kicked"] == list(community.rooms)
    with pytest.raises(PermanentFailure, match="not one of the rooms"):
        matrix.apply(request(Op.REMOVE_FROM_CHANNEL, handle(community.bob), room="!elsewhere:steward.test"))


# Redacting one message ----------------------------------------------------------------------------------------------


def test_redact_a_message_by_its_permalink_once(matrix, community):
    general, _ = community.rooms
    event_id = say(community, community.alice, general, "something vile")
    link = f"https://matrix.to/#/{general}/{event_id}?via=steward.test"
    ask = request(Op.DELETE_CONTENT, link, reason="Slur")

    assert matrix.verify(ask, {}).verdict == Verdict.ABSENT
    outcome = matrix.apply(ask)
    assert outcome.state == {"room": general, "event_id": event_id, "sender": community.alice.user_id}
    assert community.as_(community.owner).event(general, event_id)["content"] == {}
    assert "already redacted" in matrix.apply(ask).detail
    assert "already redacted" in matrix.apply(request(Op.DELETE_CONTENT, f"{general}/{event_id}", key="k-2")).detail
    [redaction] = redactions_of(community, general, event_id)
    assert redaction["content"]["reason"] == "Slur" and redaction["sender"] == community.bot.user_id
    assert matrix.verify(ask, outcome.state).verdict == Verdict.HOLDS
    with pytest.raises(PermanentFailure, match="cannot be restored"):
        matrix.revert(ask, outcome.state)


def test_links_in_every_form_and_what_is_not_a_link(matrix, community):
    general, _ = community.rooms
    first = say(community, community.alice, general, "first")
    second = say(community, community.alice, general, "second")
    encoded = f"https://matrix.to/#/{general.replace('!', '%21').replace(':', '%3A')}/{second.replace('$', '%24')}"
    uri = f"matrix:roomid/{general[1:]}/e/{first[1:]}?via=steward.test"
    assert matrix.apply(request(Op.DELETE_CONTENT, uri)).state["event_id"] == first
    assert matrix.apply(request(Op.DELETE_CONTENT, encoded, key="k-2")).state["event_id"] == second
    with pytest.raises(PermanentFailure, match="not a link to a Matrix message"):
        matrix.apply(request(Op.DELETE_CONTENT, "https://example.org/some/page"))
    with pytest.raises(PermanentFailure, match="no event"):
        matrix.apply(request(Op.DELETE_CONTENT, f"{general}/$nope"))


def test_a_message_outside_the_moderated_rooms_is_not_redacted(matrix, community):
    """A link to the committee's own room (the bot is in it) is not Steward's to moderate."""
    committee = community.as_(community.owner).create_room({"preset": "private_chat", "invite": [community.bot.user_id]})
    community.as_(community.bot).join(committee)
    event_id = say(community, community.owner, committee, "internal minutes")
    with pytest.raises(PermanentFailure, match="not one of the rooms Steward moderates"):
        matrix.apply(request(Op.DELETE_CONTENT, f"https://matrix.to/#/{committee}/{event_id}"))
    assert community.as_(community.owner).event(committee, event_id)["content"]["body"] == "internal minutes"
