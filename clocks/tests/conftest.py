"""Helpers for the clock tests: a fixed start time, cases made by the report form, and running work on commit."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from cases.actions import do_declare_conflict
from cases.models import Case
from intake.actions import Submission, do_submit_report

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def new_case(body: str = "Someone was rude in a review.", **fields: Any) -> Case:
    receipt = do_submit_report(Submission(body=body, **fields))
    return Case.objects.get(code_name=receipt.case_code_name)


def declare(case: Case, level: str, *users: Any) -> None:
    for user in users:
        do_declare_conflict(user, case, level)


def recipients(outbox: list[Any]) -> list[str]:
    return sorted(address for message in outbox for address in message.to)


@pytest.fixture
def clock() -> Iterator[Callable[[timedelta], None]]:
    """Time starts at T0 and stands still; clock(delta) moves it to T0 + delta."""
    traveller = time_machine.travel(T0, tick=False)
    traveller.start()

    def move(delta: timedelta) -> None:
        nonlocal traveller
        traveller.stop()
        traveller = time_machine.travel(T0 + delta, tick=False)
        traveller.start()

    yield move
    traveller.stop()


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
