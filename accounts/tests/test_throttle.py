"""Brute force: failures by user name or by client lock sign-in, even with the right password."""

from datetime import timedelta

import pytest
from django.test import Client

from accounts.tests.conftest import sign_in
from audit.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    settings.STEWARD_LOGIN_MAX_FAILURES = 3
    settings.STEWARD_LOGIN_LOCKOUT_SECONDS = 15 * 60


def test_lockout_by_username_from_many_addresses(stewards):
    for n in range(3):
        response = sign_in(Client(REMOTE_ADDR=f"10.0.0.{n}"), "bob", "wrong password!")
    assert response.status_code == 429  # the failure that reaches the limit already says so
    response = sign_in(Client(REMOTE_ADDR="10.9.9.9"), "bob")
    assert response.status_code == 429
    assert "Too many sign-in attempts. Try again in 15 minutes." in response.content.decode()
    assert response["Retry-After"] == "900"
    # Somebody else can still sign in from that address.
    assert sign_in(Client(REMOTE_ADDR="10.9.9.9"), "carol").status_code == 302


def test_lockout_by_client_across_usernames(stewards):
    attacker = Client(REMOTE_ADDR="192.0.2.7")
    for name in ["bob", "carol", "dave"]:
        sign_in(attacker, name, "wrong password!")
    assert sign_in(attacker, "erin").status_code == 429
    assert "_auth_user_id" not in attacker.session
    assert sign_in(Client(REMOTE_ADDR="192.0.2.8"), "erin").status_code == 302


def test_lock_is_audited_without_password_or_address(stewards):
    for _ in range(3):
        sign_in(Client(REMOTE_ADDR="192.0.2.7"), "bob", "hunter2-secret")
    events = Event.objects.filter(kind="auth.locked")
    assert events.count() == 1
    event = events.get()
    assert event.data["username"] == "bob"
    assert set(event.data["scopes"]) == {"username", "client"}
    text = f"{event.summary} {event.data}"
    assert "hunter2" not in text and "192.0.2.7" not in text


def test_unknown_username_is_not_recorded(db):
    for _ in range(3):
        sign_in(Client(REMOTE_ADDR="192.0.2.7"), "my-password-by-mistake", "x")
    assert Event.objects.get(kind="auth.locked").data["username"] == ""


def test_success_resets_the_username_counter(stewards):
    for n in range(2):
        sign_in(Client(REMOTE_ADDR=f"10.0.0.{n}"), "bob", "wrong password!")
    assert sign_in(Client(REMOTE_ADDR="10.0.1.1"), "bob").status_code == 302
    for n in range(2):
        sign_in(Client(REMOTE_ADDR=f"10.0.2.{n}"), "bob", "wrong password!")
    assert sign_in(Client(REMOTE_ADDR="10.0.3.1"), "bob").status_code == 302


def test_lock_lifts_after_the_window(stewards, clock):
    for n in range(3):
        sign_in(Client(REMOTE_ADDR=f"10.0.0.{n}"), "bob", "wrong password!")
    clock.shift(timedelta(minutes=10))
    response = sign_in(Client(REMOTE_ADDR="10.0.1.1"), "bob")
    assert response.status_code == 429
    assert "Try again in 5 minutes." in response.content.decode()
    clock.shift(timedelta(minutes=5))
    assert sign_in(Client(REMOTE_ADDR="10.0.1.1"), "bob").status_code == 302


def test_refusals_while_locked_do_not_extend_or_count(stewards):
    for n in range(3):
        sign_in(Client(REMOTE_ADDR=f"10.0.0.{n}"), "bob", "wrong password!")
    for _ in range(5):
        assert sign_in(Client(REMOTE_ADDR="10.0.0.1"), "bob", "wrong password!").status_code == 429
    assert Event.objects.filter(kind="auth.locked").count() == 1


def test_admin_login_form_cannot_bypass_the_throttle(stewards):
    client = Client(REMOTE_ADDR="192.0.2.7")
    response = client.post("/admin/login/", {"username": "alice", "password": "guess"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
