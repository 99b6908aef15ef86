"""Behind a reverse proxy each client is counted as itself: the proxy's X-Forwarded-For is read, but only
from a proxy in STEWARD_TRUSTED_PROXIES, so no client can choose the address it is counted under."""

import logging
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.tests.conftest import sign_in
from cases.models import Case
from intake.tests.conftest import receipt_of
from steward import checks

PROXY = "10.0.0.2"


@pytest.fixture
def behind_proxy(settings: Any) -> None:
    settings.STEWARD_TRUSTED_PROXIES = [PROXY]


def report(client: Client, **extra: Any) -> Any:
    return client.post(reverse("intake:report"), {"body": "Someone insulted me in the review thread."}, **extra)


@pytest.mark.django_db
def test_reports_from_21_clients_behind_a_trusted_proxy_are_all_taken(behind_proxy: None, settings: Any) -> None:
    assert settings.STEWARD_REPORT_HARD_LIMIT == 20
    client = Client(REMOTE_ADDR=PROXY)
    for n in range(21):
        response = report(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}")
        assert response.status_code == 200 and receipt_of(response)
    assert Case.objects.count() == 21
    assert not Case.objects.filter(held_as_possible_flood=True).exists()


@pytest.mark.django_db
def test_one_client_behind_the_proxy_is_still_limited(behind_proxy: None, settings: Any) -> None:
    settings.STEWARD_REPORT_SOFT_LIMIT, settings.STEWARD_REPORT_HARD_LIMIT = 1, 2
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert [report(client).status_code for _ in range(3)] == [200, 200, 429]
    # A second client's first report is neither refused nor held.
    assert report(client, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200
    assert Case.objects.filter(held_as_possible_flood=True).count() == 1


@pytest.mark.django_db
def test_forwarded_for_from_an_untrusted_address_is_ignored(behind_proxy: None, settings: Any) -> None:
    settings.STEWARD_REPORT_SOFT_LIMIT, settings.STEWARD_REPORT_HARD_LIMIT = 1, 2
    client = Client(REMOTE_ADDR="203.0.113.9")  # not the proxy: it may write whatever it likes into the header
    statuses = [report(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_wrong_passwords_from_one_client_behind_the_proxy_lock_out_only_that_client(
    behind_proxy: None, settings: Any, stewards: Any
) -> None:
    settings.STEWARD_LOGIN_MAX_FAILURES = 3
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    for name in ["bob", "carol", "dave"]:
        sign_in(attacker, name, "wrong password!")
    assert sign_in(attacker, "erin").status_code == 429
    # Another steward, through the same proxy, signs in.
    assert sign_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.5"), "erin").status_code == 302


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "client"),
    [
        # No proxy trusted: the header means nothing.
        ("10.0.0.2", "198.51.100.1", [], "10.0.0.2"),
        # Walked from the right; what the client wrote itself (left of its own address) is skipped.
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", ["10.0.0.2"], "198.51.100.1"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.7", ["10.0.0.0/24"], "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1,10.0.0.7", ["10.0.0.2"], "10.0.0.7"),  # 10.0.0.7 is not trusted: it is the client
        # Every hop trusted: the leftmost is as far as the chain goes.
        ("10.0.0.2", "10.0.0.9", ["10.0.0.0/24"], "10.0.0.9"),
        # Garbage at the right stops the walk at the last trusted hop.
        ("10.0.0.2", "198.51.100.1, unknown", ["10.0.0.2"], "10.0.0.2"),
        ("10.0.0.2", "", ["10.0.0.2"], "10.0.0.2"),
        # The forms proxies write: ports, brackets, IPv6, IPv4-mapped IPv6.
        ("10.0.0.2", "198.51.100.1:51234", ["10.0.0.2"], "198.51.100.1"),
        ("10.0.0.2", "[2001:db8::1]:443", ["10.0.0.2"], "2001:db8::1"),
        ("::1", "2001:DB8:0::1", ["::1"], "2001:db8::1"),
        ("::ffff:10.0.0.2", "198.51.100.1", ["10.0.0.2"], "198.51.100.1"),
    ],
)
def test_the_forwarded_for_walk(settings: Any, remote: str, forwarded: str, proxies: list[str], client: str) -> None:
    from steward.clientaddr import client_address

    settings.STEWARD_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == client


def test_a_proxy_nobody_trusted_is_logged_once_without_an_address(settings: Any, caplog: Any, monkeypatch: Any) -> None:
    from steward import clientaddr
    from steward.clientaddr import client_address

    settings.STEWARD_TRUSTED_PROXIES = []
    monkeypatch.setattr(clientaddr, "_warned_untrusted_proxy", False)
    with caplog.at_level(logging.WARNING, logger="steward.clientaddr"):
        for n in range(2):
            client_address(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"))
        client_address(RequestFactory().get("/", REMOTE_ADDR="198.51.100.3", HTTP_X_FORWARDED_FOR="1.2.3.4"))  # public: a client
    warnings = [r.getMessage() for r in caplog.records if r.name == "steward.clientaddr"]
    assert len(warnings) == 1 and "STEWARD_TRUSTED_PROXIES" in warnings[0]
    assert "127.0.0.1" not in warnings[0] and "198.51.100" not in warnings[0]


def test_check_deploy_warns_behind_a_proxy_without_trusted_proxies(settings: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.STEWARD_TRUSTED_PROXIES = []
    assert "steward.W004" in {problem.id for problem in checks.steward_deploy_checks(None)}
    settings.STEWARD_TRUSTED_PROXIES = [PROXY]
    assert "steward.W004" not in {problem.id for problem in checks.steward_deploy_checks(None)}
    settings.SECURE_PROXY_SSL_HEADER, settings.USE_X_FORWARDED_HOST, settings.STEWARD_TRUSTED_PROXIES = None, True, []
    assert "steward.W004" in {problem.id for problem in checks.steward_deploy_checks(None)}


def test_a_proxy_setting_that_is_not_an_address_is_an_error(settings: Any) -> None:
    settings.STEWARD_TRUSTED_PROXIES = ["10.0.0.2", "proxy.internal"]
    [problem] = checks.trusted_proxies_check(None)
    assert problem.id == "steward.E002" and "proxy.internal" in problem.msg
