"""Each test starts with empty polling feeds for the test-hooks space."""

from collections.abc import Iterator

import pytest

from spaces.tests.fake_space import FEEDS, Feed


@pytest.fixture(autouse=True)
def _empty_feeds() -> Iterator[dict[str, Feed]]:
    FEEDS.clear()
    yield FEEDS
    FEEDS.clear()
