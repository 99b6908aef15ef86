"""Time-outs, bans and message deletion against the stateful fake: apply, verify, revert, idempotence, failures."""

import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest

from spaces.base import NotConfigured, Op, PermanentFailure, TemporaryFailure, Verdict
from spaces.discord.client import DiscordClient
from spaces.discord.space import DiscordSpace
from spaces.registry import platforms
from spaces.testing import make_connection, request, space_of

pytestmark = pytest.mark.django_db


def soon(days: float = 3) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def test_registered_with_its_capabilities_and_intents():
    assert platforms()["discord"] is DiscordSpace
    assert {capability.op for capability in DiscordSpace.capabilities} == {Op.TIMEOUT, Op.BAN, Op.DELETE_CONTENT}
    assert DiscordSpace.intents == {"ban": (Op.BAN,), "mute": (Op.TIMEOUT,)}
    assert DiscordSpace.capabilities[0].native_expiry == timedelta(days=28)
    assert not next(item for item in DiscordSpace.capabilities if item.op == Op.DELETE_CONTENT).reversible


# Time-outs ------------------------------------------------------------------------------------


def test_timeout_apply_verify_revert(discord, fake):
    user = fake.add_user("nelly")
    ends = soon()
    action = request(Op.TIMEOUT, user, ends_at=ends, reason="Harassment in #general")

    assert discord.verify(action, {}).verdict == Verdict.ABSENT
    outcome = discord.apply(action)
    assert outcome.native_expiry is True
    assert outcome.state["user_id"] == user
    assert "nelly" in outcome.detail and "until" in outcome.detail
    assert datetime.fromisoformat(fake.timed_out_until(user)) == ends
    [patch] = fake.mutations("PATCH")
    assert patch.json() == {"communication_disabled_until": ends.isoformat()}
    assert unquote(patch.headers["x-audit-log-reason"]) == "Harassment in #general"
    assert discord.verify(action, outcome.state).verdict == Verdict.HOLDS

    lifted = discord.revert(action, outcome.state)
    assert "Lifted" in lifted.detail
    assert fake.mutations("PATCH")[-1].json() == {"communication_disabled_until": None}
    assert discord.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_timeout_is_applied_and_lifted_once(discord, fake):
    user = fake.add_user("nelly")
    action = request(Op.TIMEOUT, user, ends_at=soon())
    first = discord.apply(action)
    again = discord.apply(action)
    assert "already" in again.detail and again.native_expiry
    assert len(fake.mutations("PATCH")) == 1
    discord.revert(action, first.state)
    assert "already ended" in discord.revert(action, first.state).detail
    assert len(fake.mutations("PATCH")) == 2


def test_timeout_lifted_by_hand_is_seen(discord, fake):
    user = fake.add_user("nelly")
    action = request(Op.TIMEOUT, user, ends_at=soon())
    outcome = discord.apply(action)
    fake.time_out_by_hand(user, fake.add_user("mod"), None)
    assert discord.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_timeout_that_discord_lifted_at_its_end_is_absent(discord, fake, clock):
    user = fake.add_user("nelly")
    action = request(Op.TIMEOUT, user, ends_at=datetime.now(UTC) + timedelta(days=2))
    outcome = discord.apply(action)
    clock(timedelta(days=2, seconds=1))
    check = discord.verify(action, outcome.state)
    assert check.verdict == Verdict.ABSENT


def test_timeout_longer_than_28_days_is_refused_without_calling_discord(discord, fake):
    user = fake.add_user("nelly")
    with pytest.raises(PermanentFailure, match=r"at most 28 days.*use a ban"):
        discord.apply(request(Op.TIMEOUT, user, ends_at=soon(days=29)))
    with pytest.raises(PermanentFailure, match="needs an end date"):
        discord.apply(request(Op.TIMEOUT, user))
    assert fake.mutations() == []


def test_the_fake_refuses_a_time_out_beyond_28_days_as_discord_does(discord, fake, url):
    user = fake.add_user("nelly")
    with DiscordClient(url, fake.token) as api, pytest.raises(PermanentFailure, match="Invalid Form Body"):
        api.set_timeout(fake.guild_id, user, soon(days=30), "too long")
    assert fake.timed_out_until(user) is None


def test_every_change_carries_a_reason_for_the_audit_log(discord, fake):
    user = fake.add_user("troll")
    action = request(Op.BAN, user, reason="")
    discord.revert(action, discord.apply(action).state)
    reasons = [unquote(call.headers["x-audit-log-reason"]) for call in fake.mutations()]
    assert reasons == ["Code of conduct action by Steward", "Lifted by Steward"]


