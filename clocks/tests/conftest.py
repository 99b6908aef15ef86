"""Helpers for the clock tests: a fixed start time, cases made by the report form, and running work on commit."""

from collections.abc import Callable
from typing import Any

import pytest

from cases.models import Case
from steward.testing import T0, declare, new_case  # noqa: F401  (re-exported for the clock tests)


def recipients(outbox: list[Any]) -> list[str]:
    return sorted(address for message in outbox for address in message.to)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Run a function and then what it left for after commit (the mails), as a real commit would."""

    def run(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def case(stewards: dict[str, Any], clock: Any) -> Case:
    """A case opened at T0: dave and erin declared no conflict, carol soft, bob hard; no shepherd."""
    made = new_case(reporter_name="Rita Reporter", reporter_email="rita@example.net")
    declare(made, "none", stewards["dave"], stewards["erin"])
    declare(made, "soft", stewards["carol"])
    declare(made, "hard", stewards["bob"])
    made.refresh_from_db()
    return made
