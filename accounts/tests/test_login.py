"""Signing in with a password, and out, for stewards and everybody else."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from accounts.tests.conftest import sign_in
from audit.models import Event
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

GENERIC = "That user name and password do not match an active steward account."


def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'autocomplete="current-password"' in response.content
    assert b'<label for="id_username"' in response.content


def test_steward_signs_in(client, stewards):
    response = sign_in(client, "bob")
    assert response.status_code == 302
    assert response["Location"] == reverse("mywork:home")
    assert int(client.session["_auth_user_id"]) == stewards["bob"].pk
    event = Event.objects.get(kind="auth.login")
    assert event.actor == stewards["bob"]
    assert PASSWORD not in str(event.data) and "127.0.0.1" not in str(event.data)


def test_sign_in_follows_a_local_next_only(client, stewards):
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD, "next": "/cases/?q=1"})
    assert response["Location"] == "/cases/?q=1"
    client.logout()
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == reverse("mywork:home")


@pytest.mark.parametrize("username,password", [("bob", "wrong password!"), ("frank", PASSWORD), ("nobody", PASSWORD)])
def test_refusals_all_look_the_same(client, stewards, username, password):
    response = sign_in(client, username, password)
    assert response.status_code == 200
    assert GENERIC in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not Event.objects.filter(kind="auth.login").exists()


def test_plain_user_who_is_not_a_steward_is_refused(client, db):
    User.objects.create_user("mallory", password=PASSWORD)
    response = sign_in(client, "mallory")
    assert GENERIC in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_user_is_refused(client, stewards):
    User.objects.filter(username="bob").update(is_active=False)
    response = sign_in(client, "bob")
    assert GENERIC in response.content.decode()


def test_logout_is_post_only_and_audited(client, stewards):
    sign_in(client, "bob")
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    event = Event.objects.get(kind="auth.logout")
    assert event.actor == stewards["bob"]


def test_logout_needs_csrf(stewards):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(stewards["bob"])
    assert client.post("/accounts/logout/").status_code == 403
