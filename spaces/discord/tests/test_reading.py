"""Reading channels and the audit log, and the fake's own contract checks."""

from datetime import timedelta

import httpx
import pytest

from spaces.base import Op
from spaces.contracts import check_response
from spaces.discord.client import snowflake_at, time_of
from spaces.testing import request
from steward.testing import T0

pytestmark = pytest.mark.django_db


def test_read_gives_written_messages_since_a_time_oldest_first_across_channels(discord, fake, channel, clock):
    other = fake.add_channel()
    discord.settings["channels"] = [channel, other]
    victim, troll = fake.add_user("victim"), fake.add_user("troll")
    fake.add_message(channel, troll, "before the period", at=T0 - timedelta(hours=1))
    joined = fake.add_message(channel, troll, "", at=T0 + timedelta(seconds=30))
    joined["type"] = 7  # USER_JOIN: a system message, nobody wrote it
    fake.add_message(other, victim, "hello all", at=T0 + timedelta(minutes=1))
    reply = fake.add_message(channel, troll, "@victim you again", mentions=[victim], at=T0 + timedelta(minutes=2))
    items = list(discord.read(T0))
    assert [item.text for item in items] == ["hello all", "@victim you again"]
    assert items[1].author == (troll, "troll") and items[1].addressed == (victim, "victim")
    assert items[1].external_id == f"{channel}/{reply['id']}" and items[1].thread == channel
    assert items[0].created_at == T0 + timedelta(minutes=1)


def test_read_follows_pages_of_a_hundred(discord, fake, channel, clock):
    author = fake.add_user("chatty")
    for number in range(150):
        fake.add_message(channel, author, f"message {number}", at=T0 + timedelta(seconds=number))
    items = list(discord.read(T0 - timedelta(seconds=1)))
    assert [item.text for item in items] == [f"message {number}" for number in range(150)]
    assert len([call for call in fake.calls if call.path.endswith("/messages")]) == 2


def test_replies_address_the_author_replied_to(discord, fake, channel):
    victim, troll = fake.add_user("victim"), fake.add_user("troll")
    original = fake.add_message(channel, victim, "my talk proposal")
    fake.add_message(channel, troll, "nobody cares", reply_to=original["id"])
    reply = list(discord.read(time_of(original["id"]) - timedelta(seconds=1)))[-1]
    assert reply.addressed == (victim, "victim")


def test_moderation_log_has_bans_and_time_outs_by_people_not_by_steward(discord, fake, clock):
    moderator, troll, spammer, renamed = (fake.add_user(name) for name in ("mod", "troll", "spammer", "renamed"))
    fake.ban_by_hand(fake.add_user("old"), moderator, "long ago")
    clock(timedelta(hours=1))
    since = T0 + timedelta(minutes=30)
    discord.apply(request(Op.BAN, spammer, reason="Steward's own ban"))
    fake.ban_by_hand(troll, moderator, "Raid")
    fake.time_out_by_hand(renamed, moderator, T0 + timedelta(days=1), "Cool down")
    fake.time_out_by_hand(renamed, moderator, None)
    fake.rename_by_hand(renamed, moderator, "new name")

    events = list(discord.moderation_log(since))
    assert [(event.action, event.subject) for event in events] == [
        ("banned", (troll, "troll")),
        ("timed out", (renamed, "renamed")),
        ("time-out lifted", (renamed, "renamed")),
    ]
    assert all(event.actor == (moderator, "mod") for event in events)
    assert events[0].detail == "Raid" and events[0].at == T0 + timedelta(hours=1)
    assert events[1].detail == "until 2026-03-03 09:00 UTC; Cool down"


def test_snowflakes_and_times_agree():
    assert time_of(snowflake_at(T0)) == T0
    assert snowflake_at(T0 + timedelta(milliseconds=1)) > snowflake_at(T0)


def test_the_fake_refuses_bodies_that_break_discords_contract(fake, url):
    user = fake.add_user("troll")
    headers = {"Authorization": f"Bot {fake.token}"}
    response = httpx.put(f"{url}/api/v10/guilds/{fake.guild_id}/bans/{user}", json={"delete_message_seconds": 10**7}, headers=headers)
    assert response.status_code == 400 and response.json()["code"] == 50035
    assert user not in fake.bans
    assert "delete_message_seconds" in fake.contract_errors.pop()
    unauthorised = httpx.get(f"{url}/users/@me", headers={"Authorization": "Bot nope"})
    assert unauthorised.status_code == 401 and unauthorised.json() == {"message": "401: Unauthorized", "code": 0}


def test_the_fakes_rate_limit_and_errors_are_discords_shapes(fake):
    limited = fake.rate_limited(1.5)
    assert limited.headers["Retry-After"] == "2" and limited.headers["X-RateLimit-Remaining"] == "0"
    check_response("discord", "PUT", "/guilds/1/bans/2", 429, limited.body)
    check_response("discord", "GET", "/guilds/1/bans/2", 404, fake.error(404, 10026, "Unknown Ban").json())
