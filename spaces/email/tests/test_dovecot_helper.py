"""The real-server tests cannot silently vanish: without dovecot they are skipped locally, and fail in CI."""

from typing import Any

import pytest

from spaces.email.tests import dovecot

pytestmark = pytest.mark.database_free


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_without_dovecot_the_tests_fail_in_ci_and_skip_elsewhere(monkeypatch: Any, ci: str, outcome: type[BaseException]) -> None:
    monkeypatch.delenv(dovecot.ENV, raising=False)
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(dovecot, "installed", lambda: False)
    with pytest.raises(outcome, match="dovecot is not installed"), dovecot.running_dovecot():
        pass
