from collections.abc import Iterator

import pytest

from spaces.discourse.fake import API_KEY, WEBHOOK_SECRET, FakeDiscourse
from spaces.discourse.fake_shapes import ForumPost, ForumTopic, ForumUser
from spaces.discourse.space import DiscourseSpace
from spaces.testing import make_connection, space_of


@pytest.fixture
def fake() -> Iterator[FakeDiscourse]:
    fake = FakeDiscourse()
    yield fake
    # Every body the client sent and every answer the fake gave matched Discourse's published description.
    assert fake.contract_problems == []


@pytest.fixture
def url(fake: FakeDiscourse) -> Iterator[str]:
    with fake.serve() as base_url:
        fake.site_url = base_url
        yield base_url


@pytest.fixture
def forum(db, monkeypatch, url: str) -> DiscourseSpace:
    connection = make_connection(
        monkeypatch, "discourse", slug="forum", settings={"base_url": url}, secrets={"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET}
    )
    space = space_of(connection)
    assert isinstance(space, DiscourseSpace)
    return space


@pytest.fixture
def octocat(fake: FakeDiscourse) -> ForumUser:
    return fake.add_user("OctoCat", name="Octo Cat")


@pytest.fixture
def bob(fake: FakeDiscourse) -> ForumUser:
    return fake.add_user("bob", name="Bob")


@pytest.fixture
def thread(fake: FakeDiscourse, bob: ForumUser) -> tuple[ForumTopic, ForumPost]:
    return fake.add_topic("Release planning", bob, "When do we ship?")


@pytest.fixture
def reply(fake: FakeDiscourse, thread: tuple[ForumTopic, ForumPost], octocat: ForumUser) -> ForumPost:
    topic, first = thread
    return fake.add_post(topic, octocat, "Never, @bob.", to=first)