def test_timeout_of_someone_not_in_the_server(discord, fake):
    stranger = fake.add_user("gone", member=False)
    action = request(Op.TIMEOUT, stranger, ends_at=soon())
    with pytest.raises(PermanentFailure, match="not a member"):
        discord.apply(action)
    assert discord.verify(action, {"user_id": stranger}).verdict == Verdict.UNKNOWN


# Bans ----------------------------------------------------------------------------------------


def test_ban_apply_verify_revert(discord, fake, channel):
    user = fake.add_user("troll")
    fake.add_message(channel, user, "recent spam")
    action = request(Op.BAN, user, reason="Repeated slurs", delete_message_seconds=86400, ends_at=soon(90))

    outcome = discord.apply(action)
    assert outcome.native_expiry is False  # Discord has no timed bans: Steward schedules the unban
    assert "Steward lifts it on" in outcome.detail and "24 hours" in outcome.detail
    [put] = fake.mutations("PUT")
    assert put.json() == {"delete_message_seconds": 86400}
    assert fake.bans[user] == "Repeated slurs"
    assert fake.channels[channel] == {}  # Discord deleted the last day of their messages
    assert discord.verify(action, outcome.state).verdict == Verdict.HOLDS

    assert "Lifted the ban" in discord.revert(action, outcome.state).detail
    assert user not in fake.bans
    assert discord.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_ban_is_applied_once_and_unban_of_an_unbanned_person_succeeds(discord, fake):
    user = fake.add_user("troll")
    action = request(Op.BAN, user)
    outcome = discord.apply(action)
    assert "already banned" in discord.apply(action).detail
    assert len(fake.mutations("PUT")) == 1
    discord.revert(action, outcome.state)
    assert "no longer banned" in discord.revert(action, outcome.state).detail  # Discord's 404 Unknown Ban
    assert user not in fake.bans


def test_unban_by_hand_is_seen(discord, fake):
    user = fake.add_user("troll")
    action = request(Op.BAN, user)
    outcome = discord.apply(action)
    fake.unban_by_hand(user, fake.add_user("mod"))
    assert discord.verify(action, outcome.state).verdict == Verdict.ABSENT


def test_ban_refuses_a_purge_longer_than_discord_allows(discord, fake):
    user = fake.add_user("troll")
    with pytest.raises(PermanentFailure, match="7 days"):
        discord.apply(request(Op.BAN, user, delete_message_seconds=604801))
    assert fake.mutations() == []


def test_ban_of_an_unknown_user(discord, fake):
    with pytest.raises(PermanentFailure, match="Unknown User"):
        discord.apply(request(Op.BAN, "123456789012345678"))


def test_subjects_are_numeric_ids_and_mentions_are_accepted(discord, fake):
    user = fake.add_user("troll")
    discord.apply(request(Op.BAN, f"<@{user}>"))
    assert user in fake.bans
    with pytest.raises(PermanentFailure, match="numeric id"):
        discord.apply(request(Op.BAN, "troll"))


# Message deletion ----------------------------------------------------------------------------


def test_delete_message_by_link(discord, fake, channel):
    author = fake.add_user("troll")
    message = fake.add_message(channel, author, "something awful")
    link = f"https://discord.com/channels/{fake.guild_id}/{channel}/{message['id']}"
    action = request(Op.DELETE_CONTENT, link, reason="Slur")

    assert discord.verify(action, {}).verdict == Verdict.ABSENT
    outcome = discord.apply(action)
    assert outcome.external_ref == link and "troll" in outcome.detail
    assert message["id"] not in fake.channels[channel]
    [delete] = fake.mutations("DELETE")
    assert unquote(delete.headers["x-audit-log-reason"]) == "Slur"
    assert discord.verify(action, outcome.state).verdict == Verdict.HOLDS
    assert "already deleted" in discord.apply(action).detail
    assert len(fake.mutations("DELETE")) == 1
    with pytest.raises(PermanentFailure, match="cannot be restored"):
        discord.revert(action, outcome.state)


def test_delete_message_by_channel_and_id_after_a_deletion_by_hand(discord, fake, channel):
    message = fake.add_message(channel, fake.add_user("troll"), "gone soon")
    action = request(Op.DELETE_CONTENT, f"{channel}/{message['id']}")
    fake.delete_by_hand(channel, message["id"])
    assert discord.verify(action, {}).verdict == Verdict.HOLDS
    assert "already deleted" in discord.apply(action).detail
    assert fake.mutations() == []


def test_message_in_another_server_or_not_a_link_is_refused(discord, fake, channel):
    with pytest.raises(PermanentFailure, match="not in the connected Discord server"):
        discord.apply(request(Op.DELETE_CONTENT, f"https://discord.com/channels/1/{channel}/2"))
    with pytest.raises(PermanentFailure, match="not a Discord message"):
        discord.apply(request(Op.DELETE_CONTENT, "https://example.org/1/2"))


