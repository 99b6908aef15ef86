"""Steward's messages in Matrix against the real Synapse: the committee's notices as m.notice in its room, and the
direct message a muted person gets, in one direct chat the bot keeps (its m.direct), however many notices follow."""

import uuid

import pytest

from spaces.base import Op, PermanentFailure
from spaces.matrix.client import CLIENT, q
from spaces.testing import request

pytestmark = pytest.mark.django_db


def test_notices_go_to_the_committees_room_by_alias_as_m_notice(matrix, community):
    """The bot is invited, as an operator would: the first notice accepts the invitation."""
    alias_name = f"committee-{uuid.uuid4().hex[:8]}"
    room = community.as_(community.owner).create_room(
        {"preset": "private_chat", "room_alias_name": alias_name, "invite": [community.bot.user_id]}
    )
    event_id = matrix.post_notice(f"#{alias_name}:steward.test", "Case AMBER-FOX: the vote is open.")
    event = community.as_(community.owner).event(room, event_id)
    assert event["sender"] == community.bot.user_id
    assert event["content"] == {"msgtype": "m.notice", "body": "Case AMBER-FOX: the vote is open."}


def test_a_notice_room_the_bot_is_not_in_is_a_clear_failure(matrix, community):
    room = community.as_(community.owner).create_room({"preset": "private_chat"})
    with pytest.raises(PermanentFailure, match="did not let Steward's bot join the notice room"):
        matrix.post_notice(room, "hello")


def test_a_muted_person_hears_why_in_one_direct_chat(matrix, community):
    ask = request(Op.SILENCE, community.alice.user_id, key="mute-1")
    outcome = matrix.apply(ask)
    first = matrix.post_moderation_notice(ask, outcome.state, "You were muted. Reason: spam.")
    second_ask = request(Op.SILENCE, community.alice.user_id, key="mute-2")
    second = matrix.post_moderation_notice(second_ask, outcome.state, "Again.")
    bot = community.as_(community.bot)
    direct = bot._call("GET", f"{CLIENT}/user/{q(community.bot.user_id)}/account_data/m.direct", "reading")
    [room] = direct[community.alice.user_id]
    assert bot.event(room, first)["content"]["body"] == "You were muted. Reason: spam."
    assert bot.event(room, second)["room_id"] == room, "the same chat, not a new one per notice"
    assert bot.membership(room, community.alice.user_id) == "invite"
    assert matrix.find_moderation_notice(ask, outcome.state) == first
    assert matrix.find_moderation_notice(request(Op.SILENCE, community.alice.user_id, key="never-sent"), outcome.state) == ""
    with pytest.raises(PermanentFailure):
        matrix.post_moderation_notice(request(Op.BAN, community.alice.user_id), outcome.state, "no notices after a ban")
