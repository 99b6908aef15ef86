"""A served fake GitHub and a connection pointed at it (slug `example`, organisation `acme`)."""

from collections.abc import Iterator
from typing import Any

import pytest

from spaces.github.fake import FakeGitHub
from spaces.github.space import GitHubSpace
from spaces.testing import make_connection, space_of


@pytest.fixture
def fake() -> FakeGitHub:
    return FakeGitHub()


@pytest.fixture
def url(fake: FakeGitHub) -> Iterator[str]:
    with fake.serve() as base_url:
        yield base_url


@pytest.fixture
def connection(db: Any, monkeypatch: pytest.MonkeyPatch, fake: FakeGitHub, url: str) -> Any:
    return make_connection(
        monkeypatch,
        "github",
        slug="example",
        settings={"org": "acme", "api_url": url, "repositories": ["acme/app"]},
        secrets={"token": fake.token, "webhook_secret": fake.webhook_secret},
    )


@pytest.fixture
def gh(connection: Any) -> GitHubSpace:
    space = space_of(connection)
    assert isinstance(space, GitHubSpace)
    return space
