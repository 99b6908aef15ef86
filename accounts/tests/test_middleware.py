"""Sessions end on deactivation, inactivity and age; the second factor is enforced when required."""

from datetime import timedelta

import pytest
from django.test import Client

from accounts.tests.conftest import code, sign_in
from audit.models import Event
from people.actions import do_deactivate_steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def require_2fa(settings):
    settings.STEWARD_REQUIRE_2FA = True


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", ["/cases/", "/admin/", "/report/on-behalf/"])
def test_required_2fa_sends_stewards_without_a_device_to_setup(require_2fa, login, stewards, path):
    client = login(stewards["alice"])
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/security/two-factor/?next={path.replace('/', '%2F')}"
    assert client.get(response["Location"]).status_code == 200


def test_required_2fa_sends_stewards_with_a_device_to_verify(require_2fa, login, stewards, enrol):
    enrol(stewards["bob"])
    client = login(stewards["bob"])  # e.g. a session from before two-factor became required
    response = client.get("/cases/")
    assert response["Location"] == "/accounts/verify/?next=%2Fcases%2F"
    assert client.get(response["Location"]).status_code == 200


def test_required_2fa_leaves_public_pages_and_accounts_alone(require_2fa, login, stewards):
    client = login(stewards["bob"])
    assert client.get("/report/").status_code == 200
    assert client.get("/accounts/security/").status_code == 200


def test_required_2fa_full_journey(require_2fa, stewards, clock):
    client = Client()
    assert sign_in(client, "bob")["Location"] == "/my-work/"
    setup = client.get("/cases/")["Location"]
    client.get(setup)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=stewards["bob"])
    response = client.post("/accounts/security/two-factor/", {"token": code(device), "next": "/cases/"})
    assert response["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200

    # Next time, the code is asked for at sign-in and /cases/ opens straight away.
    client.post("/accounts/logout/")
    clock.shift(timedelta(seconds=30))
    assert sign_in(client, "bob")["Location"] == "/accounts/verify/"
    client.post("/accounts/verify/", {"token": code(device)})
    assert client.get("/cases/").status_code == 200


def test_verified_session_passes_when_required(require_2fa, stewards, enrol, clock):
    device = enrol(stewards["bob"])
    client = Client()
    sign_in(client, "bob")
    client.post("/accounts/verify/", {"token": code(device)})
    assert client.get("/cases/").status_code == 200


def test_not_required_means_no_redirect(login, stewards):
    assert login(stewards["bob"]).get("/cases/").status_code == 200


def test_deactivation_ends_the_session(login, stewards):
    client = login(stewards["bob"])
    assert client.get("/accounts/security/").status_code == 200
    do_deactivate_steward(stewards["alice"], stewards["bob"].steward_profile)
    response = client.get("/report/")
    assert response.wsgi_request.user.is_authenticated is False
    assert not signed_in(client)
    assert Event.objects.filter(kind="auth.logout", data__reason="deactivated").exists()
    assert client.get("/accounts/security/")["Location"].startswith("/accounts/login/")


def test_inactive_user_session_is_flushed(login, stewards):
    client = login(stewards["bob"])
    stewards["bob"].is_active = False
    stewards["bob"].save()
    client.get("/report/")
    assert not signed_in(client)


def test_idle_timeout(settings, login, stewards, clock):
    settings.STEWARD_IDLE_TIMEOUT_SECONDS = 30 * 60
    client = login(stewards["bob"])
    clock.shift(timedelta(minutes=20))
    assert client.get("/accounts/security/").status_code == 200
    clock.shift(timedelta(minutes=20))  # 20 minutes since the last request: still fine
    assert client.get("/accounts/security/").status_code == 200
    clock.shift(timedelta(minutes=31))
    response = client.get("/accounts/security/")
    assert response["Location"].startswith("/accounts/login/")
    assert not signed_in(client)
    assert Event.objects.filter(kind="auth.logout", data__reason="idle").exists()
    page = client.get(response["Location"]).content.decode()
    assert "signed out after a period without activity" in page


def test_absolute_session_age(settings, login, stewards, clock):
    client = login(stewards["bob"])
    for _ in range(int(settings.SESSION_COOKIE_AGE / 600)):
        clock.shift(timedelta(minutes=10))
        client.get("/report/")
    clock.shift(timedelta(minutes=10))
    client.get("/report/")
    assert not signed_in(client)
    assert Event.objects.filter(kind="auth.logout", data__reason="expired").exists()


def test_anonymous_requests_are_untouched(client, db):
    response = client.get("/report/")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
