"""The "what happens next" page shows the policy's promised times and, where enough cases reached each step in the
twelve whole months before this one, the measured median; below the policy's threshold it shows none."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.actions import do_acknowledge
from policy.testing import load_test_policy
from steward.testing import new_case

pytestmark = pytest.mark.django_db


def _acknowledged_cases(count: int, after: timedelta, stewards: dict[str, Any], clock: Callable[[timedelta], None]) -> None:
    for number in range(count):
        opened = -timedelta(days=40 + number)
        clock(opened)
        case = new_case(f"Report number {number}")
        clock(opened + after)
        do_acknowledge(stewards["alice"], case)
    clock(timedelta(0))


def test_measured_medians_show_once_enough_cases_reached_the_step(client: Client, stewards: dict[str, Any], clock: Any) -> None:
    _acknowledged_cases(3, timedelta(hours=5), stewards, clock)
    html = client.get(reverse("policy:what_happens_next")).content.decode()
    assert "We acknowledge your report within <strong>24 hours</strong>" in html  # the promise, from the policy
    assert "1 March 2025 to 28 February 2026" in html
    assert "<dt>To be acknowledged</dt><dd>5 hours</dd>" in html
    assert "<dt>To a decision</dt><dd>not enough reports to say</dd>" in html


def test_below_the_threshold_no_measured_time_is_shown(client: Client, stewards: dict[str, Any], clock: Any) -> None:
    _acknowledged_cases(2, timedelta(hours=5), stewards, clock)
    html = client.get(reverse("policy:what_happens_next")).content.decode()
    assert "5 hours" not in html and "Too few reports were made" in html
    load_test_policy({"transparency": {"suppress_below": 2}})
    assert "<dd>5 hours</dd>" in client.get(reverse("policy:what_happens_next")).content.decode()


def test_cases_of_the_current_month_wait_for_it_to_end(client: Client, stewards: dict[str, Any], clock: Any) -> None:
    for _ in range(3):
        case = new_case("Opened this month")
        do_acknowledge(stewards["alice"], case)
    assert "Too few reports were made" in client.get(reverse("policy:what_happens_next")).content.decode()
