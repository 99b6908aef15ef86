"""The Django admin admits active admin stewards only, through Steward's sign-in."""

import inspect

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

import cases.models
from accounts.tests.conftest import code, sign_in

pytestmark = pytest.mark.django_db


def test_admin_steward_sees_the_admin(login, stewards):
    response = login(stewards["alice"]).get("/admin/")
    assert response.status_code == 200
    assert "Steward administration" in response.content.decode()
    assert login(stewards["alice"]).get("/admin/people/stewardprofile/").status_code == 200


@pytest.mark.parametrize("path", ["/admin/", "/admin/people/stewardprofile/", "/admin/policy/policyversion/", "/admin/jsi18n/"])
def test_non_admin_steward_never_sees_admin_content(login, stewards, path):
    client = login(stewards["bob"])
    response = client.get(path, follow=True)
    assert response.status_code == 403
    assert "Steward administration" not in response.content.decode()
    assert "Bob" not in response.content.decode()


def test_plain_staff_user_is_not_enough(client, db):
    client.force_login(User.objects.create_user("staff", is_staff=True, is_superuser=True))
    assert client.get("/admin/", follow=True).status_code == 403


def test_deactivated_admin_is_refused(login, stewards):
    from people.actions import do_deactivate_steward

    client = login(stewards["alice"])
    do_deactivate_steward(None, stewards["alice"].steward_profile)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_anonymous_goes_to_steward_sign_in(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/"
    assert response.status_code == 200


def test_admin_login_redirects_an_admin_to_next(login, stewards):
    response = login(stewards["alice"]).get("/admin/login/?next=/admin/people/")
    assert response["Location"] == "/admin/people/"


def test_sign_in_then_back_to_admin(client, stewards):
    response = client.post("/accounts/login/", {"username": "alice", "password": "correct horse battery staple", "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_logout_is_audited(login, stewards):
    from audit.models import Event

    client = login(stewards["alice"])
    assert client.post("/admin/logout/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(kind="auth.logout").exists()


def test_admin_password_change_goes_to_security_page(login, stewards):
    assert login(stewards["alice"]).get("/admin/password_change/")["Location"] == "/accounts/security/"


def test_admin_honours_required_2fa(settings, stewards, enrol, clock):
    settings.STEWARD_REQUIRE_2FA = True
    device = enrol(stewards["alice"])
    client = Client()
    client.force_login(stewards["alice"])
    assert client.get("/admin/")["Location"].startswith("/accounts/verify/")
    client = Client()
    sign_in(client, "alice")
    client.post("/accounts/verify/", {"token": code(device)})
    assert client.get("/admin/").status_code == 200


def test_registered_models():
    registered = set(admin.site._registry)
    case_models = {obj for _, obj in inspect.getmembers(cases.models, inspect.isclass) if obj.__module__ == "cases.models"}
    assert not registered & case_models
    from people.models import Identity, Person, StewardProfile

    assert StewardProfile in registered
    assert not registered & {Person, Identity, User, Group, TOTPDevice}
