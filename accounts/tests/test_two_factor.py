"""Setting up, using and removing the second factor."""

import re
from base64 import b32decode
from datetime import timedelta

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.conftest import code, sign_in
from audit.models import Event

pytestmark = pytest.mark.django_db


def test_security_page_shows_two_factor_off(login, stewards):
    response = login(stewards["bob"]).get("/accounts/security/")
    assert response.status_code == 200
    assert "Set up two-factor sign-in" in response.content.decode()


def test_security_page_needs_a_steward(client, stewards):
    assert client.get("/accounts/security/")["Location"].startswith("/accounts/login/")
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("mallory"))
    assert client.get("/accounts/security/").status_code == 403


def test_enrolment(login, stewards, clock):
    client = login(stewards["bob"])
    response = client.get("/accounts/security/two-factor/")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', page)
    device = TOTPDevice.objects.get(user=stewards["bob"])
    assert not device.confirmed
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key

    # A wrong code does not confirm it.
    response = client.post("/accounts/security/two-factor/", {"token": "000000" if code(device) != "000000" else "111111"})
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    clock.shift(timedelta(seconds=5))  # django_otp slows guesses down after a wrong code
    response = client.post("/accounts/security/two-factor/", {"token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert Event.objects.filter(kind="auth.2fa_enabled", actor=stewards["bob"]).exists()
    assert "Each sign-in asks for a code" in client.get("/accounts/security/").content.decode()


def test_setup_reuses_the_unconfirmed_device(login, stewards):
    client = login(stewards["bob"])
    client.get("/accounts/security/two-factor/")
    client.get("/accounts/security/two-factor/")
    assert TOTPDevice.objects.filter(user=stewards["bob"]).count() == 1


def test_sign_in_asks_for_the_code(client, stewards, enrol, clock):
    device = enrol(stewards["bob"])
    response = sign_in(client, "bob")
    assert response["Location"] == "/accounts/verify/"
    assert "_auth_user_id" not in client.session  # not signed in after the password alone
    assert client.get("/cases/").wsgi_request.user.is_authenticated is False

    page = client.get("/accounts/verify/")
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()

    response = client.post("/accounts/verify/", {"token": code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/my-work/"
    assert int(client.session["_auth_user_id"]) == stewards["bob"].pk
    assert client.session["otp_device_id"] == device.persistent_id
    assert Event.objects.get(kind="auth.login").data == {"second_factor": True}


def test_wrong_code_is_refused_and_throttled(settings, stewards, enrol, clock):
    settings.STEWARD_LOGIN_MAX_FAILURES = 3
    device = enrol(stewards["bob"])
    client = Client(REMOTE_ADDR="10.1.1.1")
    sign_in(client, "bob")
    wrong = "000000" if code(device) != "000000" else "111111"
    response = client.post("/accounts/verify/", {"token": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # django_otp's own delay after a wrong code.
    response = client.post("/accounts/verify/", {"token": code(device)})
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()

    for _ in range(2):
        clock.shift(timedelta(seconds=10))
        response = client.post("/accounts/verify/", {"token": wrong})
    assert response.status_code == 429  # third failure: locked for the user name
    clock.shift(timedelta(seconds=60))
    response = client.post("/accounts/verify/", {"token": code(device)})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(kind="auth.locked").count() == 1


def test_password_alone_does_not_reset_the_counter(settings, stewards, enrol, clock):
    """Otherwise someone with the password could guess codes forever, re-entering it in between."""
    settings.STEWARD_LOGIN_MAX_FAILURES = 3
    device = enrol(stewards["bob"])
    wrong = "000000" if code(device) != "000000" else "111111"
    for n in range(3):
        client = Client(REMOTE_ADDR=f"10.2.0.{n}")
        assert sign_in(client, "bob")["Location"] == "/accounts/verify/"
        clock.shift(timedelta(seconds=30))
        client.post("/accounts/verify/", {"token": wrong})
    assert sign_in(Client(REMOTE_ADDR="10.2.1.1"), "bob").status_code == 429


def test_pending_sign_in_expires(client, stewards, enrol, clock):
    device = enrol(stewards["bob"])
    sign_in(client, "bob")
    clock.shift(timedelta(minutes=6))
    response = client.post("/accounts/verify/", {"token": code(device)})
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_verify_without_a_pending_sign_in_goes_to_login(client, db):
    assert client.get("/accounts/verify/")["Location"] == "/accounts/login/"


def test_code_cannot_be_replayed(stewards, enrol, clock):
    device = enrol(stewards["bob"])
    first = Client()
    sign_in(first, "bob")
    token = code(device)
    assert first.post("/accounts/verify/", {"token": token}).status_code == 302
    second = Client()
    sign_in(second, "bob")
    response = second.post("/accounts/verify/", {"token": token})
    assert "That code is not right" in response.content.decode()


def test_removing_two_factor_needs_a_current_code(stewards, enrol, clock):
    device = enrol(stewards["bob"])
    client = Client()
    sign_in(client, "bob")
    client.post("/accounts/verify/", {"token": code(device)})
    clock.shift(timedelta(seconds=30))
    wrong = "000000" if code(device) != "000000" else "111111"
    response = client.post("/accounts/security/two-factor/remove/", {"remove-token": wrong})
    assert "That code is not right" in response.content.decode()
    assert TOTPDevice.objects.filter(user=stewards["bob"]).exists()
    clock.shift(timedelta(seconds=30))
    response = client.post("/accounts/security/two-factor/remove/", {"remove-token": code(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=stewards["bob"]).exists()
    assert Event.objects.filter(kind="auth.2fa_removed", actor=stewards["bob"]).exists()


def test_password_change(login, stewards):
    client = login(stewards["bob"])
    new = "a much better passphrase 42"
    response = client.post(
        "/accounts/security/password/",
        {"old_password": "wrong", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    response = client.post(
        "/accounts/security/password/",
        {"old_password": "correct horse battery staple", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    stewards["bob"].refresh_from_db()
    assert stewards["bob"].check_password(new)
    assert client.get("/accounts/security/").status_code == 200  # still signed in
    event = Event.objects.get(kind="auth.password_changed")
    assert new not in str(event.data)
