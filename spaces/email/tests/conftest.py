"""The real dovecot for the mailbox tests (spaces.email.tests.dovecot says where it comes from)."""

from collections.abc import Iterator

import pytest

from spaces.email.tests.dovecot import Dovecot, running_dovecot


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    with running_dovecot() as server:
        yield server
