"""Flood and sign-in counters cannot be turned back into who was counted, by anyone, once their window is over.

Counted values (a client's address, a handle, a typed user name) are few enough to try them all, so a
counter's key must not come from anything that lasts (SECRET_KEY): each window has its own random key,
and the key and the window's counters are deleted once the window has ended.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from clocks.reminders import sweep
from steward.models import RateCounter

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"


def report(client: Client) -> Any:
    response = client.post(reverse("intake:report"), {"body": "Someone insulted me in the review thread."})
    assert response.status_code == 200
    return response


def counter_keys() -> set[str]:
    return set(RateCounter.objects.values_list("key", flat=True))


def test_after_the_window_the_counters_are_gone_and_cannot_be_made_again(clock: Any) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    report(client)
    first = counter_keys()
    assert len(first) == 1
    clock(timedelta(hours=1, minutes=1))  # the report window (1 hour) is over; nothing is counted since
    sweep()
    assert not RateCounter.objects.exists()
    # The same address in the same window, counted afresh (as after a restore, or by an operator who kept
    # SECRET_KEY and tries addresses): the key is a new random one, so old counters match nothing.
    clock(timedelta(0))
    report(client)
    assert counter_keys().isdisjoint(first)


def test_within_the_window_one_client_is_one_counter_and_another_is_another(clock: Any) -> None:
    report(Client(REMOTE_ADDR=ADDRESS))
    clock(timedelta(minutes=30))
    report(Client(REMOTE_ADDR=ADDRESS))
    report(Client(REMOTE_ADDR="198.51.100.24"))
    assert sorted(RateCounter.objects.values_list("count", flat=True)) == [1, 2]


def test_each_window_length_keeps_its_key_as_long_as_its_own_window(clock: Any, settings: Any, stewards: Any) -> None:
    settings.STEWARD_LOGIN_LOCKOUT_SECONDS = 15 * 60
    client = Client(REMOTE_ADDR=ADDRESS)
    report(client)
    client.post(reverse("accounts:login"), {"username": "bob", "password": "wrong password!"})
    assert len(counter_keys()) == 3  # report by client; sign-in by client and by user name
    clock(timedelta(minutes=16))  # the sign-in window is over, the report window is not
    sweep()
    assert [key.split(":")[0] for key in counter_keys()] == ["report"]
    report(client)
    assert RateCounter.objects.get().count == 2  # the report key lived on: the client is still counted
    clock(timedelta(minutes=61))
    sweep()
    assert not RateCounter.objects.exists()


def test_counting_itself_destroys_ended_windows(clock: Any, stewards: Any) -> None:
    """Without the sweep too: the next count anywhere deletes what has ended."""
    Client(REMOTE_ADDR=ADDRESS).post(reverse("accounts:login"), {"username": "bob", "password": "wrong password!"})
    clock(timedelta(minutes=16))
    report(Client(REMOTE_ADDR="198.51.100.99"))
    assert [key.split(":")[0] for key in counter_keys()] == ["report"]


def test_the_windows_key_is_random_stored_once_and_deleted_with_its_counters(clock: Any, settings: Any) -> None:
    from steward.models import RatePeriod

    report(Client(REMOTE_ADDR=ADDRESS))
    report(Client(REMOTE_ADDR="198.51.100.24"))
    period = RatePeriod.objects.get()  # one key for the window, shared by every count in it
    assert period.window_seconds == settings.STEWARD_REPORT_WINDOW_SECONDS and len(bytes(period.secret)) == 32
    clock(timedelta(hours=1, minutes=1))
    sweep()
    assert not RatePeriod.objects.exists() and not RateCounter.objects.exists()
