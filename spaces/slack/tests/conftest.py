"""A small Slack workspace on a local socket, and a connected SlackSpace pointing at it.

mallory (U012AB3CD) is the person acted on; alice (U0ALICE01) is another member. Channels: #general (the
workspace's default, which nobody can be removed from), #random and #mods (private); the Steward bot is in all.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from spaces.base import Space
from spaces.slack.fake import ADMIN_TOKEN, BOT_TOKEN, FakeSlack
from spaces.testing import make_connection, space_of

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MALLORY, ALICE = "U012AB3CD", "U0ALICE01"
SECRETS = {"bot_token": BOT_TOKEN, "admin_token": ADMIN_TOKEN, "signing_secret": SIGNING_SECRET}


@pytest.fixture
def fake() -> FakeSlack:
    workspace = FakeSlack()
    workspace.add_user(MALLORY, "mallory", "mallory@example.org")
    workspace.add_user(ALICE, "alice", "alice@example.org")
    workspace.add_channel("C0GENERAL", "general", {MALLORY, ALICE}, general=True)
    workspace.add_channel("C0RANDOM1", "random", {MALLORY, ALICE})
    workspace.add_channel("C0MODS001", "mods", {MALLORY}, private=True)
    return workspace


@pytest.fixture
def url(fake: FakeSlack) -> Iterator[str]:
    with fake.serve() as base_url:
        yield base_url


@pytest.fixture
def make_space(db: Any, monkeypatch: pytest.MonkeyPatch, url: str) -> Callable[..., Space]:
    """make_space(settings=..., secrets=...) → a SlackSpace on the fake; settings are added to the fake's addresses."""
    count = iter(range(1, 1000))

    def make(settings: dict[str, Any] | None = None, secrets: dict[str, str] | None = None, slug: str = "") -> Space:
        connection = make_connection(
            monkeypatch,
            "slack",
            slug=slug or f"test-slack-{next(count)}",
            settings={"api_url": url, "scim_url": f"{url}/scim/v2/", **(settings or {})},
            secrets=SECRETS if secrets is None else secrets,
        )
        return space_of(connection)

    return make


@pytest.fixture
def space(make_space: Callable[..., Space]) -> Space:
    return make_space(slug="test-slack")
