"""Shared test personas (after Healthchecks' Alice, Bob and Charlie).

The committee: alice (admin), bob, carol, dave, erin — five active stewards — and frank, a
deactivated steward. Each has a person record with an e-mail identity and a GitHub handle equal to
their user name, so tests can name a steward as a party by handle.
"""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from people.actions import do_create_steward, do_deactivate_steward, do_link_identity
from people.models import Space
from steward.testing import Inbox, smtp_peer, still_clock

PASSWORD = "correct horse battery staple"
# A fixed audit signing key, so tests that switch to a production SECRET_KEY can still record events.
TEST_AUDIT_KEY = "test:" + "audit-key-for-tests-only-" + "t" * 20
STEWARD_NAMES = ["alice", "bob", "carol", "dave", "erin"]


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked database_free is skipped by the PostgreSQL run, so one that asks for a database would lose its
    PostgreSQL run unnoticed: refuse the mark there. (In process, pytest-django refuses such a test any query.)"""
    wrong = [
        item.nodeid
        for item in items
        if item.get_closest_marker("database_free")
        and (item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
    ]
    if wrong:
        raise pytest.UsageError("marked database_free but uses a database: " + ", ".join(wrong))


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    settings.STEWARD_EVIDENCE_DIR = tmp_path / "evidence"
    settings.STEWARD_AUDIT_KEYS = TEST_AUDIT_KEY
    # Real hashing costs ~0.3 s per steward; the tests are about access, not hash strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Each test starts in the site's language. A request through the test client in Spanish leaves its thread in
    Spanish (LocaleMiddleware activates a language and nothing deactivates it), and a later test on that worker
    would read Spanish messages."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def stewards(db: Any) -> dict[str, User]:
    people: dict[str, User] = {}
    for name in [*STEWARD_NAMES, "frank"]:
        profile = do_create_steward(
            None, username=name, email=f"{name}@example.org", public_name=name.title(), password=PASSWORD, is_admin=name == "alice"
        )
        do_link_identity(None, profile.person, Space.GITHUB, name)
        people[name] = profile.user
    do_deactivate_steward(None, people["frank"].steward_profile)
    return people


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def clock() -> Iterator[Callable[[timedelta], None]]:
    """Time starts at steward.testing.T0 and stands still; clock(delta) moves it to T0 + delta."""
    yield from still_clock()


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    """A real SMTP peer (aiosmtpd) on loopback; Django's mail goes to it."""
    yield from smtp_peer(settings)
