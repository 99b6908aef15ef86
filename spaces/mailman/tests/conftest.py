"""The real Mailman 3 core for the tests: `make test` starts one (scripts/mailman.sh) and names it in
STEWARD_TEST_MAILMAN_URL, e.g. `http://restadmin:restpass@127.0.0.1:8321/3.1`.

Without it the real-server tests are skipped with the reason, except in CI (CI=true), where they fail: they
must not vanish from a run unnoticed. Every test module gets its own domain (a fresh name, so runs on SQLite
and PostgreSQL, and parallel workers, can share one Mailman) with its lists.
"""

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

MAILMAN_URL = "STEWARD_TEST_MAILMAN_URL"


@dataclass(frozen=True)
class RealMailman:
    api_url: str  # without credentials
    user: str
    password: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, auth=(self.user, self.password), timeout=20)


@dataclass(frozen=True)
class Site:
    """A domain of its own on the real Mailman, with the lists a test module asked for."""

    mailman: RealMailman
    rest: httpx.Client
    host: str

    def add_list(self, name: str) -> str:
        """Creates name@host; returns its list id."""
        created = self.rest.post("/lists", data={"fqdn_listname": f"{name}@{self.host}"})
        assert created.status_code == 201, created.text
        return f"{name}.{self.host}"

    def subscribe(self, list_id: str, email: str) -> httpx.Response:
        return self.rest.post(
            "/members",
            data={"list_id": list_id, "subscriber": email, "pre_verified": "true", "pre_confirmed": "true", "pre_approved": "true"},
        )


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI runs the Mailman tests against the real core, but {reason}.", pytrace=False)
    pytest.skip(f"No real Mailman core: {reason} (make test starts one with scripts/mailman.sh).")


@pytest.fixture(scope="session")
def real_mailman() -> RealMailman:
    url = os.environ.get(MAILMAN_URL, "")
    if not url:
        _unavailable(f"{MAILMAN_URL} is not set")
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    mailman = RealMailman(urlunsplit(parts._replace(netloc=netloc)).rstrip("/"), parts.username or "", parts.password or "")
    try:
        with mailman.client() as rest:
            answer = rest.get("/system/versions")
    except httpx.TransportError as error:
        _unavailable(f"nothing answers at {mailman.api_url} ({type(error).__name__})")
    if answer.status_code != 200:
        _unavailable(f"{mailman.api_url} answered {answer.status_code} to /system/versions")
    return mailman


@pytest.fixture(scope="module")
def site(real_mailman: RealMailman) -> Iterator[Site]:
    host = f"t{uuid.uuid4().hex[:12]}.lists.example.org"
    with real_mailman.client() as rest:
        created = rest.post("/domains", data={"mail_host": host})
        assert created.status_code == 201, created.text
        yield Site(real_mailman, rest, host)
        rest.delete(f"/domains/{host}")  # takes its lists along
