from collections.abc import Iterator

import pytest

from spaces.discord.fake import FakeDiscord
from spaces.discord.space import DiscordSpace
from spaces.testing import make_connection, space_of


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    fake = FakeDiscord()
    yield fake
    # Every body the client sent and every answer the fake gave matched Discord's published description.
    assert fake.contract_errors == []


@pytest.fixture
def url(fake: FakeDiscord) -> Iterator[str]:
    with fake.serve() as base_url:
        yield base_url


@pytest.fixture
def discord(db, monkeypatch, fake: FakeDiscord, url: str) -> DiscordSpace:
    channel = fake.add_channel()
    connection = make_connection(
        monkeypatch,
        "discord",
        settings={"api_url": url, "guild_id": fake.guild_id, "application_id": fake.application_id, "channels": [channel]},
        secrets={"bot_token": fake.token, "public_key": fake.public_key},
    )
    space = space_of(connection)
    assert isinstance(space, DiscordSpace)
    return space


@pytest.fixture
def channel(discord: DiscordSpace) -> str:
    return str(discord.settings["channels"][0])
