"""The notice operation (Space.post_notice) on Slack, Discord and Zulip, each against its stateful fake on a real socket
(Matrix posts against the real Synapse: spaces/matrix/tests).

The committee's channel receives exactly the text given, from Steward's bot, once per call; refusals come back as
the interface's failures (a channel the bot cannot post in is permanent, a rate limit is temporary).
"""

import json

import pytest

from spaces.base import NOTICE_SETTING, PermanentFailure, TemporaryFailure
from spaces.discord.fake import FakeDiscord
from spaces.registry import platforms
from spaces.slack.fake import ADMIN_TOKEN, BOT_TOKEN, FakeSlack
from spaces.testing import make_connection, space_of
from spaces.zulip.fake import FakeZulip

pytestmark = pytest.mark.django_db

TEXT = "New report: case Amber Fox https://steward.example/cases/amber-fox/"


def test_the_chat_platforms_post_notices_and_name_the_setting() -> None:
    posting = {name for name, cls in platforms().items() if cls.posts_notices}
    assert posting == {"slack", "discord", "zulip", "matrix"}  # Matrix: against the real Synapse, spaces/matrix/tests
    assert all(NOTICE_SETTING in platforms()[name].setting_names for name in posting)


def test_slack_posts_with_chat_post_message(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeSlack()
    fake.add_channel("C0STEWARDS", "stewards", private=True)
    fake.add_channel("C0NOBOT001", "elsewhere", bot_member=False)
    with fake.serve() as url:
        connection = make_connection(
            monkeypatch, "slack", settings={"api_url": url}, secrets={"bot_token": BOT_TOKEN, "admin_token": ADMIN_TOKEN}
        )
        space = space_of(connection)
        ref = space.post_notice("C0STEWARDS", TEXT)
        assert fake.posted_by_bot("C0STEWARDS") == [TEXT]
        assert ref.startswith("C0STEWARDS/")
        with pytest.raises(PermanentFailure, match="not_in_channel"):
            space.post_notice("C0NOBOT001", TEXT)
        fake.inject_rate_limit(retry_after=2, path=r"/api/chat\.postMessage")
        with pytest.raises(TemporaryFailure):
            space.post_notice("C0STEWARDS", TEXT)
    assert fake.posted_by_bot("C0STEWARDS") == [TEXT]  # the refused and rate-limited calls posted nothing


def test_discord_creates_a_message_that_pings_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeDiscord()
    channel = fake.add_channel()
    with fake.serve() as url:
        connection = make_connection(
            monkeypatch, "discord", settings={"api_url": url, "guild_id": fake.guild_id}, secrets={"bot_token": fake.token}
        )
        space = space_of(connection)
        ref = space.post_notice(channel, TEXT)
        assert fake.posted_by_bot(channel) == [TEXT]
        assert ref in fake.channels[channel]
        sent = [call.json() for call in fake.calls if call.method == "POST"]
        assert sent == [{"content": TEXT, "allowed_mentions": {"parse": []}}]
        with pytest.raises(PermanentFailure, match="Unknown Channel"):
            space.post_notice("1234567890123", TEXT)
    # Every body sent and every answer given matched Discord's published OpenAPI description.
    assert fake.contract_errors == []


def test_zulip_sends_a_stream_message_under_the_notice_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeZulip()
    fake.add_stream("stewards")
    with fake.serve() as url:
        connection = make_connection(
            monkeypatch,
            "zulip",
            settings={"site": url, "notice_topic": "reports"},
            secrets={"bot_email": fake.bot_email, "api_key": fake.api_key},
        )
        space = space_of(connection)
        ref = space.post_notice("#stewards", TEXT)
        assert fake.posted_by_bot("stewards") == [TEXT]
        assert fake.messages[int(ref)].topic == "reports"
        with pytest.raises(PermanentFailure, match="does not exist"):
            space.post_notice("nowhere", TEXT)
    assert fake.refused == []  # every request kept to the documented shape of POST /messages


def test_the_admin_form_refuses_a_channel_name_where_an_id_is_needed() -> None:
    from spaces.admin import SpaceConnectionForm

    def problems(platform: str, channel: str) -> str:
        form = SpaceConnectionForm(
            {"title": "Committee", "slug": "committee", "platform": platform, "settings": json.dumps({NOTICE_SETTING: channel})}
        )
        return "" if form.is_valid() else " ".join(form.errors.get("settings", []))

    assert "channel's id" in problems("slack", "#stewards")
    assert problems("slack", "C0STEWARDS") == ""
    assert "numeric id" in problems("discord", "stewards")
    assert problems("discord", "81384788765712384") == ""
    assert problems("zulip", "stewards") == ""  # Zulip names streams by name
