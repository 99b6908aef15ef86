"""Served like production: the base URL follows where the server listens, and failures get the site's own pages."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

ROOT = Path(__file__).resolve().parents[2]
STYLESHEET = "steward/steward.css"


def settings_in_a_fresh_process(**env: str) -> str:
    """SITE_URL and ALLOWED_HOSTS as a server started with this environment computes them."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT", "ALLOWED_HOSTS"}}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL, settings.ALLOWED_HOSTS)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "steward.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_follow_up_links_name_the_host_and_port_the_server_listens_on() -> None:
    assert settings_in_a_fresh_process(HOST="10.1.2.3", PORT="9123").startswith("http://10.1.2.3:9123 ")
    assert "'10.1.2.3'" in settings_in_a_fresh_process(HOST="10.1.2.3", PORT="9123"), "the host may be visited too"
    # A wildcard bind address is no place a browser can go: the link names localhost.
    assert settings_in_a_fresh_process(HOST="0.0.0.0", PORT="8001").startswith("http://localhost:8001 ")
    # An explicit SITE_URL (behind a proxy, on a real domain) always wins.
    assert settings_in_a_fresh_process(HOST="0.0.0.0", PORT="8001", SITE_URL="https://coc.example.org/").startswith(
        "https://coc.example.org "
    )


@pytest.mark.django_db
def test_an_unknown_address_gets_the_sites_own_404_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert STYLESHEET in html and 'class="site-header"' in html, "the page has the site's look"
    assert "/report/" in html, "and a way on to what a visitor most likely wants"


@pytest.mark.django_db
@pytest.mark.urls("steward.tests.error_urls")
def test_a_refusal_gets_the_sites_own_403_page(client: Client) -> None:
    response = client.get("/test-refused/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You may not do this" in html and STYLESHEET in html


@pytest.mark.django_db
def test_a_request_for_another_host_gets_the_sites_own_400_page(client: Client) -> None:
    response = client.get("/", HTTP_HOST="not-this-site.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "This request could not be understood" in html and STYLESHEET in html
    assert "not-this-site.example" not in html


@pytest.mark.django_db
def test_a_form_without_its_csrf_cookie_gets_a_page_that_says_what_to_do() -> None:
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/report/", {"body": "Something happened."})
    assert response.status_code == 403
    html = response.content.decode()
    assert "The form could not be sent" in html and "Nothing was stored" in html and STYLESHEET in html


@pytest.mark.django_db
@pytest.mark.urls("steward.tests.error_urls")
def test_a_bug_gets_the_sites_own_500_page(client: Client) -> None:
    client.raise_request_exception = False
    response = client.get("/test-broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and STYLESHEET in html
    assert "a bug in a view" not in html and "Traceback" not in html


def test_the_500_page_renders_with_the_database_gone(django_db_blocker: object) -> None:
    """The 500 page may be shown because the database failed: it must not need it, nor the context processors."""
    request = RequestFactory().get("/anything/")
    with django_db_blocker.block():  # type: ignore[attr-defined]  # any query now raises
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and STYLESHEET in html