# Failures ------------------------------------------------------------------------------------


def test_server_errors_are_temporary(discord, fake):
    user = fake.add_user("troll")
    fake.inject(502, "<html>Bad Gateway</html>", path="/bans/")
    with pytest.raises(TemporaryFailure, match="HTTP 502") as raised:
        discord.apply(request(Op.BAN, user))
    assert raised.value.retry_after is None
    assert user not in fake.bans


def test_rate_limit_is_temporary_with_discords_exact_wait(discord, fake):
    user = fake.add_user("troll")
    fake.inject_rate_limit(retry_after=2.5, method="GET")
    with pytest.raises(TemporaryFailure, match="rate-limited") as raised:
        discord.apply(request(Op.BAN, user))
    assert raised.value.retry_after == 2.5  # the body's float, not the header's rounded-up 3
    discord.apply(request(Op.BAN, user))
    assert user in fake.bans


def test_rate_limit_without_a_json_body_uses_the_header(discord, fake):
    fake.inject(429, "<html>Cloudflare</html>", {"Retry-After": "30"})
    with pytest.raises(TemporaryFailure) as raised:
        discord.apply(request(Op.BAN, fake.add_user("troll")))
    assert raised.value.retry_after == 30.0


def test_unreachable_discord_is_temporary(db, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    connection = make_connection(
        monkeypatch, "discord", settings={"api_url": f"http://127.0.0.1:{port}", "guild_id": "1"}, secrets={"bot_token": "t"}
    )
    with pytest.raises(TemporaryFailure, match="Could not reach Discord"):
        space_of(connection).apply(request(Op.BAN, "2"))


def test_missing_permission_is_permanent_and_explained(discord, fake):
    fake.inject(403, {"message": "Missing Permissions", "code": 50013}, method="PUT")
    with pytest.raises(PermanentFailure, match=r"lacks a permission.*Ban Members") as raised:
        discord.apply(request(Op.BAN, fake.add_user("admin")))
    assert raised.value.code == 50013


def test_wrong_token_is_permanent(db, monkeypatch, fake, url):
    connection = make_connection(
        monkeypatch, "discord", settings={"api_url": url, "guild_id": fake.guild_id}, secrets={"bot_token": "wrong"}
    )
    with pytest.raises(PermanentFailure, match="token is not valid"):
        space_of(connection).apply(request(Op.BAN, fake.add_user("troll")))
    assert fake.bans == {}


def test_missing_token_or_server_is_not_configured(db, monkeypatch):
    connection = make_connection(monkeypatch, "discord", slug="example", settings={"guild_id": "1"})
    with pytest.raises(NotConfigured, match="STEWARD_SPACE_EXAMPLE_BOT_TOKEN"):
        space_of(connection).apply(request(Op.BAN, "2"))
    other = make_connection(monkeypatch, "discord", slug="no-guild", secrets={"bot_token": "t"})
    with pytest.raises(NotConfigured, match="guild_id"):
        space_of(other).apply(request(Op.BAN, "2"))


def test_audit_log_reason_is_encoded_and_cut_to_discords_limit(discord, fake):
    user = fake.add_user("troll")
    reason = "Décision du comité:\nharcèlement répété " + "x" * 600
    discord.apply(request(Op.BAN, user, reason=reason))
    header = fake.mutations("PUT")[0].headers["x-audit-log-reason"]
    assert header.isascii() and "\n" not in header
    assert unquote(header) == " ".join(reason.split())[:512]


# --- Telling the person why (enforcement.platform_notices) -------------------------------------------------


def test_a_timed_out_person_gets_the_notice_as_a_direct_message(discord, fake):
    user = fake.add_user("mallory")
    action = request(Op.TIMEOUT, user, ends_at=datetime.now(UTC) + timedelta(days=1))
    discord.apply(action)
    assert Op.TIMEOUT in discord.notifies and Op.BAN not in discord.notifies
    discord.post_moderation_notice(action, {}, "The community's stewards have timed you out.")
    assert fake.direct_messages(user) == ["The community's stewards have timed you out."]
    with pytest.raises(PermanentFailure, match="cannot post a notice"):
        discord.post_moderation_notice(request(Op.BAN, user), {}, "Banned.")


def test_a_person_who_takes_no_direct_messages_is_a_refusal(discord, fake):
    user = fake.add_user("mallory")
    fake.dms_closed.add(user)
    with pytest.raises(PermanentFailure, match="Cannot send messages to this user"):
        discord.post_moderation_notice(request(Op.TIMEOUT, user), {}, "You are timed out.")
    assert fake.direct_messages(user) == []
