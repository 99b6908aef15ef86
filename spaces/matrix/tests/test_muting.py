"""Muting by power level against the real Synapse: the person may read and may not post, and lifting the mute puts
back exactly the level each room had for them (a value, or none)."""

import pytest

from spaces.base import Op, PermanentFailure, Verdict
from spaces.matrix.client import MatrixRefused
from spaces.testing import request

pytestmark = pytest.mark.django_db


def handle(account):
    return account.user_id.lstrip("@").casefold()


def levels(community, room):
    return community.as_(community.owner).state(room, "m.room.power_levels")


def set_level(community, room, account, level):
    content = levels(community, room)
    content["users"][account.user_id] = level
    community.as_(community.owner).put_state(room, "m.room.power_levels", "", content)


def may_post(community, account, room, text):
    try:
        community.as_(account).send(room, "m.room.message", {"msgtype": "m.text", "body": text}, f"t-{text}-{room}")
    except MatrixRefused as refused:
        assert refused.errcode == "M_FORBIDDEN"
        return False
    return True


def test_mute_and_restore_exactly_the_earlier_levels(matrix, community):
    general, dev = community.rooms
    set_level(community, dev, community.alice, 10)
    ask = request(Op.SILENCE, handle(community.alice))

    outcome = matrix.apply(ask)

    assert outcome.state["earlier"] == {general: None, dev: 10}
    assert levels(community, general)["users"][community.alice.user_id] == -1
    assert not may_post(community, community.alice, general, "muted?") and not may_post(community, community.alice, dev, "muted?")
    assert matrix.verify(ask, outcome.state).verdict == Verdict.HOLDS
    # A retry after a crash between the change and its record still knows the earlier levels (from the event the
    # mute replaced), and changes nothing.
    again = matrix.apply(ask)
    assert again.state["earlier"] == {general: None, dev: 10}

    lifted = matrix.revert(ask, outcome.state)
    assert "Lifted the mute" in lifted.detail
    assert community.alice.user_id not in levels(community, general)["users"], "no entry where there was none"
    assert levels(community, dev)["users"][community.alice.user_id] == 10
    assert may_post(community, community.alice, general, "back")
    assert matrix.verify(ask, outcome.state).verdict == Verdict.ABSENT


def test_a_mute_lifted_by_hand_is_seen_and_a_hand_change_is_kept(matrix, community):
    general, dev = community.rooms
    ask = request(Op.SILENCE, handle(community.bob))
    outcome = matrix.apply(ask)
    set_level(community, dev, community.bob, 0)  # a moderator unmutes in their client
    check = matrix.verify(ask, outcome.state)
    assert check.verdict == Verdict.ABSENT and dev in check.detail
    set_level(community, dev, community.bob, 20)
    lifted = matrix.revert(ask, outcome.state)
    assert "changed by hand" in lifted.detail
    assert levels(community, dev)["users"][community.bob.user_id] == 20
    assert community.bob.user_id not in levels(community, general)["users"]


def test_a_room_that_needs_more_to_post_a_message_mutes_below_both_and_a_hand_mute_is_left_alone(matrix, community):
    general, dev = community.rooms
    content = levels(community, general)
    content["events_default"], content["events"]["m.room.message"] = 10, 20
    community.as_(community.owner).put_state(general, "m.room.power_levels", "", content)
    set_level(community, general, community.alice, 15)  # may react (10), may not write (20): not muted yet
    set_level(community, dev, community.alice, -5)  # muted by a moderator's own hand
    ask = request(Op.SILENCE, handle(community.alice))
    outcome = matrix.apply(ask)
    assert outcome.state["earlier"] == {general: 15}
    assert levels(community, general)["users"][community.alice.user_id] == 9
    assert "already muted" in outcome.detail
    matrix.revert(ask, outcome.state)
    assert levels(community, general)["users"][community.alice.user_id] == 15
    assert levels(community, dev)["users"][community.alice.user_id] == -5, "the moderator's mute is theirs to lift"


def test_the_bot_cannot_mute_someone_at_its_level_or_change_levels_without_the_power(matrix, community):
    general, dev = community.rooms
    set_level(community, dev, community.moderator, 100)
    with pytest.raises(PermanentFailure, match="at least the bot's 100"):
        matrix.apply(request(Op.SILENCE, handle(community.moderator)))
    assert levels(community, general)["users"][community.moderator.user_id] == 50, "nothing changed anywhere"

    set_level(community, general, community.bot, 50)  # changing power levels needs 100 in these rooms
    with pytest.raises(PermanentFailure, match=r"has power 50 in general .*changing power levels needs 100"):
        matrix.apply(request(Op.SILENCE, handle(community.alice), key="k-2"))
