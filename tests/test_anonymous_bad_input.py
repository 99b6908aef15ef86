"""Anonymous endpoints answer bad input with a clear 4xx, never a 500, and never with internal detail.

A form body in another charset than UTF-8 used to give a 500 on every POST (Django's 400 page re-ran
the CSRF check, which read the body again and failed again); a webhook connection without its secret
answered 500 or 503 naming the environment variable to set, to whoever called.
"""

import logging
import os
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case
from spaces.registry import platforms
from spaces.testing import make_connection

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def csrf_client(url: str) -> tuple[Client, str]:
    """A browser-like client: CSRF enforced, as in production, with the token its page gave it."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode())
    assert token
    return client, token.group(1)


@pytest.mark.parametrize("name", ["intake:report", "accounts:login", "intake:follow_up_start"])
def test_a_form_sent_as_utf16_is_a_clear_400(name: str) -> None:
    url = reverse(name)
    client, token = csrf_client(url)
    body = f"csrfmiddlewaretoken={token}&body=Someone was rude&username=bob&password=x".encode("utf-16")
    response = client.generic("POST", url, body, content_type=f"{FORM}; charset=utf-16")
    assert response.status_code == 400
    assert b"UTF-8" in response.content
    assert response["Content-Security-Policy"]  # the early answer still gets the security headers
    assert not Case.objects.exists()


def test_a_utf8_alias_is_read_as_utf8(stewards: Any) -> None:
    client, token = csrf_client(reverse("intake:report"))
    body = f"csrfmiddlewaretoken={token}&body=Someone+was+rude+in+review".encode()
    response = client.generic("POST", reverse("intake:report"), body, content_type=f"{FORM}; charset=UTF8")
    assert response.status_code == 200
    assert Case.objects.count() == 1


def test_a_webhook_delivery_in_utf16_is_a_400(monkeypatch: Any) -> None:
    make_connection(monkeypatch, "slack", slug="acme-chat", secrets={"signing_secret": "s"})
    client = Client(raise_request_exception=False)
    url = reverse("spaces:webhook", kwargs={"slug": "acme-chat"})
    response = client.generic("POST", url, "payload={}".encode("utf-16"), content_type=f"{FORM}; charset=utf-16")
    assert response.status_code == 400


# Every platform, with no secret (and no settings) configured: what an anonymous caller sees.
@pytest.mark.parametrize("platform", ["github", "slack", "zulip", "discourse", "discord", "mailman", "email"])
def test_an_unconfigured_webhook_is_a_bare_404_and_the_operator_is_told(platform: str, monkeypatch: Any, caplog: Any) -> None:
    assert platform in platforms()
    for name in [key for key in os.environ if key.startswith("STEWARD_SPACE_")]:
        monkeypatch.delenv(name)
    make_connection(monkeypatch, platform, slug="unset")
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.WARNING, logger="steward.spaces"):
        response = client.post(reverse("spaces:webhook", kwargs={"slug": "unset"}), b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.content == b"Not found."
    assert b"STEWARD_" not in response.content
    refusals = [r.getMessage() for r in caplog.records if r.name == "steward.spaces"]
    assert len(refusals) == 1 and "connection=unset status=404" in refusals[0]
    # Indistinguishable from a connection that does not exist.
    unknown = client.post(reverse("spaces:webhook", kwargs={"slug": "no-such"}), b"{}", content_type="application/json")
    assert (unknown.status_code, unknown.content) == (404, response.content)
